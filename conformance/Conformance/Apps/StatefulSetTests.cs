using k8s;
using k8s.Autorest;
using k8s.Models;
using KubeNet.Conformance.Framework;
using static KubeNet.Conformance.Apps.AppsHelpers;

namespace KubeNet.Conformance.Apps;

/// <summary>
/// test/e2e/apps/statefulset.go, Basic StatefulSet functionality. Upstream breaks and restores readiness by moving
/// index.html under an HTTP probe; here the simulated node's readiness annotation does the same.
/// </summary>
[Collection(ConformanceCollection.Name)]
public sealed class StatefulSetTests(ConformanceCluster cluster)
{
    private const string SsName = "ss";
    private const string HeadlessService = "test";
    private static readonly Dictionary<string, string> Labels = new() { ["foo"] = "bar", ["baz"] = "blah" };

    private IKubernetes Client => cluster.Client;

    private async Task<string> NamespaceWithServiceAsync()
    {
        var ns = await cluster.CreateNamespaceAsync("statefulset");
        await Client.CoreV1.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = HeadlessService },
            Spec = new V1ServiceSpec
            {
                ClusterIP = "None",
                Selector = new Dictionary<string, string>(Labels),
                Ports = [new V1ServicePort { Port = 80, Name = "http", Protocol = "TCP" }],
            },
        }, ns);
        return ns;
    }

    private async Task<V1StatefulSet> CreateAsync(string ns, V1StatefulSet set)
    {
        set = await Client.AppsV1.CreateNamespacedStatefulSetAsync(set, ns);
        await WaitForRunningAndReadyAsync(Client, set.Spec.Replicas ?? 1, set);
        return await WaitForStatusAsync(Client, set);
    }

    private async Task SetPodReadyAsync(string ns, string pod, bool ready)
    {
        var patch = "{\"metadata\":{\"annotations\":{\"" + (ReadyAnnotation) + "\":\"" + ((ready ? "true" : "false")) + "\"}}}";
        await Client.CoreV1.PatchNamespacedPodAsync(new V1Patch(patch, V1Patch.PatchType.MergePatch), pod, ns);
        await EventuallyAsync(async () => IsRunningAndReady(await Client.CoreV1.ReadNamespacedPodAsync(pod, ns)) == ready,
            $"pod {pod} to become {(ready ? "ready" : "not ready")}");
    }

    /// <summary>waitForRollingUpdate: every pod at the update revision, which has become current.</summary>
    private Task<V1StatefulSet> WaitForRollingUpdateAsync(V1StatefulSet set) =>
        EventuallyAsync(async () =>
        {
            var current = await Client.AppsV1.ReadNamespacedStatefulSetAsync(set.Metadata.Name, set.Metadata.NamespaceProperty);
            if ((current.Status?.ObservedGeneration ?? 0) < (current.Metadata.Generation ?? 0) || current.Status!.UpdateRevision != current.Status.CurrentRevision)
            {
                return null;
            }

            var pods = await StatefulPodsAsync(Client, current);
            return pods.Count == (current.Spec.Replicas ?? 1) && pods.All(p => IsRunningAndReady(p) && p.Metadata.Labels["controller-revision-hash"] == current.Status.UpdateRevision)
                ? current : null;
        }, $"the rolling update of {set.Metadata.Name}");

    /// <summary>waitForPartitionedRollingUpdate: pods at or above the partition at the update revision, below it not.</summary>
    private Task<Tuple<V1StatefulSet, List<V1Pod>>> WaitForPartitionedAsync(V1StatefulSet set, string currentRevision, string updateRevision) =>
        EventuallyAsync(async () =>
        {
            var current = await Client.AppsV1.ReadNamespacedStatefulSetAsync(set.Metadata.Name, set.Metadata.NamespaceProperty);
            if ((current.Status?.ObservedGeneration ?? 0) < (current.Metadata.Generation ?? 0))
            {
                return null;
            }

            var partition = current.Spec.UpdateStrategy.RollingUpdate.Partition ?? 0;
            var pods = await StatefulPodsAsync(Client, current);
            var settled = pods.Count == (current.Spec.Replicas ?? 1) && pods.Select((p, i) => IsRunningAndReady(p)
                && p.Metadata.Labels["controller-revision-hash"] == (i < partition ? currentRevision : updateRevision)).All(ok => ok);
            return settled ? Tuple.Create(current, pods) : null;
        }, $"the partitioned rolling update of {set.Metadata.Name}");

    private static void CheckPods(List<V1Pod> pods, int partition, string oldImage, string currentRevision, string newImage, string updateRevision)
    {
        for (var i = 0; i < pods.Count; i++)
        {
            var (image, revision) = i < partition ? (oldImage, currentRevision) : (newImage, updateRevision);
            Assert.Equal(image, pods[i].Spec.Containers[0].Image);
            Assert.Equal(revision, pods[i].Metadata.Labels["controller-revision-hash"]);
        }
    }

    [Fact(DisplayName = "[sig-apps] StatefulSet Basic StatefulSet functionality [StatefulSetBasic] should perform rolling updates and roll backs of template modifications [Conformance]")]
    public async Task RollingUpdatesAndRollBacks()
    {
        var ns = await NamespaceWithServiceAsync();
        var template = NewStatefulSet("ss2", HeadlessService, 3, Labels);
        SetHttpProbe(template);
        var set = await CreateAsync(ns, template);
        var (currentRevision, updateRevision) = (set.Status.CurrentRevision, set.Status.UpdateRevision);
        Assert.Equal(currentRevision, updateRevision);
        var pods = await StatefulPodsAsync(Client, set);
        Assert.All(pods, p => Assert.Equal(currentRevision, p.Metadata.Labels["controller-revision-hash"]));

        // Pod 1 unready holds the update back.
        await SetPodReadyAsync(ns, pods[1].Metadata.Name, ready: false);
        var oldImage = set.Spec.Template.Spec.Containers[0].Image;
        set = await UpdateStatefulSetAsync(Client, ns, set.Metadata.Name, s => s.Spec.Template.Spec.Containers[0].Image = NewWebserverImage);
        set = await WaitForStatusAsync(Client, set);
        (currentRevision, updateRevision) = (set.Status.CurrentRevision, set.Status.UpdateRevision);
        Assert.NotEqual(currentRevision, updateRevision);

        await SetPodReadyAsync(ns, pods[1].Metadata.Name, ready: true);
        set = await WaitForRollingUpdateAsync(set);
        Assert.Equal(updateRevision, set.Status.CurrentRevision);
        pods = await StatefulPodsAsync(Client, set);
        CheckPods(pods, 0, oldImage, currentRevision, NewWebserverImage, updateRevision);

        // Back to the old template: the prior revision is reused, not a new one made.
        await SetPodReadyAsync(ns, pods[1].Metadata.Name, ready: false);
        var priorRevision = currentRevision;
        set = await UpdateStatefulSetAsync(Client, ns, set.Metadata.Name, s => s.Spec.Template.Spec.Containers[0].Image = oldImage);
        set = await WaitForStatusAsync(Client, set);
        (currentRevision, updateRevision) = (set.Status.CurrentRevision, set.Status.UpdateRevision);
        Assert.Equal(priorRevision, updateRevision);
        Assert.NotEqual(currentRevision, updateRevision);

        await SetPodReadyAsync(ns, pods[1].Metadata.Name, ready: true);
        set = await WaitForRollingUpdateAsync(set);
        Assert.Equal(priorRevision, set.Status.CurrentRevision);
        CheckPods(await StatefulPodsAsync(Client, set), 0, string.Empty, string.Empty, oldImage, priorRevision);
    }

    [Fact(DisplayName = "[sig-apps] StatefulSet Basic StatefulSet functionality [StatefulSetBasic] should perform canary updates and phased rolling updates of template modifications [Conformance]")]
    public async Task CanaryAndPhasedUpdates()
    {
        var ns = await NamespaceWithServiceAsync();
        var template = NewStatefulSet("ss2", HeadlessService, 3, Labels);
        SetHttpProbe(template);
        template.Spec.UpdateStrategy = new V1StatefulSetUpdateStrategy { Type = "RollingUpdate", RollingUpdate = new V1RollingUpdateStatefulSetStrategy { Partition = 3 } };
        var set = await CreateAsync(ns, template);
        var (currentRevision, updateRevision) = (set.Status.CurrentRevision, set.Status.UpdateRevision);
        Assert.Equal(currentRevision, updateRevision);
        var pods = await StatefulPodsAsync(Client, set);
        Assert.All(pods, p => Assert.Equal(currentRevision, p.Metadata.Labels["controller-revision-hash"]));
        var oldImage = set.Spec.Template.Spec.Containers[0].Image;

        set = await UpdateStatefulSetAsync(Client, ns, set.Metadata.Name, s => s.Spec.Template.Spec.Containers[0].Image = NewWebserverImage);
        set = await WaitForStatusAsync(Client, set);
        (currentRevision, updateRevision) = (set.Status.CurrentRevision, set.Status.UpdateRevision);
        Assert.NotEqual(currentRevision, updateRevision);

        // A partition above the replica count updates nothing.
        CheckPods(await StatefulPodsAsync(Client, set), 3, oldImage, currentRevision, NewWebserverImage, updateRevision);

        // Canary: partition 2 updates only the last pod.
        set = await UpdateStatefulSetAsync(Client, ns, set.Metadata.Name, s => s.Spec.UpdateStrategy.RollingUpdate.Partition = 2);
        (set, pods) = await WaitForPartitionedAsync(set, currentRevision, updateRevision);
        CheckPods(pods, 2, oldImage, currentRevision, NewWebserverImage, updateRevision);

        // Deleted pods come back at the revision their side of the partition calls for.
        await Client.CoreV1.DeleteNamespacedPodAsync(pods[0].Metadata.Name, ns);
        await Client.CoreV1.DeleteNamespacedPodAsync(pods[2].Metadata.Name, ns);
        await EventuallyAsync(async () =>
        {
            var current = await StatefulPodsAsync(Client, set);
            return current.Count == 3 && current.All(IsRunningAndReady)
                && current[0].Metadata.Uid != pods[0].Metadata.Uid && current[2].Metadata.Uid != pods[2].Metadata.Uid;
        }, "the deleted pods to be restored");
        CheckPods(await StatefulPodsAsync(Client, set), 2, oldImage, currentRevision, NewWebserverImage, updateRevision);

        // Phased: lower the partition one step at a time.
        for (var partition = 1; partition >= 0; partition--)
        {
            var next = partition;
            set = await UpdateStatefulSetAsync(Client, ns, set.Metadata.Name, s => s.Spec.UpdateStrategy.RollingUpdate.Partition = next);
            (set, pods) = await WaitForPartitionedAsync(set, currentRevision, updateRevision);
            CheckPods(pods, partition, oldImage, currentRevision, NewWebserverImage, updateRevision);
        }

        set = await EventuallyAsync(async () =>
        {
            var current = await Client.AppsV1.ReadNamespacedStatefulSetAsync(set.Metadata.Name, ns);
            return current.Status.CurrentRevision == updateRevision ? current : null;
        }, "the update revision to become current");
        Assert.Equal(updateRevision, set.Status.CurrentRevision);
    }

    private async Task<V1StatefulSet> ScaleAsync(string ns, string name, int replicas) =>
        await UpdateStatefulSetAsync(Client, ns, name, s => s.Spec.Replicas = replicas);

    private async Task ConfirmPodCountAsync(V1StatefulSet set, int count, TimeSpan period)
    {
        var end = DateTime.UtcNow + period;
        while (DateTime.UtcNow < end)
        {
            Assert.Equal(count, (await StatefulPodsAsync(Client, set)).Count);
            await Task.Delay(500);
        }
    }

    /// <summary>Records the order in which pods of the selector are added or deleted.</summary>
    private Task<List<string>> WatchOrderAsync(string ns, string resourceVersion, WatchEventType type, int count, CancellationToken ct) => Task.Run(async () =>
    {
        var order = new List<string>();
        try
        {
            await foreach (var (eventType, pod) in Client.CoreV1.WatchListNamespacedPodAsync(ns, labelSelector: "foo=bar,baz=blah",
                               resourceVersion: resourceVersion, cancellationToken: ct))
            {
                if (eventType == type)
                {
                    order.Add(pod.Metadata.Name);
                    if (order.Count == count)
                    {
                        break;
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        return order;
    });

    [Fact(DisplayName = "[sig-apps] StatefulSet Basic StatefulSet functionality [StatefulSetBasic] Scaling should happen in predictable order and halt if any stateful pod is unhealthy [Slow] [Conformance]")]
    public async Task OrderedScaling()
    {
        var ns = await NamespaceWithServiceAsync();
        using var stop = new CancellationTokenSource(WaitTimeout * 2);
        var list = await Client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: "foo=bar,baz=blah");
        var added = WatchOrderAsync(ns, list.Metadata.ResourceVersion, WatchEventType.Added, 3, stop.Token);

        var template = NewStatefulSet(SsName, HeadlessService, 1, Labels);
        SetHttpProbe(template);
        var set = await CreateAsync(ns, template);

        // With its only pod unhealthy, scaling up halts.
        await SetPodsReadinessAsync(Client, set, ready: false);
        await EventuallyAsync(async () => (await Client.AppsV1.ReadNamespacedStatefulSetAsync(SsName, ns)).Status?.ReadyReplicas is null or 0, "no ready replicas");
        set = await ScaleAsync(ns, SsName, 3);
        await ConfirmPodCountAsync(set, 1, TimeSpan.FromSeconds(5));

        await SetPodsReadinessAsync(Client, set, ready: true);
        await WaitForRunningAndReadyAsync(Client, 3, set);
        Assert.Equal([SsName + "-0", SsName + "-1", SsName + "-2"], await added);

        // With every pod unhealthy, scaling down halts too; then it goes in reverse order.
        list = await Client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: "foo=bar,baz=blah");
        var deleted = WatchOrderAsync(ns, list.Metadata.ResourceVersion, WatchEventType.Deleted, 3, stop.Token);
        await SetPodsReadinessAsync(Client, set, ready: false);
        await EventuallyAsync(async () => (await Client.AppsV1.ReadNamespacedStatefulSetAsync(SsName, ns)).Status?.ReadyReplicas is null or 0, "no ready replicas");
        set = await ScaleAsync(ns, SsName, 0);
        await ConfirmPodCountAsync(set, 3, TimeSpan.FromSeconds(5));

        await SetPodsReadinessAsync(Client, set, ready: true);
        await EventuallyAsync(async () => (await StatefulPodsAsync(Client, set)).Count == 0, "every pod to go");
        Assert.Equal([SsName + "-2", SsName + "-1", SsName + "-0"], await deleted);
    }

    [Fact(DisplayName = "[sig-apps] StatefulSet Basic StatefulSet functionality [StatefulSetBasic] Burst scaling should run to completion even with unhealthy pods [Slow] [Conformance]")]
    public async Task BurstScaling()
    {
        var ns = await NamespaceWithServiceAsync();
        var template = NewStatefulSet(SsName, HeadlessService, 1, Labels);
        template.Spec.PodManagementPolicy = "Parallel";
        SetHttpProbe(template);
        var set = await CreateAsync(ns, template);

        // Unhealthy pods do not stop a Parallel set from scaling up...
        await SetPodsReadinessAsync(Client, set, ready: false);
        await EventuallyAsync(async () => (await Client.AppsV1.ReadNamespacedStatefulSetAsync(SsName, ns)).Status?.ReadyReplicas is null or 0, "no ready replicas");
        set = await ScaleAsync(ns, SsName, 3);
        await EventuallyAsync(async () => (await StatefulPodsAsync(Client, set)).Count == 3, "three pods despite the unhealthy one");
        await SetPodsReadinessAsync(Client, set, ready: true);
        await WaitForRunningAndReadyAsync(Client, 3, set);

        // ...nor down.
        await SetPodsReadinessAsync(Client, set, ready: false);
        await EventuallyAsync(async () => (await Client.AppsV1.ReadNamespacedStatefulSetAsync(SsName, ns)).Status?.ReadyReplicas is null or 0, "no ready replicas");
        set = await ScaleAsync(ns, SsName, 0);
        await EventuallyAsync(async () => (await StatefulPodsAsync(Client, set)).Count == 0, "every pod to go while unhealthy");
        await EventuallyAsync(async () => (await Client.AppsV1.ReadNamespacedStatefulSetAsync(SsName, ns)).Status?.Replicas == 0, "status.replicas 0");
    }

    [Fact(DisplayName = "[sig-apps] StatefulSet Basic StatefulSet functionality [StatefulSetBasic] should have a working scale subresource [Conformance]")]
    public async Task ScaleSubresource()
    {
        var ns = await NamespaceWithServiceAsync();
        var template = NewStatefulSet(SsName, HeadlessService, 1, Labels);
        SetHttpProbe(template);
        await CreateAsync(ns, template);

        var scale = await Client.AppsV1.ReadNamespacedStatefulSetScaleAsync(SsName, ns);
        Assert.Equal(1, scale.Spec.Replicas);
        Assert.Equal(1, scale.Status.Replicas);

        scale.Metadata.ResourceVersion = null;
        scale.Spec.Replicas = 2;
        var result = await Client.AppsV1.ReplaceNamespacedStatefulSetScaleAsync(scale, SsName, ns);
        Assert.Equal(2, result.Spec.Replicas);
        Assert.Equal(2, (await Client.AppsV1.ReadNamespacedStatefulSetAsync(SsName, ns)).Spec.Replicas);

        await Client.AppsV1.PatchNamespacedStatefulSetScaleAsync(
            new V1Patch("""{"metadata":{"creationTimestamp":null},"spec":{"replicas":4},"status":{"replicas":0}}""", V1Patch.PatchType.StrategicMergePatch), SsName, ns);
        Assert.Equal(4, (await Client.AppsV1.ReadNamespacedStatefulSetAsync(SsName, ns)).Spec.Replicas);
    }

    [Fact(DisplayName = "[sig-apps] StatefulSet Basic StatefulSet functionality [StatefulSetBasic] should list, patch and delete a collection of StatefulSets [Conformance]")]
    public async Task ListPatchDeleteCollection()
    {
        var ns = await NamespaceWithServiceAsync();
        const string name = "test-ss";
        const string pauseImage = "registry.k8s.io/pause:3.10";
        var template = NewStatefulSet(name, HeadlessService, 1, Labels);
        SetHttpProbe(template);
        await CreateAsync(ns, template);

        await Client.AppsV1.PatchNamespacedStatefulSetAsync(new V1Patch(
            "{\"metadata\":{\"labels\":{\"test-ss\":\"patched\"}},\"spec\":{\"replicas\":2,\"template\":{\"spec\":{\"TerminationGracePeriodSeconds\":1,\"containers\":[{\"image\":\"" + (pauseImage) + "\",\"name\":\"" + (name) + "\"}]}}}}",
            V1Patch.PatchType.StrategicMergePatch), name, ns);
        var set = await Client.AppsV1.ReadNamespacedStatefulSetAsync(name, ns);
        Assert.Equal(2, set.Spec.Replicas);
        Assert.Equal(pauseImage, set.Spec.Template.Spec.Containers[0].Image);
        await WaitForRunningAndReadyAsync(Client, 2, set);
        await WaitForStatusAsync(Client, set);

        Assert.Single((await Client.AppsV1.ListStatefulSetForAllNamespacesAsync(labelSelector: "test-ss=patched")).Items);
        await Client.AppsV1.DeleteCollectionNamespacedStatefulSetAsync(ns, new V1DeleteOptions { GracePeriodSeconds = 1 }, labelSelector: "test-ss=patched");
        Assert.Empty((await Client.AppsV1.ListStatefulSetForAllNamespacesAsync(labelSelector: "test-ss=patched")).Items);
    }

    [Fact(DisplayName = "[sig-apps] StatefulSet Basic StatefulSet functionality [StatefulSetBasic] should validate Statefulset Status endpoints [Conformance]")]
    public async Task StatusEndpoints()
    {
        var ns = await NamespaceWithServiceAsync();
        const string selector = "e2e=testing";
        var list = await Client.AppsV1.ListNamespacedStatefulSetAsync(ns, labelSelector: selector);
        var template = NewStatefulSet(SsName, HeadlessService, 1, Labels);
        template.Metadata.Labels = new Dictionary<string, string> { ["e2e"] = "testing" };
        SetHttpProbe(template);
        var set = await CreateAsync(ns, template);

        var status = await Client.AppsV1.ReadNamespacedStatefulSetStatusAsync(SsName, ns);
        Assert.Equal(set.Metadata.Uid, status.Metadata.Uid);

        for (var attempt = 0; ; attempt++)
        {
            var current = await Client.AppsV1.ReadNamespacedStatefulSetAsync(SsName, ns);
            (current.Status.Conditions ??= []).Add(new V1StatefulSetCondition { Type = "StatusUpdate", Status = "True", Reason = "E2E", Message = "Set from e2e test" });
            try
            {
                await Client.AppsV1.ReplaceNamespacedStatefulSetStatusAsync(current, SsName, ns);
                break;
            }
            catch (HttpOperationException ex) when (ex.Response.StatusCode == System.Net.HttpStatusCode.Conflict && attempt < 10)
            {
            }
        }

        await WatchForConditionAsync(ns, selector, list.Metadata.ResourceVersion, c => c.Type == "StatusUpdate" && c.Reason == "E2E" && c.Message == "Set from e2e test");

        await Client.AppsV1.PatchNamespacedStatefulSetStatusAsync(
            new V1Patch("""{"status":{"conditions":[{"type":"StatusPatched","status":"True"}]}}""", V1Patch.PatchType.MergePatch), SsName, ns);
        await WatchForConditionAsync(ns, selector, list.Metadata.ResourceVersion, c => c.Type == "StatusPatched");
    }

    private async Task WatchForConditionAsync(string ns, string selector, string resourceVersion, Func<V1StatefulSetCondition, bool> match)
    {
        using var cts = new CancellationTokenSource(WaitTimeout);
        await foreach (var (_, set) in Client.AppsV1.WatchListNamespacedStatefulSetAsync(ns, labelSelector: selector, resourceVersion: resourceVersion, cancellationToken: cts.Token))
        {
            if (set.Metadata.Name == SsName && set.Status?.Conditions?.Any(match) == true)
            {
                return;
            }
        }

        Assert.Fail("the statefulset status change was not observed");
    }
}
