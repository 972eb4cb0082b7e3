using KubeNet.Scheduler.Plugins;

namespace KubeNet.Scheduler.Framework;

/// <summary>The in-tree plugins, in the default profile's order (upstream getDefaultPlugins), and their score weights.</summary>
internal static class PluginRegistry
{
    /// <summary>
    /// The order plugins run in at every extension point. PrioritySort is the queue's own order; the volume plugins
    /// without a counterpart here (VolumeRestrictions, NodeVolumeLimits, VolumeZone) are not part of the set.
    /// </summary>
    public static readonly IReadOnlyList<string> DefaultOrder =
    [
        SchedulingGates.PluginName,
        NodeUnschedulable.PluginName,
        NodeName.PluginName,
        TaintToleration.PluginName,
        NodeAffinity.PluginName,
        NodePorts.PluginName,
        NodeResourcesFit.PluginName,
        VolumeBinding.PluginName,
        PodTopologySpread.PluginName,
        InterPodAffinity.PluginName,
        DefaultPreemption.PluginName,
        NodeResourcesBalancedAllocation.PluginName,
        ImageLocality.PluginName,
        DefaultBinder.PluginName,
    ];

    public static readonly IReadOnlyDictionary<string, int> DefaultWeights = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        [TaintToleration.PluginName] = 3,
        [NodeAffinity.PluginName] = 2,
        [NodeResourcesFit.PluginName] = 1,
        [PodTopologySpread.PluginName] = 2,
        [InterPodAffinity.PluginName] = 2,
        [NodeResourcesBalancedAllocation.PluginName] = 1,
        [ImageLocality.PluginName] = 1,
    };

    public static IPlugin? Create(string name, SchedulerProfile profile, IFrameworkHandle handle) => name switch
    {
        SchedulingGates.PluginName => new SchedulingGates(),
        NodeUnschedulable.PluginName => new NodeUnschedulable(),
        NodeName.PluginName => new NodeName(),
        TaintToleration.PluginName => new TaintToleration(),
        NodeAffinity.PluginName => new NodeAffinity(),
        NodePorts.PluginName => new NodePorts(),
        NodeResourcesFit.PluginName => new NodeResourcesFit(profile),
        VolumeBinding.PluginName => new VolumeBinding(handle),
        PodTopologySpread.PluginName => new PodTopologySpread(profile, handle),
        InterPodAffinity.PluginName => new InterPodAffinity(profile, handle),
        DefaultPreemption.PluginName => new DefaultPreemption(profile, handle),
        NodeResourcesBalancedAllocation.PluginName => new NodeResourcesBalancedAllocation(profile),
        ImageLocality.PluginName => new ImageLocality(handle),
        DefaultBinder.PluginName => new DefaultBinder(handle),
        _ => null,
    };
}
