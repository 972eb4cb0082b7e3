using k8s.Models;
using KubeNet.Controllers.Common;

namespace KubeNet.Controllers.Tests.Units;

/// <summary>controller.ActivePodsWithRanks: which pods a scale-down removes first.</summary>
public sealed class PodDeletionOrderTests
{
    private static readonly DateTime Now = new(2025, 1, 1, 12, 0, 0, DateTimeKind.Utc);

    private static V1Pod Pod(string name, string? node = "n1", string phase = "Running", bool ready = true, DateTime? readySince = null,
        DateTime? created = null, int restarts = 0, string? cost = null) => new()
        {
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = "ns",
                Uid = "uid-" + name,
                CreationTimestamp = created ?? Now.AddHours(-1),
                Annotations = cost is null ? null : new Dictionary<string, string> { [PodDeletionOrder.DeletionCostAnnotation] = cost },
            },
            Spec = new V1PodSpec { NodeName = node, Containers = [new V1Container { Name = "c" }] },
            Status = new V1PodStatus
            {
                Phase = phase,
                Conditions = [new V1PodCondition { Type = "Ready", Status = ready ? "True" : "False", LastTransitionTime = readySince ?? Now.AddMinutes(-30) }],
                ContainerStatuses = [new V1ContainerStatus { Name = "c", RestartCount = restarts }],
            },
        };

    private static string[] Order(IReadOnlyList<V1Pod> pods, IReadOnlyList<V1Pod>? related = null) =>
        [.. PodDeletionOrder.PodsToDelete(pods, related ?? pods, pods.Count - 1, Now).Select(p => p.Metadata.Name)
            .Concat(PodDeletionOrder.PodsToDelete(pods, related ?? pods, pods.Count, Now).Select(p => p.Metadata.Name)).Distinct()];

    [Fact]
    public void Unassigned_pending_and_unready_pods_go_first()
    {
        var pods = new[]
        {
            Pod("running-ready"),
            Pod("running-unready", ready: false),
            Pod("pending", phase: "Pending", ready: false),
            Pod("unassigned", node: null, phase: "Pending", ready: false),
            Pod("unknown", phase: "Unknown", ready: false),
        };

        Assert.Equal(["unassigned", "pending", "unknown", "running-unready", "running-ready"], Order(pods));
    }

    [Fact]
    public void Lower_deletion_cost_goes_before_more_pods_on_a_node()
    {
        var pods = new[] { Pod("crowded-a", node: "n1"), Pod("crowded-b", node: "n1"), Pod("alone", node: "n2"), Pod("cheap", node: "n3", cost: "-5") };
        var order = Order(pods);
        Assert.Equal("cheap", order[0]);

        // Between equal costs, a pod sharing its node with more related pods goes first.
        Assert.Equal("alone", order[^1]);
    }

    [Fact]
    public void Doubling_up_counts_the_related_pods_of_other_replica_sets()
    {
        var mine = new[] { Pod("a", node: "n1"), Pod("b", node: "n2") };
        var related = mine.Concat([Pod("other-1", node: "n2"), Pod("other-2", node: "n2")]).ToArray();
        Assert.Equal("b", PodDeletionOrder.PodsToDelete(mine, related, 1, Now).Single().Metadata.Name);
    }

    [Fact]
    public void Recently_ready_goes_first_but_times_in_the_same_power_of_two_bucket_tie_by_uid()
    {
        var old = Pod("z-ready-long-ago", readySince: Now.AddHours(-10));
        var recent = Pod("y-ready-just-now", readySince: Now.AddSeconds(-2));
        Assert.Equal("y-ready-just-now", PodDeletionOrder.PodsToDelete([old, recent], [old, recent], 1, Now).Single().Metadata.Name);

        // 100 s and 101 s ago fall in the same log2 bucket: the lower UID goes first.
        var a = Pod("b", readySince: Now.AddSeconds(-100));
        var b = Pod("a", readySince: Now.AddSeconds(-101));
        Assert.Equal("a", PodDeletionOrder.PodsToDelete([a, b], [a, b], 1, Now).Single().Metadata.Name);
    }

    [Fact]
    public void More_restarts_then_newer_creation_go_first()
    {
        var sameReady = Now.AddMinutes(-5);
        var flaky = Pod("flaky", readySince: sameReady, restarts: 3);
        var steady = Pod("steady", readySince: sameReady);
        Assert.Equal("flaky", PodDeletionOrder.PodsToDelete([steady, flaky], [steady, flaky], 1, Now).Single().Metadata.Name);

        var young = Pod("young", readySince: sameReady, created: Now.AddMinutes(-10));
        var aged = Pod("aged", readySince: sameReady, created: Now.AddDays(-10));
        Assert.Equal("young", PodDeletionOrder.PodsToDelete([aged, young], [aged, young], 1, Now).Single().Metadata.Name);
    }

    [Fact]
    public void Invalid_deletion_cost_counts_as_zero()
    {
        Assert.Equal(0, PodDeletionOrder.DeletionCost(Pod("p", cost: "not-a-number")));
        Assert.Equal(-7, PodDeletionOrder.DeletionCost(Pod("p", cost: "-7")));
    }
}
