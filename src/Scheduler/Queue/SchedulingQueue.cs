using KubeNet.Scheduler.Cache;
using KubeNet.Scheduler.Framework;

namespace KubeNet.Scheduler.Queue;

/// <summary>An event a plugin of some profile registered, as the queue matches it against rejected pods.</summary>
internal sealed record RegisteredEvent(ClusterEvent Event, string Plugin, QueueingHintFn? Hint);

/// <summary>
/// Upstream's PriorityQueue. Pending pods wait in one of three places: the active queue (a heap by priority, then by
/// the time they were queued) from which the scheduling loop pops; the backoff queue, for pods that failed and wait out
/// an exponential backoff (initial 1s, doubling per attempt, capped at 10s by default); and the unschedulable pool, for
/// pods the plugins rejected, which stay there until a cluster event one of those plugins registered (and its queueing
/// hint accepts) could make them fit, or until five minutes pass. Events that arrive while a pod is being scheduled are
/// remembered, so a pod that fails right after the event that would have helped it is not parked and forgotten.
/// </summary>
internal sealed class SchedulingQueue
{
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan _initialBackoff;
    private readonly TimeSpan _maxBackoff;
    private readonly TimeSpan _maxInUnschedulable;
    private readonly Func<PodInfo, Status?> _preEnqueue;
    private readonly Func<string, IReadOnlyList<RegisteredEvent>?> _eventsOf;
    private readonly KeyedHeap<QueuedPodInfo> _active;
    private readonly KeyedHeap<QueuedPodInfo> _backoff;
    private readonly Dictionary<string, QueuedPodInfo> _unschedulable = new(StringComparer.Ordinal);

    // Pods popped and not yet Done, and the events seen since the oldest of them was popped.
    private readonly Dictionary<string, InFlightPod> _inFlight = new(StringComparer.Ordinal);
    private readonly LinkedList<object> _inFlightLog = new();
    private TaskCompletionSource? _waiter;
    private bool _closed;

    public SchedulingQueue(
        TimeProvider time,
        TimeSpan initialBackoff,
        TimeSpan maxBackoff,
        TimeSpan maxInUnschedulable,
        Func<PodInfo, Status?> preEnqueue,
        Func<string, IReadOnlyList<RegisteredEvent>?> eventsOf)
    {
        _time = time;
        _initialBackoff = initialBackoff;
        _maxBackoff = maxBackoff;
        _maxInUnschedulable = maxInUnschedulable;
        _preEnqueue = preEnqueue;
        _eventsOf = eventsOf;
        _active = new KeyedHeap<QueuedPodInfo>(p => p.Key, static (a, b) =>
        {
            // PrioritySort: higher priority first, then the pod queued earlier.
            var byPriority = b.PodInfo.Priority.CompareTo(a.PodInfo.Priority);
            return byPriority != 0 ? byPriority : a.Timestamp.CompareTo(b.Timestamp);
        });
        _backoff = new KeyedHeap<QueuedPodInfo>(p => p.Key, static (a, b) => a.BackoffExpiration.CompareTo(b.BackoffExpiration));
    }

    public Nominator Nominator { get; } = new();

    /// <summary>Attempts started so far; each pop is one scheduling cycle.</summary>
    public long SchedulingCycle { get; private set; }

    public (int Active, int Backoff, int Unschedulable) Counts
    {
        get
        {
            lock (_lock)
            {
                return (_active.Count, _backoff.Count, _unschedulable.Count);
            }
        }
    }

    /// <summary>A new pending pod: to the active queue, or to the unschedulable pool while a PreEnqueue plugin gates it.</summary>
    public void Add(PodInfo pod)
    {
        lock (_lock)
        {
            var key = pod.Key;
            if (_active.Contains(key) || _backoff.Contains(key) || _unschedulable.ContainsKey(key))
            {
                UpdateLocked(pod);
                return;
            }

            var queued = new QueuedPodInfo(pod, _time.GetUtcNow());
            MoveToActiveOrGateLocked(queued);
        }

        Nominator.AddNominatedPod(pod, null);
    }

