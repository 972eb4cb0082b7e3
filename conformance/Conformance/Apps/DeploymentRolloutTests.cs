using k8s;
using k8s.Models;
using KubeNet.Conformance.Framework;
using static KubeNet.Conformance.Framework.Workloads;

namespace KubeNet.Conformance.Apps;

/// <summary>
/// test/e2e/apps/deployment.go: rollouts. Where upstream blocks a rollout with an image that does not exist, these
/// scenarios also give the blocked template a node selector no node matches: simulated nodes run any image, and on a
/// real cluster the outcome is the same, pods that never become available.
/// </summary>
[Collection(ConformanceCollection.Name)]
public sealed class DeploymentRolloutTests(ConformanceCluster cluster)
{
    private static readonly Dictionary<string, string> Nowhere = new() { ["kubernetes.io/hostname"] = "e2e-no-such-node" };

    private IKubernetes Client => cluster.Client;

    private static string Revision(V1ObjectMeta meta) => (meta.Annotations?.TryGetValue(RevisionAnnotation, out var r) == true ? r : "");

    [Fact(DisplayName = "[sig-apps] Deployment RollingUpdateDeployment should delete old pods and create new ones [Conformance]")]
    public async Task RollingUpdate()
    {
        var ns = await cluster.CreateNamespaceAsync("deployment");
        var rs = NewReplicaSet("test-rolling-update-controller", 1, new() { ["name"] = "sample-pod", ["pod"] = WebserverImageName }, WebserverImageName, WebserverImage);
        rs.Metadata.Annotations = new Dictionary<string, string> { [RevisionAnnotation] = "3546343826724305832" };
        await Client.AppsV1.CreateNamespacedReplicaSetAsync(rs, ns);
        await VerifyPodsRunningAsync(Client, ns, "sample-pod", 1);

        var d = await Client.AppsV1.CreateNamespacedDeploymentAsync(
            NewDeployment("test-rolling-update-deployment", 1, new() { ["name"] = "sample-pod" }, AgnhostImageName, AgnhostImage, "RollingUpdate"), ns);

        // The next revision after the one of the adopted ReplicaSet.
        await WaitForDeploymentRevisionAndImageAsync(Client, ns, d.Metadata.Name, "3546343826724305833", AgnhostImage);
        await WaitForDeploymentCompleteAsync(Client, d);
        var current = await Client.AppsV1.ReadNamespacedDeploymentAsync(d.Metadata.Name, ns);
        Assert.Single(await GetOldReplicaSetsAsync(Client, current));
    }

    [Fact(DisplayName = "[sig-apps] Deployment RecreateDeployment should delete old pods and create new ones [Conformance]")]
    public async Task Recreate()
    {
        var ns = await cluster.CreateNamespaceAsync("deployment");
        const string name = "test-recreate-deployment";
        var d = await Client.AppsV1.CreateNamespacedDeploymentAsync(
            NewDeployment(name, 1, new() { ["name"] = "sample-pod-3" }, AgnhostImageName, AgnhostImage, "Recreate"), ns);
        await WaitForDeploymentRevisionAndImageAsync(Client, ns, name, "1", AgnhostImage);
        await WaitForDeploymentCompleteAsync(Client, d);

        d = await UpdateDeploymentWithRetriesAsync(Client, ns, name, u =>
        {
            u.Spec.Template.Spec.Containers[0].Name = WebserverImageName;
            u.Spec.Template.Spec.Containers[0].Image = WebserverImage;
        });

        // watchRecreateDeployment: no status ever shows new pods running beside old ones.
        await using var watch = new ObjectWatch<V1Deployment, V1DeploymentList>(
            (rv, ct) => Client.AppsV1.ListNamespacedDeploymentWithHttpMessagesAsync(ns, fieldSelector: "metadata.name=" + name, resourceVersion: rv, watch: true, cancellationToken: ct),
            d.Metadata.ResourceVersion);
        await watch.UntilAsync((_, o) =>
        {
            var s = o.Status ?? new V1DeploymentStatus();
            if ((s.UpdatedReplicas ?? 0) > 0 && s.Replicas != s.UpdatedReplicas)
            {
                throw new Xunit.Sdk.XunitException($"deployment {name} is running new pods alongside old pods: {KubernetesJson.Serialize(s)}");
            }

            return o.Spec.Replicas == s.Replicas && o.Spec.Replicas == s.UpdatedReplicas && o.Metadata.Generation <= s.ObservedGeneration;
        }, TimeSpan.FromMinutes(2), "the recreated deployment to complete");
    }

