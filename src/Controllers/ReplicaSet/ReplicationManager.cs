using k8s;
using k8s.Models;
using KubeNet.Client;
using KubeNet.Controllers.Common;
using Microsoft.Extensions.Logging;

namespace KubeNet.Controllers.ReplicaSet;

/// <summary>
/// The replicationcontroller controller (pkg/controller/replication): the ReplicaSet controller over core/v1
/// ReplicationControllers, converted to ReplicaSets on the way in and back on the way out, as upstream does.
/// </summary>
internal sealed class ReplicationManager(SharedInformerFactory informers, ILogger logger, int workers = 5, TimeProvider? time = null)
    : ReplicaSetControllerBase<V1ReplicationController>(informers, "ReplicationController", "v1", "replication-controller", logger, workers, time)
{
    protected override V1ReplicaSet View(V1ReplicationController obj) => ToReplicaSet(obj);

    protected override async Task<V1ObjectMeta> ReadMetadataAsync(string ns, string name, CancellationToken ct) =>
        (await ReadAsync(ns, name, ct)).Metadata;

    protected override Task<V1ReplicationController> ReadAsync(string ns, string name, CancellationToken ct) =>
        Client.CoreV1.ReadNamespacedReplicationControllerAsync(name, ns, cancellationToken: ct);

    protected override Task<V1ReplicationController> UpdateStatusAsync(V1ReplicationController obj, V1ReplicaSetStatus status, CancellationToken ct)
    {
        var copy = ObjectCopy.DeepCopy(obj);
        copy.Status = ToReplicationControllerStatus(status);
        return Client.CoreV1.ReplaceNamespacedReplicationControllerStatusAsync(copy, copy.Metadata.Name, copy.Metadata.NamespaceProperty, cancellationToken: ct);
    }

    /// <summary>
    /// replication/conversion.go: the ReplicationController as a ReplicaSet whose selector is its selector map. The
    /// metadata and template are shared, not copied: the view is only read.
    /// </summary>
    public static V1ReplicaSet ToReplicaSet(V1ReplicationController rc) => new()
    {
        ApiVersion = "apps/v1",
        Kind = "ReplicaSet",
        Metadata = rc.Metadata,
        Spec = new V1ReplicaSetSpec
        {
            Replicas = rc.Spec?.Replicas ?? 1,
            MinReadySeconds = rc.Spec?.MinReadySeconds,
            Selector = new V1LabelSelector { MatchLabels = rc.Spec?.Selector is { } selector ? new Dictionary<string, string>(selector) : null },
            Template = rc.Spec?.Template,
        },
        Status = rc.Status is not { } status ? null : new V1ReplicaSetStatus
        {
            Replicas = status.Replicas,
            FullyLabeledReplicas = status.FullyLabeledReplicas,
            ReadyReplicas = status.ReadyReplicas,
            AvailableReplicas = status.AvailableReplicas,
            ObservedGeneration = status.ObservedGeneration,
            Conditions = status.Conditions?.Select(c => new V1ReplicaSetCondition
            {
                Type = c.Type,
                Status = c.Status,
                Reason = c.Reason,
                Message = c.Message,
                LastTransitionTime = c.LastTransitionTime,
            }).ToList(),
        },
    };

    public static V1ReplicationControllerStatus ToReplicationControllerStatus(V1ReplicaSetStatus status) => new()
    {
        Replicas = status.Replicas,
        FullyLabeledReplicas = status.FullyLabeledReplicas,
        ReadyReplicas = status.ReadyReplicas,
        AvailableReplicas = status.AvailableReplicas,
        ObservedGeneration = status.ObservedGeneration,
        Conditions = status.Conditions?.Select(c => new V1ReplicationControllerCondition
        {
            Type = c.Type,
            Status = c.Status,
            Reason = c.Reason,
            Message = c.Message,
            LastTransitionTime = c.LastTransitionTime,
        }).ToList(),
    };
}
