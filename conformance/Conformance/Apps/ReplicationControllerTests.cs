using k8s;
using k8s.Autorest;
using k8s.Models;
using KubeNet.Conformance.Framework;
using static KubeNet.Conformance.Framework.Workloads;

namespace KubeNet.Conformance.Apps;

/// <summary>test/e2e/apps/rc.go: the scenarios that need scheduled pods but no real containers (quota is not served).</summary>
[Collection(ConformanceCollection.Name)]
public sealed class ReplicationControllerTests(ConformanceCluster cluster)
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    private IKubernetes Client => cluster.Client;

    [Fact(DisplayName = "[sig-apps] ReplicationController should adopt matching pods on creation [Conformance]")]
    public async Task AdoptMatchingOrphans()
    {
        var ns = await cluster.CreateNamespaceAsync("replication-controller");
        const string name = "pod-adoption";
        await Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["name"] = name } },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = name, Image = WebserverImage }] },
        }, ns);
        await cluster.PodRunningAsync(ns, name);

        var rc = NewReplicationController(name, 1, new() { ["name"] = name }, name, WebserverImage);
        rc.Spec.Selector = new Dictionary<string, string> { ["name"] = name };
        rc = await Client.CoreV1.CreateNamespacedReplicationControllerAsync(rc, ns);

        await EventuallyAsync(async () =>
        {
            try
            {
                var pod = await Client.CoreV1.ReadNamespacedPodAsync(name, ns);
                return pod.Metadata.OwnerReferences?.Any(o => o.Controller == true && o.Uid == rc.Metadata.Uid) == true;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                return true;
            }
        }, Minute, () => "the orphan pod was neither adopted nor deleted");
    }

    [Fact(DisplayName = "[sig-apps] ReplicationController should release no longer matching pods [Conformance]")]
    public async Task ReleaseNoLongerMatching()
    {
        var ns = await cluster.CreateNamespaceAsync("replication-controller");
        const string name = "pod-release";
        var rc = NewReplicationController(name, 1, new() { ["name"] = name }, name, WebserverImage);
        rc.Spec.Selector = new Dictionary<string, string> { ["name"] = name };
        rc = await Client.CoreV1.CreateNamespacedReplicationControllerAsync(rc, ns);

        List<V1Pod> pods = [];
        await EventuallyAsync(async () =>
        {
            pods = [.. (await Client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: "name=" + name)).Items];
            return pods.Count == 1;
        }, Minute, () => $"{pods.Count} pods created");

        var podName = pods[0].Metadata.Name;
        await EventuallyAsync(async () =>
        {
            var pod = await Client.CoreV1.ReadNamespacedPodAsync(podName, ns);
            pod.Metadata.Labels = new Dictionary<string, string> { ["name"] = "not-matching-name" };
            try
            {
                await Client.CoreV1.ReplaceNamespacedPodAsync(pod, podName, ns);
                return true;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.Conflict)
            {
                return false;
            }
        }, Minute, () => "the pod's labels could not be updated");

        await EventuallyAsync(async () =>
        {
            var pod = await Client.CoreV1.ReadNamespacedPodAsync(podName, ns);
            return pod.Metadata.OwnerReferences?.Any(o => o.Controller == true && o.Uid == rc.Metadata.Uid) != true;
        }, Minute, () => "the pod was not released");
    }

    [Fact(DisplayName = "[sig-apps] ReplicationController should get and update a ReplicationController scale [Conformance]")]
    public async Task GetAndUpdateScale()
    {
        var ns = await cluster.CreateNamespaceAsync("replication-controller");
        var name = "e2e-rc-" + Guid.NewGuid().ToString("N")[..5];
        var rc = NewReplicationController(name, 1, new() { ["name"] = name }, WebserverImageName, WebserverImage);
        await Client.CoreV1.CreateNamespacedReplicationControllerAsync(rc, ns);

        async Task StatusReplicasAsync(int expected) => await EventuallyAsync(
            async () => (await Client.CoreV1.ReadNamespacedReplicationControllerAsync(name, ns)).Status?.Replicas == expected, Minute, () => $"status.replicas never reached {expected}");

        await StatusReplicasAsync(1);
        var scale = await Client.CoreV1.ReadNamespacedReplicationControllerScaleAsync(name, ns);
        Assert.Equal(1, scale.Status.Replicas);

        scale.Metadata.ResourceVersion = null;
        scale.Spec.Replicas = 2;
        await Client.CoreV1.ReplaceNamespacedReplicationControllerScaleAsync(scale, name, ns);
        await StatusReplicasAsync(2);
    }

    [Fact(DisplayName = "[sig-apps] ReplicationController should test the lifecycle of a ReplicationController [Conformance]")]
    public async Task Lifecycle()
    {
        var ns = await cluster.CreateNamespaceAsync("replication-controller");
        const string name = "rc-test";
        var staticLabels = new Dictionary<string, string> { ["test-rc-static"] = "true" };
        var rc = new V1ReplicationController
        {
            Metadata = new V1ObjectMeta { Name = name, Labels = staticLabels },
            Spec = new V1ReplicationControllerSpec
            {
                Replicas = 1,
                Selector = staticLabels,
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Name = name, Labels = staticLabels },
                    Spec = new V1PodSpec { Containers = [new V1Container { Name = name, Image = "registry.k8s.io/e2e-test-images/nginx:1.14-4" }] },
                },
            },
        };

        // One watch follows the whole lifecycle (WatchEventSequenceVerifier): each step consumes the event it waits for.
        var list = await Client.CoreV1.ListNamespacedReplicationControllerAsync(ns, labelSelector: "test-rc-static=true");
        await using var watch = new ObjectWatch<V1ReplicationController, V1ReplicationControllerList>(
            (rv, ct) => Client.CoreV1.ListNamespacedReplicationControllerWithHttpMessagesAsync(ns, labelSelector: "test-rc-static=true", resourceVersion: rv, watch: true, cancellationToken: ct),
            list.Metadata.ResourceVersion);
        var observed = new List<WatchEventType>();

        await Client.CoreV1.CreateNamespacedReplicationControllerAsync(rc, ns);
        observed.Add((await watch.UntilAsync((t, _) => t == WatchEventType.Added, Minute, "the ADDED event")).Type);
        await watch.UntilAsync((_, o) => o.Status?.Replicas == 1 && o.Status.ReadyReplicas == 1, PodStart, "one ready replica");

        var patched = await Client.CoreV1.PatchNamespacedReplicationControllerAsync(
            new V1Patch("""{"metadata":{"labels":{"test-rc":"patched"}}}""", V1Patch.PatchType.StrategicMergePatch), name, ns);
        Assert.Equal("patched", patched.Metadata.Labels["test-rc"]);
        observed.Add((await watch.UntilAsync((t, _) => t == WatchEventType.Modified, Minute, "the label patch")).Type);

        var statusPatched = await Client.CoreV1.PatchNamespacedReplicationControllerStatusAsync(
            new V1Patch("""{"status":{"readyReplicas":0,"availableReplicas":0}}""", V1Patch.PatchType.StrategicMergePatch), name, ns);
        Assert.Equal(0, statusPatched.Status.ReadyReplicas ?? 0);
        observed.Add((await watch.UntilAsync((t, _) => t == WatchEventType.Modified, Minute, "the status patch")).Type);
        await watch.UntilAsync((_, o) => o.Status?.Replicas == 1, Minute, "the replica count after the status patch");
        Assert.Equal(1, (await Client.CoreV1.ReadNamespacedReplicationControllerStatusAsync(name, ns)).Status.Replicas);

        await Client.CoreV1.PatchNamespacedReplicationControllerScaleAsync(new V1Patch("""{"spec":{"replicas":2}}""", V1Patch.PatchType.StrategicMergePatch), name, ns);
        observed.Add((await watch.UntilAsync((t, _) => t == WatchEventType.Modified, PodStart, "the scale patch")).Type);
        await watch.UntilAsync((_, o) => o.Metadata.Name == name && o.Status?.Replicas == 2 && o.Status.ReadyReplicas == 2, PodStart, "two ready replicas");

        var fetched = await Client.CoreV1.ReadNamespacedReplicationControllerAsync(name, ns);
        Assert.Equal("patched", fetched.Metadata.Labels["test-rc"]);
        fetched.Status.AvailableReplicas = 1;
        fetched.Status.ReadyReplicas = 1;
        await Client.CoreV1.ReplaceNamespacedReplicationControllerStatusAsync(fetched, name, ns);
        observed.Add((await watch.UntilAsync((t, _) => t == WatchEventType.Modified, Minute, "the status update")).Type);

        var all = await Client.CoreV1.ListReplicationControllerForAllNamespacesAsync(labelSelector: "test-rc-static=true");
        Assert.Contains(all.Items, i => i.Metadata.Name == name && i.Metadata.NamespaceProperty == ns && i.Metadata.Labels["test-rc"] == "patched");

        await Client.CoreV1.DeleteCollectionNamespacedReplicationControllerAsync(ns, labelSelector: "test-rc-static=true");
        observed.Add((await watch.UntilAsync((t, _) => t == WatchEventType.Deleted, Minute, "the DELETED event")).Type);

        Assert.Equal(
            [WatchEventType.Added, WatchEventType.Modified, WatchEventType.Modified, WatchEventType.Modified, WatchEventType.Modified, WatchEventType.Deleted],
            observed);
    }
}
