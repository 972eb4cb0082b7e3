namespace KubeNet.Controllers.Common;

/// <summary>
/// replica_set.go slowStartBatch: calls <c>fn</c> <c>count</c> times in batches of 1, 2, 4, ... run concurrently. A
/// batch with a failure stops the rest, so a controller facing a quota or an admission refusal makes one failing call
/// instead of hundreds.
/// </summary>
internal static class SlowStart
{
    /// <summary>controller.SlowStartInitialBatchSize.</summary>
    public const int InitialBatchSize = 1;

    /// <summary>Returns how many calls succeeded and the first error, if a batch failed.</summary>
    public static async Task<(int Successes, Exception? Error)> BatchAsync(int count, int initialBatchSize, Func<Task> fn)
    {
        var remaining = count;
        var successes = 0;
        for (var batch = Math.Min(remaining, initialBatchSize); batch > 0; batch = Math.Min(2 * batch, remaining))
        {
            var calls = new Task[batch];
            for (var i = 0; i < batch; i++)
            {
                calls[i] = Task.Run(fn);
            }

            try
            {
                await Task.WhenAll(calls);
            }
            catch (Exception)
            {
                // Inspected below, call by call.
            }

            var failed = calls.Where(c => !c.IsCompletedSuccessfully).ToList();
            successes += batch - failed.Count;
            if (failed.Count > 0)
            {
                var first = failed[0].Exception?.InnerException ?? new OperationCanceledException();
                return (successes, first);
            }

            remaining -= batch;
        }

        return (successes, null);
    }
}
