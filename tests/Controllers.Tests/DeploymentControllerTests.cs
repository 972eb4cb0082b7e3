using k8s;
using k8s.Models;
using KubeNet.Controllers.Tests.Infrastructure;

namespace KubeNet.Controllers.Tests;

/// <summary>Deployment behaviour through the C# client: Recreate, history cleanup, minReadySeconds and the deprecated rollbackTo.</summary>
[Collection(ClusterCollection.Name)]
public sealed class DeploymentControllerTests(ClusterFixture cluster)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private IKubernetes Client => cluster.Client;

    private static V1Deployment NewDeployment(string name, int replicas, string image, string strategy = "RollingUpdate") => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1DeploymentSpec
        {
            Replicas = replicas,
            Strategy = new V1DeploymentStrategy { Type = strategy },
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = name } },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = name } },
                Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = image }] },
            },
        },
    };

    private async Task WaitCompleteAsync(string ns, string name)
    {
        V1Deployment d = null!;
        await ClusterFixture.EventuallyAsync(async () =>
        {
            d = await Client.AppsV1.ReadNamespacedDeploymentAsync(name, ns);
            var replicas = d.Spec.Replicas ?? 1;
            return d.Status?.ObservedGeneration >= d.Metadata.Generation && d.Status.UpdatedReplicas == replicas
                && d.Status.Replicas == replicas && d.Status.AvailableReplicas == replicas;
        }, Timeout, () => $"status: {KubernetesJson.Serialize(d?.Status)}");
    }

    private Task SetImageAsync(string ns, string name, string image) =>
        Client.AppsV1.PatchNamespacedDeploymentAsync(
            new V1Patch("{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"" + image + "\"}]}}}}", V1Patch.PatchType.StrategicMergePatch), name, ns);

    [Fact]
    public async Task Recreate_never_runs_old_and_new_pods_together_and_history_is_cleaned_up()
    {
        var ns = await cluster.CreateNamespaceAsync("recreate");
        var d = NewDeployment("rec", 3, "busybox", "Recreate");
        d.Spec.RevisionHistoryLimit = 1;
        await Client.AppsV1.CreateNamespacedDeploymentAsync(d, ns);
        await WaitCompleteAsync(ns, "rec");

        using var sampling = new CancellationTokenSource();
        var overlaps = new List<string>();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                var pods = (await Client.CoreV1.ListNamespacedPodAsync(ns)).Items.Where(p => p.Status?.Phase is not ("Succeeded" or "Failed"));
                var hashes = pods.Select(p => p.Metadata.Labels["pod-template-hash"]).Distinct().ToList();
                if (hashes.Count > 1)
                {
                    overlaps.Add(string.Join(",", hashes));
                }

                await Task.Delay(25);
            }
        });

        await SetImageAsync(ns, "rec", "busybox:1.36");
        await WaitCompleteAsync(ns, "rec");
        await SetImageAsync(ns, "rec", "busybox:1.37");
        await WaitCompleteAsync(ns, "rec");
        await sampling.CancelAsync();
        await sampler;
        Assert.Empty(overlaps);

        // revisionHistoryLimit 1: of the two old ReplicaSets only the latest stays.
        await ClusterFixture.EventuallyAsync(async () => (await Client.AppsV1.ListNamespacedReplicaSetAsync(ns)).Items.Count == 2, Timeout, () => "old ReplicaSets were not cleaned up");
        var sets = (await Client.AppsV1.ListNamespacedReplicaSetAsync(ns)).Items;
        Assert.Equal(["2", "3"], sets.Select(rs => rs.Metadata.Annotations["deployment.kubernetes.io/revision"]).Order());
    }

    [Fact]
    public async Task Min_ready_seconds_delays_availability()
    {
        var ns = await cluster.CreateNamespaceAsync("minready");
        var d = NewDeployment("slow", 1, "busybox");
        d.Spec.MinReadySeconds = 3;
        await Client.AppsV1.CreateNamespacedDeploymentAsync(d, ns);

        var sawReadyButUnavailable = false;
        await ClusterFixture.EventuallyAsync(async () =>
        {
            var current = await Client.AppsV1.ReadNamespacedDeploymentAsync("slow", ns);
            if (current.Status?.ReadyReplicas == 1 && (current.Status.AvailableReplicas ?? 0) == 0)
            {
                sawReadyButUnavailable = true;
            }

            return current.Status?.AvailableReplicas == 1;
        }, Timeout, () => "the pod never became available");
        Assert.True(sawReadyButUnavailable, "availability came without waiting minReadySeconds");

        var rs = Assert.Single((await Client.AppsV1.ListNamespacedReplicaSetAsync(ns)).Items);
        Assert.Equal(3, rs.Spec.MinReadySeconds);
    }

    [Fact]
    public async Task The_deprecated_rollback_annotation_restores_the_previous_template()
    {
        var ns = await cluster.CreateNamespaceAsync("rollbackto");
        await Client.AppsV1.CreateNamespacedDeploymentAsync(NewDeployment("rb", 2, "busybox"), ns);
        await WaitCompleteAsync(ns, "rb");
        await SetImageAsync(ns, "rb", "busybox:1.36");
        await WaitCompleteAsync(ns, "rb");

        await Client.AppsV1.PatchNamespacedDeploymentAsync(
            new V1Patch("""{"metadata":{"annotations":{"deprecated.deployment.rollback.to":"0"}}}""", V1Patch.PatchType.MergePatch), "rb", ns);
        await ClusterFixture.EventuallyAsync(async () =>
        {
            var d = await Client.AppsV1.ReadNamespacedDeploymentAsync("rb", ns);
            return d.Spec.Template.Spec.Containers[0].Image == "busybox" && d.Metadata.Annotations?.ContainsKey("deprecated.deployment.rollback.to") != true;
        }, Timeout, () => "the rollback did not happen");
        await WaitCompleteAsync(ns, "rb");

        var events = await cluster.KubectlOkAsync("get", "events", "-n", ns, "--field-selector", "involvedObject.kind=Deployment", "-o", "custom-columns=REASON:.reason");
        Assert.Contains("DeploymentRollback", events, StringComparison.Ordinal);
        Assert.Contains("ScalingReplicaSet", events, StringComparison.Ordinal);
    }
}
