using k8s.Models;

namespace KubeNet.Scheduler;

/// <summary>Settings of the scheduler, with KubeSchedulerConfiguration's defaults.</summary>
public sealed class SchedulerOptions
{
    /// <summary>One framework per schedulerName. Default: one "default-scheduler" profile with the default plugins.</summary>
    public IReadOnlyList<SchedulerProfile> Profiles { get; init; } = [new SchedulerProfile()];

    /// <summary>Campaign for the kube-system/kube-scheduler Lease and schedule only while leading.</summary>
    public bool LeaderElect { get; init; } = true;

    /// <summary>Identity on the Lease; default hostname plus a unique suffix, as upstream.</summary>
    public string Identity { get; init; } = Environment.MachineName + "_" + Guid.NewGuid().ToString("N");

    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Share of nodes to find feasible before scoring stops the search (percentageOfNodesToScore). 0 is adaptive:
    /// 50% less 1% per 125 nodes, at least 5%; always at least 100 nodes.
    /// </summary>
    public int PercentageOfNodesToScore { get; init; }

    /// <summary>Backoff after a pod's first failed attempt (podInitialBackoffSeconds). Default 1 s.</summary>
    public TimeSpan PodInitialBackoff { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The backoff doubles per attempt up to this (podMaxBackoffSeconds). Default 10 s.</summary>
    public TimeSpan PodMaxBackoff { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A parked unschedulable pod is retried after this even without a helpful event. Default 5 min.</summary>
    public TimeSpan PodMaxInUnschedulablePodsDuration { get; init; } = TimeSpan.FromMinutes(5);

    public void Validate()
    {
        if (Profiles.Count == 0)
        {
            throw new ArgumentException("at least one profile is required");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var profile in Profiles)
        {
            profile.Validate();
            if (!names.Add(profile.SchedulerName))
            {
                throw new ArgumentException($"duplicate profile with scheduler name \"{profile.SchedulerName}\"");
            }
        }

        if (PercentageOfNodesToScore is < 0 or > 100)
        {
            throw new ArgumentException("percentageOfNodesToScore must be within 0..100");
        }

        if (PodInitialBackoff <= TimeSpan.Zero || PodMaxBackoff < PodInitialBackoff)
        {
            throw new ArgumentException("podInitialBackoff must be positive and podMaxBackoff at least podInitialBackoff");
        }

        if (LeaderElect && LeaseDuration <= RenewDeadline)
        {
            throw new ArgumentException("leaseDuration must be greater than renewDeadline");
        }
    }
}

/// <summary>How NodeResourcesFit scores nodes.</summary>
public enum ScoringStrategyType
{
    /// <summary>Prefer the node with the most room left (spreads load). The default.</summary>
    LeastAllocated,

    /// <summary>Prefer the fullest node that fits (packs nodes).</summary>
    MostAllocated,

    /// <summary>Score by a piecewise-linear function of utilization (<see cref="SchedulerProfile.RequestedToCapacityRatioShape"/>).</summary>
    RequestedToCapacityRatio,
}

/// <summary>A resource and its weight in NodeResourcesFit and NodeResourcesBalancedAllocation scoring.</summary>
public sealed record ResourceWeight(string Name, long Weight);

/// <summary>One point of RequestedToCapacityRatio's function: utilization 0..100 maps to score 0..10.</summary>
public sealed record UtilizationShapePoint(int Utilization, int Score);

/// <summary>
/// A scheduling profile (KubeSchedulerProfile): pods whose spec.schedulerName equals <see cref="SchedulerName"/> are
/// scheduled with the default plugins, minus the disabled ones, with these plugin arguments.
/// </summary>
public sealed class SchedulerProfile
{
    public const string DefaultSchedulerName = "default-scheduler";

    public string SchedulerName { get; init; } = DefaultSchedulerName;

    /// <summary>Plugins of the default set to leave out, by name (e.g. "ImageLocality").</summary>
    public IReadOnlyList<string> DisabledPlugins { get; init; } = [];

    /// <summary>Score weights that replace the defaults (TaintToleration 3, NodeAffinity 2, PodTopologySpread 2, ...).</summary>
    public IReadOnlyDictionary<string, int> ScoreWeights { get; init; } = new Dictionary<string, int>();

    /// <summary>Overrides percentageOfNodesToScore for this profile.</summary>
    public int? PercentageOfNodesToScore { get; init; }

    public ScoringStrategyType ScoringStrategy { get; init; } = ScoringStrategyType.LeastAllocated;

    /// <summary>Resources NodeResourcesFit scores on. Default cpu and memory, weight 1 each.</summary>
    public IReadOnlyList<ResourceWeight> ScoringResources { get; init; } = [new("cpu", 1), new("memory", 1)];

    /// <summary>RequestedToCapacityRatio's shape. Default packs nodes: 0% scores 0, 100% scores 10.</summary>
    public IReadOnlyList<UtilizationShapePoint> RequestedToCapacityRatioShape { get; init; } = [new(0, 0), new(100, 10)];

    /// <summary>Resources NodeResourcesBalancedAllocation balances. Default cpu and memory.</summary>
    public IReadOnlyList<ResourceWeight> BalancedResources { get; init; } = [new("cpu", 1), new("memory", 1)];

    /// <summary>
    /// PodTopologySpread's cluster-level default constraints for pods that set none; null uses the system defaults
    /// (ScheduleAnyway over hostname, maxSkew 3, and zone, maxSkew 5). An empty list disables defaulting.
    /// </summary>
    public IReadOnlyList<V1TopologySpreadConstraint>? DefaultTopologySpreadConstraints { get; init; }

    /// <summary>InterPodAffinity: score weight of existing pods' required affinity terms the incoming pod matches.</summary>
    public int HardPodAffinityWeight { get; init; } = 1;

    /// <summary>DefaultPreemption: share of potential nodes to dry-run before picking a victim node. Default 10.</summary>
    public int MinCandidateNodesPercentage { get; init; } = 10;

    /// <summary>DefaultPreemption: at least this many candidates are dry-run. Default 100.</summary>
    public int MinCandidateNodesAbsolute { get; init; } = 100;

    public void Validate()
    {
        if (string.IsNullOrEmpty(SchedulerName))
        {
            throw new ArgumentException("a profile needs a schedulerName");
        }

        if (PercentageOfNodesToScore is < 0 or > 100)
        {
            throw new ArgumentException("percentageOfNodesToScore must be within 0..100");
        }

        if (ScoringResources.Count == 0 || ScoringResources.Any(r => r.Weight is < 1 or > 100))
        {
            throw new ArgumentException("scoring resources need weights within 1..100");
        }

        if (ScoringStrategy == ScoringStrategyType.RequestedToCapacityRatio)
        {
            var shape = RequestedToCapacityRatioShape;
            if (shape.Count == 0)
            {
                throw new ArgumentException("requestedToCapacityRatio needs at least one shape point");
            }

            for (var i = 0; i < shape.Count; i++)
            {
                if (shape[i].Utilization is < 0 or > 100 || shape[i].Score is < 0 or > 10)
                {
                    throw new ArgumentException("shape points need utilization within 0..100 and score within 0..10");
                }

                if (i > 0 && shape[i].Utilization <= shape[i - 1].Utilization)
                {
                    throw new ArgumentException("shape utilization values must be increasing");
                }
            }
        }

        if (HardPodAffinityWeight is < 0 or > 100)
        {
            throw new ArgumentException("hardPodAffinityWeight must be within 0..100");
        }

        if (MinCandidateNodesPercentage is < 0 or > 100 || MinCandidateNodesAbsolute < 0)
        {
            throw new ArgumentException("minCandidateNodesPercentage must be within 0..100 and minCandidateNodesAbsolute not negative");
        }
    }
}
