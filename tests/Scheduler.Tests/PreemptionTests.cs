using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace KubeNet.Scheduler.Tests;

/// <summary>PriorityClasses, priority admission and preemption on a full node.</summary>
[Collection(SchedulerClusterCollection.Name)]
public sealed class PreemptionTests(SchedulerCluster cluster)
{
    private Kubernetes Client => cluster.Client;

    [Fact]
    public async Task The_system_priority_classes_exist_and_cannot_be_deleted()
    {
        var node = await Client.SchedulingV1.ReadPriorityClassAsync("system-node-critical");
        var cluster_ = await Client.SchedulingV1.ReadPriorityClassAsync("system-cluster-critical");
        Assert.Equal(2_000_001_000, node.Value);
        Assert.Equal(2_000_000_000, cluster_.Value);
        var error = await Assert.ThrowsAsync<HttpOperationException>(() => Client.SchedulingV1.DeletePriorityClassAsync("system-node-critical"));
        Assert.Equal(HttpStatusCode.Forbidden, error.Response.StatusCode);
        Assert.Contains("this is a system priority class and cannot be deleted", error.Response.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Priority_admission_resolves_classes_and_rejects_unknown_ones()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var high = await CreateClassAsync(ns + "-high", 1000);

        var pod = SchedulerCluster.Pod("prioritized");
        pod.Spec.PriorityClassName = high;
        var created = await Client.CoreV1.CreateNamespacedPodAsync(pod, ns);
        Assert.Equal(1000, created.Spec.Priority);
        Assert.Equal("PreemptLowerPriority", created.Spec.PreemptionPolicy);

        var plain = await Client.CoreV1.CreateNamespacedPodAsync(SchedulerCluster.Pod("plain"), ns);
        Assert.Equal(0, plain.Spec.Priority);

        var unknown = SchedulerCluster.Pod("unknown");
        unknown.Spec.PriorityClassName = "no-such-class";
        var error = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.CreateNamespacedPodAsync(unknown, ns));
        Assert.Equal(HttpStatusCode.Forbidden, error.Response.StatusCode);
        Assert.Contains("pods \\\"unknown\\\" is forbidden: no PriorityClass with name no-such-class was found", error.Response.Content, StringComparison.Ordinal);

        var mismatch = SchedulerCluster.Pod("mismatch");
        mismatch.Spec.PriorityClassName = high;
        mismatch.Spec.Priority = 5;
        error = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.CreateNamespacedPodAsync(mismatch, ns));
        Assert.Contains("the integer value of priority (5) must not be provided in pod spec; priority admission controller computed 1000 from the given PriorityClass name", error.Response.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_global_default_class_applies_to_pods_without_one_and_is_unique()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var name = ns + "-default";
        await Client.SchedulingV1.CreatePriorityClassAsync(new V1PriorityClass { Metadata = new V1ObjectMeta { Name = name }, Value = 7, GlobalDefault = true });
        try
        {
            var created = await Client.CoreV1.CreateNamespacedPodAsync(SchedulerCluster.Pod("defaulted"), ns);
            Assert.Equal(7, created.Spec.Priority);
            Assert.Equal(name, created.Spec.PriorityClassName);

            var second = new V1PriorityClass { Metadata = new V1ObjectMeta { Name = name + "-2" }, Value = 8, GlobalDefault = true };
            var error = await Assert.ThrowsAsync<HttpOperationException>(() => Client.SchedulingV1.CreatePriorityClassAsync(second));
            Assert.Equal(HttpStatusCode.Forbidden, error.Response.StatusCode);
            Assert.Contains($"PriorityClass {name} is already marked as default. Only one default can exist", error.Response.Content, StringComparison.Ordinal);
        }
        finally
        {
            await Client.SchedulingV1.DeletePriorityClassAsync(name);
        }
    }

    [Fact]
    public async Task A_high_priority_pod_preempts_a_lower_priority_pod_on_a_full_node()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var low = await CreateClassAsync(ns + "-low", 10);
        var high = await CreateClassAsync(ns + "-high", 1000);
        await using var nodes = await cluster.StartNodesAsync("full-", cpu: "2");
        var node = nodes.Names[0];
        var key = "example.com/full-" + ns;
        await Client.CoreV1.PatchNodeAsync(new V1Patch(new { metadata = new { labels = new Dictionary<string, string> { [key] = "yes" } } }, V1Patch.PatchType.MergePatch), node);

        foreach (var name in new[] { "low-0", "low-1" })
        {
            var victim = SchedulerCluster.Pod(name, cpu: "1");
            victim.Spec.PriorityClassName = low;
            victim.Spec.NodeSelector = new Dictionary<string, string> { [key] = "yes" };
            await Client.CoreV1.CreateNamespacedPodAsync(victim, ns);
            await cluster.WaitForPodAsync(ns, name, p => p.Status?.Phase == "Running");
        }

        // A pod at the same priority cannot preempt and says so.
        var peer = SchedulerCluster.Pod("peer", cpu: "1");
        peer.Spec.PriorityClassName = low;
        peer.Spec.NodeSelector = new Dictionary<string, string> { [key] = "yes" };
        await Client.CoreV1.CreateNamespacedPodAsync(peer, ns);
        var peerPending = await cluster.WaitForUnschedulableAsync(ns, "peer");
        Assert.Equal(
            "0/4 nodes are available: 1 Insufficient cpu, 3 node(s) didn't match Pod's node affinity/selector. "
            + "preemption: 0/4 nodes are available: 1 No preemption victims found for incoming pod, 3 Preemption is not helpful for scheduling.",
            SchedulerCluster.ScheduledMessage(peerPending));
        await Client.CoreV1.DeleteNamespacedPodAsync("peer", ns, new V1DeleteOptions { GracePeriodSeconds = 0 });

