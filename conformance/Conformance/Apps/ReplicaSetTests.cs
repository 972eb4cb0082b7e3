using k8s;
using k8s.Autorest;
using k8s.Models;
using KubeNet.Conformance.Framework;
using static KubeNet.Conformance.Framework.Workloads;

namespace KubeNet.Conformance.Apps;

/// <summary>test/e2e/apps/replica_set.go: the scenarios that need scheduled pods but no real containers.</summary>
[Collection(ConformanceCollection.Name)]
public sealed class ReplicaSetTests(ConformanceCluster cluster)
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    private IKubernetes Client => cluster.Client;

    private ObjectWatch<V1ReplicaSet, V1ReplicaSetList> Watch(string ns, string labelSelector, string resourceVersion) =>
        new((rv, ct) => Client.AppsV1.ListNamespacedReplicaSetWithHttpMessagesAsync(ns, labelSelector: labelSelector, resourceVersion: rv, watch: true, cancellationToken: ct), resourceVersion);

    [Fact(DisplayName = "[sig-apps] ReplicaSet should adopt matching pods on creation and release no longer matching pods [Conformance]")]
    public async Task AdoptAndRelease()
    {
        var ns = await cluster.CreateNamespaceAsync("replicaset");
        const string name = "pod-adoption-release";
        await Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["name"] = name } },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = name, Image = WebserverImage }] },
        }, ns);
        await cluster.PodRunningAsync(ns, name);

        var rs = await Client.AppsV1.CreateNamespacedReplicaSetAsync(NewReplicaSet(name, 1, new() { ["name"] = name }, name, WebserverImage), ns);

        // The pod is either adopted or deleted (and replaced) by the ReplicaSet.
        await EventuallyAsync(async () =>
        {
            try
            {
                var pod = await Client.CoreV1.ReadNamespacedPodAsync(name, ns);
                return pod.Metadata.OwnerReferences?.Any(o => o.Controller == true && o.Uid == rs.Metadata.Uid) == true;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                return true;
            }
        }, Minute, () => "the orphan pod was neither adopted nor deleted");

        // When the matched label of one of its pods changes, the pod is released.
        var pods = await VerifyPodsRunningAsync(Client, ns, name, 1);
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
            return pod.Metadata.OwnerReferences?.Any(o => o.Controller == true && o.Uid == rs.Metadata.Uid) != true;
        }, Minute, () => "the pod was not released");
    }

    [Fact(DisplayName = "[sig-apps] ReplicaSet Replicaset should have a working scale subresource [Conformance]")]
    public async Task ScaleSubresource()
    {
        var ns = await cluster.CreateNamespaceAsync("replicaset");
        var labels = new Dictionary<string, string> { ["name"] = "sample-pod", ["pod"] = WebserverImageName };
        await Client.AppsV1.CreateNamespacedReplicaSetAsync(NewReplicaSet("test-rs", 1, labels, WebserverImageName, WebserverImage), ns);
        await VerifyPodsRunningAsync(Client, ns, "sample-pod", 1);

        V1Scale scale = null!;
        await EventuallyAsync(async () =>
        {
            scale = await Client.AppsV1.ReadNamespacedReplicaSetScaleAsync("test-rs", ns);
            return scale.Status.Replicas == 1;
        }, Minute, () => $"scale status replicas {scale?.Status.Replicas}");
        Assert.Equal(1, scale.Spec.Replicas);

        scale.Metadata.ResourceVersion = null;
        scale.Spec.Replicas = 2;
        var result = await Client.AppsV1.ReplaceNamespacedReplicaSetScaleAsync(scale, "test-rs", ns);
        Assert.Equal(2, result.Spec.Replicas);
        Assert.Equal(2, (await Client.AppsV1.ReadNamespacedReplicaSetAsync("test-rs", ns)).Spec.Replicas);

        await Client.AppsV1.PatchNamespacedReplicaSetScaleAsync(new V1Patch("""{"spec":{"replicas":4}}""", V1Patch.PatchType.StrategicMergePatch), "test-rs", ns);
        Assert.Equal(4, (await Client.AppsV1.ReadNamespacedReplicaSetAsync("test-rs", ns)).Spec.Replicas);
    }

    [Fact(DisplayName = "[sig-apps] ReplicaSet Replace and Patch tests [Conformance]")]
    public async Task ReplaceAndPatch()
    {
        var ns = await cluster.CreateNamespaceAsync("replicaset");
        var labels = new Dictionary<string, string> { ["name"] = "sample-pod", ["pod"] = WebserverImageName };
        var list = await Client.AppsV1.ListReplicaSetForAllNamespacesAsync(labelSelector: "test-rs=patched");
        await Client.AppsV1.CreateNamespacedReplicaSetAsync(NewReplicaSet("test-rs", 1, labels, WebserverImageName, WebserverImage), ns);
        await VerifyPodsRunningAsync(Client, ns, "sample-pod", 1);

        await UpdateReplicaSetWithRetriesAsync(Client, ns, "test-rs", rs => rs.Spec.Replicas = 2);
        var patch = """{"metadata":{"labels":{"test-rs":"patched"}},"spec":{"replicas":3,"template":{"spec":{"terminationGracePeriodSeconds":0,"containers":[{"name":"test-rs","image":"PAUSE"}]}}}}"""
            .Replace("PAUSE", PauseImage, StringComparison.Ordinal);
        await Client.AppsV1.PatchNamespacedReplicaSetAsync(new V1Patch(patch, V1Patch.PatchType.StrategicMergePatch), "test-rs", ns);

        await using var watch = Watch(ns, "test-rs=patched", list.Metadata.ResourceVersion);
        await watch.UntilAsync(
            (_, rs) => rs.Metadata.Name == "test-rs" && rs.Metadata.Labels?["test-rs"] == "patched" && rs.Status?.ReadyReplicas == 3
                && rs.Status.AvailableReplicas == 3 && rs.Spec.Template.Spec.Containers[0].Image == PauseImage
                && rs.Spec.Template.Spec.TerminationGracePeriodSeconds == 0,
            PodStart,
            "the patched ReplicaSet with 3 ready and available replicas");
    }

    [Fact(DisplayName = "[sig-apps] ReplicaSet should list and delete a collection of ReplicaSets [Conformance]")]
    public async Task ListAndDeleteCollection()
    {
        var ns = await cluster.CreateNamespaceAsync("replicaset");
        var e2eValue = Guid.NewGuid().ToString("N")[..5];
        var labels = new Dictionary<string, string> { ["name"] = "sample-pod", ["pod"] = WebserverImageName, ["e2e"] = e2eValue };
        await Client.AppsV1.CreateNamespacedReplicaSetAsync(NewReplicaSet("test-rs", 3, labels, WebserverImageName, WebserverImage), ns);
        await VerifyPodsRunningAsync(Client, ns, "sample-pod", 3);
        await Client.AppsV1.ReadNamespacedReplicaSetAsync("test-rs", ns);

        Assert.Single((await Client.AppsV1.ListReplicaSetForAllNamespacesAsync(labelSelector: "e2e=" + e2eValue)).Items);
        await Client.AppsV1.DeleteCollectionNamespacedReplicaSetAsync(ns, new V1DeleteOptions { GracePeriodSeconds = 1 }, labelSelector: "e2e=" + e2eValue);
        Assert.Empty((await Client.AppsV1.ListReplicaSetForAllNamespacesAsync(labelSelector: "e2e=" + e2eValue)).Items);
    }

    [Fact(DisplayName = "[sig-apps] ReplicaSet should validate Replicaset Status endpoints [Conformance]")]
    public async Task StatusEndpoints()
    {
        var ns = await cluster.CreateNamespaceAsync("replicaset");
        var labels = new Dictionary<string, string> { ["name"] = "sample-pod", ["pod"] = WebserverImageName };
        const string selector = "name=sample-pod,pod=" + WebserverImageName;
        var list = await Client.AppsV1.ListReplicaSetForAllNamespacesAsync(labelSelector: selector);
        var created = await Client.AppsV1.CreateNamespacedReplicaSetAsync(NewReplicaSet("test-rs", 1, labels, WebserverImageName, WebserverImage), ns);
        await VerifyPodsRunningAsync(Client, ns, "sample-pod", 1);

        var status = await Client.AppsV1.ReadNamespacedReplicaSetStatusAsync("test-rs", ns);
        Assert.Equal(created.Metadata.Uid, status.Metadata.Uid);

        // Update the status with a condition of the test's own, retrying on conflict as upstream does.
        await EventuallyAsync(async () =>
        {
            var rs = await Client.AppsV1.ReadNamespacedReplicaSetAsync("test-rs", ns);
            rs.Status.Conditions = [.. rs.Status.Conditions ?? [], new V1ReplicaSetCondition { Type = "StatusUpdate", Status = "True", Reason = "E2E", Message = "Set from e2e test" }];
            try
            {
                await Client.AppsV1.ReplaceNamespacedReplicaSetStatusAsync(rs, "test-rs", ns);
                return true;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.Conflict)
            {
                return false;
            }
        }, Minute, () => "the status update kept conflicting");

        await using (var watch = Watch(ns, selector, list.Metadata.ResourceVersion))
        {
            await watch.UntilAsync(
                (_, rs) => rs.Metadata.Name == "test-rs" && rs.Status?.Conditions?.Any(c => c.Type == "StatusUpdate" && c.Reason == "E2E" && c.Message == "Set from e2e test") == true,
                TimeSpan.FromMinutes(2),
                "the updated status condition");
        }

        var patched = await Client.AppsV1.PatchNamespacedReplicaSetStatusAsync(
            new V1Patch("""{"status":{"conditions":[{"type":"StatusPatched","status":"True"}]}}""", V1Patch.PatchType.MergePatch), "test-rs", ns);
        Assert.Contains(patched.Status.Conditions, c => c.Type == "StatusPatched");
        await using (var watch = Watch(ns, selector, list.Metadata.ResourceVersion))
        {
            await watch.UntilAsync((_, rs) => rs.Metadata.Name == "test-rs" && rs.Status?.Conditions?.Any(c => c.Type == "StatusPatched") == true, TimeSpan.FromMinutes(2), "the patched status condition");
        }
    }
}
