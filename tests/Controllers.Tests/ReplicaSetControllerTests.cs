using k8s;
using k8s.Models;
using KubeNet.Controllers.Tests.Infrastructure;

namespace KubeNet.Controllers.Tests;

/// <summary>The replicaset and replicationcontroller controllers against the in-process cluster, through the C# client and kubectl.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ReplicaSetControllerTests(ClusterFixture cluster)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private IKubernetes Client => cluster.Client;

    private static V1ReplicaSet NewReplicaSet(string name, int replicas, Dictionary<string, string> labels) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1ReplicaSetSpec
        {
            Replicas = replicas,
            Selector = new V1LabelSelector { MatchLabels = labels },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = labels },
                Spec = new V1PodSpec { TerminationGracePeriodSeconds = 0, Containers = [new V1Container { Name = "c", Image = "busybox" }] },
            },
        },
    };

    private async Task<List<V1Pod>> OwnedPodsAsync(string ns, string ownerUid)
    {
        var pods = await Client.CoreV1.ListNamespacedPodAsync(ns);
        return [.. pods.Items.Where(p => p.Metadata.DeletionTimestamp is null && p.Metadata.OwnerReferences?.Any(o => o.Uid == ownerUid && o.Controller == true) == true)];
    }

    [Fact]
    public async Task A_replica_set_creates_its_pods_reports_status_and_scales_both_ways()
    {
        var ns = await cluster.CreateNamespaceAsync("rs");
        var rs = await Client.AppsV1.CreateNamespacedReplicaSetAsync(NewReplicaSet("web", 3, new() { ["app"] = "web" }), ns);

        V1ReplicaSet current = rs;
        await ClusterFixture.EventuallyAsync(async () =>
        {
            current = await Client.AppsV1.ReadNamespacedReplicaSetAsync("web", ns);
            return current.Status?.AvailableReplicas == 3 && current.Status.ObservedGeneration == current.Metadata.Generation;
        }, Timeout, () => $"status: {KubernetesJson.Serialize(current.Status)}");
        Assert.Equal((3, 3, 3), (current.Status.Replicas, current.Status.ReadyReplicas, current.Status.FullyLabeledReplicas));

        var pods = await OwnedPodsAsync(ns, rs.Metadata.Uid);
        Assert.Equal(3, pods.Count);
        Assert.All(pods, p =>
        {
            Assert.StartsWith("web-", p.Metadata.Name, StringComparison.Ordinal);
            var owner = Assert.Single(p.Metadata.OwnerReferences);
            Assert.Equal(("apps/v1", "ReplicaSet", "web", true), (owner.ApiVersion, owner.Kind, owner.Name, owner.BlockOwnerDeletion == true));
        });

        // A deleted pod is replaced.
        await Client.CoreV1.DeleteNamespacedPodAsync(pods[0].Metadata.Name, ns, new V1DeleteOptions { GracePeriodSeconds = 0 });
        await ClusterFixture.EventuallyAsync(async () =>
        {
            var now = await OwnedPodsAsync(ns, rs.Metadata.Uid);
            return now.Count == 3 && now.All(p => p.Metadata.Name != pods[0].Metadata.Name);
        }, Timeout, () => "the deleted pod was not replaced");

        await cluster.KubectlOkAsync("scale", "rs/web", "--replicas=5", "-n", ns);
        await ClusterFixture.EventuallyAsync(async () => (await Client.AppsV1.ReadNamespacedReplicaSetAsync("web", ns)).Status?.ReadyReplicas == 5, Timeout, () => "no scale up to 5");

        await cluster.KubectlOkAsync("scale", "rs/web", "--replicas=1", "-n", ns);
        await ClusterFixture.EventuallyAsync(async () =>
        {
            var status = (await Client.AppsV1.ReadNamespacedReplicaSetAsync("web", ns)).Status;
            return status?.Replicas == 1 && (await OwnedPodsAsync(ns, rs.Metadata.Uid)).Count == 1;
        }, Timeout, () => "no scale down to 1");

        var events = await cluster.KubectlOkAsync("get", "events", "-n", ns, "--field-selector", "involvedObject.name=web", "-o", "custom-columns=REASON:.reason,SOURCE:.source.component");
        Assert.Contains("SuccessfulCreate", events, StringComparison.Ordinal);
        Assert.Contains("SuccessfulDelete", events, StringComparison.Ordinal);
        Assert.Contains("replicaset-controller", events, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_replica_set_adopts_a_matching_orphan_and_releases_a_pod_that_stops_matching()
    {
        var ns = await cluster.CreateNamespaceAsync("adopt");
        var labels = new Dictionary<string, string> { ["name"] = "adoptee" };
        await Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "orphan", Labels = labels },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "busybox" }] },
        }, ns);
        await cluster.KubectlOkAsync("wait", "--for=condition=Ready", "pod/orphan", "-n", ns, "--timeout=60s");

        var rs = await Client.AppsV1.CreateNamespacedReplicaSetAsync(NewReplicaSet("adopter", 1, labels), ns);
        await ClusterFixture.EventuallyAsync(async () =>
        {
            var pod = await Client.CoreV1.ReadNamespacedPodAsync("orphan", ns);
            return pod.Metadata.OwnerReferences?.Any(o => o.Uid == rs.Metadata.Uid && o.Controller == true) == true;
        }, Timeout, () => "the orphan was not adopted");

        // Adopting the one matching pod leaves nothing to create.
        Assert.Equal(["orphan"], (await OwnedPodsAsync(ns, rs.Metadata.Uid)).Select(p => p.Metadata.Name));

        await Client.CoreV1.PatchNamespacedPodAsync(new V1Patch("""{"metadata":{"labels":{"name":"not-matching"}}}""", V1Patch.PatchType.MergePatch), "orphan", ns);
        await ClusterFixture.EventuallyAsync(async () =>
        {
            var pod = await Client.CoreV1.ReadNamespacedPodAsync("orphan", ns);
            return pod.Metadata.OwnerReferences is not { Count: > 0 };
        }, Timeout, () => "the pod was not released");

        // The released pod is replaced by a new one.
        await ClusterFixture.EventuallyAsync(async () => (await OwnedPodsAsync(ns, rs.Metadata.Uid)).Count(p => p.Metadata.Name != "orphan") == 1, Timeout, () => "no replacement pod");
    }

    [Fact]
    public async Task A_replication_controller_runs_adopts_and_reports_status()
    {
        var ns = await cluster.CreateNamespaceAsync("rc");
        await Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "stray", Labels = new Dictionary<string, string> { ["app"] = "legacy" } },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "busybox" }] },
        }, ns);
        var rc = await Client.CoreV1.CreateNamespacedReplicationControllerAsync(new V1ReplicationController
        {
            Metadata = new V1ObjectMeta { Name = "legacy" },
            Spec = new V1ReplicationControllerSpec
            {
                Replicas = 2,
                Selector = new Dictionary<string, string> { ["app"] = "legacy" },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "legacy" } },
                    Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "busybox" }] },
                },
            },
        }, ns);

        V1ReplicationController current = rc;
        await ClusterFixture.EventuallyAsync(async () =>
        {
            current = await Client.CoreV1.ReadNamespacedReplicationControllerAsync("legacy", ns);
            return current.Status?.ReadyReplicas == 2 && current.Status.AvailableReplicas == 2 && current.Status.ObservedGeneration == current.Metadata.Generation;
        }, Timeout, () => $"status: {KubernetesJson.Serialize(current.Status)}");

        var owned = await OwnedPodsAsync(ns, rc.Metadata.Uid);
        Assert.Equal(2, owned.Count);
        Assert.Contains(owned, p => p.Metadata.Name == "stray");
        Assert.All(owned, p => Assert.Equal(("v1", "ReplicationController"), (p.Metadata.OwnerReferences[0].ApiVersion, p.Metadata.OwnerReferences[0].Kind)));

        var table = await cluster.KubectlOkAsync("get", "rc", "legacy", "-n", ns, "--no-headers");
        Assert.Matches(@"^legacy\s+2\s+2\s+2\s", table);
    }
}
