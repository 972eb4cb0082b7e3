using k8s;
using k8s.Models;
using KubeNet.Controllers.Tests.Infrastructure;

namespace KubeNet.Controllers.Tests;

/// <summary>
/// `kubectl delete deployment web` with each --cascade, on a Deployment → ReplicaSet → Pods chain whose owner
/// references are made by hand as the deployment and replica set controllers make them (controller=true,
/// blockOwnerDeletion=true). The Deployment is paused and the ReplicaSet's replica count matches its pods, so those
/// controllers, where they run, leave the chain as it is.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class KubectlCascadeTests(ClusterFixture cluster)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(45);
    private const int Replicas = 2;

    private IKubernetes Client => cluster.Client;

    private static V1OwnerReference ControllerRef(string apiVersion, string kind, V1ObjectMeta owner) => new()
    {
        ApiVersion = apiVersion, Kind = kind, Name = owner.Name, Uid = owner.Uid, Controller = true, BlockOwnerDeletion = true,
    };

    /// <summary>Builds deployment "web" with replica set "web-5d4f8b7c9" and its pods in <paramref name="ns"/>.</summary>
    private async Task BuildChainAsync(string ns)
    {
        const string hash = "5d4f8b7c9";
        var selector = new Dictionary<string, string> { ["app"] = "web" };
        var podLabels = new Dictionary<string, string> { ["app"] = "web", ["pod-template-hash"] = hash };
        V1PodSpec Spec() => new() { Containers = [new V1Container { Name = "web", Image = "busybox" }], TerminationGracePeriodSeconds = 5 };

        var deployment = await Client.AppsV1.CreateNamespacedDeploymentAsync(new V1Deployment
        {
            Metadata = new V1ObjectMeta { Name = "web" },
            Spec = new V1DeploymentSpec
            {
                Replicas = Replicas,
                Paused = true,
                Selector = new V1LabelSelector { MatchLabels = selector },
                Template = new V1PodTemplateSpec { Metadata = new V1ObjectMeta { Labels = selector }, Spec = Spec() },
            },
        }, ns);

        var rs = await Client.AppsV1.CreateNamespacedReplicaSetAsync(new V1ReplicaSet
        {
            Metadata = new V1ObjectMeta
            {
                Name = "web-" + hash,
                Labels = podLabels,
                OwnerReferences = [ControllerRef("apps/v1", "Deployment", deployment.Metadata)],
            },
            Spec = new V1ReplicaSetSpec
            {
                Replicas = Replicas,
                Selector = new V1LabelSelector { MatchLabels = podLabels },
                Template = new V1PodTemplateSpec { Metadata = new V1ObjectMeta { Labels = podLabels }, Spec = Spec() },
            },
        }, ns);

        for (var i = 0; i < Replicas; i++)
        {
            await Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
            {
                Metadata = new V1ObjectMeta
                {
                    Name = $"web-{hash}-{i}",
                    Labels = podLabels,
                    OwnerReferences = [ControllerRef("apps/v1", "ReplicaSet", rs.Metadata)],
                },
                Spec = Spec(),
            }, ns);
        }

        // The pods run on the simulated nodes before anything is deleted, as a deployment's pods would.
        await cluster.KubectlOkAsync("wait", "--for=condition=Ready", "pod", "-l", "app=web", "-n", ns, "--timeout=60s");
    }

    private async Task<(int ReplicaSets, int Pods)> CountAsync(string ns)
        => ((await Client.AppsV1.ListNamespacedReplicaSetAsync(ns)).Items.Count, (await Client.CoreV1.ListNamespacedPodAsync(ns)).Items.Count);

    [Fact(Skip = "Known failure: the hand-built Deployment/ReplicaSet chain races the real ReplicaSet controller of the shared cluster; to be rewritten on controller-made objects")]
    public async Task Delete_deployment_removes_its_ReplicaSets_and_pods_in_the_background()
    {
        var ns = await cluster.CreateNamespaceAsync("cascade-bg");
        await BuildChainAsync(ns);

        var output = await cluster.KubectlOkAsync("delete", "deployment", "web", "-n", ns);
        Assert.Equal("deployment.apps \"web\" deleted", output.Trim());
        await ClusterFixture.EventuallyAsync(async () => await CountAsync(ns) == (0, 0), Timeout, () => "replica sets or pods remain");
    }

    [Fact]
    public async Task Foreground_cascade_deletes_the_deployment_last()
    {
        var ns = await cluster.CreateNamespaceAsync("cascade-fg");
        await BuildChainAsync(ns);

        // kubectl waits for the deployment itself, which goes only after every blocking dependent has gone.
        await cluster.KubectlOkAsync("delete", "deployment", "web", "-n", ns, "--cascade=foreground", "--timeout=60s");
        Assert.Equal((0, 0), await CountAsync(ns));
        Assert.Empty((await Client.AppsV1.ListNamespacedDeploymentAsync(ns)).Items);
    }

    [Fact(Skip = "Known failure: the hand-built Deployment/ReplicaSet chain races the real ReplicaSet controller of the shared cluster; to be rewritten on controller-made objects")]
    public async Task Orphan_cascade_keeps_the_ReplicaSet_and_pods_without_their_owner()
    {
        var ns = await cluster.CreateNamespaceAsync("cascade-orphan");
        await BuildChainAsync(ns);

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
