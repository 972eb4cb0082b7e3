namespace KubeNet.Scheduler.Cache;

/// <summary>
/// The cluster as one scheduling cycle sees it: clones of the cache's NodeInfos taken at the start of the cycle, so
/// informer events arriving meanwhile never change what the plugins read. Only the scheduling thread uses it.
/// </summary>
internal sealed class Snapshot
{
    /// <summary>Node infos by name, nodes that are gone excluded.</summary>
    public Dictionary<string, NodeInfo> NodeInfoMap { get; } = new(StringComparer.Ordinal);

    /// <summary>Every node in the order filtering walks them: round-robin over zones, so an early stop still spreads.</summary>
    public List<NodeInfo> NodeInfoList { get; } = [];

    /// <summary>Nodes running at least one pod with (anti-)affinity.</summary>
    public List<NodeInfo> HavePodsWithAffinityList { get; } = [];

    /// <summary>Nodes running at least one pod with required anti-affinity.</summary>
    public List<NodeInfo> HavePodsWithRequiredAntiAffinityList { get; } = [];

    /// <summary>The highest NodeInfo generation copied in.</summary>
    public long Generation { get; set; }

    public int NumNodes => NodeInfoList.Count;

    public NodeInfo? Get(string nodeName) => NodeInfoMap.GetValueOrDefault(nodeName);

    internal void RebuildLists(IEnumerable<string> orderedNames)
    {
        NodeInfoList.Clear();
        foreach (var name in orderedNames)
        {
            if (NodeInfoMap.TryGetValue(name, out var info))
            {
                NodeInfoList.Add(info);
            }
        }

        RebuildAffinityLists();
    }

    internal void RebuildAffinityLists()
    {
        HavePodsWithAffinityList.Clear();
        HavePodsWithRequiredAntiAffinityList.Clear();
        foreach (var info in NodeInfoList)
        {
            if (info.PodsWithAffinity.Count > 0)
            {
                HavePodsWithAffinityList.Add(info);
            }

            if (info.PodsWithRequiredAntiAffinity.Count > 0)
            {
                HavePodsWithRequiredAntiAffinityList.Add(info);
            }
        }
    }
}

/// <summary>
/// Node names grouped by zone (region and zone labels), listed round-robin across zones as upstream's nodeTree, so the
/// first nodes a search looks at come from every zone.
/// </summary>
internal sealed class NodeTree
{
    private readonly Dictionary<string, List<string>> _zones = new(StringComparer.Ordinal);
    private readonly List<string> _zoneOrder = [];

    public int Count { get; private set; }

    public static string ZoneKey(IReadOnlyDictionary<string, string> labels)
    {
        labels.TryGetValue("topology.kubernetes.io/region", out var region);
        labels.TryGetValue("topology.kubernetes.io/zone", out var zone);
        if (region is null)
        {
            labels.TryGetValue("failure-domain.beta.kubernetes.io/region", out region);
        }

        if (zone is null)
        {
            labels.TryGetValue("failure-domain.beta.kubernetes.io/zone", out zone);
        }

        return region is null && zone is null ? string.Empty : region + ":\0:" + zone;
    }

    public void Add(string zone, string node)
    {
        if (!_zones.TryGetValue(zone, out var nodes))
        {
            nodes = [];
            _zones[zone] = nodes;
            _zoneOrder.Add(zone);
        }

        nodes.Add(node);
        Count++;
    }

    public void Remove(string zone, string node)
    {
        if (_zones.TryGetValue(zone, out var nodes) && nodes.Remove(node))
        {
            Count--;
            if (nodes.Count == 0)
            {
                _zones.Remove(zone);
                _zoneOrder.Remove(zone);
            }
        }
    }

    public List<string> List()
    {
        var result = new List<string>(Count);
        for (var i = 0; result.Count < Count; i++)
        {
            foreach (var zone in _zoneOrder)
            {
                var nodes = _zones[zone];
                if (i < nodes.Count)
                {
                    result.Add(nodes[i]);
                }
            }
        }

        return result;
    }
}
