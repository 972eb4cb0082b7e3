using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using static KubeNet.Conformance.Scheduling.SchedulingSteps;

namespace KubeNet.Conformance.Scheduling;

/// <summary>
/// test/e2e/scheduling/preemption.go, PreemptionExecutionPath: ReplicaSets of four priorities share a fake resource on
/// one node; the preemptor evicts exactly the two lowest, whose ReplicaSets each make one replacement that stays pending.
/// </summary>
[Collection(SchedulingCollection.Name)]
public sealed class PreemptionExecutionPathTests(SchedulingCluster cluster)
{
    private const string FakeCpu = "example.com/fakecpu";

    private IKubernetes Client => cluster.Client;

    [Fact(DisplayName = "[sig-scheduling] SchedulerPreemption [Serial] PreemptionExecutionPath runs ReplicaSets to verify preemption running path [Conformance]")]
    public async Task RunsReplicaSetsToVerifyPreemptionRunningPath()
    {
        var ns = await cluster.Cluster.CreateNamespaceAsync("sched-preemption-path");
        var nodeName = await GetNodeThatCanRunPodAsync(Client, ns);
        var node = await Client.CoreV1.ReadNodeAsync(nodeName);
        var hostname = node.Metadata.Labels["kubernetes.io/hostname"];

        // Only capacity is patched, as upstream's patchNode does: the node's agent reports it as allocatable.
        await Client.CoreV1.PatchNodeStatusAsync(
            new V1Patch(new { status = new { capacity = new Dictionary<string, string> { [FakeCpu] = "1000" } } }, V1Patch.PatchType.StrategicMergePatch), nodeName);
        for (var i = 1; i <= 4; i++)
        {
            try
            {
                await Client.SchedulingV1.CreatePriorityClassAsync(new V1PriorityClass { Metadata = new V1ObjectMeta { Name = $"p{i}" }, Value = i });
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
            {
            }
        }

        using var watching = new CancellationTokenSource();
        var seen = new int[3];
        int[] Seen() => [.. Enumerable.Range(0, seen.Length).Select(i => Volatile.Read(ref seen[i]))];
        var list = await Client.CoreV1.ListNamespacedPodAsync(ns);
        var counter = Task.Run(async () =>
        {
            try
            {
                await foreach (var (type, pod) in Client.CoreV1.WatchListNamespacedPodAsync(ns, resourceVersion: list.Metadata.ResourceVersion, cancellationToken: watching.Token))
                {
                    for (var i = 0; i < seen.Length; i++)
                    {
                        if (type == WatchEventType.Added && pod.Metadata.Name.StartsWith($"rs-pod{i + 1}", StringComparison.Ordinal))
                        {
                            Interlocked.Increment(ref seen[i]);
                        }
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        });

        try
        {
            // ReplicaSets 1-3 take 950 of the 1000 fake cpus.
            foreach (var (index, amount) in new[] { (1, "200"), (2, "300"), (3, "450") })
            {
                await RunPauseReplicaSetAsync(ns, $"pod{index}", $"p{index}", hostname, amount);
            }

            var preemptor = PausePod(new PausePodConfig
            {
                Name = "pod4",
                Labels = new Dictionary<string, string> { ["name"] = "pod4" },
                PriorityClassName = "p4",
                NodeSelector = new Dictionary<string, string> { ["kubernetes.io/hostname"] = hostname },
                Resources = FakeCpuRequirements("500"),
            });
            await Client.CoreV1.CreateNamespacedPodAsync(preemptor, ns);
            await WaitForPodAsync(Client, ns, "pod4", "preempting", p => !string.IsNullOrEmpty(p.Spec.NodeName));

            // ReplicaSets 1 and 2 lose their pod once and make one replacement each; ReplicaSet 3 keeps its pod.
            int[] expected = [2, 2, 1];
            var deadline = DateTime.UtcNow + SchedulingSteps.Timeout;
            while (!Seen().SequenceEqual(expected))
            {
                Assert.True(seen.Zip(expected).All(p => p.First <= p.Second), $"pods created so far: [{string.Join(" ", seen)}], over-preempted");
                Assert.True(DateTime.UtcNow < deadline, $"pods created so far: [{string.Join(" ", seen)}], expected [{string.Join(" ", expected)}]");
                await Task.Delay(500);
            }

            // And the state is stable: nothing more is preempted.
            await Task.Delay(TimeSpan.FromSeconds(5));
            Assert.Equal(expected, Seen());
        }
        finally
        {
            await watching.CancelAsync();
            await counter;
            await Client.CoreV1.PatchNodeStatusAsync(
                new V1Patch(new { status = new { capacity = new Dictionary<string, string?> { [FakeCpu] = null } } }, V1Patch.PatchType.StrategicMergePatch), nodeName);
            for (var i = 1; i <= 4; i++)
            {
                await IgnoreNotFoundAsync(() => Client.SchedulingV1.DeletePriorityClassAsync($"p{i}", new V1DeleteOptions { GracePeriodSeconds = 0 }));
            }

            foreach (var rs in (await Client.AppsV1.ListNamespacedReplicaSetAsync(ns)).Items)
            {
                await Client.AppsV1.DeleteNamespacedReplicaSetAsync(rs.Metadata.Name, ns);
            }

            await Client.CoreV1.DeleteCollectionNamespacedPodAsync(ns, new V1DeleteOptions { GracePeriodSeconds = 0 });
        }
    }

    // runPauseRS: a one-replica ReplicaSet "rs-NAME" of pause pods, waited for until its replica is available.
    private async Task RunPauseReplicaSetAsync(string ns, string name, string priorityClass, string hostname, string fakeCpu)
    {
        var labels = new Dictionary<string, string> { ["name"] = name };
        var template = PausePod(new PausePodConfig
        {
            Name = name,
            Labels = labels,
            PriorityClassName = priorityClass,
            NodeSelector = new Dictionary<string, string> { ["kubernetes.io/hostname"] = hostname },
            Resources = FakeCpuRequirements(fakeCpu),
        });
        var rs = await Client.AppsV1.CreateNamespacedReplicaSetAsync(
            new V1ReplicaSet
            {
                Metadata = new V1ObjectMeta { Name = "rs-" + name },
                Spec = new V1ReplicaSetSpec
                {
                    Replicas = 1,
                    Selector = new V1LabelSelector { MatchLabels = labels },
                    Template = new V1PodTemplateSpec { Metadata = new V1ObjectMeta { Labels = labels }, Spec = template.Spec },
                },
            },
            ns);
        var deadline = DateTime.UtcNow + SchedulingSteps.Timeout;
        while ((await Client.AppsV1.ReadNamespacedReplicaSetAsync(rs.Metadata.Name, ns)).Status?.AvailableReplicas != 1)
        {
            Assert.True(DateTime.UtcNow < deadline, $"replicaset {rs.Metadata.Name} did not get an available replica");
            await Task.Delay(250);
        }
    }

    private static V1ResourceRequirements FakeCpuRequirements(string amount) => new()
    {
        Requests = new Dictionary<string, ResourceQuantity> { [FakeCpu] = new(amount) },
        Limits = new Dictionary<string, ResourceQuantity> { [FakeCpu] = new(amount) },
    };
}
