using k8s.Models;
using KubeNet.Controllers.CronJob;
using KubeNet.Controllers.DaemonSet;
using KubeNet.Controllers.Job;
using KubeNet.Controllers.StatefulSet;
using KubeNet.Controllers.Workloads;

namespace KubeNet.Controllers.Tests.Workloads;

/// <summary>The parts of the workload controllers that need no server: index sets, ordinals, node eligibility, schedule math.</summary>
public sealed class WorkloadUnitTests
{
    [Theory]
    [InlineData("", 10, "", 0)]
    [InlineData("0-3,5", 10, "0-3,5", 5)]
    [InlineData("1,2", 10, "1,2", 2)]
    [InlineData("1,2,3", 10, "1-3", 3)]
    [InlineData("0-5,8-12", 10, "0-5,8,9", 8)]
    [InlineData("x,3", 10, "3", 1)]
    [InlineData("12,3", 10, "", 0)]
    public void Completed_indexes_parse_and_print_as_upstream(string text, int completions, string printed, int total)
    {
        var intervals = OrderedIntervals.Parse(text, completions);
        Assert.Equal(printed, intervals.ToString());
        Assert.Equal(total, intervals.Total);
    }

    [Fact]
    public void Index_sets_merge_and_find_pending_indexes()
    {
        var succeeded = OrderedIntervals.Parse("0,2", 6).WithIndexes([1, 4]);
        Assert.Equal("0-2,4", succeeded.ToString());
        Assert.True(succeeded.Has(1));
        Assert.False(succeeded.Has(3));
        Assert.Equal([3, 5], OrderedIntervals.FirstPending(succeeded, 5, 6));
        Assert.Equal([3], OrderedIntervals.FirstPending(succeeded, 1, 6));
        Assert.Equal("0-5", succeeded.Merge(OrderedIntervals.Parse("3,5", 6)).ToString());
    }

    [Fact]
    public void Success_policy_rules_match_as_upstream()
    {
        var succeeded = OrderedIntervals.Parse("0-2,5", 10);
        var policy = new V1SuccessPolicy
        {
            Rules = [new V1SuccessPolicyRule { SucceededIndexes = "7-9" }, new V1SuccessPolicyRule { SucceededIndexes = "0-4", SucceededCount = 3 }],
        };
        Assert.Equal("Matched rules at index 1", JobController.MatchSuccessPolicy(policy, 10, succeeded));
        Assert.Null(JobController.MatchSuccessPolicy(new V1SuccessPolicy { Rules = [new V1SuccessPolicyRule { SucceededCount = 5 }] }, 10, succeeded));
    }

    [Fact]
    public void Indexed_pods_are_named_and_duplicates_removed_first()
    {
        Assert.Equal("job-3-", JobController.GenerateNameWithIndex("job", 3));
        Assert.Equal(58, JobController.GenerateNameWithIndex(new string('a', 70), 12).Length);
        var job = new V1Job { Spec = new V1JobSpec { CompletionMode = "Indexed", Completions = 3 } };
        V1Pod Pod(string name, string? index, bool ready) => new()
        {
            Metadata = new V1ObjectMeta { Name = name, Annotations = index is null ? null : new Dictionary<string, string> { [JobPods.CompletionIndexAnnotation] = index } },
            Spec = new V1PodSpec { NodeName = "n" },
            Status = new V1PodStatus { Phase = "Running", Conditions = [new V1PodCondition { Type = "Ready", Status = ready ? "True" : "False" }] },
        };
        var pods = new List<V1Pod> { Pod("a", "0", true), Pod("b", "0", false), Pod("c", "1", true), Pod("d", "7", true), Pod("e", null, true) };
        var remove = JobController.ActivePodsForRemoval(job, pods, 0).Select(p => p.Metadata.Name).ToList();
        Assert.Equal(["b", "d", "e"], remove.Order());
    }

