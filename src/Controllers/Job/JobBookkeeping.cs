using k8s.Models;

namespace KubeNet.Controllers.Job;

/// <summary>
/// backoff_utils.go: per Job, how many pods failed since the last success and when the last one failed. Pod
/// replacements wait 10 s doubled per consecutive failure, up to 10 min.
/// </summary>
internal sealed class BackoffStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, BackoffRecord> _records = new(StringComparer.Ordinal);

    public BackoffRecord NewRecord(string key, List<V1Pod> newSucceeded, List<V1Pod> newFailed)
    {
        BackoffRecord backoff;
        lock (_lock)
        {
            backoff = _records.TryGetValue(key, out var old) ? old : new BackoffRecord(key, 0, null);
        }

        newSucceeded.Sort((a, b) => JobPods.FinishedTime(a).CompareTo(JobPods.FinishedTime(b)));
        newFailed.Sort((a, b) => JobPods.FinishedTime(a).CompareTo(JobPods.FinishedTime(b)));
        if (newSucceeded.Count == 0)
        {
            return newFailed.Count == 0
                ? backoff
                : backoff with { FailuresAfterLastSuccess = backoff.FailuresAfterLastSuccess + newFailed.Count, LastFailureTime = JobPods.FinishedTime(newFailed[^1]) };
        }

        var failures = 0;
        DateTime? lastFailure = null;
        var lastSuccess = JobPods.FinishedTime(newSucceeded[^1]);
        for (var i = newFailed.Count - 1; i >= 0; i--)
        {
            var failed = JobPods.FinishedTime(newFailed[i]);
            if (failed <= lastSuccess)
            {
                break;
            }

            lastFailure ??= failed;
            failures++;
        }

        return backoff with { FailuresAfterLastSuccess = failures, LastFailureTime = lastFailure };
    }

    public void Update(BackoffRecord record)
    {
        lock (_lock)
        {
            _records[record.Key] = record;
        }
    }

    public void Remove(string key)
    {
        lock (_lock)
        {
            _records.Remove(key);
        }
    }

    /// <summary>getRemainingTimeForFailuresCount.</summary>
    public static TimeSpan RemainingTime(DateTime now, TimeSpan defaultBackoff, TimeSpan maxBackoff, int failures, DateTime? lastFailure)
    {
        if (failures == 0 || lastFailure is null)
        {
            return TimeSpan.Zero;
        }

        var backoff = defaultBackoff;
        for (var i = 1; i < failures; i++)
        {
            backoff *= 2;
            if (backoff >= maxBackoff)
            {
                backoff = maxBackoff;
                break;
            }
        }

        var elapsed = now - lastFailure.Value;
        return backoff < elapsed ? TimeSpan.Zero : backoff - elapsed;
    }
}

internal sealed record BackoffRecord(string Key, int FailuresAfterLastSuccess, DateTime? LastFailureTime);

/// <summary>
/// tracking_utils.go's uidTrackingExpectations: the pods whose tracking finalizer the controller removed and has not
/// yet seen removed in its cache, so the next sync does not count them twice.
/// </summary>
internal sealed class FinalizerExpectations
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, HashSet<string>> _expected = new(StringComparer.Ordinal);

    public HashSet<string> ExpectedUids(string jobKey)
    {
        lock (_lock)
        {
            return _expected.TryGetValue(jobKey, out var uids) ? new HashSet<string>(uids, StringComparer.Ordinal) : new HashSet<string>(StringComparer.Ordinal);
        }
    }

    public void ExpectRemoved(string jobKey, IEnumerable<string> uids)
    {
        lock (_lock)
        {
            if (!_expected.TryGetValue(jobKey, out var set))
            {
                set = new HashSet<string>(StringComparer.Ordinal);
                _expected[jobKey] = set;
            }

            set.UnionWith(uids);
        }
    }

    public void RemovalObserved(string jobKey, string uid)
    {
        lock (_lock)
        {
            if (_expected.TryGetValue(jobKey, out var set) && set.Remove(uid) && set.Count == 0)
            {
                _expected.Remove(jobKey);
            }
        }
    }

    public void Delete(string jobKey)
    {
        lock (_lock)
        {
            _expected.Remove(jobKey);
        }
    }
}
