using System.Collections.Concurrent;

namespace KubeNet.Client.Tests;

public sealed class WorkQueueTests
{
    private static CancellationToken Timeout => new CancellationTokenSource(TestUtil.Timeout).Token;

    [Fact]
    public async Task AKeyQueuedTwiceIsHandedOutOnce()
    {
        using var queue = new WorkQueue<string>();
        queue.Add("a");
        queue.Add("b");
        queue.Add("a");
        Assert.Equal(2, queue.Count);

        var (first, _) = await queue.GetAsync(Timeout);
        var (second, _) = await queue.GetAsync(Timeout);
        Assert.Equal(["a", "b"], new[] { first, second });
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public async Task AKeyAddedWhileProcessingIsQueuedAgainOnlyWhenDone()
    {
        using var queue = new WorkQueue<string>();
        queue.Add("a");
        var (item, _) = await queue.GetAsync(Timeout);

        queue.Add("a");
        queue.Add("a");
        Assert.Equal(0, queue.Count);
        using (var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(50)))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queue.GetAsync(cts.Token));
        }

        queue.Done(item);
        Assert.Equal(1, queue.Count);
        var (again, shutdown) = await queue.GetAsync(Timeout);
        Assert.Equal("a", again);
        Assert.False(shutdown);
        queue.Done(again);
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public async Task NoTwoWorkersEverHoldTheSameKey()
    {
        using var queue = new WorkQueue<int>();
        var inFlight = new ConcurrentDictionary<int, int>();
        var processed = 0;
        var violations = 0;

        async Task WorkerAsync()
        {
            while (true)
            {
                var (key, shutdown) = await queue.GetAsync();
                if (shutdown)
                {
                    return;
                }

                if (!inFlight.TryAdd(key, 0))
                {
                    Interlocked.Increment(ref violations);
                }

                await Task.Yield();
                if (Random.Shared.Next(4) == 0)
                {
                    queue.Add(key);
                }

                inFlight.TryRemove(key, out _);
                Interlocked.Increment(ref processed);
                queue.Done(key);
            }
        }

        var workers = Enumerable.Range(0, 8).Select(_ => Task.Run(WorkerAsync)).ToArray();
        for (var i = 0; i < 2000; i++)
        {
            queue.Add(i % 5);
            if (i % 50 == 0)
            {
                await Task.Yield();
            }
        }

        await queue.ShutDownWithDrainAsync(Timeout);
        await Task.WhenAll(workers).WaitAsync(TestUtil.Timeout);
        Assert.Equal(0, violations);
        Assert.True(processed > 0);
    }

    [Fact]
    public async Task AddAfterQueuesOnceTheDelayPassesAndTheEarliestRequestWins()
    {
        using var queue = new WorkQueue<string>();
        queue.AddAfter("later", TimeSpan.FromHours(1));
        queue.AddAfter("soon", TimeSpan.FromHours(1));
        queue.AddAfter("soon", TimeSpan.FromMilliseconds(30));
        queue.AddAfter("soon", TimeSpan.FromHours(2));
        Assert.Equal(0, queue.Count);

        var (item, _) = await queue.GetAsync(Timeout);
        Assert.Equal("soon", item);
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public async Task AddRateLimitedBacksOffPerKeyUntilForgotten()
    {
        using var queue = new WorkQueue<string>(new ItemExponentialFailureRateLimiter<string>(TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(20)));
        for (var attempt = 1; attempt <= 4; attempt++)
        {
            queue.AddRateLimited("a");
            var (item, _) = await queue.GetAsync(Timeout);
            Assert.Equal("a", item);
            Assert.Equal(attempt, queue.NumRequeues("a"));
            queue.Done(item);
        }

        queue.Forget("a");
        Assert.Equal(0, queue.NumRequeues("a"));
    }

    [Fact]
    public async Task ShutDownHandsOutWhatIsQueuedThenReleasesWorkers()
    {
        using var queue = new WorkQueue<string>();
        var waiting = queue.GetAsync(Timeout);
        queue.Add("a");
        Assert.Equal("a", (await waiting).Item);

        queue.Add("b");
        queue.AddAfter("delayed", TimeSpan.FromMilliseconds(10));
        var idle = new WorkQueue<string>();
        var blocked = idle.GetAsync(Timeout);
        idle.ShutDown();
        Assert.True((await blocked).Shutdown, "a waiting worker is released");
        idle.Dispose();

        queue.ShutDown();
        Assert.True(queue.ShuttingDown);
        queue.Add("ignored");
        Assert.Equal(("b", false), await queue.GetAsync(Timeout));
        Assert.True((await queue.GetAsync(Timeout)).Shutdown);

        // Draining waits for the keys still held by workers.
        var drain = queue.ShutDownWithDrainAsync(Timeout);
        Assert.False(drain.IsCompleted);
        queue.Done("a");
        queue.Done("b");
        await drain;
    }

    [Fact]
    public void ExponentialFailureLimiterDoublesFrom5MsAndCapsAt1000s()
    {
        var limiter = new ItemExponentialFailureRateLimiter<string>(TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(1000));
        Assert.Equal(TimeSpan.FromMilliseconds(5), limiter.When("a"));
        Assert.Equal(TimeSpan.FromMilliseconds(10), limiter.When("a"));
        Assert.Equal(TimeSpan.FromMilliseconds(20), limiter.When("a"));
        Assert.Equal(TimeSpan.FromMilliseconds(5), limiter.When("b"));
        for (var i = 0; i < 100; i++)
        {
            limiter.When("a");
        }

        Assert.Equal(TimeSpan.FromSeconds(1000), limiter.When("a"));
        Assert.Equal(104, limiter.NumRequeues("a"));
        limiter.Forget("a");
        Assert.Equal(TimeSpan.FromMilliseconds(5), limiter.When("a"));
    }

    [Fact]
    public void BucketLimiterAllowsABurstOf100ThenTenPerSecond()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.UnixEpoch);
        var bucket = new BucketRateLimiter<string>(10, 100, clock);
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(TimeSpan.Zero, bucket.When("x" + i));
        }

        Assert.Equal(TimeSpan.FromMilliseconds(100), bucket.When("next"));
        Assert.Equal(TimeSpan.FromMilliseconds(200), bucket.When("next"));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(TimeSpan.Zero, bucket.When("next"));
    }

    [Fact]
    public void DefaultControllerLimiterTakesTheLongerOfBackoffAndBucket()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.UnixEpoch);
        var limiter = RateLimiters.DefaultController<string>(clock);
        Assert.Equal(TimeSpan.FromMilliseconds(5), limiter.When("a"));
        Assert.Equal(TimeSpan.FromMilliseconds(10), limiter.When("a"));
        for (var i = 0; i < 98; i++)
        {
            limiter.When("k" + i);
        }

        // The bucket is empty now: its 100 ms beats a fresh key's 5 ms.
        Assert.Equal(TimeSpan.FromMilliseconds(100), limiter.When("fresh"));
        Assert.Equal(2, limiter.NumRequeues("a"));
    }
}