    [Fact(DisplayName = "[sig-apps] Deployment deployment should delete old replica sets [Conformance]")]
    public async Task CleanUpPolicy()
    {
        var ns = await cluster.CreateNamespaceAsync("deployment");
        await Client.AppsV1.CreateNamespacedReplicaSetAsync(
            NewReplicaSet("test-cleanup-controller", 1, new() { ["name"] = "cleanup-pod", ["pod"] = WebserverImageName }, WebserverImageName, WebserverImage), ns);
        await VerifyPodsRunningAsync(Client, ns, "cleanup-pod", 1);

        // Only one pod may be created from here on: the new one. Adopting the old ReplicaSet must not make it create pods.
        var pods = await Client.CoreV1.ListNamespacedPodAsync(ns);
        await using var podWatch = new ObjectWatch<V1Pod, V1PodList>(
            (rv, ct) => Client.CoreV1.ListNamespacedPodWithHttpMessagesAsync(ns, resourceVersion: rv, watch: true, cancellationToken: ct), pods.Metadata.ResourceVersion);

        var d = NewDeployment("test-cleanup-deployment", 1, new() { ["name"] = "cleanup-pod" }, AgnhostImageName, AgnhostImage, "RollingUpdate");
        d.Spec.RevisionHistoryLimit = 0;
        d = await Client.AppsV1.CreateNamespacedDeploymentAsync(d, ns);

        // Right after the create the old ReplicaSet is not adopted yet, so "no old ReplicaSets" also needs the
        // Deployment to have rolled out its own pod.
        await EventuallyAsync(async () =>
        {
            var current = await Client.AppsV1.ReadNamespacedDeploymentAsync(d.Metadata.Name, ns);
            return current.Status?.UpdatedReplicas == 1 && current.Status.AvailableReplicas == 1 && current.Status.ObservedGeneration >= current.Metadata.Generation
                && (await GetOldReplicaSetsAsync(Client, current)).Count == 0;
        }, TimeSpan.FromMinutes(5), () => "old replica sets were not cleaned up");

        var (_, pod) = await podWatch.UntilAsync((type, _) => type == WatchEventType.Added, TimeSpan.FromMinutes(1), "the new pod's creation");
        Assert.Equal(AgnhostImageName, pod.Spec.Containers[0].Name);
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.DoesNotContain(podWatch.Drain(), e => e.Type == WatchEventType.Added);
    }

    [Fact(DisplayName = "[sig-apps] Deployment deployment should support rollover [Conformance]")]
    public async Task Rollover()
    {
        var ns = await cluster.CreateNamespaceAsync("deployment");
        const string rsName = "test-rollover-controller";
        await Client.AppsV1.CreateNamespacedReplicaSetAsync(
            NewReplicaSet(rsName, 1, new() { ["name"] = "rollover-pod", ["pod"] = WebserverImageName }, WebserverImageName, WebserverImage), ns);
        await VerifyPodsRunningAsync(Client, ns, "rollover-pod", 1);
        await EventuallyAsync(async () =>
        {
            var rs = await Client.AppsV1.ReadNamespacedReplicaSetAsync(rsName, ns);
            return rs.Status?.ReadyReplicas == rs.Spec.Replicas;
        }, PodStart, () => "the replica set never became ready");

        // A rollout that cannot finish.
        const string name = "test-rollover-deployment";
        const string stuckImage = "gcr.io/google_samples/gb-redisslave:nonexistent";
        var d = NewDeployment(name, 1, new() { ["name"] = "rollover-pod" }, "redis-slave", stuckImage, "RollingUpdate");
        d.Spec.Strategy.RollingUpdate = new V1RollingUpdateDeployment { MaxUnavailable = 0, MaxSurge = 1 };
        d.Spec.MinReadySeconds = 10;
        d.Spec.Template.Spec.NodeSelector = Nowhere;
        d = await Client.AppsV1.CreateNamespacedDeploymentAsync(d, ns);

        await EventuallyAsync(async () =>
        {
            var current = await Client.AppsV1.ReadNamespacedDeploymentAsync(name, ns);
            return current.Status?.ObservedGeneration >= d.Metadata.Generation && current.Status.UpdatedReplicas >= 1;
        }, PodStart, () => "the deployment never scaled its new replica set up");

        var deployment = await Client.AppsV1.ReadNamespacedDeploymentAsync(name, ns);
        var newRS = await GetNewReplicaSetAsync(Client, deployment);
        Assert.NotNull(newRS);
        Assert.Equal(("1", "1", stuckImage), (Revision(deployment.Metadata), Revision(newRS.Metadata), newRS.Spec.Template.Spec.Containers[0].Image));

        var oldRS = await Client.AppsV1.ReadNamespacedReplicaSetAsync(rsName, ns);
        Assert.Equal((1, 1), (oldRS.Spec.Replicas ?? 0, oldRS.Status.Replicas));
        Assert.Equal((1, 1), (newRS.Spec.Replicas ?? 0, newRS.Status.Replicas));

        // Roll over both ReplicaSets to a template that works.
        deployment = await UpdateDeploymentWithRetriesAsync(Client, ns, name, u =>
        {
            u.Spec.Template.Spec.Containers[0].Name = AgnhostImageName;
            u.Spec.Template.Spec.Containers[0].Image = AgnhostImage;
            u.Spec.Template.Spec.NodeSelector = null;
        });
        await WaitForObservedDeploymentAsync(Client, ns, name, deployment.Metadata.Generation ?? 0);
        await WaitForDeploymentRevisionAndImageAsync(Client, ns, name, "2", AgnhostImage);
        await WaitForDeploymentCompleteAsync(Client, deployment, checkRolling: true);

        oldRS = await Client.AppsV1.ReadNamespacedReplicaSetAsync(rsName, ns);
        Assert.Equal((0, 0), (oldRS.Spec.Replicas ?? -1, oldRS.Status.Replicas));
        var stuck = await Client.AppsV1.ReadNamespacedReplicaSetAsync(newRS.Metadata.Name, ns);
        Assert.Equal((0, 0), (stuck.Spec.Replicas ?? -1, stuck.Status.Replicas));
    }

