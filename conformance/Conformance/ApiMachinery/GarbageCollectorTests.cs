using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using KubeNet.Conformance.Framework;

namespace KubeNet.Conformance.ApiMachinery;

/// <summary>
/// test/e2e/apimachinery/garbage_collector.go: cascading, foreground and orphan deletion of the objects that
/// replication controllers and deployments own. Where no replication manager or deployment controller runs, the
/// stand-ins make their pods and replica sets with the owner references those controllers write.
/// </summary>
[Collection(ConformanceCollection.Name)]
public sealed class GarbageCollectorTests(ConformanceCluster cluster)
{
    private const string NginxImage = "registry.k8s.io/e2e-test-images/nginx:1.14-4";

    // estimateMaximumPods(10, 100) upstream multiplies by 8 / 10 in integer arithmetic and so always answers its minimum.
    private const int ManyReplicas = 10;

    private static int _labelCount;

    private IKubernetes Client => cluster.Client;

    private static Dictionary<string, string> UniqueLabel(string key, string value)
    {
        var n = Interlocked.Increment(ref _labelCount);
        return new Dictionary<string, string> { [$"{key}-{n:00000}"] = $"{value}-{n:00000}" };
    }

    private static V1PodTemplateSpec PodTemplate(IDictionary<string, string> labels) => new()
    {
        Metadata = new V1ObjectMeta { Labels = labels },
        Spec = new V1PodSpec { TerminationGracePeriodSeconds = 0, Containers = [new V1Container { Name = "nginx", Image = NginxImage }] },
    };

    private static V1ReplicationController OwnerRc(string name, int replicas, IDictionary<string, string> labels) => new()
    {
        ApiVersion = "v1",
        Kind = "ReplicationController",
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1ReplicationControllerSpec { Replicas = replicas, Selector = labels, Template = PodTemplate(labels) },
    };

