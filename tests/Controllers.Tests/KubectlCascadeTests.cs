using k8s;
using k8s.Models;
using KubeNet.Controllers.Tests.Infrastructure;

namespace KubeNet.Controllers.Tests;

/// <summary>
/// `kubectl delete deployment web` with each --cascade, on a Deployment whose ReplicaSet and pods the deployment and
/// replica set controllers of the shared cluster made (owner references with controller=true, blockOwnerDeletion=true).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class KubectlCascadeTests(ClusterFixture cluster)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private const int Replicas = 2;

    private IKubernetes Client => cluster.Client;

    /// <summary>`kubectl create deployment web` and waits for its ReplicaSet and its running pods, each owned as the controllers own them.</summary>
    private async Task CreateDeploymentAsync(string ns)
    {
        await cluster.KubectlOkAsync("create", "deployment", "web", "--image=busybox", $"--replicas={Replicas}", "-n", ns);
        await ClusterFixture.EventuallyAsync(async () =>
        {
            var rs = (await Client.AppsV1.ListNamespacedReplicaSetAsync(ns)).Items;
            var pods = (await Client.CoreV1.ListNamespacedPodAsync(ns)).Items;
            return rs.Count == 1 && rs[0].Metadata.OwnerReferences?.SingleOrDefault() is { Kind: "Deployment", Controller: true, BlockOwnerDeletion: true }
                && pods.Count == Replicas && pods.All(p => p.Status?.Phase == "Running"
                    && p.Metadata.OwnerReferences?.SingleOrDefault() is { Kind: "ReplicaSet", Controller: true, BlockOwnerDeletion: true } owner
                    && owner.Uid == rs[0].Metadata.Uid);
        }, Timeout, () => "the deployment's replica set and running pods did not appear");
    }

    private async Task<(int ReplicaSets, int Pods)> CountAsync(string ns)
        => ((await Client.AppsV1.ListNamespacedReplicaSetAsync(ns)).Items.Count, (await Client.CoreV1.ListNamespacedPodAsync(ns)).Items.Count);

    [Fact]
    public async Task Delete_deployment_removes_its_ReplicaSets_and_pods_in_the_background()
    {
        var ns = await cluster.CreateNamespaceAsync("cascade-bg");
        await CreateDeploymentAsync(ns);

        var output = await cluster.KubectlOkAsync("delete", "deployment", "web", "-n", ns);
        Assert.Equal("deployment.apps \"web\" deleted", output.Trim());
        await ClusterFixture.EventuallyAsync(async () => await CountAsync(ns) == (0, 0), Timeout, () => "replica sets or pods remain");
    }

    [Fact]
    public async Task Foreground_cascade_deletes_the_deployment_last()
    {
        var ns = await cluster.CreateNamespaceAsync("cascade-fg");
        await CreateDeploymentAsync(ns);

        // kubectl waits for the deployment itself, which goes only after every blocking dependent has gone.
        await cluster.KubectlOkAsync("delete", "deployment", "web", "-n", ns, "--cascade=foreground", "--timeout=60s");
        Assert.Equal((0, 0), await CountAsync(ns));
        Assert.Empty((await Client.AppsV1.ListNamespacedDeploymentAsync(ns)).Items);
    }

    [Fact]
    public async Task Orphan_cascade_keeps_the_ReplicaSet_and_pods_without_their_owner()
    {
        var ns = await cluster.CreateNamespaceAsync("cascade-orphan");
        await CreateDeploymentAsync(ns);

        await cluster.KubectlOkAsync("delete", "deployment", "web", "-n", ns, "--cascade=orphan", "--timeout=60s");
        Assert.Empty((await Client.AppsV1.ListNamespacedDeploymentAsync(ns)).Items);

        var rs = Assert.Single((await Client.AppsV1.ListNamespacedReplicaSetAsync(ns)).Items);
        Assert.Null(rs.Metadata.OwnerReferences);
        var pods = (await Client.CoreV1.ListNamespacedPodAsync(ns)).Items;
        Assert.Equal(Replicas, pods.Count);
        Assert.All(pods, p => Assert.Equal(rs.Metadata.Uid, Assert.Single(p.Metadata.OwnerReferences).Uid));
        Assert.All(pods, p => Assert.Null(p.Metadata.DeletionTimestamp));
    }
}
