namespace KubeNet.Client;

/// <summary>How long an item waits before it is requeued, as client-go's workqueue.TypedRateLimiter.</summary>
public interface IRateLimiter<in TKey>
{
    /// <summary>The delay before <paramref name="item"/> may be processed again; each call counts as one more failure.</summary>
    TimeSpan When(TKey item);

    /// <summary>Clears the failure history of <paramref name="item"/>, once it was processed successfully.</summary>
    void Forget(TKey item);

    /// <summary>Failures counted for <paramref name="item"/> since it was last forgotten.</summary>
    int NumRequeues(TKey item);
}

/// <summary>Per-item exponential backoff: baseDelay * 2^failures, capped at maxDelay.</summary>
public sealed class ItemExponentialFailureRateLimiter<TKey>(TimeSpan baseDelay, TimeSpan maxDelay) : IRateLimiter<TKey>
    where TKey : notnull
{
    private readonly Lock _lock = new();
    private readonly Dictionary<TKey, int> _failures = [];

    public TimeSpan When(TKey item)
    {
        int exponent;
        lock (_lock)
        {
            exponent = _failures.GetValueOrDefault(item);
            _failures[item] = exponent + 1;
        }

        // 2^exponent overflows long ticks past ~62 doublings; anything that large is past the cap anyway.
        var ticks = baseDelay.Ticks * Math.Pow(2, exponent);
        return ticks >= maxDelay.Ticks ? maxDelay : TimeSpan.FromTicks((long)ticks);
    }

    public void Forget(TKey item)
    {
        lock (_lock)
        {
            _failures.Remove(item);
        }
    }

    public int NumRequeues(TKey item)
    {
        lock (_lock)
        {
            return _failures.GetValueOrDefault(item);
        }
    }
}

/// <summary>
/// An overall token bucket (golang.org/x/time/rate reservations): bursts of up to <c>burst</c> pass at once, then items
/// are spaced 1/qps apart. It keeps a storm of failing items from hammering the API server.
/// </summary>
public sealed class BucketRateLimiter<TKey> : IRateLimiter<TKey>
{
    private readonly Lock _lock = new();
    private readonly double _qps;
    private readonly int _burst;
    private readonly TimeProvider _time;
    private double _tokens;
    private DateTimeOffset _last;

    public BucketRateLimiter(double qps, int burst, TimeProvider? timeProvider = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(qps);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(burst);
        _qps = qps;
        _burst = burst;
        _time = timeProvider ?? TimeProvider.System;
        _tokens = burst;
        _last = _time.GetUtcNow();
    }

    public TimeSpan When(TKey item)
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            _tokens = Math.Min(_burst, _tokens + (Math.Max(0, (now - _last).TotalSeconds) * _qps));
            _last = now;

            // Reserving a token may drive the bucket negative; the debt is the wait.
            _tokens -= 1;
            return _tokens >= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(-_tokens / _qps);
        }
    }

    public void Forget(TKey item)
    {
    }

    public int NumRequeues(TKey item) => 0;
}

/// <summary>The longest delay any of its limiters asks for.</summary>
public sealed class MaxOfRateLimiter<TKey>(params IRateLimiter<TKey>[] limiters) : IRateLimiter<TKey>
{
    public TimeSpan When(TKey item)
    {
        var max = TimeSpan.Zero;
        foreach (var limiter in limiters)
        {
            var delay = limiter.When(item);
            if (delay > max)
            {
                max = delay;
            }
        }

        return max;
    }

    public void Forget(TKey item)
    {
        foreach (var limiter in limiters)
        {
            limiter.Forget(item);
        }
    }

    public int NumRequeues(TKey item)
    {
        var max = 0;
        foreach (var limiter in limiters)
        {
            max = Math.Max(max, limiter.NumRequeues(item));
        }

        return max;
    }
}

public static class RateLimiters
{
    /// <summary>
    /// client-go's DefaultControllerRateLimiter: per-item backoff from 5 ms doubling to 1000 s, and no more than 10
    /// requeues per second overall after a burst of 100.
    /// </summary>
    public static IRateLimiter<TKey> DefaultController<TKey>(TimeProvider? timeProvider = null)
        where TKey : notnull =>
        new MaxOfRateLimiter<TKey>(
            new ItemExponentialFailureRateLimiter<TKey>(TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(1000)),
            new BucketRateLimiter<TKey>(10, 100, timeProvider));
}
