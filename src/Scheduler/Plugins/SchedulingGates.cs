using KubeNet.Scheduler.Cache;
using KubeNet.Scheduler.Framework;

namespace KubeNet.Scheduler.Plugins;

/// <summary>SchedulingGates: a pod with spec.schedulingGates stays out of the active queue until every gate is removed.</summary>
internal sealed class SchedulingGates : IPreEnqueuePlugin, IEnqueueExtensions
{
    public const string PluginName = "SchedulingGates";

    public string Name => PluginName;

    public Status? PreEnqueue(PodInfo pod)
    {
        var gates = pod.Pod.Spec?.SchedulingGates;
        if (gates is not { Count: > 0 })
        {
            return null;
        }

        return Status.For(PluginName, StatusCode.UnschedulableAndUnresolvable, $"waiting for scheduling gates: [{string.Join(" ", gates.Select(g => g.Name))}]");
    }

    // Gated pods are re-checked on their own updates; no cluster event lifts a gate.
    public IReadOnlyList<ClusterEventWithHint> EventsToRegister() =>
        [new(new ClusterEvent(EventResource.UnscheduledPod, ActionType.UpdatePodSchedulingGatesEliminated, "UnscheduledPodUpdate"))];
}
