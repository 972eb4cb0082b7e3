using k8s;
using k8s.Models;
using KubeNet.Scheduler.Cache;
using KubeNet.Scheduler.Framework;
using KubeNet.Scheduler.Plugins;
using KubeNet.Scheduler.Queue;

namespace KubeNet.Scheduler.Tests;

/// <summary>The framework and plugins on in-memory nodes: filter reasons, score math, messages, snapshots.</summary>
public sealed class FrameworkTests
{
    private static readonly Kubernetes Offline = new(new KubernetesClientConfiguration { Host = "https://127.0.0.1:1" });

    [Fact]
    public void The_failure_message_counts_reasons_as_kube_scheduler_does()
    {
        var statuses = new NodeToStatus();
        statuses.Set("a", Status.Unschedulable("Insufficient cpu"));
        statuses.Set("b", Status.Unschedulable("Insufficient cpu"));
        statuses.Set("c", Status.Unschedulable("Insufficient cpu"));
        statuses.Set("d", Status.Unresolvable("node(s) had untolerated taint {a: b}"));
        statuses.Set("e", Status.Unresolvable("node(s) had untolerated taint {a: b}"));
        var message = FitError.Message(5, statuses, null, "preemption: 0/5 nodes are available: 5 Preemption is not helpful for scheduling.");
        Assert.Equal(
            "0/5 nodes are available: 2 node(s) had untolerated taint {a: b}, 3 Insufficient cpu. preemption: 0/5 nodes are available: 5 Preemption is not helpful for scheduling.",
            message);
    }

    [Fact]
    public void Nodes_without_a_status_count_with_the_absent_status_and_a_PreFilter_rejection_stands_alone()
    {
        var statuses = new NodeToStatus { AbsentNodesStatus = Status.Unresolvable("node(s) didn't satisfy plugin(s) [NodeAffinity]") };
        statuses.Set("a", Status.Unschedulable("Insufficient scheduling.k8s.io/foo"));
        Assert.Equal(
            "0/3 nodes are available: 1 Insufficient scheduling.k8s.io/foo, 2 node(s) didn't satisfy plugin(s) [NodeAffinity].",
            FitError.Message(3, statuses, null, null));
        Assert.Equal("0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims.", FitError.Message(3, statuses, "pod has unbound immediate PersistentVolumeClaims", null));
    }

    [Theory]
    [InlineData(50, 50)]
    [InlineData(99, 99)]
    [InlineData(100, 100)]
    [InlineData(1000, 420)]
    [InlineData(5000, 500)]
    [InlineData(6000, 300)]
    public void The_search_stops_after_an_adaptive_share_of_nodes(int nodes, int expected) =>
        Assert.Equal(expected, SchedulerCore.NumFeasibleNodesToFind(0, nodes));

    [Fact]
    public void Resource_scores_follow_upstream_math()
    {
        Assert.Equal(75, NodeResourcesFit.LeastRequested(1000, 4000));
        Assert.Equal(0, NodeResourcesFit.LeastRequested(5000, 4000));
        Assert.Equal(25, NodeResourcesFit.MostRequested(1000, 4000));
        Assert.Equal(100, NodeResourcesFit.MostRequested(5000, 4000));
        Assert.Equal(100, NodeResourcesBalancedAllocation.BalancedScore([3000, 12], [4000, 16]));
        Assert.Equal(62, NodeResourcesBalancedAllocation.BalancedScore([3000, 0], [4000, 16]));
    }

    [Fact]
    public void Filters_reject_with_upstream_reasons()
    {
        var fwk = Framework(out var snapshot);
        var tainted = Node("tainted", cpu: "4", taints: [new V1Taint { Key = "dedicated", Value = "gpu", Effect = "NoSchedule" }]);
        var small = Node("small", cpu: "1");
        var cordoned = Node("cordoned", cpu: "4");
        cordoned.Spec.Unschedulable = true;
        Load(snapshot, tainted, small, cordoned);

        var pod = new PodInfo(Pod("p", cpu: "2"));
        var state = new CycleState();
        fwk.RunPreFilter(state, pod);
        Assert.Equal("node(s) had untolerated taint {dedicated: gpu}", fwk.RunFilter(state, pod, snapshot.Get("tainted")!)!.Message);
        Assert.Equal("Insufficient cpu", fwk.RunFilter(state, pod, snapshot.Get("small")!)!.Message);
        Assert.Equal("node(s) were unschedulable", fwk.RunFilter(state, pod, snapshot.Get("cordoned")!)!.Message);

        var tolerant = Pod("t", cpu: "2");
        tolerant.Spec.Tolerations = [new V1Toleration { Key = "dedicated", OperatorProperty = "Exists" }];
        var tolerantInfo = new PodInfo(tolerant);
        fwk.RunPreFilter(state, tolerantInfo);
        Assert.Null(fwk.RunFilter(state, tolerantInfo, snapshot.Get("tainted")!));
    }

