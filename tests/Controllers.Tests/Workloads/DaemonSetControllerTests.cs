using k8s;
using k8s.Models;
using KubeNet.Controllers.Tests.Infrastructure;

namespace KubeNet.Controllers.Tests.Workloads;

/// <summary>DaemonSets on the three simulated nodes, driven by stock kubectl and the C# client.</summary>
[Collection(ClusterCollection.Name)]
public sealed class DaemonSetControllerTests(ClusterFixture cluster)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static string Manifest(string name, string image) => $"""
        apiVersion: apps/v1
        kind: DaemonSet
        metadata:
          name: {name}
        spec:
          selector:
            matchLabels:
              app: {name}
          template:
            metadata:
              labels:
                app: {name}
            spec:
              containers:
              - name: agent
                image: {image}
        """;

    private async Task<List<V1Pod>> LivePodsAsync(string ns, string app)
    {
        var pods = await cluster.Client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: "app=" + app);
        return pods.Items.Where(p => p.Metadata.DeletionTimestamp is null).ToList();
    }

    private async Task WaitOnePodPerNodeAsync(string ns, string app, string? image = null)
    {
        await ClusterFixture.EventuallyAsync(async () =>
        {
            var pods = await LivePodsAsync(ns, app);
            var nodes = pods.Where(p => p.Status?.Phase == "Running" && (image is null || p.Spec.Containers[0].Image == image))
                .Select(p => p.Spec.NodeName).Distinct().Count();
            return pods.Count == ClusterFixture.NodeCount && nodes == ClusterFixture.NodeCount;
        }, Timeout, () => $"daemon set {app} does not run one pod per node");
    }

    [Fact]
    public async Task A_daemon_set_runs_one_pod_per_node()
    {
        var ns = await cluster.CreateNamespaceAsync("ds");
        var apply = await cluster.KubectlWithInputAsync(Manifest("agent", "busybox:1"), "apply", "-n", ns, "-f", "-");
        Assert.True(apply.ExitCode == 0, apply.ToString());
        await WaitOnePodPerNodeAsync(ns, "agent");

        var rollout = await cluster.KubectlAsync("rollout", "status", "daemonset/agent", "-n", ns, "--timeout=60s");
        Assert.True(rollout.ExitCode == 0, rollout.ToString());
        var ds = await cluster.Client.AppsV1.ReadNamespacedDaemonSetAsync("agent", ns);
        Assert.Equal(ClusterFixture.NodeCount, ds.Status.DesiredNumberScheduled);
        Assert.Equal(ClusterFixture.NodeCount, ds.Status.CurrentNumberScheduled);
        Assert.Equal(ClusterFixture.NodeCount, ds.Status.NumberReady);
        Assert.Equal(ClusterFixture.NodeCount, ds.Status.UpdatedNumberScheduled);
        Assert.Equal(ClusterFixture.NodeCount, ds.Status.NumberAvailable);
        Assert.Equal(0, ds.Status.NumberMisscheduled);
        Assert.Equal("1", ds.Metadata.Annotations["deprecated.daemonset.template.generation"]);

        foreach (var pod in await LivePodsAsync(ns, "agent"))
        {
            // Pinned through the scheduler, as upstream: node affinity on metadata.name, not spec.nodeName.
            var term = Assert.Single(pod.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms);
            var field = Assert.Single(term.MatchFields);
            Assert.Equal("metadata.name", field.Key);
            Assert.Equal("1", pod.Metadata.Labels["pod-template-generation"]);
            Assert.Contains(pod.Spec.Tolerations, t => t.Key == "node.kubernetes.io/unschedulable" && t.Effect == "NoSchedule");
        }

        // A deleted daemon pod comes back.
        var victim = (await LivePodsAsync(ns, "agent"))[0];
        await cluster.Client.CoreV1.DeleteNamespacedPodAsync(victim.Metadata.Name, ns);
        await ClusterFixture.EventuallyAsync(async () =>
        {
            var pods = await LivePodsAsync(ns, "agent");
            return pods.Count == ClusterFixture.NodeCount && pods.All(p => p.Metadata.Name != victim.Metadata.Name) && pods.All(p => p.Status?.Phase == "Running");
        }, Timeout, () => "the deleted daemon pod was not replaced");
    }

    [Fact]
    public async Task A_rolling_update_replaces_every_pod_and_undo_rolls_back()
    {
        var ns = await cluster.CreateNamespaceAsync("dsroll");
        var apply = await cluster.KubectlWithInputAsync(Manifest("node-agent", "busybox:1"), "apply", "-n", ns, "-f", "-");
        Assert.True(apply.ExitCode == 0, apply.ToString());
        await WaitOnePodPerNodeAsync(ns, "node-agent");

        await cluster.KubectlOkAsync("set", "image", "daemonset/node-agent", "agent=busybox:2", "-n", ns);
        var rollout = await cluster.KubectlAsync("rollout", "status", "daemonset/node-agent", "-n", ns, "--timeout=60s");
        Assert.True(rollout.ExitCode == 0, rollout.ToString());
        await WaitOnePodPerNodeAsync(ns, "node-agent", "busybox:2");

        var ds = await cluster.Client.AppsV1.ReadNamespacedDaemonSetAsync("node-agent", ns);
        Assert.Equal("2", ds.Metadata.Annotations["deprecated.daemonset.template.generation"]);
        var history = await cluster.KubectlOkAsync("rollout", "history", "daemonset/node-agent", "-n", ns);
        Assert.Contains("1 ", history, StringComparison.Ordinal);
        Assert.Contains("2 ", history, StringComparison.Ordinal);
        var revisions = await cluster.Client.AppsV1.ListNamespacedControllerRevisionAsync(ns);
        Assert.Equal([1L, 2L], revisions.Items.Select(r => r.Revision ?? 0).Order());

        var undo = await cluster.KubectlAsync("rollout", "undo", "daemonset/node-agent", "-n", ns);
        Assert.True(undo.ExitCode == 0, undo.ToString());
        Assert.Contains("rolled back", undo.StdOut, StringComparison.Ordinal);
        await WaitOnePodPerNodeAsync(ns, "node-agent", "busybox:1");
        revisions = await cluster.Client.AppsV1.ListNamespacedControllerRevisionAsync(ns);
        Assert.Equal([2L, 3L], revisions.Items.Select(r => r.Revision ?? 0).Order());

        // Undoing to the template already running is skipped, as kubectl reports it.
        var again = await cluster.KubectlAsync("rollout", "undo", "daemonset/node-agent", "--to-revision=3", "-n", ns);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("skipped rollback", again.StdOut, StringComparison.Ordinal);
    }
}