    [Fact(DisplayName = "[sig-apps] Deployment deployment should support proportional scaling [Conformance]")]
    public async Task ProportionalScaling()
    {
        var ns = await cluster.CreateNamespaceAsync("deployment");
        const string name = "webserver-deployment";
        var d = NewDeployment(name, 10, new() { ["name"] = WebserverImageName }, WebserverImageName, WebserverImage, "RollingUpdate");
        d.Spec.Strategy.RollingUpdate = new V1RollingUpdateDeployment { MaxSurge = 3, MaxUnavailable = 2 };
        d = await Client.AppsV1.CreateNamespacedDeploymentAsync(d, ns);
        await WaitForObservedDeploymentAsync(Client, ns, name, d.Metadata.Generation ?? 0);
        await VerifyPodsRunningAsync(Client, ns, WebserverImageName, 10);
        await WaitForDeploymentCompleteAsync(Client, d);
        var firstRS = (await GetNewReplicaSetAsync(Client, d))!;

        // A partial rollout: the new template never becomes available.
        d = await UpdateDeploymentWithRetriesAsync(Client, ns, name, u =>
        {
            u.Spec.Template.Spec.Containers[0].Image = "webserver:404";
            u.Spec.Template.Spec.NodeSelector = Nowhere;
        });
        await WaitForObservedDeploymentAsync(Client, ns, name, d.Metadata.Generation ?? 0);

        // replicas - maxUnavailable = 8 stay available in the first ReplicaSet, which is scaled to 8.
        await WaitForReplicaSetAsync(ns, firstRS.Metadata.Name, rs => rs.Status?.AvailableReplicas == 8, "8 available replicas in the first ReplicaSet");
        await WaitForReplicaSetAsync(ns, firstRS.Metadata.Name, rs => rs.Spec.Replicas == 8, "the first ReplicaSet at 8");
        await WaitForReplicaSetAsync(ns, firstRS.Metadata.Name, rs => rs.Status.Replicas == rs.Spec.Replicas, "the first ReplicaSet's pods");

        // replicas + maxSurge - 8 = 5 in the second, none available.
        var secondRS = (await GetNewReplicaSetAsync(Client, d))!;
        Assert.Equal(0, secondRS.Status?.AvailableReplicas ?? 0);
        await WaitForReplicaSetAsync(ns, secondRS.Metadata.Name, rs => rs.Spec.Replicas == 5, "the second ReplicaSet at 5");
        await WaitForReplicaSetAsync(ns, secondRS.Metadata.Name, rs => rs.Status.Replicas == rs.Spec.Replicas, "the second ReplicaSet's pods");
        Assert.True((await Client.AppsV1.ReadNamespacedDeploymentAsync(name, ns)).Status.AvailableReplicas >= 8);

        // Scaled to 30 mid-rollout: 8 + 20·8/13 ≈ 20 and 5 + 20·5/13 ≈ 13.
        await UpdateDeploymentWithRetriesAsync(Client, ns, name, u => u.Spec.Replicas = 30);
        await WaitForReplicaSetAsync(ns, firstRS.Metadata.Name, rs => rs.Spec.Replicas == 20, "the first ReplicaSet at 20");
        await WaitForReplicaSetAsync(ns, secondRS.Metadata.Name, rs => rs.Spec.Replicas == 13, "the second ReplicaSet at 13");
    }

    /// <summary>The e2e waits on a ReplicaSet: its latest generation observed and <paramref name="condition"/> true.</summary>
    private async Task WaitForReplicaSetAsync(string ns, string name, Func<V1ReplicaSet, bool> condition, string what)
    {
        V1ReplicaSet rs = null!;
        await EventuallyAsync(async () =>
        {
            rs = await Client.AppsV1.ReadNamespacedReplicaSetAsync(name, ns);
            return rs.Status?.ObservedGeneration >= rs.Metadata.Generation && condition(rs);
        }, PodStart, () => $"{what}: spec {rs?.Spec.Replicas}, status {KubernetesJson.Serialize(rs?.Status)}");
    }
}
