using k8s;
using k8s.Models;
using KubeNet.Client;
using KubeNet.Controllers.Common;
using Microsoft.Extensions.Logging;

namespace KubeNet.Controllers.ReplicaSet;

/// <summary>The replicaset controller of kube-controller-manager (apps/v1 ReplicaSets).</summary>
internal sealed class ReplicaSetController(SharedInformerFactory informers, ILogger logger, int workers = 5, TimeProvider? time = null)
    : ReplicaSetControllerBase<V1ReplicaSet>(informers, "ReplicaSet", "apps/v1", "replicaset-controller", logger, workers, time)
{
    protected override V1ReplicaSet View(V1ReplicaSet obj) => obj;

    protected override async Task<V1ObjectMeta> ReadMetadataAsync(string ns, string name, CancellationToken ct) =>
        (await ReadAsync(ns, name, ct)).Metadata;

    protected override Task<V1ReplicaSet> ReadAsync(string ns, string name, CancellationToken ct) =>
        Client.AppsV1.ReadNamespacedReplicaSetAsync(name, ns, cancellationToken: ct);

    protected override Task<V1ReplicaSet> UpdateStatusAsync(V1ReplicaSet obj, V1ReplicaSetStatus status, CancellationToken ct)
    {
        var copy = ObjectCopy.DeepCopy(obj);
        copy.Status = status;
        return Client.AppsV1.ReplaceNamespacedReplicaSetStatusAsync(copy, copy.Metadata.Name, copy.Metadata.NamespaceProperty, cancellationToken: ct);
    }
}