        // Watch the preemptor from its creation on: the nomination may be short-lived.
        using var watching = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var nominations = new List<string>();
        var list = await Client.CoreV1.ListNamespacedPodAsync(ns);
        var watch = Task.Run(async () =>
        {
            try
            {
                await foreach (var (_, pod) in Client.CoreV1.WatchListNamespacedPodAsync(ns, resourceVersion: list.Metadata.ResourceVersion, fieldSelector: "metadata.name=preemptor", cancellationToken: watching.Token))
                {
                    if (!string.IsNullOrEmpty(pod.Status?.NominatedNodeName))
                    {
                        nominations.Add(pod.Status.NominatedNodeName);
                    }

                    if (!string.IsNullOrEmpty(pod.Spec.NodeName))
                    {
                        return;
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        });

        var preemptor = SchedulerCluster.Pod("preemptor", cpu: "1");
        preemptor.Spec.PriorityClassName = high;
        preemptor.Spec.NodeSelector = new Dictionary<string, string> { [key] = "yes" };
        await Client.CoreV1.CreateNamespacedPodAsync(preemptor, ns);

        var scheduled = await cluster.WaitForScheduledAsync(ns, "preemptor");
        Assert.Equal(node, scheduled.Spec.NodeName);
        await watch;
        Assert.Contains(node, nominations);

        var remaining = (await Client.CoreV1.ListNamespacedPodAsync(ns)).Items.Where(p => p.Metadata.Name.StartsWith("low-", StringComparison.Ordinal)).ToList();
        var survivors = remaining.Where(p => p.Metadata.DeletionTimestamp is null).ToList();
        Assert.Single(survivors);

        await cluster.Scheduler.FlushEventsAsync();
        var preempted = (await Client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: "reason=Preempted")).Items;
        var evicted = Assert.Single(preempted);
        Assert.Equal($"Preempted by pod {scheduled.Metadata.Uid} on node {node}", evicted.Message);
        Assert.NotEqual(survivors[0].Metadata.Name, evicted.InvolvedObject.Name);
    }

    [Fact]
    public async Task A_victim_gets_the_DisruptionTarget_condition_before_it_goes()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var low = await CreateClassAsync(ns + "-low", 10);
        var high = await CreateClassAsync(ns + "-high", 1000);
        await using var nodes = await cluster.StartNodesAsync("disrupt-", cpu: "1");
        var key = "example.com/disrupt-" + ns;
        await Client.CoreV1.PatchNodeAsync(new V1Patch(new { metadata = new { labels = new Dictionary<string, string> { [key] = "yes" } } }, V1Patch.PatchType.MergePatch), nodes.Names[0]);

        // A finalizer keeps the victim visible after its deletion, as the upstream scenario does.
        var victim = SchedulerCluster.Pod("victim", cpu: "1");
        victim.Metadata.Finalizers = ["example.com/test"];
        victim.Spec.PriorityClassName = low;
        victim.Spec.NodeSelector = new Dictionary<string, string> { [key] = "yes" };
        await Client.CoreV1.CreateNamespacedPodAsync(victim, ns);
        await cluster.WaitForPodAsync(ns, "victim", p => p.Status?.Phase == "Running");

        var preemptor = SchedulerCluster.Pod("preemptor", cpu: "1");
        preemptor.Spec.PriorityClassName = high;
        preemptor.Spec.NodeSelector = new Dictionary<string, string> { [key] = "yes" };
        await Client.CoreV1.CreateNamespacedPodAsync(preemptor, ns);

        var terminating = await cluster.WaitForPodAsync(ns, "victim", p => p.Metadata.DeletionTimestamp is not null);
        var condition = Assert.Single(terminating.Status.Conditions, c => c.Type == "DisruptionTarget");
        Assert.Equal("True", condition.Status);
        Assert.Equal("PreemptionByScheduler", condition.Reason);
        Assert.Equal("default-scheduler: preempting to accommodate a higher priority pod", condition.Message);

        await Client.CoreV1.PatchNamespacedPodAsync(new V1Patch("""{"metadata":{"finalizers":null}}""", V1Patch.PatchType.MergePatch), "victim", ns);
        Assert.Equal(nodes.Names[0], (await cluster.WaitForScheduledAsync(ns, "preemptor")).Spec.NodeName);
    }

    [Fact]
    public async Task A_pod_with_preemption_policy_Never_does_not_preempt()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var polite = ns + "-polite";
        await Client.SchedulingV1.CreatePriorityClassAsync(new V1PriorityClass { Metadata = new V1ObjectMeta { Name = polite }, Value = 1000, PreemptionPolicy = "Never" });
        var pod = SchedulerCluster.Pod("polite", cpu: "64");
        pod.Spec.PriorityClassName = polite;
        var created = await Client.CoreV1.CreateNamespacedPodAsync(pod, ns);
        Assert.Equal("Never", created.Spec.PreemptionPolicy);

        var pending = await cluster.WaitForUnschedulableAsync(ns, "polite");
        Assert.Equal("0/3 nodes are available: 3 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.", SchedulerCluster.ScheduledMessage(pending));
    }

    private async Task<string> CreateClassAsync(string name, int value)
    {
        await Client.SchedulingV1.CreatePriorityClassAsync(new V1PriorityClass { Metadata = new V1ObjectMeta { Name = name }, Value = value });
        return name;
    }
}
