using k8s;
using k8s.Models;
using KubeNet.Client;
using KubeNet.Scheduler.Cache;
using KubeNet.Scheduler.Queue;

namespace KubeNet.Scheduler.Framework;

/// <summary>
/// What plugins may use besides the pod and node they are given, as upstream's framework.Handle: the cycle's snapshot,
/// informer listers, the API client, the nominator and the framework's own extension points (preemption simulates
/// filters on node copies).
/// </summary>
internal interface IFrameworkHandle
{
    string SchedulerName { get; }

    /// <summary>The snapshot of the current scheduling cycle.</summary>
    Snapshot Snapshot { get; }

    IKubernetes Client { get; }

    Listers Listers { get; }

    Nominator Nominator { get; }

    EventRecorder? Events { get; }

    Status? RunFilterPluginsWithNominatedPods(CycleState state, PodInfo pod, NodeInfo nodeInfo);

    Status? RunPreFilterExtensionAddPod(CycleState state, PodInfo podToSchedule, PodInfo podToAdd, NodeInfo nodeInfo);

    Status? RunPreFilterExtensionRemovePod(CycleState state, PodInfo podToSchedule, PodInfo podToRemove, NodeInfo nodeInfo);

    /// <summary>The pod held at Permit, if it is one.</summary>
    WaitingPod? GetWaitingPod(string uid);
}

/// <summary>Informer listers plugins read; any may be null when the scheduler runs without that informer (tests).</summary>
internal sealed class Listers
{
    public Lister<V1Pod>? Pods { get; init; }

    public Lister<V1Namespace>? Namespaces { get; init; }

    public Lister<V1PersistentVolumeClaim>? PersistentVolumeClaims { get; init; }

    public Lister<V1PersistentVolume>? PersistentVolumes { get; init; }

    public Lister<V1StorageClass>? StorageClasses { get; init; }

    public Lister<V1Service>? Services { get; init; }

    public Lister<V1ReplicationController>? ReplicationControllers { get; init; }

    public Lister<V1ReplicaSet>? ReplicaSets { get; init; }

    public Lister<V1StatefulSet>? StatefulSets { get; init; }

    public Lister<V1PodDisruptionBudget>? PodDisruptionBudgets { get; init; }

    /// <summary>The labels of namespace <paramref name="name"/> (empty when unknown).</summary>
    public IReadOnlyDictionary<string, string> NamespaceLabels(string name) =>
        PodInfo.AsReadOnly(Namespaces?.Get(null, name)?.Metadata?.Labels);
}

/// <summary>A pod held at Permit until every waiting plugin allows it, one rejects it, or the timeout passes.</summary>
internal sealed class WaitingPod
{
    private readonly Lock _lock = new();
    private readonly HashSet<string> _pending;
    private readonly TaskCompletionSource<Status?> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public WaitingPod(PodInfo pod, IEnumerable<string> plugins)
    {
        Pod = pod;
        _pending = new HashSet<string>(plugins, StringComparer.Ordinal);
    }

    public PodInfo Pod { get; }

    public Task<Status?> Result => _result.Task;

    public void Allow(string plugin)
    {
        lock (_lock)
        {
            _pending.Remove(plugin);
            if (_pending.Count == 0)
            {
                _result.TrySetResult(null);
            }
        }
    }

    public void Reject(string plugin, string message) =>
        _result.TrySetResult(Status.For(plugin, StatusCode.Unschedulable, message));
}