    /// <summary>A pending pod changed: updated in place, or moved out of the unschedulable pool if the change may help it.</summary>
    public void Update(PodInfo oldPod, PodInfo newPod)
    {
        lock (_lock)
        {
            if (_inFlight.TryGetValue(newPod.Uid, out var flying))
            {
                flying.Latest = newPod;
                if (PodSpecChanged(oldPod, newPod))
                {
                    flying.UpdatedMeanwhile = true;
                }
            }
            else if (!UpdateLocked(newPod, oldPod))
            {
                MoveToActiveOrGateLocked(new QueuedPodInfo(newPod, _time.GetUtcNow()));
            }
        }

        Nominator.UpdateNominatedPod(oldPod, newPod);
    }

    public void Delete(PodInfo pod)
    {
        lock (_lock)
        {
            var key = pod.Key;
            _active.Remove(key);
            _backoff.Remove(key);
            _unschedulable.Remove(key);
            if (_inFlight.TryGetValue(pod.Uid, out var flying))
            {
                flying.Deleted = true;
            }
        }

        Nominator.DeleteNominatedPod(pod);
    }

    /// <summary>Waits for the highest-priority active pod; null once the queue is closed.</summary>
    public async Task<QueuedPodInfo?> PopAsync(CancellationToken ct)
    {
        while (true)
        {
            Task wait;
            lock (_lock)
            {
                if (_closed)
                {
                    return null;
                }

                var next = _active.Pop();
                if (next is not null)
                {
                    SchedulingCycle++;
                    next.Attempts++;
                    next.InitialAttemptTimestamp ??= _time.GetUtcNow();
                    var marker = new InFlightPod(next.PodInfo);
                    marker.Node = _inFlightLog.AddLast(marker);
                    _inFlight[next.PodInfo.Uid] = marker;
                    return next;
                }

                _waiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = _waiter.Task;
            }

            await wait.WaitAsync(ct);
        }
    }

    /// <summary>The scheduling cycle of the pod ended (bound, assumed or parked): forget its in-flight record.</summary>
    public void Done(string uid)
    {
        lock (_lock)
        {
            DoneLocked(uid);
        }
    }

    /// <summary>
    /// Puts a pod whose attempt failed back: into the unschedulable pool, unless an event seen during the attempt may
    /// already have helped it (then into backoff), or the failure was an error rather than a rejection (backoff too).
    /// </summary>
    public void AddUnschedulable(QueuedPodInfo pod)
    {
        lock (_lock)
        {
            var uid = pod.PodInfo.Uid;
            _inFlight.TryGetValue(uid, out var flying);
            try
            {
                if (flying is { Deleted: true })
                {
                    return;
                }

                if (flying?.Latest is { } latest)
                {
                    pod.PodInfo = latest;
                }

                var key = pod.Key;
                if (_active.Contains(key) || _backoff.Contains(key) || _unschedulable.ContainsKey(key))
                {
                    return;
                }

                pod.Timestamp = _time.GetUtcNow();
                var hint = Requeue.Skip;
                if (pod.UnschedulablePlugins.Count == 0 && pod.PendingPlugins.Count == 0)
                {
                    hint = Requeue.AfterBackoff;
                }
                else if (flying is not null)
                {
                    hint = flying.UpdatedMeanwhile ? Requeue.AfterBackoff : HintFromInFlightEvents(pod, flying);
                }

                RequeueLocked(pod, hint);
            }
            finally
            {
                if (flying is not null)
                {
                    DoneLocked(uid);
                }
            }
        }
    }

    /// <summary>
    /// A cluster event: moves every parked pod that the event may help (per its rejecting plugins' registrations and
    /// hints) to the active or backoff queue. <paramref name="preCheck"/> narrows the candidates cheaply first.
    /// </summary>
    public void MoveAllToActiveOrBackoff(ClusterEvent e, object? oldObj, object? newObj, Func<PodInfo, bool>? preCheck = null)
    {
        lock (_lock)
        {
            if (_inFlight.Count > 0)
            {
                _inFlightLog.AddLast(new InFlightEvent(e, oldObj, newObj));
            }

            if (_unschedulable.Count == 0)
            {
                return;
            }

            List<(QueuedPodInfo Pod, Requeue Hint)>? moves = null;
            foreach (var pod in _unschedulable.Values)
            {
                if (pod.Gated || (preCheck is not null && !preCheck(pod.PodInfo)))
                {
                    continue;
                }

                var hint = WorthRequeuing(pod, e, oldObj, newObj);
                if (hint != Requeue.Skip)
                {
                    (moves ??= []).Add((pod, hint));
                }
            }

            if (moves is null)
            {
                return;
            }

            foreach (var (pod, hint) in moves)
            {
                _unschedulable.Remove(pod.Key);
                RequeueLocked(pod, hint);
            }
        }
    }

