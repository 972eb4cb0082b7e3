namespace KubeNet.Client;

/// <summary>
/// The keyed work queue of client-go (workqueue.TypedRateLimitingInterface). A key queued several times is processed
/// once; a key being processed is never handed to a second worker, and if it is added meanwhile it is queued again
/// when the first worker calls <see cref="Done"/>. Workers loop: <see cref="GetAsync"/> → sync → <see cref="Forget"/>
/// or <see cref="AddRateLimited"/> → <see cref="Done"/>.
/// </summary>
public sealed class WorkQueue<TKey> : IDisposable
    where TKey : notnull
{
    private readonly Lock _lock = new();
    private readonly Queue<TKey> _queue = new();

    // Keys that need processing: queued, or added again while a worker holds them.
    private readonly HashSet<TKey> _dirty = [];
    private readonly HashSet<TKey> _processing = [];

    // AddAfter: the earliest ready time per key, and a heap whose stale entries are skipped when popped.
    private readonly Dictionary<TKey, DateTimeOffset> _waiting = [];
    private readonly PriorityQueue<TKey, DateTimeOffset> _waitingHeap = new();
    private readonly SemaphoreSlim _available = new(0);
    private readonly CancellationTokenSource _shutdown = new();
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly IRateLimiter<TKey> _rateLimiter;
    private readonly TimeProvider _time;
    private readonly ITimer _timer;
    private bool _shuttingDown;

    public WorkQueue(IRateLimiter<TKey>? rateLimiter = null, TimeProvider? timeProvider = null)
    {
        _rateLimiter = rateLimiter ?? RateLimiters.DefaultController<TKey>(timeProvider);
        _time = timeProvider ?? TimeProvider.System;
        _timer = _time.CreateTimer(_ => PromoteReady(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Keys queued and not yet handed to a worker.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _queue.Count;
            }
        }
    }

    public bool ShuttingDown
    {
        get
        {
            lock (_lock)
            {
                return _shuttingDown;
            }
        }
    }

    /// <summary>Queues <paramref name="item"/> unless it is already queued; ignored after shutdown.</summary>
    public void Add(TKey item)
    {
        bool signal;
        lock (_lock)
        {
            signal = AddLocked(item);
        }

        if (signal)
        {
            _available.Release();
        }
    }

    /// <summary>Queues <paramref name="item"/> once <paramref name="delay"/> has passed; an earlier pending time wins.</summary>
    public void AddAfter(TKey item, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            Add(item);
            return;
        }

        lock (_lock)
        {
            if (_shuttingDown)
            {
                return;
            }

            var readyAt = _time.GetUtcNow() + delay;
            if (_waiting.TryGetValue(item, out var existing) && existing <= readyAt)
            {
                return;
            }

            _waiting[item] = readyAt;
            _waitingHeap.Enqueue(item, readyAt);
            ScheduleTimerLocked();
        }
    }

    /// <summary>Queues <paramref name="item"/> after the delay its failure history calls for.</summary>
    public void AddRateLimited(TKey item) => AddAfter(item, _rateLimiter.When(item));

    /// <summary>Clears the failure history of <paramref name="item"/>; call it when a sync succeeds.</summary>
    public void Forget(TKey item) => _rateLimiter.Forget(item);

    public int NumRequeues(TKey item) => _rateLimiter.NumRequeues(item);

    /// <summary>
    /// Waits for a key and marks it as being processed; the caller must call <see cref="Done"/> with it. After
    /// shutdown, keys still queued are handed out first; then the result has <c>Shutdown</c> set.
    /// </summary>
    public async Task<(TKey Item, bool Shutdown)> GetAsync(CancellationToken cancellationToken = default)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _shutdown.Token);
        while (true)
        {
            lock (_lock)
            {
                if (_queue.TryDequeue(out var item))
                {
                    _processing.Add(item);
                    _dirty.Remove(item);
                    return (item, false);
                }

                if (_shuttingDown)
                {
                    return (default!, true);
                }
            }

            try
            {
                // Permits may outnumber queued keys (a worker can take a key without waiting); the loop rechecks.
                await _available.WaitAsync(linked.Token);
            }
            catch (OperationCanceledException) when (_shutdown.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
            }
        }
    }

    /// <summary>Ends processing of <paramref name="item"/>; if it was added meanwhile, it is queued again now.</summary>
    public void Done(TKey item)
    {
        var signal = false;
        lock (_lock)
        {
            _processing.Remove(item);
            if (_dirty.Contains(item))
            {
                _queue.Enqueue(item);
                signal = true;
            }

            if (_shuttingDown && _processing.Count == 0)
            {
                _drained.TrySetResult();
            }
        }

        if (signal)
        {
            _available.Release();
        }
    }

    /// <summary>Stops accepting keys and releases waiting workers once the queue is empty; delayed keys are dropped.</summary>
    public void ShutDown()
    {
        lock (_lock)
        {
            if (_shuttingDown)
            {
                return;
            }

            _shuttingDown = true;
            _waiting.Clear();
            _waitingHeap.Clear();
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            if (_processing.Count == 0)
            {
                _drained.TrySetResult();
            }
        }

        _shutdown.Cancel();
    }

    /// <summary>Shuts down and waits until every key handed out has been marked <see cref="Done"/>.</summary>
    public async Task ShutDownWithDrainAsync(CancellationToken cancellationToken = default)
    {
        ShutDown();
        await _drained.Task.WaitAsync(cancellationToken);
    }

    public void Dispose()
    {
        ShutDown();
        _timer.Dispose();
        _shutdown.Dispose();
        _available.Dispose();
    }

    private bool AddLocked(TKey item)
    {
        if (_shuttingDown || !_dirty.Add(item))
        {
            return false;
        }

        if (_processing.Contains(item))
        {
            // Done queues it again, so two workers never hold the same key.
            return false;
        }

        _queue.Enqueue(item);
        return true;
    }

    private void PromoteReady()
    {
        var released = 0;
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            while (_waitingHeap.TryPeek(out var item, out var readyAt) && readyAt <= now)
            {
                _waitingHeap.Dequeue();
                if (_waiting.TryGetValue(item, out var current) && current == readyAt)
                {
                    _waiting.Remove(item);
                    if (AddLocked(item))
                    {
                        released++;
                    }
                }
            }

            ScheduleTimerLocked();
        }

        if (released > 0)
        {
            _available.Release(released);
        }
    }

    private void ScheduleTimerLocked()
    {
        // Drop stale heap entries so the timer targets a live one.
        while (_waitingHeap.TryPeek(out var item, out var readyAt) && (!_waiting.TryGetValue(item, out var current) || current != readyAt))
        {
            _waitingHeap.Dequeue();
        }

        if (_waitingHeap.TryPeek(out _, out var next))
        {
            var due = next - _time.GetUtcNow();
            _timer.Change(due > TimeSpan.Zero ? due : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        }
        else
        {
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }
}
