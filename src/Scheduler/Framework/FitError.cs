using System.Globalization;

namespace KubeNet.Scheduler.Framework;

/// <summary>
/// The FailedScheduling message, as upstream's FitError.Error(): "0/N nodes are available: " then the PreFilter
/// rejection, or each distinct per-node reason with its node count (sorted as strings), then the PostFilter message.
/// </summary>
internal static class FitError
{
    /// <summary>upstream ErrNoNodesAvailable.</summary>
    public const string NoNodesAvailable = "no nodes available to schedule pods";

    public static string Message(int numAllNodes, NodeToStatus statuses, string? preFilterMessage, string? postFilterMessage)
    {
        var message = string.Create(CultureInfo.InvariantCulture, $"0/{numAllNodes} nodes are available:");
        if (!string.IsNullOrEmpty(preFilterMessage))
        {
            message += " " + preFilterMessage + ".";
        }
        else
        {
            var reasons = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var (_, status) in statuses.Explicit)
            {
                foreach (var reason in status.Reasons)
                {
                    reasons[reason] = reasons.GetValueOrDefault(reason) + 1;
                }
            }

            if (statuses.Count < numAllNodes)
            {
                foreach (var reason in statuses.AbsentNodesStatus.Reasons)
                {
                    reasons[reason] = reasons.GetValueOrDefault(reason) + (numAllNodes - statuses.Count);
                }
            }

            var histogram = reasons.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Value} {r.Key}")).ToList();
            histogram.Sort(StringComparer.Ordinal);
            if (histogram.Count > 0)
            {
                message += " " + string.Join(", ", histogram) + ".";
            }
        }

        if (!string.IsNullOrEmpty(postFilterMessage))
        {
            message += " " + postFilterMessage;
        }

        return message;
    }
}