    [Fact]
    public void Pod_failure_policy_rules_decide_in_order()
    {
        var policy = new V1PodFailurePolicy
        {
            Rules =
            [
                new V1PodFailurePolicyRule { Action = "Ignore", OnPodConditions = [new V1PodFailurePolicyOnPodConditionsPattern { Type = "DisruptionTarget", Status = "True" }] },
                new V1PodFailurePolicyRule { Action = "FailJob", OnExitCodes = new V1PodFailurePolicyOnExitCodesRequirement { OperatorProperty = "In", Values = [42] } },
            ],
        };
        V1Pod Failed(int exitCode, bool disrupted) => new()
        {
            Metadata = new V1ObjectMeta { Name = "p", NamespaceProperty = "ns" },
            Status = new V1PodStatus
            {
                Phase = "Failed",
                Conditions = disrupted ? [new V1PodCondition { Type = "DisruptionTarget", Status = "True" }] : [],
                ContainerStatuses = [new V1ContainerStatus { Name = "main", State = new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = exitCode } } }],
            },
        };

        Assert.Equal((null, false, "Ignore"), JobPods.MatchPodFailurePolicy(policy, Failed(42, disrupted: true)));
        Assert.Equal(("Container main for pod ns/p failed with exit code 42 matching FailJob rule at index 1", true, "FailJob"),
            JobPods.MatchPodFailurePolicy(policy, Failed(42, disrupted: false)));
        Assert.Equal((null, true, null), JobPods.MatchPodFailurePolicy(policy, Failed(1, disrupted: false)));
    }

    [Theory]
    [InlineData("web-0", "web", 0)]
    [InlineData("web-12", "web", 12)]
    [InlineData("my-web-3", "my-web", 3)]
    [InlineData("web", "", -1)]
    [InlineData("web-x", "", -1)]
    public void Stateful_pod_names_carry_parent_and_ordinal(string name, string parent, int ordinal) =>
        Assert.Equal((parent, ordinal), StatefulPods.ParentNameAndOrdinal(name));

    [Fact]
    public void Stateful_pods_below_the_partition_stay_at_the_current_revision()
    {
        V1StatefulSet Set(string image) => new()
        {
            Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "ns", Uid = "u1" },
            Spec = new V1StatefulSetSpec
            {
                Replicas = 3,
                ServiceName = "web",
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } },
                UpdateStrategy = new V1StatefulSetUpdateStrategy { Type = "RollingUpdate", RollingUpdate = new V1RollingUpdateStatefulSetStrategy { Partition = 2 } },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "web" } },
                    Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = image }] },
                },
                VolumeClaimTemplates = [new V1PersistentVolumeClaim { Metadata = new V1ObjectMeta { Name = "data" }, Spec = new V1PersistentVolumeClaimSpec() }],
            },
        };
        var current = Set("v1");
        var update = Set("v2");
        var low = StatefulPods.NewVersionedPod(current, update, "web-aaa", "web-bbb", 1);
        var high = StatefulPods.NewVersionedPod(current, update, "web-aaa", "web-bbb", 2);
        Assert.Equal(("web-1", "v1", "web-aaa"), (low.Metadata.Name, low.Spec.Containers[0].Image, low.Metadata.Labels["controller-revision-hash"]));
        Assert.Equal(("web-2", "v2", "web-bbb"), (high.Metadata.Name, high.Spec.Containers[0].Image, high.Metadata.Labels["controller-revision-hash"]));
        Assert.Equal("data-web-2", high.Spec.Volumes.Single().PersistentVolumeClaim.ClaimName);
        Assert.True(StatefulPods.IdentityMatches(update, high));
        Assert.True(StatefulPods.StorageMatches(update, high));
        Assert.Equal("web-2", high.Spec.Hostname);
        Assert.Equal("web", high.Spec.Subdomain);
    }

    [Fact]
    public void Active_pods_order_puts_the_cheapest_to_delete_first()
    {
        V1Pod Pod(string name, string? node, string phase, bool ready, int restarts = 0, int createdMinutesAgo = 0) => new()
        {
            Metadata = new V1ObjectMeta { Name = name, CreationTimestamp = DateTime.UtcNow.AddMinutes(-createdMinutesAgo) },
            Spec = new V1PodSpec { NodeName = node },
            Status = new V1PodStatus
            {
                Phase = phase,
                Conditions = [new V1PodCondition { Type = "Ready", Status = ready ? "True" : "False", LastTransitionTime = DateTime.UtcNow.AddMinutes(-createdMinutesAgo) }],
                ContainerStatuses = [new V1ContainerStatus { Name = "c", RestartCount = restarts }],
            },
        };
        var pods = new List<V1Pod>
        {
            Pod("old-ready", "n", "Running", true, createdMinutesAgo: 10),
            Pod("new-ready", "n", "Running", true, createdMinutesAgo: 1),
            Pod("unready", "n", "Running", false),
            Pod("pending", "n", "Pending", false),
            Pod("unassigned", null, "Pending", false),
            Pod("restarting", "n", "Running", false, restarts: 3),
        };
        pods.Sort(ActivePodsComparer.Instance);
        Assert.Equal(["unassigned", "pending", "restarting", "unready", "new-ready", "old-ready"], pods.Select(p => p.Metadata.Name));
    }

    private static V1Node Node(string name, Dictionary<string, string>? labels = null, params V1Taint[] taints) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = labels ?? [] },
        Spec = new V1NodeSpec { Taints = taints },
    };

    private static V1DaemonSet Daemon(Action<V1PodSpec>? configure = null)
    {
        var spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "i" }] };
        configure?.Invoke(spec);
        return new V1DaemonSet { Metadata = new V1ObjectMeta { Name = "ds" }, Spec = new V1DaemonSetSpec { Template = new V1PodTemplateSpec { Spec = spec } } };
    }

    [Fact]
    public void Daemon_pods_go_where_selector_affinity_and_taints_allow()
    {
        var plain = Node("a");
        var blue = Node("b", new() { ["color"] = "blue", ["size"] = "12" });
        var cordoned = Node("c", null, new V1Taint { Key = "node.kubernetes.io/unschedulable", Effect = "NoSchedule" });
        var dedicated = Node("d", null, new V1Taint { Key = "dedicated", Value = "db", Effect = "NoSchedule" });
        var evicting = Node("e", null, new V1Taint { Key = "dedicated", Value = "db", Effect = "NoExecute" });

        Assert.Equal((true, true), NodeEligibility.ShouldRunDaemonPod(plain, Daemon()));
        Assert.Equal((true, true), NodeEligibility.ShouldRunDaemonPod(cordoned, Daemon()));
        Assert.Equal((false, true), NodeEligibility.ShouldRunDaemonPod(dedicated, Daemon()));
        Assert.Equal((false, false), NodeEligibility.ShouldRunDaemonPod(evicting, Daemon()));
        var tolerant = Daemon(s => s.Tolerations = [new V1Toleration { Key = "dedicated", OperatorProperty = "Equal", Value = "db" }]);
        Assert.Equal((true, true), NodeEligibility.ShouldRunDaemonPod(evicting, tolerant));
        Assert.Equal((true, true), NodeEligibility.ShouldRunDaemonPod(evicting, Daemon(s => s.Tolerations = [new V1Toleration { OperatorProperty = "Exists" }])));

        var selecting = Daemon(s => s.NodeSelector = new Dictionary<string, string> { ["color"] = "blue" });
        Assert.Equal((false, false), NodeEligibility.ShouldRunDaemonPod(plain, selecting));
        Assert.Equal((true, true), NodeEligibility.ShouldRunDaemonPod(blue, selecting));

        var affinity = Daemon(s => s.Affinity = new V1Affinity
        {
            NodeAffinity = new V1NodeAffinity
            {
                RequiredDuringSchedulingIgnoredDuringExecution = new V1NodeSelector
                {
                    NodeSelectorTerms =
                    [
                        new V1NodeSelectorTerm { MatchExpressions = [new V1NodeSelectorRequirement { Key = "size", OperatorProperty = "Gt", Values = ["10"] }] },
                        new V1NodeSelectorTerm { MatchFields = [new V1NodeSelectorRequirement { Key = "metadata.name", OperatorProperty = "In", Values = ["c"] }] },
                    ],
                },
            },
        });
        Assert.Equal((true, true), NodeEligibility.ShouldRunDaemonPod(blue, affinity));
        Assert.Equal((true, true), NodeEligibility.ShouldRunDaemonPod(cordoned, affinity));
        Assert.Equal((false, false), NodeEligibility.ShouldRunDaemonPod(plain, affinity));
        Assert.Equal((false, false), NodeEligibility.ShouldRunDaemonPod(plain, Daemon(s => s.NodeName = "b")));
    }

    [Fact]
    public void Daemon_pods_are_pinned_by_node_affinity_on_the_node_name()
    {
        var affinity = DaemonPods.PinToNode(new V1Affinity
        {
            NodeAffinity = new V1NodeAffinity
            {
                RequiredDuringSchedulingIgnoredDuringExecution = new V1NodeSelector
                {
                    NodeSelectorTerms = [new V1NodeSelectorTerm { MatchExpressions = [new V1NodeSelectorRequirement { Key = "x", OperatorProperty = "Exists" }] }],
                },
            },
        }, "node-7");
        var pod = new V1Pod { Metadata = new V1ObjectMeta(), Spec = new V1PodSpec { Affinity = affinity } };
        Assert.Equal("node-7", DaemonPods.TargetNodeName(pod));
        Assert.Null(Assert.Single(affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms).MatchExpressions);
        pod.Spec.NodeName = "node-8";
        Assert.Equal("node-8", DaemonPods.TargetNodeName(pod));
    }

    private static V1CronJob CronJob(string schedule, DateTime created, DateTime? lastScheduled = null, long? deadline = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = "cj", NamespaceProperty = "ns", CreationTimestamp = created },
        Spec = new V1CronJobSpec { Schedule = schedule, StartingDeadlineSeconds = deadline },
        Status = new V1CronJobStatus { LastScheduleTime = lastScheduled },
    };

    [Fact]
    public void Schedule_math_finds_the_most_recent_unmet_time()
    {
        var schedule = CronSchedule.Parse("*/10 * * * *", TimeZoneInfo.Utc);
        var created = new DateTime(2024, 5, 1, 10, 1, 0, DateTimeKind.Utc);
        var now = new DateTime(2024, 5, 1, 10, 5, 0, DateTimeKind.Utc);
        Assert.Equal((null, MissedSchedules.None), CronJobTimes.NextScheduleTime(CronJob("*/10 * * * *", created), now, schedule));
        Assert.Equal(TimeSpan.FromMinutes(5) + CronJobTimes.NextScheduleDelta, CronJobTimes.NextScheduleTimeDuration(CronJob("*/10 * * * *", created), now, schedule));

        now = new DateTime(2024, 5, 1, 10, 42, 0, DateTimeKind.Utc);
        var (scheduled, missed) = CronJobTimes.NextScheduleTime(CronJob("*/10 * * * *", created), now, schedule);
        Assert.Equal(new DateTime(2024, 5, 1, 10, 40, 0, DateTimeKind.Utc), scheduled);
        Assert.Equal(MissedSchedules.Few, missed);

        // After the 10:40 run, nothing is due until 10:50.
        var ran = CronJob("*/10 * * * *", created, lastScheduled: scheduled);
        Assert.Null(CronJobTimes.NextScheduleTime(ran, now, schedule).Scheduled);
        Assert.Equal(TimeSpan.FromMinutes(8) + CronJobTimes.NextScheduleDelta, CronJobTimes.NextScheduleTimeDuration(ran, now, schedule));

        // A starting deadline hides times older than it.
        var strict = CronJob("*/10 * * * *", created, deadline: 60);
        Assert.Null(CronJobTimes.NextScheduleTime(strict, now, schedule).Scheduled);

        // Days of missed minutes are "many", and the most recent one still comes out.
        var everyMinute = CronSchedule.Parse("* * * * *", TimeZoneInfo.Utc);
        var late = CronJobTimes.NextScheduleTime(CronJob("* * * * *", created), created.AddDays(2).AddSeconds(30), everyMinute);
        Assert.Equal((created.AddDays(2), MissedSchedules.Many), late);
    }

    [Fact]
    public void Jobs_are_named_after_the_scheduled_minute_and_annotated_with_it()
    {
        var cronJob = CronJob("0 9 * * *", DateTime.UtcNow);
        cronJob.Metadata.Uid = "uid-1";
        cronJob.Spec.TimeZone = "Europe/Berlin";
        cronJob.Spec.JobTemplate = new V1JobTemplateSpec
        {
            Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["team"] = "a" } },
            Spec = new V1JobSpec { Template = new V1PodTemplateSpec() },
        };
        var scheduled = new DateTime(2024, 5, 1, 7, 0, 0, DateTimeKind.Utc);
        var job = CronJobController.JobFromTemplate(cronJob, scheduled);
        Assert.Equal("cj-28575780", job.Metadata.Name);
        Assert.Equal("2024-05-01T09:00:00+02:00", job.Metadata.Annotations["batch.kubernetes.io/cronjob-scheduled-timestamp"]);
        Assert.Equal("a", job.Metadata.Labels["team"]);
        var owner = Assert.Single(job.Metadata.OwnerReferences);
        Assert.Equal(("CronJob", "uid-1", true), (owner.Kind, owner.Uid, owner.Controller == true));
        Assert.Equal("Wed, 01 May 2024 07:00:00 +0000", CronJobTimes.Rfc1123Z(scheduled));
    }
}
