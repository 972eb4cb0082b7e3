using k8s;
using k8s.Models;
using KubeNet.Controllers.Tests.Infrastructure;

namespace KubeNet.Controllers.Tests;

/// <summary>
/// Deployments driven by stock kubectl as a user drives them: create, rollout status, scale, set image, history,
/// undo, pause, resume and restart, with the rolling-update bounds checked from the outside while it happens.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class DeploymentKubectlTests(ClusterFixture cluster)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private IKubernetes Client => cluster.Client;

    /// <summary>The namespace's ReplicaSets in creation order (the revision they were created with; timestamps have whole seconds).</summary>
    private async Task<List<V1ReplicaSet>> ReplicaSetsAsync(string ns) =>
        [.. (await Client.AppsV1.ListNamespacedReplicaSetAsync(ns)).Items.OrderBy(FirstRevision)];

    private static long FirstRevision(V1ReplicaSet rs)
    {
        var history = rs.Metadata.Annotations?.TryGetValue("deployment.kubernetes.io/revision-history", out var h) == true ? h : null;
        return long.Parse(history?.Split(',')[0] ?? Revision(rs.Metadata), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string Revision(V1ObjectMeta meta) => meta.Annotations?.TryGetValue("deployment.kubernetes.io/revision", out var r) == true ? r : "";

    [Fact]
    public async Task Create_rollout_status_scale_set_image_history_and_undo()
    {
        var ns = await cluster.CreateNamespaceAsync("web");
        await cluster.KubectlOkAsync("create", "deployment", "web", "--image=busybox", "--replicas=3", "-n", ns);
        var status = await cluster.KubectlOkAsync("rollout", "status", "deployment/web", "-n", ns, "--timeout=60s");
        Assert.Contains("deployment \"web\" successfully rolled out", status, StringComparison.Ordinal);

        await cluster.KubectlOkAsync("scale", "deployment/web", "--replicas=5", "-n", ns);
        await cluster.KubectlOkAsync("rollout", "status", "deployment/web", "-n", ns, "--timeout=60s");
        var d = await Client.AppsV1.ReadNamespacedDeploymentAsync("web", ns);
        Assert.Equal((5, 5, 5), (d.Status.Replicas, d.Status.AvailableReplicas, d.Status.UpdatedReplicas));
        Assert.Single(await ReplicaSetsAsync(ns));

        // Watch the rolling bounds from outside: 25% of 5 gives maxSurge 2 and maxUnavailable 1.
        using var sampling = new CancellationTokenSource();
        var violations = new List<string>();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                var sets = await ReplicaSetsAsync(ns);
                var dep = await Client.AppsV1.ReadNamespacedDeploymentAsync("web", ns);
                var total = sets.Sum(rs => rs.Spec.Replicas ?? 0);
                if (total > 7)
                {
                    violations.Add($"{total} replicas wanted across ReplicaSets, more than replicas + maxSurge = 7");
                }

                if ((dep.Status?.AvailableReplicas ?? 0) < 4)
                {
                    violations.Add($"{dep.Status?.AvailableReplicas} available, fewer than replicas - maxUnavailable = 4");
                }

                await Task.Delay(25);
            }
        });

        await cluster.KubectlOkAsync("set", "image", "deployment/web", "busybox=busybox:1.36", "-n", ns);
        await cluster.KubectlOkAsync("rollout", "status", "deployment/web", "-n", ns, "--timeout=60s");
        await sampling.CancelAsync();
        await sampler;
        Assert.Empty(violations);

        var sets = await ReplicaSetsAsync(ns);
        Assert.Equal(2, sets.Count);
        Assert.Equal((0, "1"), (sets[0].Spec.Replicas ?? -1, Revision(sets[0].Metadata)));
        Assert.Equal((5, "2"), (sets[1].Spec.Replicas ?? -1, Revision(sets[1].Metadata)));
        Assert.Equal("busybox:1.36", sets[1].Spec.Template.Spec.Containers[0].Image);
        Assert.Equal(sets[1].Metadata.Labels["pod-template-hash"], sets[1].Spec.Selector.MatchLabels["pod-template-hash"]);
        Assert.EndsWith("-" + sets[1].Metadata.Labels["pod-template-hash"], sets[1].Metadata.Name, StringComparison.Ordinal);
        Assert.Equal("2", Revision((await Client.AppsV1.ReadNamespacedDeploymentAsync("web", ns)).Metadata));

        var history = await cluster.KubectlOkAsync("rollout", "history", "deployment/web", "-n", ns);
        Assert.Matches(@"(?m)^1\s", history);
        Assert.Matches(@"(?m)^2\s", history);
        Assert.Contains("busybox:1.36", await cluster.KubectlOkAsync("rollout", "history", "deployment/web", "--revision=2", "-n", ns), StringComparison.Ordinal);

        var undo = await cluster.KubectlOkAsync("rollout", "undo", "deployment/web", "-n", ns);
        Assert.Contains("rolled back", undo, StringComparison.Ordinal);
        await cluster.KubectlOkAsync("rollout", "status", "deployment/web", "-n", ns, "--timeout=60s");
        d = await Client.AppsV1.ReadNamespacedDeploymentAsync("web", ns);
        Assert.Equal("busybox", d.Spec.Template.Spec.Containers[0].Image);
        Assert.Equal("3", Revision(d.Metadata));

        // The first ReplicaSet is back, with the next revision and its old one in its history.
        sets = await ReplicaSetsAsync(ns);
        Assert.Equal(2, sets.Count);
        Assert.Equal((5, "3", "1"), (sets[0].Spec.Replicas ?? -1, Revision(sets[0].Metadata), sets[0].Metadata.Annotations["deployment.kubernetes.io/revision-history"]));
        Assert.Equal(0, sets[1].Spec.Replicas);
        history = await cluster.KubectlOkAsync("rollout", "history", "deployment/web", "-n", ns);
        Assert.DoesNotMatch(@"(?m)^1\s", history);
        Assert.Matches(@"(?m)^3\s", history);
    }

    [Fact]
    public async Task Pause_holds_a_rollout_resume_releases_it_and_restart_rolls_the_pods()
    {
        var ns = await cluster.CreateNamespaceAsync("pause");
        await cluster.KubectlOkAsync("create", "deployment", "app", "--image=busybox", "--replicas=2", "-n", ns);
        await cluster.KubectlOkAsync("rollout", "status", "deployment/app", "-n", ns, "--timeout=60s");

        await cluster.KubectlOkAsync("rollout", "pause", "deployment/app", "-n", ns);
        await cluster.KubectlOkAsync("set", "image", "deployment/app", "busybox=busybox:1.36", "-n", ns);
        var generation = (await Client.AppsV1.ReadNamespacedDeploymentAsync("app", ns)).Metadata.Generation;
        await ClusterFixture.EventuallyAsync(async () =>
        {
            var d = await Client.AppsV1.ReadNamespacedDeploymentAsync("app", ns);
            return d.Status.ObservedGeneration >= generation && d.Status.Conditions.Any(c => c.Type == "Progressing" && c.Reason == "DeploymentPaused" && c.Status == "Unknown");
        }, Timeout, () => "the paused deployment was not observed");
        Assert.Single(await ReplicaSetsAsync(ns));

        await cluster.KubectlOkAsync("rollout", "resume", "deployment/app", "-n", ns);
        await cluster.KubectlOkAsync("rollout", "status", "deployment/app", "-n", ns, "--timeout=60s");
        var sets = await ReplicaSetsAsync(ns);
        Assert.Equal(2, sets.Count);
        Assert.Equal("busybox:1.36", sets[1].Spec.Template.Spec.Containers[0].Image);
        Assert.Equal(2, sets[1].Spec.Replicas);

        var before = (await Client.CoreV1.ListNamespacedPodAsync(ns)).Items.Select(p => p.Metadata.Name).ToHashSet();
        await cluster.KubectlOkAsync("rollout", "restart", "deployment/app", "-n", ns);
        await cluster.KubectlOkAsync("rollout", "status", "deployment/app", "-n", ns, "--timeout=60s");
        sets = await ReplicaSetsAsync(ns);
        Assert.Equal(3, sets.Count);
        Assert.True(sets[2].Spec.Template.Metadata.Annotations.ContainsKey("kubectl.kubernetes.io/restartedAt"));
        await ClusterFixture.EventuallyAsync(async () =>
        {
            var pods = (await Client.CoreV1.ListNamespacedPodAsync(ns)).Items;
            return pods.Count == 2 && pods.All(p => !before.Contains(p.Metadata.Name));
        }, Timeout, () => "the restart did not replace every pod");

        // kubectl refuses to roll a paused Deployment back.
        await cluster.KubectlOkAsync("rollout", "pause", "deployment/app", "-n", ns);
        var undo = await cluster.KubectlAsync("rollout", "undo", "deployment/app", "-n", ns);
        Assert.NotEqual(0, undo.ExitCode);
        Assert.Contains("you cannot rollback a paused deployment", undo.StdErr, StringComparison.Ordinal);
        await cluster.KubectlOkAsync("rollout", "resume", "deployment/app", "-n", ns);
    }

    [Fact]
    public async Task A_rollout_that_cannot_progress_exceeds_its_deadline_and_rollout_status_says_so()
    {
        var ns = await cluster.CreateNamespaceAsync("stuck");
        await Client.AppsV1.CreateNamespacedDeploymentAsync(new V1Deployment
        {
            Metadata = new V1ObjectMeta { Name = "stuck" },
            Spec = new V1DeploymentSpec
            {
                Replicas = 2,
                ProgressDeadlineSeconds = 2,
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "stuck" } },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "stuck" } },

                    // No node carries this label: the pods stay Pending and never become available.
                    Spec = new V1PodSpec
                    {
                        NodeSelector = new Dictionary<string, string> { ["kubernetes.io/hostname"] = "no-such-node" },
                        Containers = [new V1Container { Name = "c", Image = "busybox" }],
                    },
                },
            },
        }, ns);

        V1Deployment d = null!;
        await ClusterFixture.EventuallyAsync(async () =>
        {
            d = await Client.AppsV1.ReadNamespacedDeploymentAsync("stuck", ns);
            return d.Status?.Conditions?.Any(c => c.Type == "Progressing" && c.Status == "False" && c.Reason == "ProgressDeadlineExceeded") == true;
        }, Timeout, () => $"conditions: {KubernetesJson.Serialize(d?.Status?.Conditions)}");

        var available = Assert.Single(d.Status.Conditions, c => c.Type == "Available");
        Assert.Equal(("False", "MinimumReplicasUnavailable"), (available.Status, available.Reason));
        Assert.Equal(2, d.Status.UnavailableReplicas);

        var status = await cluster.KubectlAsync("rollout", "status", "deployment/stuck", "-n", ns, "--timeout=30s");
        Assert.NotEqual(0, status.ExitCode);
        Assert.Contains("exceeded its progress deadline", status.StdErr, StringComparison.Ordinal);
    }
}
