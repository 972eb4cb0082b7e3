using k8s;
using k8s.Models;

namespace KubeNet.Conformance.Framework;

/// <summary>
/// What a deployment controller and replica set controller would make, for the garbage collector scenarios: the new
/// ReplicaSet of a Deployment, owned by it, and that ReplicaSet's pods, owned by it, with the owner references those
/// controllers write. As in <see cref="StandIns"/>, the cluster first gets a moment to do it itself.
/// </summary>
internal static class OwnerStandIns
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(3);

    /// <summary>The ReplicaSet a deployment controller made for <paramref name="deploymentName"/>, or one made as it would.</summary>
    public static async Task<V1ReplicaSet> DeploymentReplicaSetAsync(this ConformanceCluster cluster, string ns, string deploymentName)
    {
        var client = cluster.Client;
        var deployment = await client.AppsV1.ReadNamespacedDeploymentAsync(deploymentName, ns);
        var deadline = DateTime.UtcNow + Grace;
        while (true)
        {
            var owned = (await client.AppsV1.ListNamespacedReplicaSetAsync(ns)).Items
                .FirstOrDefault(rs => rs.Metadata.OwnerReferences?.Any(o => o.Uid == deployment.Metadata.Uid && o.Controller == true) == true);
            if (owned is not null)
            {
                return owned;
            }

            if (DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(200);
        }

        // No deployment controller here: make the ReplicaSet, its pods and its status as the controllers would.
        const string hash = "7c6d8f9b5";
        var labels = new Dictionary<string, string>(deployment.Spec.Template.Metadata.Labels) { ["pod-template-hash"] = hash };
        var selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string>(deployment.Spec.Selector.MatchLabels) { ["pod-template-hash"] = hash } };
        var replicas = deployment.Spec.Replicas ?? 1;
        var created = await client.AppsV1.CreateNamespacedReplicaSetAsync(new V1ReplicaSet
        {
            Metadata = new V1ObjectMeta
            {
                Name = $"{deploymentName}-{hash}",
                Labels = labels,
                Annotations = new Dictionary<string, string> { ["deployment.kubernetes.io/revision"] = "1" },
                OwnerReferences = [ControllerRef("apps/v1", "Deployment", deployment.Metadata)],
            },
            Spec = new V1ReplicaSetSpec
            {
                Replicas = replicas,
                Selector = selector,
                Template = new V1PodTemplateSpec { Metadata = new V1ObjectMeta { Labels = labels }, Spec = deployment.Spec.Template.Spec },
            },
        }, ns);

        for (var i = 0; i < replicas; i++)
        {
            await client.CoreV1.CreateNamespacedPodAsync(new V1Pod
            {
                Metadata = new V1ObjectMeta
                {
                    GenerateName = created.Metadata.Name + "-",
                    Labels = labels,
                    OwnerReferences = [ControllerRef("apps/v1", "ReplicaSet", created.Metadata)],
                },
                Spec = deployment.Spec.Template.Spec,
            }, ns);
        }

        created.Status = new V1ReplicaSetStatus { Replicas = replicas, FullyLabeledReplicas = replicas, ObservedGeneration = created.Metadata.Generation };
        return await client.AppsV1.ReplaceNamespacedReplicaSetStatusAsync(created, created.Metadata.Name, ns);
    }

    private static V1OwnerReference ControllerRef(string apiVersion, string kind, V1ObjectMeta owner) => new()
    {
        ApiVersion = apiVersion, Kind = kind, Name = owner.Name, Uid = owner.Uid, Controller = true, BlockOwnerDeletion = true,
    };
}