    [Fact]
    public void Requests_count_init_containers_sidecars_and_overhead()
    {
        var pod = Pod("p", cpu: "500m");
        pod.Spec.InitContainers =
        [
            new V1Container { Name = "init", Resources = new V1ResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("2") } } },
            new V1Container { Name = "sidecar", RestartPolicy = "Always", Resources = new V1ResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("100m") } } },
        ];
        pod.Spec.Overhead = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("50m") };
        var info = new PodInfo(pod);

        // max(500m + 100m sidecar, 2 init) + 50m overhead.
        Assert.Equal(2050, info.Requests.MilliCpu);
    }

    [Fact]
    public void Topology_spread_keeps_the_skew_within_max_skew()
    {
        var fwk = Framework(out var snapshot);
        var a = Node("a", zone: "zone-a");
        var b = Node("b", zone: "zone-b");
        Load(snapshot, a, b);
        AddPod(snapshot, "a", Pod("existing", labels: new() { ["app"] = "web" }));

        var pod = Pod("new", labels: new() { ["app"] = "web" });
        pod.Spec.TopologySpreadConstraints =
        [
            new V1TopologySpreadConstraint
            {
                MaxSkew = 1,
                TopologyKey = "topology.kubernetes.io/zone",
                WhenUnsatisfiable = "DoNotSchedule",
                LabelSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } },
            },
        ];
        var info = new PodInfo(pod);
        var state = new CycleState();
        fwk.RunPreFilter(state, info);
        Assert.Equal("node(s) didn't match pod topology spread constraints", fwk.RunFilter(state, info, snapshot.Get("a")!)!.Message);
        Assert.Null(fwk.RunFilter(state, info, snapshot.Get("b")!));

        // minDomains 3 with two domains: the global minimum counts as 0, so even zone-b (0 + 1 - 0 <= 1) passes but a does not.
        pod.Spec.TopologySpreadConstraints[0].MinDomains = 3;
        info = new PodInfo(pod);
        state = new CycleState();
        fwk.RunPreFilter(state, info);
        Assert.NotNull(fwk.RunFilter(state, info, snapshot.Get("a")!));
        Assert.Null(fwk.RunFilter(state, info, snapshot.Get("b")!));
    }

    [Fact]
    public void The_first_pod_of_a_self_affine_group_may_go_anywhere()
    {
        var fwk = Framework(out var snapshot);
        Load(snapshot, Node("a"));
        var pod = Pod("first", labels: new() { ["app"] = "db" });
        pod.Spec.Affinity = new V1Affinity
        {
            PodAffinity = new V1PodAffinity
            {
                RequiredDuringSchedulingIgnoredDuringExecution =
                [
                    new V1PodAffinityTerm
                    {
                        TopologyKey = "kubernetes.io/hostname",
                        LabelSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "db" } },
                    },
                ],
            },
        };
        var info = new PodInfo(pod);
        var state = new CycleState();
        fwk.RunPreFilter(state, info);
        Assert.Null(fwk.RunFilter(state, info, snapshot.Get("a")!));
    }

    [Fact]
    public void Host_ports_conflict_on_the_same_protocol_and_overlapping_address()
    {
        var used = new HostPortInfo();
        used.Add(new HostPort(null, null, 80));
        Assert.True(used.Conflicts(new HostPort("10.0.0.1", "TCP", 80)));
        Assert.False(used.Conflicts(new HostPort("10.0.0.1", "UDP", 80)));
        Assert.False(used.Conflicts(new HostPort(null, null, 81)));

        var specific = new HostPortInfo();
        specific.Add(new HostPort("10.0.0.1", "TCP", 80));
        Assert.False(specific.Conflicts(new HostPort("10.0.0.2", "TCP", 80)));
        Assert.True(specific.Conflicts(new HostPort(null, "TCP", 80)));
    }

    [Fact]
    public void The_snapshot_copies_only_nodes_that_changed_and_lists_zones_round_robin()
    {
        var cache = new SchedulerCache();
        foreach (var (name, zone) in new[] { ("a1", "zone-a"), ("a2", "zone-a"), ("b1", "zone-b"), ("c1", "zone-c") })
        {
            cache.AddOrUpdateNode(Node(name, zone: zone));
        }

        var snapshot = new Snapshot();
        cache.UpdateSnapshot(snapshot);
        Assert.Equal(["a1", "b1", "c1", "a2"], snapshot.NodeInfoList.Select(n => n.Name));
        var before = snapshot.Get("b1");

        var pod = new PodInfo(Pod("p", cpu: "1", uid: "uid-p"));
        Assert.True(cache.AssumePod(pod, "a2"));
        cache.UpdateSnapshot(snapshot);
        Assert.Same(before, snapshot.Get("b1"));
        Assert.Equal(1000, snapshot.Get("a2")!.Requested.MilliCpu);

        cache.ForgetPod("uid-p");
        cache.UpdateSnapshot(snapshot);
        Assert.Equal(0, snapshot.Get("a2")!.Requested.MilliCpu);

        cache.RemoveNode("c1");
        cache.UpdateSnapshot(snapshot);
        Assert.Equal(["a1", "b1", "a2"], snapshot.NodeInfoList.Select(n => n.Name));
    }

    [Fact]
    public async Task The_queue_orders_by_priority_then_age_and_backs_off_exponentially()
    {
        var time = new ManualTime();
        var queue = new SchedulingQueue(time, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(5), _ => null, _ => []);
        queue.Add(new PodInfo(Pod("low", uid: "1")));
        time.Advance(TimeSpan.FromMilliseconds(1));
        var high = Pod("high", uid: "2");
        high.Spec.Priority = 100;
        queue.Add(new PodInfo(high));
        time.Advance(TimeSpan.FromMilliseconds(1));
        queue.Add(new PodInfo(Pod("later", uid: "3")));

        Assert.Equal("high", (await queue.PopAsync(CancellationToken.None))!.PodInfo.Name);
        Assert.Equal("low", (await queue.PopAsync(CancellationToken.None))!.PodInfo.Name);
        Assert.Equal("later", (await queue.PopAsync(CancellationToken.None))!.PodInfo.Name);

        Assert.Equal(TimeSpan.Zero, queue.BackoffDuration(0));
        Assert.Equal(TimeSpan.FromSeconds(1), queue.BackoffDuration(1));
        Assert.Equal(TimeSpan.FromSeconds(8), queue.BackoffDuration(4));
        Assert.Equal(TimeSpan.FromSeconds(10), queue.BackoffDuration(5));
    }

    [Fact]
    public async Task A_rejected_pod_waits_for_an_event_its_plugin_registered()
    {
        var time = new ManualTime();
        RegisteredEvent[] events = [new(ClusterEvent.AssignedPodDelete, "NodeResourcesFit", null)];
        var queue = new SchedulingQueue(time, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(5), _ => null, _ => events);
        queue.Add(new PodInfo(Pod("p", uid: "1")));
        var popped = (await queue.PopAsync(CancellationToken.None))!;
        popped.UnschedulablePlugins.Add("NodeResourcesFit");
        queue.AddUnschedulable(popped);
        Assert.Equal((0, 0, 1), queue.Counts);

        queue.MoveAllToActiveOrBackoff(ClusterEvent.NodeAdd, null, null);
        Assert.Equal((0, 0, 1), queue.Counts);

        queue.MoveAllToActiveOrBackoff(ClusterEvent.AssignedPodDelete, null, null);
        Assert.Equal((0, 1, 0), queue.Counts);
        time.Advance(TimeSpan.FromSeconds(1));
        queue.FlushBackoffCompleted();
        Assert.Equal((1, 0, 0), queue.Counts);
    }

    private static SchedulingFramework Framework(out Snapshot snapshot)
    {
        snapshot = new Snapshot();
        return new SchedulingFramework(new SchedulerProfile(), snapshot, Offline, new Listers(), new Nominator(), null);
    }

    private static void Load(Snapshot snapshot, params V1Node[] nodes)
    {
        foreach (var node in nodes)
        {
            var info = new NodeInfo(node.Metadata.Name);
            info.SetNode(node, new Dictionary<string, ImageState>());
            snapshot.NodeInfoMap[node.Metadata.Name] = info;
        }

        snapshot.RebuildLists(nodes.Select(n => n.Metadata.Name));
    }

    private static void AddPod(Snapshot snapshot, string node, V1Pod pod)
    {
        pod.Spec.NodeName = node;
        snapshot.Get(node)!.AddPod(new PodInfo(pod));
        snapshot.RebuildAffinityLists();
    }

    private static V1Node Node(string name, string cpu = "4", string zone = "zone-a", List<V1Taint>? taints = null) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = name,
            Labels = new Dictionary<string, string> { ["kubernetes.io/hostname"] = name, ["topology.kubernetes.io/zone"] = zone },
        },
        Spec = new V1NodeSpec { Taints = taints },
        Status = new V1NodeStatus
        {
            Allocatable = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(cpu), ["memory"] = new("16Gi"), ["pods"] = new("110") },
        },
    };

    private static V1Pod Pod(string name, string? cpu = null, Dictionary<string, string>? labels = null, string? uid = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default", Uid = uid ?? Guid.NewGuid().ToString(), Labels = labels },
        Spec = new V1PodSpec
        {
            Containers =
            [
                new V1Container
                {
                    Name = "c",
                    Resources = cpu is null ? null : new V1ResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(cpu) } },
                },
            ],
        },
    };

    private sealed class ManualTime : TimeProvider
    {
        private DateTimeOffset _now = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
