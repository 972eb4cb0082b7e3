namespace KubeNet.Client;

/// <summary>
/// Exponential backoff with jitter, as client-go's reflector uses between list and watch attempts (800 ms doubling to
/// 30 s, jitter 1.0): many clients that lost the same server spread their reconnects instead of arriving together.
/// </summary>
public sealed class Backoff(TimeSpan initial, TimeSpan max, double jitter = 1.0)
{
    private readonly TimeSpan _initial = initial;
    private TimeSpan _next = initial;

    public TimeSpan Next()
    {
        var current = _next;
        _next = TimeSpan.FromTicks(Math.Min(max.Ticks, current.Ticks * 2));
        return current + TimeSpan.FromTicks((long)(current.Ticks * jitter * Random.Shared.NextDouble()));
    }

    public void Reset() => _next = _initial;
}