    /// <summary>Moves pods whose backoff has expired to the active queue.</summary>
    public void FlushBackoffCompleted()
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            var moved = false;
            while (_backoff.Peek() is { } head && head.BackoffExpiration <= now)
            {
                _backoff.Pop();
                _active.AddOrUpdate(head);
                moved = true;
            }

            if (moved)
            {
                SignalLocked();
            }
        }
    }

    /// <summary>Pods parked longer than the limit (5 minutes by default) get another try whatever happened.</summary>
    public void FlushUnschedulableLeftover()
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            List<QueuedPodInfo>? stale = null;
            foreach (var pod in _unschedulable.Values)
            {
                if (!pod.Gated && now - pod.Timestamp > _maxInUnschedulable)
                {
                    (stale ??= []).Add(pod);
                }
            }

            foreach (var pod in stale ?? [])
            {
                _unschedulable.Remove(pod.Key);
                RequeueLocked(pod, Requeue.AfterBackoff);
            }
        }
    }

    public void Close()
    {
        lock (_lock)
        {
            _closed = true;
            SignalLocked();
        }
    }

    /// <summary>Every pod the queue holds, for diagnostics and tests.</summary>
    public IReadOnlyList<PodInfo> PendingPods()
    {
        lock (_lock)
        {
            return [.. _active.Items.Concat(_backoff.Items).Concat(_unschedulable.Values).Select(p => p.PodInfo)];
        }
    }

    /// <summary>Upstream calculateBackoffDuration: initial * 2^(attempts-1), capped; no backoff before any attempt.</summary>
    internal TimeSpan BackoffDuration(int attempts)
    {
        if (attempts == 0)
        {
            return TimeSpan.Zero;
        }

        var duration = _initialBackoff;
        for (var i = 1; i < attempts; i++)
        {
            if (duration > _maxBackoff - duration)
            {
                return _maxBackoff;
            }

            duration += duration;
        }

        return duration;
    }

    private bool UpdateLocked(PodInfo pod, PodInfo? old = null)
    {
        var key = pod.Key;
        if (_active.Get(key) is { } active)
        {
            active.PodInfo = pod;
            _active.AddOrUpdate(active);
            return true;
        }

        if (_backoff.Get(key) is { } backingOff)
        {
            backingOff.PodInfo = pod;
            _backoff.AddOrUpdate(backingOff);
            return true;
        }

        if (_unschedulable.TryGetValue(key, out var parked))
        {
            parked.PodInfo = pod;
            if (parked.Gated)
            {
                // Gates may have been lifted: ask the PreEnqueue plugins again.
                _unschedulable.Remove(key);
                MoveToActiveOrGateLocked(parked);
            }
            else if (old is null || PodSpecChanged(old, pod))
            {
                _unschedulable.Remove(key);
                RequeueLocked(parked, Requeue.AfterBackoff);
            }

            return true;
        }

        return false;
    }

    private void MoveToActiveOrGateLocked(QueuedPodInfo pod)
    {
        var status = _preEnqueue(pod.PodInfo);
        if (status is not null && status.Code != StatusCode.Success)
        {
            pod.GatingPlugin = status.Plugin ?? "PreEnqueue";
            _unschedulable[pod.Key] = pod;
            return;
        }

        pod.GatingPlugin = null;
        _active.AddOrUpdate(pod);
        SignalLocked();
    }

    private void RequeueLocked(QueuedPodInfo pod, Requeue hint)
    {
        switch (hint)
        {
            case Requeue.Skip:
                _unschedulable[pod.Key] = pod;
                return;
            case Requeue.AfterBackoff when !pod.Gated:
                var expiry = pod.Timestamp + BackoffDuration(pod.Attempts);
                if (expiry > _time.GetUtcNow())
                {
                    pod.BackoffExpiration = expiry;
                    _backoff.AddOrUpdate(pod);
                    return;
                }

                break;
        }

        MoveToActiveOrGateLocked(pod);
    }

    private Requeue HintFromInFlightEvents(QueuedPodInfo pod, InFlightPod flying)
    {
        var best = Requeue.Skip;
        for (var node = flying.Node?.Next; node is not null; node = node.Next)
        {
            if (node.Value is not InFlightEvent e)
            {
                continue;
            }

            var hint = WorthRequeuing(pod, e.Event, e.Old, e.New);
            if (hint == Requeue.Immediately)
            {
                return hint;
            }

            if (hint == Requeue.AfterBackoff)
            {
                best = hint;
            }
        }

        return best;
    }

    /// <summary>Upstream isPodWorthRequeuing: asks the hints of the plugins that rejected the pod and registered the event.</summary>
    private Requeue WorthRequeuing(QueuedPodInfo pod, ClusterEvent e, object? oldObj, object? newObj)
    {
        if ((pod.UnschedulablePlugins.Count == 0 && pod.PendingPlugins.Count == 0) || e.IsWildCard)
        {
            return Requeue.AfterBackoff;
        }

        var registered = _eventsOf(pod.PodInfo.SchedulerName);
        if (registered is null)
        {
            return Requeue.AfterBackoff;
        }

        var result = Requeue.Skip;
        foreach (var r in registered)
        {
            if (!r.Event.Matches(e))
            {
                continue;
            }

            var pending = pod.PendingPlugins.Contains(r.Plugin);
            if (!pending && !pod.UnschedulablePlugins.Contains(r.Plugin))
            {
                continue;
            }

            QueueingHint hint;
            try
            {
                hint = r.Hint?.Invoke(pod.PodInfo, oldObj, newObj) ?? QueueingHint.Queue;
            }
#pragma warning disable CA1031 // A failing hint must not lose the event: upstream treats errors as Queue.
            catch (Exception)
#pragma warning restore CA1031
            {
                hint = QueueingHint.Queue;
            }

            if (hint == QueueingHint.Skip)
            {
                continue;
            }

            if (pending)
            {
                return Requeue.Immediately;
            }

            if (pod.PendingPlugins.Count == 0)
            {
                return Requeue.AfterBackoff;
            }

            result = Requeue.AfterBackoff;
        }

        return result;
    }

    private void DoneLocked(string uid)
    {
        if (!_inFlight.Remove(uid, out var flying) || flying.Node is null)
        {
            return;
        }

        _inFlightLog.Remove(flying.Node);

        // Events older than every remaining in-flight pod can no longer matter.
        while (_inFlightLog.First is { Value: InFlightEvent })
        {
            _inFlightLog.RemoveFirst();
        }
    }

    private void SignalLocked()
    {
        var waiter = _waiter;
        _waiter = null;
        waiter?.TrySetResult();
    }

    // Changes only to status, resourceVersion or managed fields cannot make a pod schedulable (and the scheduler's own
    // status writes must not requeue the pod).
    private static bool PodSpecChanged(PodInfo oldPod, PodInfo newPod)
    {
        var o = oldPod.Pod;
        var n = newPod.Pod;
        if (!DictionaryEqual(o.Metadata.Labels, n.Metadata.Labels) || !DictionaryEqual(o.Metadata.Annotations, n.Metadata.Annotations))
        {
            return true;
        }

        return !string.Equals(k8s.KubernetesJson.Serialize(o.Spec), k8s.KubernetesJson.Serialize(n.Spec), StringComparison.Ordinal);
    }

    private static bool DictionaryEqual(IDictionary<string, string>? a, IDictionary<string, string>? b)
    {
        if ((a?.Count ?? 0) != (b?.Count ?? 0))
        {
            return false;
        }

        if (a is null || b is null)
        {
            return true;
        }

        foreach (var (k, v) in a)
        {
            if (!b.TryGetValue(k, out var other) || !string.Equals(v, other, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private enum Requeue
    {
        Skip,
        AfterBackoff,
        Immediately,
    }

    private sealed class InFlightPod(PodInfo pod)
    {
        public PodInfo Pod { get; } = pod;

        public LinkedListNode<object>? Node { get; set; }

        public PodInfo? Latest { get; set; }

        public bool UpdatedMeanwhile { get; set; }

        public bool Deleted { get; set; }
    }

    private sealed record InFlightEvent(ClusterEvent Event, object? Old, object? New);
}
