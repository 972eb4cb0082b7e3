using k8s;
using k8s.Models;
using static KubeNet.Conformance.Scheduling.SchedulingSteps;

namespace KubeNet.Conformance.Scheduling;

/// <summary>test/e2e/scheduling/predicates.go: the conformance scenarios, which need scheduled pods but no containers.</summary>
[Collection(SchedulingCollection.Name)]
public sealed class SchedulerPredicatesTests(SchedulingCluster cluster)
{
    private IKubernetes Client => cluster.Client;

    [Fact(DisplayName = "[sig-scheduling] SchedulerPredicates [Serial] validates resource limits of pods that are allowed to run [Conformance]")]
    public async Task ValidatesResourceLimits()
    {
        var ns = await cluster.Cluster.CreateNamespaceAsync("sched-pred");
        var nodes = await ReadySchedulableNodesAsync(Client);
        Assert.NotEmpty(nodes);
        var allocatable = new Dictionary<string, long>();
        long maxAllocatable = 0;
        try
        {
            foreach (var node in nodes)
            {
                await AddOrUpdateLabelOnNodeAsync(Client, node.Metadata.Name, "node", node.Metadata.Name);
                await ExpectNodeHasLabelAsync(Client, node.Metadata.Name, "node", node.Metadata.Name);
                var cpu = MilliValue(node.Status.Allocatable["cpu"]);
                allocatable[node.Metadata.Name] = cpu;
                maxAllocatable = Math.Max(maxAllocatable, cpu);
            }

            foreach (var pod in (await Client.CoreV1.ListPodForAllNamespacesAsync()).Items)
            {
                if (allocatable.ContainsKey(pod.Spec.NodeName ?? string.Empty) && pod.Status?.Phase is not ("Succeeded" or "Failed"))
                {
                    allocatable[pod.Spec.NodeName!] -= RequestedMilliCpu(pod);
                }
            }

            // One pod per node taking 70% of what is left there.
            var fillers = new List<V1Pod>();
            foreach (var (node, cpu) in allocatable)
            {
                var requested = MilliQuantity(cpu * 7 / 10);
                fillers.Add(await CreatePausePodAsync(Client, ns, new PausePodConfig
                {
                    Name = "filler-pod-" + Guid.NewGuid(),
                    Resources = new V1ResourceRequirements
                    {
                        Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = requested },
                        Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = requested },
                    },
                    Affinity = new V1Affinity
                    {
                        NodeAffinity = new V1NodeAffinity
                        {
                            RequiredDuringSchedulingIgnoredDuringExecution = new V1NodeSelector
                            {
                                NodeSelectorTerms = [new V1NodeSelectorTerm { MatchExpressions = [new V1NodeSelectorRequirement { Key = "node", OperatorProperty = "In", Values = [node] }] }],
                            },
                        },
                    },
                }));
            }

            foreach (var filler in fillers)
            {
                await WaitForPodRunningAsync(Client, ns, filler.Metadata.Name);
            }

