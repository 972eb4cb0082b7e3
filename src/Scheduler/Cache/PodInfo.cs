using k8s.Models;
using KubeNet.ApiMachinery.Selectors;

namespace KubeNet.Scheduler.Cache;

/// <summary>
/// A pod with everything the plugins derive from it computed once: requests, host ports, parsed affinity terms. The
/// queue holds one per pending pod and the cache one per assigned pod, so per-node checks never parse quantities or
/// selectors. Immutable: a pod update builds a new one.
/// </summary>
internal sealed class PodInfo
{
    private static readonly IReadOnlyDictionary<string, string> NoLabels = new Dictionary<string, string>();
    private Framework.RequiredNodeAffinity? _requiredNodeAffinity;

    public PodInfo(V1Pod pod)
    {
        Pod = pod;
        var meta = pod.Metadata;
        Namespace = meta.NamespaceProperty ?? string.Empty;
        Name = meta.Name ?? string.Empty;
        Uid = string.IsNullOrEmpty(meta.Uid) ? Namespace + "/" + Name : meta.Uid;
        Labels = AsReadOnly(meta.Labels);
        var spec = pod.Spec ?? new V1PodSpec();
        Priority = spec.Priority ?? 0;
        Requests = PodRequests.Compute(spec, out var nonZeroCpu, out var nonZeroMemory);
        NonZeroMilliCpu = nonZeroCpu;
        NonZeroMemory = nonZeroMemory;
        HostPorts = CollectHostPorts(spec);

        var errors = new List<string>();
        var affinity = spec.Affinity;
        RequiredAffinityTerms = AffinityTerm.Build(this, affinity?.PodAffinity?.RequiredDuringSchedulingIgnoredDuringExecution, errors);
        RequiredAntiAffinityTerms = AffinityTerm.Build(this, affinity?.PodAntiAffinity?.RequiredDuringSchedulingIgnoredDuringExecution, errors);
        PreferredAffinityTerms = WeightedAffinityTerm.Build(this, affinity?.PodAffinity?.PreferredDuringSchedulingIgnoredDuringExecution, errors);
        PreferredAntiAffinityTerms = WeightedAffinityTerm.Build(this, affinity?.PodAntiAffinity?.PreferredDuringSchedulingIgnoredDuringExecution, errors);
        ParseError = errors.Count == 0 ? null : string.Join(", ", errors);
    }

    public V1Pod Pod { get; }

    public string Namespace { get; }

    public string Name { get; }

    /// <summary>The pod's UID, the cache's key (a recreated pod of the same name is another pod).</summary>
    public string Uid { get; }

    public IReadOnlyDictionary<string, string> Labels { get; }

    public int Priority { get; }

    /// <summary>What the pod asks for: containers summed, the largest init container, sidecars, plus overhead.</summary>
    public Resource Requests { get; }

    /// <summary>CPU request with 100m counted for each container that sets none (scoring only).</summary>
    public long NonZeroMilliCpu { get; }

    /// <summary>Memory request with 200Mi counted for each container that sets none (scoring only).</summary>
    public long NonZeroMemory { get; }

    public IReadOnlyList<HostPort> HostPorts { get; }

    public AffinityTerm[] RequiredAffinityTerms { get; }

    public AffinityTerm[] RequiredAntiAffinityTerms { get; }

    public WeightedAffinityTerm[] PreferredAffinityTerms { get; }

    public WeightedAffinityTerm[] PreferredAntiAffinityTerms { get; }

    /// <summary>Why a selector of the pod's affinity could not be parsed, if one could not.</summary>
    public string? ParseError { get; }

    public bool HasAffinity => Pod.Spec?.Affinity is { } a && (a.PodAffinity is not null || a.PodAntiAffinity is not null);

    public bool HasRequiredAntiAffinity => RequiredAntiAffinityTerms.Length > 0;

    public bool IsTerminating => Pod.Metadata.DeletionTimestamp is not null;

    public string? NodeName => Pod.Spec?.NodeName;

    public string SchedulerName => Pod.Spec?.SchedulerName ?? KubeScheduler.DefaultSchedulerName;

    public string? NominatedNodeName => Pod.Status?.NominatedNodeName;

    public string Key => Namespace + "/" + Name;

    /// <summary>nodeSelector and required node affinity, compiled on first use.</summary>
    public Framework.RequiredNodeAffinity RequiredNodeAffinity => _requiredNodeAffinity ??= Framework.RequiredNodeAffinity.For(Pod);

