namespace KubeNet.Scheduler.Plugins;

/// <summary>Shared score helpers (upstream plugins/helper).</summary>
internal static class ScoreNormalizer
{
    /// <summary>
    /// DefaultNormalizeScore: scales scores to 0..<paramref name="maxPriority"/> by the highest; reversed, the lowest raw
    /// score wins. All zero stays zero (or becomes the maximum when reversed).
    /// </summary>
    public static void Default(long maxPriority, bool reverse, Span<long> scores)
    {
        long max = 0;
        foreach (var s in scores)
        {
            max = Math.Max(max, s);
        }

        if (max == 0)
        {
            if (reverse)
            {
                scores.Fill(maxPriority);
            }

            return;
        }

        for (var i = 0; i < scores.Length; i++)
        {
            var score = maxPriority * scores[i] / max;
            scores[i] = reverse ? maxPriority - score : score;
        }
    }

    /// <summary>BuildBrokenLinearFunction: a piecewise-linear function through the given (x, y) points, flat outside them.</summary>
    public static Func<long, long> BrokenLinear(IReadOnlyList<(long X, long Y)> shape) => p =>
    {
        for (var i = 0; i < shape.Count; i++)
        {
            if (p <= shape[i].X)
            {
                if (i == 0)
                {
                    return shape[0].Y;
                }

                return shape[i - 1].Y + ((shape[i].Y - shape[i - 1].Y) * (p - shape[i - 1].X) / (shape[i].X - shape[i - 1].X));
            }
        }

        return shape[^1].Y;
    };
}