            // Half of the largest node cannot fit anywhere now.
            var half = MilliQuantity(maxAllocatable * 5 / 10);
            await WaitForSchedulerAfterActionAsync(Client, ns, "additional-pod", expectSuccess: false, () => CreatePausePodAsync(Client, ns, new PausePodConfig
            {
                Name = "additional-pod",
                Labels = new Dictionary<string, string> { ["name"] = "additional" },
                Resources = new V1ResourceRequirements
                {
                    Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = half },
                    Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = half },
                },
            }));
            await VerifyResultAsync(Client, ns, fillers.Count, 1);
        }
        finally
        {
            foreach (var node in allocatable.Keys)
            {
                await RemoveLabelOffNodeAsync(Client, node, "node");
            }

            await Client.CoreV1.DeleteCollectionNamespacedPodAsync(ns, new V1DeleteOptions { GracePeriodSeconds = 0 });
        }
    }

    [Fact(DisplayName = "[sig-scheduling] SchedulerPredicates [Serial] validates that NodeSelector is respected if not matching [Conformance]")]
    public async Task NodeSelectorNotMatching()
    {
        var ns = await cluster.Cluster.CreateNamespaceAsync("sched-pred");
        await WaitForSchedulerAfterActionAsync(Client, ns, "restricted-pod", expectSuccess: false, () => CreatePausePodAsync(Client, ns, new PausePodConfig
        {
            Name = "restricted-pod",
            Labels = new Dictionary<string, string> { ["name"] = "restricted" },
            NodeSelector = new Dictionary<string, string> { ["label"] = "nonempty" },
        }));
        await VerifyResultAsync(Client, ns, 0, 1);
    }

    [Fact(DisplayName = "[sig-scheduling] SchedulerPredicates [Serial] validates that NodeSelector is respected if matching [Conformance]")]
    public async Task NodeSelectorMatching()
    {
        var ns = await cluster.Cluster.CreateNamespaceAsync("sched-pred");
        var nodeName = await GetNodeThatCanRunPodAsync(Client, ns);
        var key = "kubernetes.io/e2e-" + Guid.NewGuid();
        await AddOrUpdateLabelOnNodeAsync(Client, nodeName, key, "42");
        try
        {
            await ExpectNodeHasLabelAsync(Client, nodeName, key, "42");
            await CreatePausePodAsync(Client, ns, new PausePodConfig { Name = "with-labels", NodeSelector = new Dictionary<string, string> { [key] = "42" } });
            await WaitForPodNotPendingAsync(Client, ns, "with-labels");
            var labelPod = await Client.CoreV1.ReadNamespacedPodAsync("with-labels", ns);
            Assert.Equal(nodeName, labelPod.Spec.NodeName);
        }
        finally
        {
            await RemoveLabelOffNodeAsync(Client, nodeName, key);
        }
    }

    [Fact(DisplayName = "[sig-scheduling] SchedulerPredicates [Serial] validates that there exists conflict between pods with same hostPort and protocol but one using 0.0.0.0 hostIP [Conformance]")]
    public async Task HostPortConflictWithAllAddresses()
    {
        var ns = await cluster.Cluster.CreateNamespaceAsync("sched-pred");
        var nodeName = await GetNodeThatCanRunPodAsync(Client, ns);
        var hostIp = NodeHostIp(await Client.CoreV1.ReadNodeAsync(nodeName));
        var key = "kubernetes.io/e2e-" + Guid.NewGuid();
        await AddOrUpdateLabelOnNodeAsync(Client, nodeName, key, "95");
        try
        {
            var nodeSelector = new Dictionary<string, string> { [key] = "95" };
            const int port = 54322;

            // pod4: hostPort 54322 on 0.0.0.0 (an empty hostIP) schedules.
            await CreateHostPortPodAsync(ns, "pod4", string.Empty, port, "TCP", nodeSelector);
            await WaitForPodNotPendingAsync(Client, ns, "pod4");

            // pod5: the same port and protocol on the node's address conflicts and stays pending.
            await CreateHostPortPodAsync(ns, "pod5", hostIp, port, "TCP", nodeSelector);
            var pending = await WaitForPodAsync(Client, ns, "pod5", "reported unschedulable",
                p => p.Status?.Conditions?.Any(c => c.Type == "PodScheduled" && c.Status == "False" && c.Reason == "Unschedulable") == true);
            Assert.Equal("Pending", pending.Status.Phase);
            Assert.Contains("node(s) didn't have free ports for the requested pod ports", pending.Status.Conditions.Single(c => c.Type == "PodScheduled").Message, StringComparison.Ordinal);
        }
        finally
        {
            await RemoveLabelOffNodeAsync(Client, nodeName, key);
            await Client.CoreV1.DeleteCollectionNamespacedPodAsync(ns, new V1DeleteOptions { GracePeriodSeconds = 0 });
        }
    }

    // createHostPortPodOnNode: agnhost netexec listening on TCP and UDP 8080, exposed on the host port.
    private Task<V1Pod> CreateHostPortPodAsync(string ns, string name, string hostIp, int port, string protocol, Dictionary<string, string> nodeSelector) =>
        Client.CoreV1.CreateNamespacedPodAsync(
            new V1Pod
            {
                Metadata = new V1ObjectMeta { Name = name },
                Spec = new V1PodSpec
                {
                    NodeSelector = nodeSelector,
                    Containers =
                    [
                        new V1Container
                        {
                            Name = "agnhost",
                            Image = "registry.k8s.io/e2e-test-images/agnhost:2.53",
                            Args = ["netexec", "--http-port=8080", "--udp-port=8080"],
                            Ports = [new V1ContainerPort { HostPort = port, ContainerPort = 8080, Protocol = protocol, HostIP = hostIp }],
                        },
                    ],
                },
            },
            ns);
}