    public static IReadOnlyDictionary<string, string> AsReadOnly(IDictionary<string, string>? labels) => labels switch
    {
        null => NoLabels,
        IReadOnlyDictionary<string, string> ready => ready,
        _ => new Dictionary<string, string>(labels),
    };

    private static List<HostPort> CollectHostPorts(V1PodSpec spec)
    {
        List<HostPort>? ports = null;
        foreach (var container in spec.Containers ?? [])
        {
            foreach (var port in container.Ports ?? [])
            {
                if (port.HostPort is > 0)
                {
                    (ports ??= []).Add(new HostPort(port.HostIP, port.Protocol, port.HostPort.Value));
                }
            }
        }

        return ports ?? [];
    }
}

/// <summary>A host port a container takes, with upstream's defaults: an empty IP binds all (0.0.0.0), the protocol is TCP.</summary>
internal readonly record struct HostPort
{
    public const string AllAddresses = "0.0.0.0";

    public HostPort(string? ip, string? protocol, int port)
    {
        Ip = string.IsNullOrEmpty(ip) ? AllAddresses : ip;
        Protocol = string.IsNullOrEmpty(protocol) ? "TCP" : protocol;
        Port = port;
    }

    public string Ip { get; }

    public string Protocol { get; }

    public int Port { get; }
}

/// <summary>A parsed pod (anti-)affinity term, as upstream's framework.AffinityTerm.</summary>
internal sealed class AffinityTerm
{
    public required HashSet<string> Namespaces { get; init; }

    public required LabelSelector Selector { get; init; }

    public required string TopologyKey { get; init; }

    /// <summary>Nothing when the term has no namespaceSelector; Everything for an empty one.</summary>
    public required LabelSelector NamespaceSelector { get; init; }

    /// <summary>True when <paramref name="pod"/> is in the term's namespaces (or a namespace its selector picks) and matches its selector.</summary>
    public bool Matches(PodInfo pod, IReadOnlyDictionary<string, string>? namespaceLabels) =>
        (Namespaces.Contains(pod.Namespace) || NamespaceSelector.Matches(namespaceLabels)) && Selector.Matches(pod.Labels);

    /// <summary>This term with the namespaces its namespaceSelector picks folded into <see cref="Namespaces"/>.</summary>
    public AffinityTerm WithNamespaces(IEnumerable<string> selected)
    {
        var namespaces = new HashSet<string>(Namespaces, StringComparer.Ordinal);
        namespaces.UnionWith(selected);
        return new AffinityTerm { Namespaces = namespaces, Selector = Selector, TopologyKey = TopologyKey, NamespaceSelector = LabelSelector.Nothing };
    }

    internal static AffinityTerm[] Build(PodInfo owner, IList<V1PodAffinityTerm>? terms, List<string> errors)
    {
        if (terms is not { Count: > 0 })
        {
            return [];
        }

        var result = new AffinityTerm[terms.Count];
        for (var i = 0; i < terms.Count; i++)
        {
            result[i] = From(owner, terms[i], errors);
        }

        return result;
    }

    internal static AffinityTerm From(PodInfo owner, V1PodAffinityTerm term, List<string> errors)
    {
        var namespaces = new HashSet<string>(StringComparer.Ordinal);
        if (term.Namespaces is not { Count: > 0 } && term.NamespaceSelector is null)
        {
            namespaces.Add(owner.Namespace);
        }
        else if (term.Namespaces is not null)
        {
            namespaces.UnionWith(term.Namespaces);
        }

        return new AffinityTerm
        {
            Namespaces = namespaces,
            Selector = Parse(term.LabelSelector, errors),
            TopologyKey = term.TopologyKey ?? string.Empty,
            NamespaceSelector = Parse(term.NamespaceSelector, errors),
        };
    }

    private static LabelSelector Parse(V1LabelSelector? selector, List<string> errors)
    {
        if (LabelSelector.TryFromLabelSelector(selector, out var parsed, out var error))
        {
            return parsed;
        }

        errors.Add(error);
        return LabelSelector.Nothing;
    }
}

internal readonly record struct WeightedAffinityTerm(AffinityTerm Term, int Weight)
{
    internal static WeightedAffinityTerm[] Build(PodInfo owner, IList<V1WeightedPodAffinityTerm>? terms, List<string> errors)
    {
        if (terms is not { Count: > 0 })
        {
            return [];
        }

        var result = new WeightedAffinityTerm[terms.Count];
        for (var i = 0; i < terms.Count; i++)
        {
            result[i] = new WeightedAffinityTerm(AffinityTerm.From(owner, terms[i].PodAffinityTerm, errors), terms[i].Weight);
        }

        return result;
    }
}
