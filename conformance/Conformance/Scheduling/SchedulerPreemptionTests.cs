using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using static KubeNet.Conformance.Scheduling.SchedulingSteps;

namespace KubeNet.Conformance.Scheduling;

/// <summary>test/e2e/scheduling/preemption.go: the conformance scenarios that need no ReplicaSet controller or containers.</summary>
[Collection(SchedulingCollection.Name)]
public sealed class SchedulerPreemptionTests(SchedulingCluster cluster) : IAsyncLifetime
{
    private const string BaseName = "sched-preemption";
    private const string LowPriorityClassName = BaseName + "-low-priority";
    private const string MediumPriorityClassName = BaseName + "-medium-priority";
    private const string HighPriorityClassName = BaseName + "-high-priority";
    private const string TestExtendedResource = "scheduling.k8s.io/foo";
    private const string TestFinalizer = "example.com/test-finalizer";

    private static readonly (string Name, int Value)[] PriorityPairs =
        [(LowPriorityClassName, 1), (MediumPriorityClassName, 100), (HighPriorityClassName, 1000)];

    private List<V1Node> _nodes = [];
    private string _ns = string.Empty;

    private IKubernetes Client => cluster.Client;

    public async Task InitializeAsync()
    {
        _ns = await cluster.Cluster.CreateNamespaceAsync(BaseName);
        foreach (var (name, value) in PriorityPairs)
        {
            try
            {
                await Client.SchedulingV1.CreatePriorityClassAsync(new V1PriorityClass { Metadata = new V1ObjectMeta { Name = name }, Value = value });
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
            {
            }
        }

        _nodes = await ReadySchedulableNodesAsync(Client);
    }

    public async Task DisposeAsync()
    {
        foreach (var (name, _) in PriorityPairs)
        {
            await IgnoreNotFoundAsync(() => Client.SchedulingV1.DeletePriorityClassAsync(name, new V1DeleteOptions { GracePeriodSeconds = 0 }));
        }

        foreach (var node in _nodes)
        {
            await RemoveExtendedResourceAsync(Client, node.Metadata.Name, TestExtendedResource);
        }

        await Client.CoreV1.DeleteCollectionNamespacedPodAsync(_ns, new V1DeleteOptions { GracePeriodSeconds = 0 });
    }

    [Fact(DisplayName = "[sig-scheduling] SchedulerPreemption [Serial] validates basic preemption works [Conformance]")]
    public async Task BasicPreemption()
    {
        var pods = await FillNodesAsync();
        var podRes = pods[0].Spec.Containers[0].Resources.Requests;

        // A high priority pod with the low priority pod's requirements lands where the low one was.
        await RunPausePodAsync(Client, _ns, new PausePodConfig
        {
            Name = "preemptor-pod",
            PriorityClassName = HighPriorityClassName,
            Resources = new V1ResourceRequirements { Requests = podRes, Limits = podRes },
        });

        await ExpectOnlyFirstPreemptedAsync(pods);
    }

    [Fact(DisplayName = "[sig-scheduling] SchedulerPreemption [Serial] validates lower priority pod preemption by critical pod [Conformance]")]
    public async Task PreemptionByCriticalPod()
    {
        var pods = await FillNodesAsync();
        var podRes = pods[0].Spec.Containers[0].Resources.Requests;
        try
        {
            await RunPausePodAsync(Client, _ns, new PausePodConfig
            {
                Name = "critical-pod",
                Namespace = "kube-system",
                PriorityClassName = "system-cluster-critical",
                Resources = new V1ResourceRequirements { Requests = podRes, Limits = podRes },
            });
            await ExpectOnlyFirstPreemptedAsync(pods);
        }
        finally
        {
            await IgnoreNotFoundAsync(() => Client.CoreV1.DeleteNamespacedPodAsync("critical-pod", "kube-system", new V1DeleteOptions { GracePeriodSeconds = 0 }));
        }
    }

    [Fact(DisplayName = "[sig-scheduling] SchedulerPreemption [Serial] validates pod disruption condition is added to the preempted pod [Conformance]")]
    public async Task DisruptionConditionOnPreemptedPod()
    {
        var podRes = new Dictionary<string, ResourceQuantity> { [TestExtendedResource] = new("1") };
        Assert.NotEmpty(_nodes);
        var node = _nodes[0].Metadata.Name;
        await AddExtendedResourceAsync(Client, node, TestExtendedResource, "1");
        await WaitForAllocatableAsync(Client, node, TestExtendedResource, "1");
        var affinity = NodeNameAffinity(node);

        var victim = await CreatePausePodAsync(Client, _ns, new PausePodConfig
        {
            Name = "victim-pod",
            PriorityClassName = LowPriorityClassName,
            Resources = new V1ResourceRequirements { Requests = podRes, Limits = podRes },
            Finalizers = [TestFinalizer],
            Affinity = affinity,
        });
        try
        {
            await WaitForPodRunningAsync(Client, _ns, victim.Metadata.Name);
            await CreatePausePodAsync(Client, _ns, new PausePodConfig
            {
                Name = "preemptor-pod",
                PriorityClassName = HighPriorityClassName,
                Resources = new V1ResourceRequirements { Requests = podRes, Limits = podRes },
                Affinity = affinity,
            });

            var terminating = await WaitForPodAsync(Client, _ns, victim.Metadata.Name, "terminating", p => p.Metadata.DeletionTimestamp is not null);
            Assert.Contains(terminating.Status.Conditions, c => c.Type == "DisruptionTarget");
        }
        finally
        {
            await IgnoreNotFoundAsync(() => Client.CoreV1.PatchNamespacedPodAsync(
                new V1Patch("""{"metadata":{"finalizers":null}}""", V1Patch.PatchType.MergePatch), victim.Metadata.Name, _ns));
        }
    }

    [Fact(DisplayName = "[sig-scheduling] SchedulerPreemption [Serial] PriorityClass endpoints verify PriorityClass endpoints can be operated with different HTTP methods [Conformance]")]
    public async Task PriorityClassEndpoints()
    {
        var pcs = new List<V1PriorityClass>();
        for (var i = 1; i <= 2; i++)
        {
            try
            {
                pcs.Add(await Client.SchedulingV1.CreatePriorityClassAsync(new V1PriorityClass { Metadata = new V1ObjectMeta { Name = $"p{i}" }, Value = i }));
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
            {
                pcs.Add(await Client.SchedulingV1.ReadPriorityClassAsync($"p{i}"));
            }
        }

        try
        {
            // 1. Patch and update of an immutable field fail.
            await Assert.ThrowsAsync<HttpOperationException>(() => Client.SchedulingV1.PatchPriorityClassAsync(
                new V1Patch($$"""{"value":{{pcs[0].Value * 10}}}""", V1Patch.PatchType.StrategicMergePatch), pcs[0].Metadata.Name));
            var copy = await Client.SchedulingV1.ReadPriorityClassAsync(pcs[1].Metadata.Name);
            copy.Value *= 10;
            await Assert.ThrowsAsync<HttpOperationException>(() => Client.SchedulingV1.ReplacePriorityClassAsync(copy, copy.Metadata.Name));

            // 2. Patch and update of a mutable field succeed.
            const string description = "updated description";
            await Client.SchedulingV1.PatchPriorityClassAsync(new V1Patch($$"""{"description":"{{description}}"}""", V1Patch.PatchType.StrategicMergePatch), pcs[0].Metadata.Name);
            copy = await Client.SchedulingV1.ReadPriorityClassAsync(pcs[1].Metadata.Name);
            copy.Description = description;
            await Client.SchedulingV1.ReplacePriorityClassAsync(copy, copy.Metadata.Name);

            // 3. List, 4. read back.
            await Client.SchedulingV1.ListPriorityClassAsync();
            foreach (var pc in pcs)
            {
                var live = await Client.SchedulingV1.ReadPriorityClassAsync(pc.Metadata.Name);
                Assert.Equal(pc.Value, live.Value);
                Assert.Equal(description, live.Description);
            }
        }
        finally
        {
            foreach (var pc in pcs)
            {
                await Client.SchedulingV1.DeletePriorityClassAsync(pc.Metadata.Name, new V1DeleteOptions { GracePeriodSeconds = 0 });
            }
        }
    }

    // "Create pods that use 4/5 of node resources": every node advertises 5 of the extended resource and gets two pods
    // asking for 2, the very first at low priority, the others at medium.
    private async Task<List<V1Pod>> FillNodesAsync()
    {
        Assert.NotEmpty(_nodes);
        var pods = new List<V1Pod>();
        for (var i = 0; i < _nodes.Count; i++)
        {
            var node = _nodes[i].Metadata.Name;
            await AddExtendedResourceAsync(Client, node, TestExtendedResource, "5");
            await WaitForAllocatableAsync(Client, node, TestExtendedResource, "5");
            for (var j = 0; j < 2; j++)
            {
                var podRes = new Dictionary<string, ResourceQuantity> { [TestExtendedResource] = new("2") };
                var priorityName = pods.Count == 0 ? LowPriorityClassName : MediumPriorityClassName;
                pods.Add(await CreatePausePodAsync(Client, _ns, new PausePodConfig
                {
                    Name = $"pod{i}-{j}-{priorityName}",
                    PriorityClassName = priorityName,
                    Resources = new V1ResourceRequirements { Requests = podRes, Limits = podRes },
                    Affinity = NodeNameAffinity(node),
                }));
            }
        }

        Assert.True(pods.Count >= 2, "We need at least two pods to be created but all nodes are already heavily utilized, so preemption tests cannot be run");
        foreach (var pod in pods)
        {
            await WaitForPodRunningAsync(Client, _ns, pod.Metadata.Name);
        }

        return pods;
    }

    private async Task ExpectOnlyFirstPreemptedAsync(List<V1Pod> pods)
    {
        bool preempted;
        try
        {
            var first = await Client.CoreV1.ReadNamespacedPodAsync(pods[0].Metadata.Name, pods[0].Metadata.NamespaceProperty);
            preempted = first.Metadata.DeletionTimestamp is not null;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            preempted = true;
        }

        foreach (var pod in pods.Skip(1))
        {
            var live = await Client.CoreV1.ReadNamespacedPodAsync(pod.Metadata.Name, pod.Metadata.NamespaceProperty);
            Assert.Null(live.Metadata.DeletionTimestamp);
        }

        Assert.True(preempted, $"pod {pods[0].Metadata.Name} was not preempted");
    }
}
