using KubeNet.Scheduler.Cache;

namespace KubeNet.Scheduler.Queue;

/// <summary>
/// Pods nominated to run on a node once preemption victims leave (status.nominatedNodeName). Filters count the
/// nominated pods of equal or higher priority as already there, so other pods do not take the room freed for them.
/// </summary>
internal sealed class Nominator
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, List<PodInfo>> _byNode = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _nodeOf = new(StringComparer.Ordinal);

    /// <summary>Nominates <paramref name="pod"/> to <paramref name="nodeName"/>, or to its status.nominatedNodeName when null.</summary>
    public void AddNominatedPod(PodInfo pod, string? nodeName)
    {
        lock (_lock)
        {
            DeleteLocked(pod.Uid);
            var node = nodeName ?? pod.NominatedNodeName;
            if (string.IsNullOrEmpty(node) || !string.IsNullOrEmpty(pod.NodeName))
            {
                return;
            }

            _nodeOf[pod.Uid] = node;
            if (!_byNode.TryGetValue(node, out var pods))
            {
                pods = [];
                _byNode[node] = pods;
            }

            pods.Add(pod);
        }
    }

    public void UpdateNominatedPod(PodInfo oldPod, PodInfo newPod)
    {
        lock (_lock)
        {
            // A nomination made by this scheduler survives updates that do not carry it yet (the status write lags).
            string? node = null;
            if (string.IsNullOrEmpty(newPod.NominatedNodeName) && string.IsNullOrEmpty(oldPod.NominatedNodeName)
                && _nodeOf.TryGetValue(oldPod.Uid, out var kept))
            {
                node = kept;
            }

            DeleteLocked(oldPod.Uid);
            node ??= newPod.NominatedNodeName;
            if (string.IsNullOrEmpty(node) || !string.IsNullOrEmpty(newPod.NodeName))
            {
                return;
            }

            _nodeOf[newPod.Uid] = node;
            if (!_byNode.TryGetValue(node, out var pods))
            {
                pods = [];
                _byNode[node] = pods;
            }

            pods.Add(newPod);
        }
    }

    public void DeleteNominatedPod(PodInfo pod)
    {
        lock (_lock)
        {
            DeleteLocked(pod.Uid);
        }
    }

    public IReadOnlyList<PodInfo> NominatedPodsForNode(string nodeName)
    {
        lock (_lock)
        {
            return _byNode.TryGetValue(nodeName, out var pods) ? [.. pods] : [];
        }
    }

    /// <summary>Every nomination by node, copied under one lock; null when there is none.</summary>
    public Dictionary<string, List<PodInfo>>? Snapshot()
    {
        lock (_lock)
        {
            if (_byNode.Count == 0)
            {
                return null;
            }

            var copy = new Dictionary<string, List<PodInfo>>(_byNode.Count, StringComparer.Ordinal);
            foreach (var (node, pods) in _byNode)
            {
                copy[node] = [.. pods];
            }

            return copy;
        }
    }

    public bool HasAny
    {
        get
        {
            lock (_lock)
            {
                return _nodeOf.Count > 0;
            }
        }
    }

    private void DeleteLocked(string uid)
    {
        if (!_nodeOf.Remove(uid, out var node) || !_byNode.TryGetValue(node, out var pods))
        {
            return;
        }

        pods.RemoveAll(p => string.Equals(p.Uid, uid, StringComparison.Ordinal));
        if (pods.Count == 0)
        {
            _byNode.Remove(node);
        }
    }
}