    private static V1Deployment OwnerDeployment(string name, IDictionary<string, string> labels) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = labels },
        Spec = new V1DeploymentSpec
        {
            Replicas = 2,
            Selector = new V1LabelSelector { MatchLabels = labels },
            Strategy = new V1DeploymentStrategy { Type = "RollingUpdate" },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = labels },
                Spec = new V1PodSpec { TerminationGracePeriodSeconds = 0, Containers = [new V1Container { Name = "nginx", Image = NginxImage }] },
            },
        },
    };

    private static V1DeleteOptions Options(string policy, string uid)
        => new() { PropagationPolicy = policy, Preconditions = new V1Preconditions { Uid = uid } };

    /// <summary>wait.Poll: checks <paramref name="condition"/> until it holds or <paramref name="timeout"/> passes.</summary>
    private static async Task PollAsync(TimeSpan timeout, Func<Task<bool>> condition, Func<Task<string>> describe)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out after {timeout.TotalSeconds:0}s: {await describe()}");
            }

            await Task.Delay(500);
        }
    }

    private async Task<string> RemainingAsync(string ns)
    {
        var pods = await Client.CoreV1.ListNamespacedPodAsync(ns);
        var rcs = await Client.CoreV1.ListNamespacedReplicationControllerAsync(ns);
        var rss = await Client.AppsV1.ListNamespacedReplicaSetAsync(ns);
        var deployments = await Client.AppsV1.ListNamespacedDeploymentAsync(ns);
        return $"{pods.Items.Count} pods, {rcs.Items.Count} RCs, {rss.Items.Count} RSs, {deployments.Items.Count} deployments remain: "
            + string.Join(", ", pods.Items.Select(p => $"{p.Metadata.Name} (deleting: {p.Metadata.DeletionTimestamp is not null}, owners: {p.Metadata.OwnerReferences?.Count ?? 0})"));
    }

    private async Task<int> PodCountAsync(string ns) => (await Client.CoreV1.ListNamespacedPodAsync(ns)).Items.Count;

    private async Task<bool> ExistsAsync(Func<Task> read)
    {
        try
        {
            await read();
            return true;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    [Fact(DisplayName = "[sig-api-machinery] Garbage collector should delete pods created by rc when not orphaning [Conformance]")]
    public async Task DeletePodsCreatedByRc()
    {
        var ns = await cluster.CreateNamespaceAsync("gc");
        var rc = await Client.CoreV1.CreateNamespacedReplicationControllerAsync(OwnerRc("simpletest.rc", 2, UniqueLabel("gctest", "delete_pods")), ns);

        // Upstream waits only for some pods: the collector must cope with an RC deleted before it settles.
        await cluster.ControllerPodsRunningAsync(ns, rc.Metadata.Name);
        await Client.CoreV1.DeleteNamespacedReplicationControllerAsync(rc.Metadata.Name, ns, Options("Background", rc.Metadata.Uid));
        await PollAsync(TimeSpan.FromSeconds(60), async () =>
            (await Client.CoreV1.ListNamespacedReplicationControllerAsync(ns)).Items.Count == 0 && await PodCountAsync(ns) == 0,
            () => RemainingAsync(ns));
    }

    [Fact(DisplayName = "[sig-api-machinery] Garbage collector should orphan pods created by rc if delete options say so [Conformance]")]
    public async Task OrphanPodsCreatedByRc()
    {
        var ns = await cluster.CreateNamespaceAsync("gc");
        var rc = await Client.CoreV1.CreateNamespacedReplicationControllerAsync(OwnerRc("simpletest.rc", ManyReplicas, UniqueLabel("gctest", "orphan_pods")), ns);
        await cluster.ControllerPodsRunningAsync(ns, rc.Metadata.Name);

        await Client.CoreV1.DeleteNamespacedReplicationControllerAsync(rc.Metadata.Name, ns, Options("Orphan", rc.Metadata.Uid));
        await PollAsync(TimeSpan.FromSeconds(120), async () => (await Client.CoreV1.ListNamespacedReplicationControllerAsync(ns)).Items.Count == 0, () => RemainingAsync(ns));

        // Upstream waits 30 s to see whether the collector deletes the pods by mistake. The RC is gone only after every
        // pod lost its reference to it, so nothing is left that could lead the collector to them; a short wait suffices.
        await Task.Delay(TimeSpan.FromSeconds(3));
        var pods = (await Client.CoreV1.ListNamespacedPodAsync(ns)).Items;
        Assert.Equal(ManyReplicas, pods.Count);
        Assert.All(pods, p => Assert.DoesNotContain(p.Metadata.OwnerReferences ?? [], o => o.Uid == rc.Metadata.Uid));
        foreach (var pod in pods)
        {
            await Client.CoreV1.DeleteNamespacedPodAsync(pod.Metadata.Name, ns, gracePeriodSeconds: 0);
        }
    }

    [Fact(DisplayName = "[sig-api-machinery] Garbage collector should delete RS created by deployment when not orphaning [Conformance]")]
    public async Task DeleteRsCreatedByDeployment()
    {
        var ns = await cluster.CreateNamespaceAsync("gc");
        var deployment = await Client.AppsV1.CreateNamespacedDeploymentAsync(OwnerDeployment("simpletest.deployment", UniqueLabel("gctest", "delete_rs")), ns);
        await cluster.DeploymentReplicaSetAsync(ns, deployment.Metadata.Name);

        await Client.AppsV1.DeleteNamespacedDeploymentAsync(deployment.Metadata.Name, ns, Options("Background", deployment.Metadata.Uid));
        await PollAsync(TimeSpan.FromSeconds(60), async () =>
            (await Client.AppsV1.ListNamespacedDeploymentAsync(ns)).Items.Count == 0
            && (await Client.AppsV1.ListNamespacedReplicaSetAsync(ns)).Items.Count == 0
            && await PodCountAsync(ns) == 0,
            () => RemainingAsync(ns));
    }

    [Fact(DisplayName = "[sig-api-machinery] Garbage collector should orphan RS created by deployment when deleteOptions.PropagationPolicy is Orphan [Conformance]")]
    public async Task OrphanRsCreatedByDeployment()
    {
        var ns = await cluster.CreateNamespaceAsync("gc");
        var deployment = await Client.AppsV1.CreateNamespacedDeploymentAsync(OwnerDeployment("simpletest.deployment", UniqueLabel("gctest", "orphan_rs")), ns);
        var replicaSet = await cluster.DeploymentReplicaSetAsync(ns, deployment.Metadata.Name);
        await PollAsync(TimeSpan.FromSeconds(60), async () =>
        {
            var rs = await Client.AppsV1.ReadNamespacedReplicaSetAsync(replicaSet.Metadata.Name, ns);
            return rs.Status?.ObservedGeneration >= replicaSet.Metadata.Generation && rs.Status.Replicas == replicaSet.Spec.Replicas;
        }, () => Task.FromResult("the replica set did not report its replicas"));

        await Client.AppsV1.DeleteNamespacedDeploymentAsync(deployment.Metadata.Name, ns, Options("Orphan", deployment.Metadata.Uid));
        await PollAsync(TimeSpan.FromSeconds(60), async () => (await Client.AppsV1.ListNamespacedDeploymentAsync(ns)).Items.Count == 0, () => RemainingAsync(ns));

        // Once the deployment is gone, the collector has done all it will do.
        var replicaSets = (await Client.AppsV1.ListNamespacedReplicaSetAsync(ns)).Items;
        Assert.Single(replicaSets);
        Assert.Equal(2, await PodCountAsync(ns));
        Assert.All(replicaSets, rs => Assert.DoesNotContain(rs.Metadata.OwnerReferences ?? [], o => o.Controller == true));
    }

    [Fact(DisplayName = "[sig-api-machinery] Garbage collector should keep the rc around until all its pods are deleted if the deleteOptions says so [Conformance]")]
    public async Task KeepRcUntilPodsDeleted()
    {
        var ns = await cluster.CreateNamespaceAsync("gc");
        var rc = await Client.CoreV1.CreateNamespacedReplicationControllerAsync(OwnerRc("simpletest.rc", ManyReplicas, UniqueLabel("gctest", "delete_pods_foreground")), ns);
        await cluster.ControllerPodsRunningAsync(ns, rc.Metadata.Name);

        await Client.CoreV1.DeleteNamespacedReplicationControllerAsync(rc.Metadata.Name, ns, Options("Foreground", rc.Metadata.Uid));
        await PollAsync(TimeSpan.FromSeconds(60), async () => !await ExistsAsync(() => Client.CoreV1.ReadNamespacedReplicationControllerAsync(rc.Metadata.Name, ns)), () => RemainingAsync(ns));

        // The RC goes last: no pod may be left once it is gone.
        Assert.Equal(0, await PodCountAsync(ns));
    }

    [Fact(DisplayName = "[sig-api-machinery] Garbage collector should not delete dependents that have both valid owner and owner that's waiting for dependents to be deleted [Conformance]")]
    public async Task KeepDependentsWithAValidOwner()
    {
        var ns = await cluster.CreateNamespaceAsync("gc");
        var rc1 = await Client.CoreV1.CreateNamespacedReplicationControllerAsync(
            OwnerRc("simpletest-rc-to-be-deleted", ManyReplicas, UniqueLabel("gctest_d", "valid_and_pending_owners_d")), ns);
        var rc2 = await Client.CoreV1.CreateNamespacedReplicationControllerAsync(
            OwnerRc("simpletest-rc-to-stay", 0, UniqueLabel("gctest_s", "valid_and_pending_owners_s")), ns);
        await cluster.ControllerPodsRunningAsync(ns, rc1.Metadata.Name);

        // Half of rc1's pods get rc2 as a second owner, with the strategic merge patch upstream sends.
        var pods = (await Client.CoreV1.ListNamespacedPodAsync(ns)).Items;
        var half = ManyReplicas / 2;
        var patch = $$$"""{"metadata":{"ownerReferences":[{"apiVersion":"v1","kind":"ReplicationController","name":"{{{rc2.Metadata.Name}}}","uid":"{{{rc2.Metadata.Uid}}}"}]}}""";
        foreach (var pod in pods.Take(half))
        {
            await Client.CoreV1.PatchNamespacedPodAsync(new V1Patch(patch, V1Patch.PatchType.StrategicMergePatch), pod.Metadata.Name, ns);
        }

        await Client.CoreV1.DeleteNamespacedReplicationControllerAsync(rc1.Metadata.Name, ns, Options("Foreground", rc1.Metadata.Uid));
        await PollAsync(TimeSpan.FromSeconds(90), async () => !await ExistsAsync(() => Client.CoreV1.ReadNamespacedReplicationControllerAsync(rc1.Metadata.Name, ns)), () => RemainingAsync(ns));

        var left = (await Client.CoreV1.ListNamespacedPodAsync(ns)).Items;
        Assert.Equal(half, left.Count);
        foreach (var pod in left)
        {
            Assert.Null(pod.Metadata.DeletionTimestamp);
            Assert.Equal(rc2.Metadata.Uid, Assert.Single(pod.Metadata.OwnerReferences).Uid);
        }

        foreach (var pod in left)
        {
            await Client.CoreV1.DeleteNamespacedPodAsync(pod.Metadata.Name, ns, gracePeriodSeconds: 0);
        }
    }

    [Fact(DisplayName = "[sig-api-machinery] Garbage collector should not be blocked by dependency circle [Conformance]")]
    public async Task NotBlockedByDependencyCircle()
    {
        var ns = await cluster.CreateNamespaceAsync("gc");
        async Task<V1Pod> CreatePodAsync(string name) => await Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new V1PodSpec { TerminationGracePeriodSeconds = 0, Containers = [new V1Container { Name = "nginx", Image = NginxImage }] },
        }, ns);

        var pod1 = await CreatePodAsync("pod1");
        var pod2 = await CreatePodAsync("pod2");
        var pod3 = await CreatePodAsync("pod3");
        static V1Patch AddRef(V1Pod owner) => new(
            $$$"""{"metadata":{"ownerReferences":[{"apiVersion":"v1","kind":"Pod","name":"{{{owner.Metadata.Name}}}","uid":"{{{owner.Metadata.Uid}}}","controller":true,"blockOwnerDeletion":true}]}}""",
            V1Patch.PatchType.StrategicMergePatch);
        pod1 = await Client.CoreV1.PatchNamespacedPodAsync(AddRef(pod3), "pod1", ns);
        await Client.CoreV1.PatchNamespacedPodAsync(AddRef(pod1), "pod2", ns);
        await Client.CoreV1.PatchNamespacedPodAsync(AddRef(pod2), "pod3", ns);

        await Client.CoreV1.DeleteNamespacedPodAsync("pod1", ns, Options("Foreground", pod1.Metadata.Uid));
        await PollAsync(TimeSpan.FromSeconds(90), async () => await PodCountAsync(ns) == 0, () => RemainingAsync(ns));
    }
}
