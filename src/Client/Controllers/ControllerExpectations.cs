namespace KubeNet.Client;

/// <summary>
/// What a controller is waiting to see in its informer after it created or deleted objects, as upstream
/// pkg/controller/controller_utils.go. Until its own writes show up in the cache a controller would count stale state
/// and create or delete twice; expectations make it wait, and expire after <see cref="ExpectationsTimeout"/> so a
/// lost watch event cannot block a controller forever.
/// </summary>
public sealed class ControllerExpectations(TimeProvider? timeProvider = null)
{
    /// <summary>Upstream ExpectationsTimeout: after this, unmet expectations no longer hold a controller back.</summary>
    public static readonly TimeSpan ExpectationsTimeout = TimeSpan.FromMinutes(5);

    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Expectation> _store = new(StringComparer.Ordinal);

    /// <summary>Pending creations and deletions of one controller, and when they were set.</summary>
    public sealed record Expectation(long Add, long Delete, DateTimeOffset Timestamp)
    {
        public bool Fulfilled => Add <= 0 && Delete <= 0;
    }

    public Expectation? GetExpectations(string controllerKey)
    {
        lock (_lock)
        {
            return _store.GetValueOrDefault(controllerKey);
        }
    }

    /// <summary>
    /// True when the controller may sync: its expectations are met or expired, or it has none (a controller new to
    /// this process, or one whose expectations were deleted).
    /// </summary>
    public bool SatisfiedExpectations(string controllerKey)
    {
        lock (_lock)
        {
            if (!_store.TryGetValue(controllerKey, out var expectation))
            {
                return true;
            }

            return expectation.Fulfilled || _time.GetUtcNow() - expectation.Timestamp > ExpectationsTimeout;
        }
    }

    public void ExpectCreations(string controllerKey, int adds) => SetExpectations(controllerKey, adds, 0);

    public void ExpectDeletions(string controllerKey, int deletes) => SetExpectations(controllerKey, 0, deletes);

    /// <summary>Replaces the expectations of <paramref name="controllerKey"/> and restarts their clock.</summary>
    public void SetExpectations(string controllerKey, int adds, int deletes)
    {
        lock (_lock)
        {
            _store[controllerKey] = new Expectation(adds, deletes, _time.GetUtcNow());
        }
    }

    public void RaiseExpectations(string controllerKey, int adds, int deletes) => Adjust(controllerKey, adds, deletes);

    public void LowerExpectations(string controllerKey, int adds, int deletes) => Adjust(controllerKey, -adds, -deletes);

    /// <summary>An informer saw one object this controller created (or a create call failed and will not be seen).</summary>
    public void CreationObserved(string controllerKey) => LowerExpectations(controllerKey, 1, 0);

    /// <summary>An informer saw one deletion this controller asked for (or a delete call failed).</summary>
    public void DeletionObserved(string controllerKey) => LowerExpectations(controllerKey, 0, 1);

    public void DeleteExpectations(string controllerKey)
    {
        lock (_lock)
        {
            _store.Remove(controllerKey);
        }
    }

    // The timestamp stays: expiry measures time since the controller last set its expectations, as upstream.
    private void Adjust(string controllerKey, int adds, int deletes)
    {
        lock (_lock)
        {
            if (_store.TryGetValue(controllerKey, out var expectation))
            {
                _store[controllerKey] = expectation with { Add = expectation.Add + adds, Delete = expectation.Delete + deletes };
            }
        }
    }
}

/// <summary>
/// Expectations that also remember which objects a controller is deleting, as upstream
/// UIDTrackingControllerExpectations: a deletion is counted once even when both the update that set
/// deletionTimestamp and the final delete event arrive.
/// </summary>
public sealed class UidTrackingControllerExpectations(TimeProvider? timeProvider = null)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, HashSet<string>> _deleting = new(StringComparer.Ordinal);

    public ControllerExpectations Expectations { get; } = new(timeProvider);

    public IReadOnlySet<string>? GetSet(string controllerKey)
    {
        lock (_lock)
        {
            return _deleting.GetValueOrDefault(controllerKey);
        }
    }

    /// <summary>Expects deletion of the objects with these keys ("namespace/name").</summary>
    public void ExpectDeletions(string controllerKey, IReadOnlyCollection<string> deletedKeys)
    {
        lock (_lock)
        {
            // Upstream only logs when an unfinished set is replaced: the new count is what the controller waits for.
            _deleting[controllerKey] = new HashSet<string>(deletedKeys, StringComparer.Ordinal);
            Expectations.ExpectDeletions(controllerKey, deletedKeys.Count);
        }
    }

    /// <summary>Counts the deletion of <paramref name="deletedKey"/> once, however many events report it.</summary>
    public void DeletionObserved(string controllerKey, string deletedKey)
    {
        lock (_lock)
        {
            if (_deleting.TryGetValue(controllerKey, out var keys) && keys.Remove(deletedKey))
            {
                Expectations.DeletionObserved(controllerKey);
            }
        }
    }

    public void DeleteExpectations(string controllerKey)
    {
        lock (_lock)
        {
            _deleting.Remove(controllerKey);
            Expectations.DeleteExpectations(controllerKey);
        }
    }
}
