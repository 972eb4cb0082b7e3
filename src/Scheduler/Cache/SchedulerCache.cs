using k8s.Models;

namespace KubeNet.Scheduler.Cache;

/// <summary>
/// What the scheduler knows about nodes and the pods on them, as upstream's scheduler cache. A pod is assumed on its
/// node the moment the scheduling cycle picks the node, so the next pod already sees it, while binding goes on in the
/// background; the informer's event for the bound pod then confirms the assumption (or a failed binding forgets it).
/// Node infos sit in a most-recently-changed list, so <see cref="UpdateSnapshot"/> copies only what moved since the
/// last cycle: with 5,000 nodes a cycle typically copies one or two.
/// </summary>
internal sealed class SchedulerCache
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, NodeItem> _nodes = new(StringComparer.Ordinal);
    private readonly NodeTree _tree = new();
    private readonly Dictionary<string, PodState> _pods = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ImageEntry> _images = new(StringComparer.Ordinal);
    private NodeItem? _head;

    // Bumped when the set of nodes (or their zones) changes, so the snapshot knows to rebuild its ordered list.
    private long _nodeSetVersion;
    private long _snapshotNodeSetVersion = -1;

    public int NodeCount
    {
        get
        {
            lock (_lock)
            {
                return _tree.Count;
            }
        }
    }

    public int PodCount
    {
        get
        {
            lock (_lock)
            {
                return _pods.Count;
            }
        }
    }

    public bool IsAssumed(string uid)
    {
        lock (_lock)
        {
            return _pods.TryGetValue(uid, out var state) && state.Assumed;
        }
    }

    /// <summary>The node the cache holds the pod on, bound or assumed; null when unknown.</summary>
    public string? NodeOf(string uid)
    {
        lock (_lock)
        {
            return _pods.TryGetValue(uid, out var state) ? state.NodeName : null;
        }
    }

    /// <summary>Counts <paramref name="pod"/> on <paramref name="nodeName"/> before it is bound.</summary>
    public bool AssumePod(PodInfo pod, string nodeName)
    {
        lock (_lock)
        {
            if (_pods.ContainsKey(pod.Uid))
            {
                return false;
            }

            AddPodLocked(pod, nodeName, assumed: true);
            return true;
        }
    }

    /// <summary>Forgets an assumed pod whose binding failed, freeing what it held on the node.</summary>
    public void ForgetPod(string uid)
    {
        lock (_lock)
        {
            if (_pods.TryGetValue(uid, out var state) && state.Assumed)
            {
                RemovePodLocked(uid, state);
            }
        }
    }

    /// <summary>An assigned pod appeared in the informer: confirms an assumption or adds the pod.</summary>
    public void AddPod(PodInfo pod)
    {
        var nodeName = pod.NodeName;
        if (string.IsNullOrEmpty(nodeName))
        {
            return;
        }

        lock (_lock)
        {
            if (_pods.TryGetValue(pod.Uid, out var state))
            {
                // Assumed (or already known): replace with the informer's version, on the node it was bound to.
                RemovePodLocked(pod.Uid, state);
            }

            AddPodLocked(pod, nodeName, assumed: false);
        }
    }

    public void UpdatePod(PodInfo pod) => AddPod(pod);

    public void RemovePod(string uid)
    {
        lock (_lock)
        {
            if (_pods.TryGetValue(uid, out var state))
            {
                RemovePodLocked(uid, state);
            }
        }
    }

    public void AddOrUpdateNode(V1Node node)
    {
        var name = node.Metadata.Name;
        lock (_lock)
        {
            if (!_nodes.TryGetValue(name, out var item))
            {
                item = new NodeItem(new NodeInfo(name));
                _nodes[name] = item;
            }

            var oldZone = item.Info.Node is null ? null : NodeTree.ZoneKey(item.Info.Labels);
            RemoveImagesLocked(item.Info);
            item.Info.SetNode(node, AddImagesLocked(node));
            var newZone = NodeTree.ZoneKey(item.Info.Labels);
            if (oldZone != newZone)
            {
                if (oldZone is not null)
                {
                    _tree.Remove(oldZone, name);
                }

                _tree.Add(newZone, name);
                _nodeSetVersion++;
            }

            MoveToHead(item);
        }
    }

    public void RemoveNode(string name)
    {
        lock (_lock)
        {
            if (!_nodes.TryGetValue(name, out var item) || item.Info.Node is null)
            {
                return;
            }

            _tree.Remove(NodeTree.ZoneKey(item.Info.Labels), name);
            RemoveImagesLocked(item.Info);
            _nodeSetVersion++;

            // Pods still bound to a deleted node keep its info (without a node) until their own deletions arrive.
            if (item.Info.Pods.Count == 0)
            {
                Unlink(item);
                _nodes.Remove(name);
            }
            else
            {
                item.Info.RemoveNode();
                MoveToHead(item);
            }
        }
    }

    /// <summary>Brings <paramref name="snapshot"/> up to date, copying only node infos changed since its last update.</summary>
    public void UpdateSnapshot(Snapshot snapshot)
    {
        lock (_lock)
        {
            var rebuildAll = _snapshotNodeSetVersion != _nodeSetVersion;
            var rebuildAffinity = false;
            for (var item = _head; item is not null && item.Info.Generation > snapshot.Generation; item = item.Next)
            {
                var info = item.Info;
                if (info.Node is null)
                {
                    rebuildAll |= snapshot.NodeInfoMap.Remove(info.Name);
                    continue;
                }

                if (!snapshot.NodeInfoMap.TryGetValue(info.Name, out var existing))
                {
                    existing = info.Clone();
                    snapshot.NodeInfoMap[info.Name] = existing;
                    rebuildAll = true;
                    continue;
                }

                var hadAffinity = existing.PodsWithAffinity.Count > 0;
                var hadAntiAffinity = existing.PodsWithRequiredAntiAffinity.Count > 0;
                existing.CopyFrom(info);
                rebuildAffinity |= hadAffinity != existing.PodsWithAffinity.Count > 0
                    || hadAntiAffinity != existing.PodsWithRequiredAntiAffinity.Count > 0;
            }

            if (_head is not null)
            {
                snapshot.Generation = Math.Max(snapshot.Generation, _head.Info.Generation);
            }

            if (rebuildAll)
            {
                // Nodes deleted outright (no pods left) are in no list any more: drop what the cache no longer has.
                if (snapshot.NodeInfoMap.Count != _tree.Count)
                {
                    foreach (var name in snapshot.NodeInfoMap.Keys.ToList())
                    {
                        if (!_nodes.TryGetValue(name, out var item) || item.Info.Node is null)
                        {
                            snapshot.NodeInfoMap.Remove(name);
                        }
                    }
                }

                snapshot.RebuildLists(_tree.List());
                _snapshotNodeSetVersion = _nodeSetVersion;
            }
            else if (rebuildAffinity)
            {
                snapshot.RebuildAffinityLists();
            }
        }
    }

    private void AddPodLocked(PodInfo pod, string nodeName, bool assumed)
    {
        if (!_nodes.TryGetValue(nodeName, out var item))
        {
            // A pod bound to a node not seen yet: keep it on a node info without a node until the node arrives.
            item = new NodeItem(new NodeInfo(nodeName));
            _nodes[nodeName] = item;
        }

        item.Info.AddPod(pod);
        MoveToHead(item);
        _pods[pod.Uid] = new PodState(pod, nodeName, assumed);
    }

    private void RemovePodLocked(string uid, PodState state)
    {
        _pods.Remove(uid);
        if (!_nodes.TryGetValue(state.NodeName, out var item))
        {
            return;
        }

        item.Info.RemovePod(uid);
        if (item.Info.Node is null && item.Info.Pods.Count == 0)
        {
            Unlink(item);
            _nodes.Remove(state.NodeName);
        }
        else
        {
            MoveToHead(item);
        }
    }

    private Dictionary<string, ImageState> AddImagesLocked(V1Node node)
    {
        var result = new Dictionary<string, ImageState>(StringComparer.Ordinal);
        foreach (var image in node.Status?.Images ?? [])
        {
            foreach (var name in image.Names ?? [])
            {
                if (!_images.TryGetValue(name, out var entry))
                {
                    entry = new ImageEntry(new ImageState(image.SizeBytes ?? 0));
                    _images[name] = entry;
                }

                entry.Nodes.Add(node.Metadata.Name);
                entry.State.SetNumNodes(entry.Nodes.Count);
                result.TryAdd(name, entry.State);
            }
        }

        return result;
    }

    private void RemoveImagesLocked(NodeInfo info)
    {
        foreach (var name in info.ImageStates.Keys)
        {
            if (_images.TryGetValue(name, out var entry))
            {
                entry.Nodes.Remove(info.Name);
                entry.State.SetNumNodes(entry.Nodes.Count);
                if (entry.Nodes.Count == 0)
                {
                    _images.Remove(name);
                }
            }
        }
    }

    private void MoveToHead(NodeItem item)
    {
        if (_head == item)
        {
            return;
        }

        Unlink(item);
        item.Next = _head;
        if (_head is not null)
        {
            _head.Prev = item;
        }

        _head = item;
    }

    private void Unlink(NodeItem item)
    {
        if (item.Prev is not null)
        {
            item.Prev.Next = item.Next;
        }

        if (item.Next is not null)
        {
            item.Next.Prev = item.Prev;
        }

        if (_head == item)
        {
            _head = item.Next;
        }

        item.Prev = null;
        item.Next = null;
    }

    private sealed class NodeItem(NodeInfo info)
    {
        public NodeInfo Info { get; } = info;

        public NodeItem? Prev { get; set; }

        public NodeItem? Next { get; set; }
    }

    private sealed record PodState(PodInfo Pod, string NodeName, bool Assumed);

    private sealed record ImageEntry(ImageState State)
    {
        public HashSet<string> Nodes { get; } = new(StringComparer.Ordinal);
    }
}
