using k8s.Models;

namespace KubeNet.Scheduler.Cache;

/// <summary>
/// A node and what the scheduler counts on it: its pods (bound and assumed), their summed requests, the host ports they
/// hold, and the subsets with (anti-)affinity that InterPodAffinity walks. The cache owns the live copies; each
/// scheduling cycle reads clones in a <see cref="Snapshot"/>, refreshed only for nodes whose generation moved.
/// </summary>
internal sealed class NodeInfo
{
    private static readonly IReadOnlyDictionary<string, string> NoLabels = new Dictionary<string, string>();
    private static long _generation;

    public NodeInfo(string name)
    {
        Name = name;
        Generation = NextGeneration();
    }

    public string Name { get; }

    /// <summary>Null while the node is gone but pods bound to it are still known.</summary>
    public V1Node? Node { get; private set; }

    public IReadOnlyDictionary<string, string> Labels { get; private set; } = NoLabels;

    public IReadOnlyList<V1Taint> Taints { get; private set; } = [];

    public bool Unschedulable { get; private set; }

    public List<PodInfo> Pods { get; private set; } = [];

    public List<PodInfo> PodsWithAffinity { get; private set; } = [];

    public List<PodInfo> PodsWithRequiredAntiAffinity { get; private set; } = [];

    public HostPortInfo UsedPorts { get; private set; } = new();

    /// <summary>Summed requests of the pods here, assumed ones included.</summary>
    public Resource Requested { get; private set; } = new();

    /// <summary>CPU requested with the 100m default for containers without a request (scoring only).</summary>
    public long NonZeroMilliCpu { get; private set; }

    /// <summary>Memory requested with the 200Mi default for containers without a request (scoring only).</summary>
    public long NonZeroMemory { get; private set; }

    public Resource Allocatable { get; private set; } = new();

    /// <summary>Images on the node by normalized name, with how many nodes hold each (ImageLocality).</summary>
    public IReadOnlyDictionary<string, ImageState> ImageStates { get; private set; } = new Dictionary<string, ImageState>();

    /// <summary>Bumped on every change, from one process-wide counter, so snapshots copy only what moved.</summary>
    public long Generation { get; private set; }

    public static long NextGeneration() => Interlocked.Increment(ref _generation);

    public void SetNode(V1Node node, IReadOnlyDictionary<string, ImageState> images)
    {
        Node = node;
        Labels = PodInfo.AsReadOnly(node.Metadata?.Labels);
        Taints = node.Spec?.Taints is { Count: > 0 } taints ? [.. taints] : [];
        Unschedulable = node.Spec?.Unschedulable == true;
        Allocatable = Resource.FromList(node.Status?.Allocatable);
        ImageStates = images;
        Generation = NextGeneration();
    }

    public void RemoveNode()
    {
        Node = null;
        Generation = NextGeneration();
    }

    public void AddPod(PodInfo pod)
    {
        Pods.Add(pod);
        if (pod.HasAffinity)
        {
            PodsWithAffinity.Add(pod);
        }

        if (pod.HasRequiredAntiAffinity)
        {
            PodsWithRequiredAntiAffinity.Add(pod);
        }

        Update(pod, 1);
    }

    /// <summary>Removes the pod with <paramref name="uid"/>; false when it is not here.</summary>
    public bool RemovePod(string uid)
    {
        var removed = RemoveFrom(Pods, uid);
        if (removed is null)
        {
            return false;
        }

        if (removed.HasAffinity)
        {
            RemoveFrom(PodsWithAffinity, uid);
        }

        if (removed.HasRequiredAntiAffinity)
        {
            RemoveFrom(PodsWithRequiredAntiAffinity, uid);
        }

        Update(removed, -1);
        return true;
    }

    /// <summary>A copy whose lists and counters can change without touching this one; pods themselves are shared.</summary>
    public NodeInfo Clone() => new(Name)
    {
        Node = Node,
        Labels = Labels,
        Taints = Taints,
        Unschedulable = Unschedulable,
        Pods = [.. Pods],
        PodsWithAffinity = PodsWithAffinity.Count == 0 ? [] : [.. PodsWithAffinity],
        PodsWithRequiredAntiAffinity = PodsWithRequiredAntiAffinity.Count == 0 ? [] : [.. PodsWithRequiredAntiAffinity],
        UsedPorts = UsedPorts.Clone(),
        Requested = Requested.Clone(),
        NonZeroMilliCpu = NonZeroMilliCpu,
        NonZeroMemory = NonZeroMemory,
        Allocatable = Allocatable,
        ImageStates = ImageStates,
        Generation = Generation,
    };

