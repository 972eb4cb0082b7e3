using k8s;
using k8s.Models;

namespace KubeNet.Scheduler.Tests;

/// <summary>The scheduler against a real API server and simulated nodes: binding, events, failure reporting, recovery.</summary>
[Collection(SchedulerClusterCollection.Name)]
public sealed class SchedulingTests(SchedulerCluster cluster)
{
    private Kubernetes Client => cluster.Client;

    [Fact]
    public async Task A_pod_is_bound_to_a_node_and_runs_there()
    {
        var ns = await cluster.CreateNamespaceAsync();
        await Client.CoreV1.CreateNamespacedPodAsync(SchedulerCluster.Pod("plain"), ns);
        var pod = await cluster.WaitForPodAsync(ns, "plain", p => p.Status?.Phase == "Running");
        Assert.Contains(pod.Spec.NodeName, cluster.BaseNodes);
        Assert.Contains(pod.Status.Conditions, c => c.Type == "PodScheduled" && c.Status == "True");
        await cluster.Scheduler.FlushEventsAsync();
        var events = await Client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: "involvedObject.name=plain,reason=Scheduled");
        var scheduled = Assert.Single(events.Items);
        Assert.Equal($"Successfully assigned {ns}/plain to {pod.Spec.NodeName}", scheduled.Message);
        Assert.Equal("Normal", scheduled.Type);
        Assert.Equal("default-scheduler", scheduled.Source.Component);
    }

    [Fact]
    public async Task A_pod_that_fits_nowhere_reports_why_and_runs_once_a_node_fits()
    {
        var ns = await cluster.CreateNamespaceAsync();
        await Client.CoreV1.CreateNamespacedPodAsync(SchedulerCluster.Pod("big", cpu: "5"), ns);
        var pending = await cluster.WaitForUnschedulableAsync(ns, "big");
        Assert.Equal(
            "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.",
            SchedulerCluster.ScheduledMessage(pending));
        await cluster.Scheduler.FlushEventsAsync();
        var events = await Client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: "involvedObject.name=big,reason=FailedScheduling");
        var failed = Assert.Single(events.Items);
        Assert.Equal("Warning", failed.Type);
        Assert.Equal(SchedulerCluster.ScheduledMessage(pending), failed.Message);

        await using var bigger = await cluster.StartNodesAsync("big-node-", cpu: "8");
        var scheduled = await cluster.WaitForScheduledAsync(ns, "big");
        Assert.Equal("big-node-0", scheduled.Spec.NodeName);
    }

    [Fact]
    public async Task A_pod_of_another_profile_is_scheduled_by_it_and_an_unknown_scheduler_name_is_left_alone()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var packed = SchedulerCluster.Pod("packed");
        packed.Spec.SchedulerName = SchedulerCluster.PackingScheduler;
        var foreign = SchedulerCluster.Pod("foreign");
        foreign.Spec.SchedulerName = "someone-else";
        await Client.CoreV1.CreateNamespacedPodAsync(foreign, ns);
        await Client.CoreV1.CreateNamespacedPodAsync(packed, ns);

        // The scheduler sees pods in creation order: once "packed" is bound, "foreign" has been looked at.
        await cluster.WaitForScheduledAsync(ns, "packed");
        await cluster.Scheduler.FlushEventsAsync();
        var events = await Client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: "involvedObject.name=packed,reason=Scheduled");
        Assert.Equal(SchedulerCluster.PackingScheduler, Assert.Single(events.Items).Source.Component);

        var untouched = await Client.CoreV1.ReadNamespacedPodAsync("foreign", ns);
        Assert.True(string.IsNullOrEmpty(untouched.Spec.NodeName));
        Assert.DoesNotContain(untouched.Status?.Conditions ?? [], c => c.Type == "PodScheduled" && c.Reason == "Unschedulable");
    }

    [Fact]
    public async Task MostAllocated_packs_while_LeastAllocated_spreads()
    {
        var ns = await cluster.CreateNamespaceAsync();
        await using var nodes = await cluster.StartNodesAsync("pack-", count: 2, zones: 1);
        var label = "pack-" + ns;
        foreach (var node in nodes.Names)
        {
            await LabelNodeAsync(node, label, "yes");
        }

        // Half of the first node taken by a pod placed there directly.
        var filler = SchedulerCluster.Pod("filler", cpu: "2", memory: "8Gi");
        filler.Spec.NodeName = nodes.Names[0];
        await Client.CoreV1.CreateNamespacedPodAsync(filler, ns);
        await cluster.WaitForPodAsync(ns, "filler", p => p.Status?.Phase == "Running");

        var packed = SchedulerCluster.Pod("packed", cpu: "1", memory: "4Gi");
        packed.Spec.SchedulerName = SchedulerCluster.PackingScheduler;
        packed.Spec.NodeSelector = new Dictionary<string, string> { [label] = "yes" };
        await Client.CoreV1.CreateNamespacedPodAsync(packed, ns);
        Assert.Equal(nodes.Names[0], (await cluster.WaitForScheduledAsync(ns, "packed")).Spec.NodeName);

        var spread = SchedulerCluster.Pod("spread", cpu: "1", memory: "4Gi");
        spread.Spec.NodeSelector = new Dictionary<string, string> { [label] = "yes" };
        await Client.CoreV1.CreateNamespacedPodAsync(spread, ns);
        Assert.Equal(nodes.Names[1], (await cluster.WaitForScheduledAsync(ns, "spread")).Spec.NodeName);
    }

    [Fact]
    public async Task A_gated_pod_is_not_scheduled()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var gated = SchedulerCluster.Pod("gated");
        gated.Spec.SchedulingGates = [new V1PodSchedulingGate { Name = "example.com/wait" }];
        await Client.CoreV1.CreateNamespacedPodAsync(gated, ns);

        // Pods are seen in creation order: once the next pod is bound, the gated one has been looked at.
        await Client.CoreV1.CreateNamespacedPodAsync(SchedulerCluster.Pod("after-gated"), ns);
        await cluster.WaitForScheduledAsync(ns, "after-gated");
        var gatedNow = await Client.CoreV1.ReadNamespacedPodAsync("gated", ns);
        Assert.True(string.IsNullOrEmpty(gatedNow.Spec.NodeName));
        Assert.DoesNotContain(gatedNow.Status?.Conditions ?? [], c => c.Reason == "Unschedulable");
    }

    private Task LabelNodeAsync(string node, string key, string value) =>
        Client.CoreV1.PatchNodeAsync(new V1Patch(new { metadata = new { labels = new Dictionary<string, string> { [key] = value } } }, V1Patch.PatchType.MergePatch), node);
}
