using System.Collections.Concurrent;

namespace KubeNet.Kubelet.Pods;

/// <summary>
/// Upstream's flowcontrol.Backoff as the kubelet uses it for crash loops and image pulls: the first retry is at once,
/// then each waits twice the last (10 s, 20 s, ... capped at 5 min), counted from when the last try ended. An entry
/// untouched for twice the cap starts over.
/// </summary>
internal sealed class BackoffTracker(TimeSpan initial, TimeSpan max, TimeProvider? time = null)
{
    private readonly ConcurrentDictionary<string, (TimeSpan Delay, DateTime Last)> _entries = new(StringComparer.Ordinal);
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    private DateTime Now => _time.GetUtcNow().UtcDateTime;

    /// <summary>True while <paramref name="since"/> + the current delay is still ahead; the delay is returned.</summary>
    public bool InBackoffSince(string key, DateTime since, out TimeSpan delay)
    {
        delay = TimeSpan.Zero;
        if (!_entries.TryGetValue(key, out var entry))
        {
            return false;
        }

        if (Now - entry.Last > max * 2)
        {
            _entries.TryRemove(key, out _);
            return false;
        }

        delay = entry.Delay;
        return Now - since < entry.Delay;
    }

    /// <summary>Records a retry: the next one waits twice as long.</summary>
    public void Next(string key)
    {
        _entries.AddOrUpdate(
            key,
            _ => (initial, Now),
            (_, e) => (Now - e.Last > max * 2 ? initial : TimeSpan.FromTicks(Math.Min(e.Delay.Ticks * 2, max.Ticks)), Now));
    }

    public void Forget(string keyPrefix)
    {
        foreach (var key in _entries.Keys.Where(k => k.StartsWith(keyPrefix, StringComparison.Ordinal)))
        {
            _entries.TryRemove(key, out _);
        }
    }
}