    /// <summary>Makes this snapshot entry equal to <paramref name="source"/> in place, so lists holding it stay valid.</summary>
    public void CopyFrom(NodeInfo source)
    {
        Node = source.Node;
        Labels = source.Labels;
        Taints = source.Taints;
        Unschedulable = source.Unschedulable;
        Pods = [.. source.Pods];
        PodsWithAffinity = source.PodsWithAffinity.Count == 0 ? [] : [.. source.PodsWithAffinity];
        PodsWithRequiredAntiAffinity = source.PodsWithRequiredAntiAffinity.Count == 0 ? [] : [.. source.PodsWithRequiredAntiAffinity];
        UsedPorts = source.UsedPorts.Clone();
        Requested = source.Requested.Clone();
        NonZeroMilliCpu = source.NonZeroMilliCpu;
        NonZeroMemory = source.NonZeroMemory;
        Allocatable = source.Allocatable;
        ImageStates = source.ImageStates;
        Generation = source.Generation;
    }

    private static PodInfo? RemoveFrom(List<PodInfo> pods, string uid)
    {
        for (var i = 0; i < pods.Count; i++)
        {
            if (string.Equals(pods[i].Uid, uid, StringComparison.Ordinal))
            {
                var removed = pods[i];
                pods[i] = pods[^1];
                pods.RemoveAt(pods.Count - 1);
                return removed;
            }
        }

        return null;
    }

    private void Update(PodInfo pod, int sign)
    {
        Requested.Add(pod.Requests, sign);
        NonZeroMilliCpu += sign * pod.NonZeroMilliCpu;
        NonZeroMemory += sign * pod.NonZeroMemory;
        foreach (var port in pod.HostPorts)
        {
            if (sign > 0)
            {
                UsedPorts.Add(port);
            }
            else
            {
                UsedPorts.Remove(port);
            }
        }

        Generation = NextGeneration();
    }
}

/// <summary>Host ports in use on a node, counted so two pods on the same port (set by hand) release it one at a time.</summary>
internal sealed class HostPortInfo
{
    private List<(HostPort Port, int Count)>? _ports;

    public int Count => _ports?.Count ?? 0;

    public void Add(HostPort port)
    {
        _ports ??= [];
        for (var i = 0; i < _ports.Count; i++)
        {
            if (_ports[i].Port == port)
            {
                _ports[i] = (port, _ports[i].Count + 1);
                return;
            }
        }

        _ports.Add((port, 1));
    }

    public void Remove(HostPort port)
    {
        if (_ports is null)
        {
            return;
        }

        for (var i = 0; i < _ports.Count; i++)
        {
            if (_ports[i].Port == port)
            {
                if (_ports[i].Count > 1)
                {
                    _ports[i] = (port, _ports[i].Count - 1);
                }
                else
                {
                    _ports.RemoveAt(i);
                }

                return;
            }
        }
    }

    /// <summary>
    /// HostPortInfo.CheckConflict: 0.0.0.0 conflicts with the same protocol and port on any address; a specific address
    /// conflicts with itself and with 0.0.0.0.
    /// </summary>
    public bool Conflicts(HostPort wanted)
    {
        if (_ports is null || wanted.Port <= 0)
        {
            return false;
        }

        foreach (var (used, _) in _ports)
        {
            if (used.Port != wanted.Port || !string.Equals(used.Protocol, wanted.Protocol, StringComparison.Ordinal))
            {
                continue;
            }

            if (wanted.Ip == HostPort.AllAddresses || used.Ip == HostPort.AllAddresses || used.Ip == wanted.Ip)
            {
                return true;
            }
        }

        return false;
    }

    public HostPortInfo Clone() => new() { _ports = _ports is null ? null : [.. _ports] };
}

/// <summary>An image's size and how many nodes report it; NumNodes is shared by every node holding the image.</summary>
internal sealed class ImageState(long size)
{
    private int _numNodes;

    public long Size { get; set; } = size;

    public int NumNodes => Volatile.Read(ref _numNodes);

    public void SetNumNodes(int count) => Volatile.Write(ref _numNodes, count);
}
