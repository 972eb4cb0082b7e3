using k8s.Models;
using KubeNet.Controllers.Common;
using KubeNet.Controllers.ReplicaSet;

namespace KubeNet.Controllers.Tests.Units;

/// <summary>calculateStatus and slowStartBatch of the ReplicaSet controller.</summary>
public sealed class ReplicaSetStatusTests
{
    private static readonly DateTime Now = new(2025, 1, 1, 12, 0, 0, DateTimeKind.Utc);

    private static V1ReplicaSet ReplicaSet(int replicas, int minReadySeconds = 0) => new()
    {
        Metadata = new V1ObjectMeta { Name = "rs", NamespaceProperty = "ns", Generation = 3 },
        Spec = new V1ReplicaSetSpec
        {
            Replicas = replicas,
            MinReadySeconds = minReadySeconds,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } },
            Template = new V1PodTemplateSpec { Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "web", ["tier"] = "front" } } },
        },
    };

    private static V1Pod Pod(bool ready, DateTime readySince, bool fullyLabeled = true) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = Guid.NewGuid().ToString("N"),
            Labels = fullyLabeled ? new Dictionary<string, string> { ["app"] = "web", ["tier"] = "front" } : new Dictionary<string, string> { ["app"] = "web" },
        },
        Status = new V1PodStatus { Phase = "Running", Conditions = [new V1PodCondition { Type = "Ready", Status = ready ? "True" : "False", LastTransitionTime = readySince }] },
    };

    [Fact]
    public void Counts_fully_labeled_ready_and_available_pods()
    {
        var pods = new[] { Pod(true, Now.AddSeconds(-60)), Pod(true, Now.AddSeconds(-5)), Pod(false, Now), Pod(true, Now.AddSeconds(-60), fullyLabeled: false) };
        var status = ReplicaSetStatusCalculator.Calculate(ReplicaSet(4, minReadySeconds: 10), pods, null, Now);
        Assert.Equal(4, status.Replicas);
        Assert.Equal(3, status.FullyLabeledReplicas);
        Assert.Equal(3, status.ReadyReplicas);
        Assert.Equal(2, status.AvailableReplicas);
        Assert.Null(status.Conditions);
    }

    [Fact]
    public void A_failed_create_sets_ReplicaFailure_and_a_clean_pass_removes_it()
    {
        var rs = ReplicaSet(3);
        var failed = ReplicaSetStatusCalculator.Calculate(rs, [Pod(true, Now)], new InvalidOperationException("exceeded quota"), Now);
        var condition = Assert.Single(failed.Conditions);
        Assert.Equal(("ReplicaFailure", "True", "FailedCreate", "exceeded quota"), (condition.Type, condition.Status, condition.Reason, condition.Message));

        rs.Status = failed;
        Assert.Null(ReplicaSetStatusCalculator.Calculate(rs, [Pod(true, Now)], null, Now).Conditions);
    }

    [Fact]
    public void Status_with_the_generation_observed_and_the_same_counts_is_unchanged()
    {
        var rs = ReplicaSet(1);
        rs.Status = new V1ReplicaSetStatus { Replicas = 1, FullyLabeledReplicas = 1, ReadyReplicas = 1, AvailableReplicas = 1, ObservedGeneration = 3 };
        Assert.True(ReplicaSetStatusCalculator.IsUnchanged(rs, ReplicaSetStatusCalculator.Calculate(rs, [Pod(true, Now.AddMinutes(-1))], null, Now)));

        rs.Metadata.Generation = 4;
        Assert.False(ReplicaSetStatusCalculator.IsUnchanged(rs, ReplicaSetStatusCalculator.Calculate(rs, [Pod(true, Now.AddMinutes(-1))], null, Now)));
    }

    [Fact]
    public void Pods_available_only_after_min_ready_seconds()
    {
        var pod = Pod(true, Now.AddSeconds(-10));
        Assert.False(PodUtil.IsPodAvailable(pod, 10, Now));
        Assert.True(PodUtil.IsPodAvailable(pod, 9, Now));
        Assert.True(PodUtil.IsPodAvailable(pod, 0, Now));
    }

    [Fact]
    public async Task Slow_start_doubles_batches_and_stops_after_a_failing_one()
    {
        var calls = 0;
        var (successes, error) = await SlowStart.BatchAsync(100, 1, () =>
        {
            var n = Interlocked.Increment(ref calls);
            return n == 5 ? Task.FromException(new InvalidOperationException("quota")) : Task.CompletedTask;
        });

        // Batches of 1, 2 and 4: the fifth call fails inside the third batch, and no batch starts after it.
        Assert.Equal(7, calls);
        Assert.Equal(6, successes);
        Assert.IsType<InvalidOperationException>(error);

        calls = 0;
        (successes, error) = await SlowStart.BatchAsync(10, 1, () =>
        {
            Interlocked.Increment(ref calls);
            return Task.CompletedTask;
        });
        Assert.Equal((10, 10), (calls, successes));
        Assert.Null(error);
    }
}
