using k8s.Models;
using KubeNet.Controllers.Deployment;

namespace KubeNet.Controllers.Tests.Units;

/// <summary>deployment/util: surge and unavailability, proportions, revisions and template hashing.</summary>
public sealed class DeploymentUtilTests
{
    private static readonly DateTime Created = new(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private static V1Deployment Deployment(int replicas, string maxSurge = "25%", string maxUnavailable = "25%", string strategy = "RollingUpdate") => new()
    {
        Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "ns", Uid = "d-uid", Generation = 1 },
        Spec = new V1DeploymentSpec
        {
            Replicas = replicas,
            Strategy = new V1DeploymentStrategy
            {
                Type = strategy,
                RollingUpdate = strategy == "RollingUpdate" ? new V1RollingUpdateDeployment { MaxSurge = maxSurge, MaxUnavailable = maxUnavailable } : null,
            },
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } },
            Template = Template("busybox"),
        },
        Status = new V1DeploymentStatus(),
    };

    private static V1PodTemplateSpec Template(string image) => new()
    {
        Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "web" } },
        Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = image }] },
    };

    private static V1ReplicaSet ReplicaSet(string name, int replicas, int minutesOld, string? revision = null, int? maxReplicas = null, int available = 0) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = name,
            Uid = "uid-" + name,
            CreationTimestamp = Created.AddMinutes(-minutesOld),
            Annotations = new Dictionary<string, string>
            {
                [DeploymentUtil.RevisionAnnotation] = revision ?? "1",
                [DeploymentUtil.MaxReplicasAnnotation] = (maxReplicas ?? replicas).ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
        },
        Spec = new V1ReplicaSetSpec { Replicas = replicas, Template = Template(name) },
        Status = new V1ReplicaSetStatus { Replicas = replicas, AvailableReplicas = available },
    };

    [Theory]
    [InlineData("25%", "25%", 4, 1, 1)]
    [InlineData("25%", "25%", 10, 3, 2)]
    [InlineData("0", "0", 10, 0, 1)]
    [InlineData("3", "2", 10, 3, 2)]
    [InlineData("1%", "1%", 5, 1, 0)]
    public void Fenceposts_round_surge_up_and_unavailability_down(string surge, string unavailable, int desired, int expectedSurge, int expectedUnavailable) =>
        Assert.Equal((expectedSurge, expectedUnavailable), DeploymentUtil.ResolveFenceposts(surge, unavailable, desired));

    [Fact]
    public void The_new_replica_set_grows_within_max_surge_and_never_past_replicas()
    {
        var d = Deployment(10, maxSurge: "3", maxUnavailable: "2");
        var old = ReplicaSet("old", 10, 10);
        var created = ReplicaSet("new", 0, 0);
        Assert.Equal(3, DeploymentUtil.NewRSNewReplicas(d, [old, created], created));

        old.Spec.Replicas = 4;
        created.Spec.Replicas = 7;
        Assert.Equal(9, DeploymentUtil.NewRSNewReplicas(d, [old, created], created));

        Assert.Equal(10, DeploymentUtil.NewRSNewReplicas(Deployment(10, strategy: "Recreate"), [old, created], created));
    }

    [Fact]
    public void Rolling_never_scales_old_pods_below_min_available_counting_unavailable_new_pods()
    {
        // The upstream example: 10 replicas, maxUnavailable 2, maxSurge 3; 8 old and 5 new pods that never become available.
        var d = Deployment(10, maxSurge: "3", maxUnavailable: "2");
        var old = ReplicaSet("old", 8, 10, available: 8);
        var broken = ReplicaSet("new", 5, 0, available: 0);
        Assert.Equal(0, DeploymentController.MaxScaledDown(d, [old, broken], broken));

        // Rolled back to a good template: one unavailable new pod leaves 4 to scale down.
        broken.Status.AvailableReplicas = 4;
        Assert.Equal(4, DeploymentController.MaxScaledDown(d, [old, broken], broken));
    }

    [Fact]
    public void Proportional_scaling_during_a_rollout_matches_the_conformance_numbers()
    {
        // 10 replicas, maxSurge 3, maxUnavailable 2: the first ReplicaSet at 8, the stuck second at 5; scaled to 30.
        var d = Deployment(30, maxSurge: "3", maxUnavailable: "2");
        d.Status.Replicas = 13;
        var first = ReplicaSet("first", 8, 10, revision: "1", maxReplicas: 13);
        var second = ReplicaSet("second", 5, 0, revision: "2", maxReplicas: 13);
        var sizes = DeploymentController.ProportionalSizes(d, [first, second]).ToDictionary(s => s.RS.Metadata.Name, s => s.Size);
        Assert.Equal(20, sizes["first"]);
        Assert.Equal(13, sizes["second"]);

        // Scaling down takes from the larger (and, on ties, older) ReplicaSets first; the total is replicas + maxSurge.
        var down = Deployment(5, maxSurge: "1", maxUnavailable: "0");
        var a = ReplicaSet("a", 6, 10, maxReplicas: 11);
        var b = ReplicaSet("b", 5, 0, maxReplicas: 11);
        var scaled = DeploymentController.ProportionalSizes(down, [a, b]);
        Assert.Equal(6, scaled.Sum(s => s.Size));
        Assert.All(scaled, s => Assert.Equal("down", s.Operation));
    }

    [Fact]
    public void Revision_annotations_record_history_when_an_old_replica_set_comes_back()
    {
        var d = Deployment(3);
        d.Metadata.Annotations = new Dictionary<string, string>
        {
            ["kubernetes.io/change-cause"] = "set image",
            [DeploymentUtil.LastAppliedConfigAnnotation] = "{}",
            [DeploymentUtil.RevisionAnnotation] = "2",
        };
        var rs = ReplicaSet("back", 0, 10, revision: "1");
        Assert.True(DeploymentUtil.SetNewReplicaSetAnnotations(d, rs, "3", exists: true, DeploymentUtil.MaxRevisionHistoryLengthInChars));
        Assert.Equal("3", rs.Metadata.Annotations[DeploymentUtil.RevisionAnnotation]);
        Assert.Equal("1", rs.Metadata.Annotations[DeploymentUtil.RevisionHistoryAnnotation]);
        Assert.Equal("set image", rs.Metadata.Annotations["kubernetes.io/change-cause"]);
        Assert.False(rs.Metadata.Annotations.ContainsKey(DeploymentUtil.LastAppliedConfigAnnotation));

        Assert.True(DeploymentUtil.SetNewReplicaSetAnnotations(d, rs, "5", exists: true, DeploymentUtil.MaxRevisionHistoryLengthInChars));
        Assert.Equal("1,3", rs.Metadata.Annotations[DeploymentUtil.RevisionHistoryAnnotation]);

        // A lower revision never replaces a higher one.
        Assert.False(DeploymentUtil.SetNewReplicaSetAnnotations(d, rs, "4", exists: true, DeploymentUtil.MaxRevisionHistoryLengthInChars));
        Assert.Equal(4, DeploymentUtil.LastRevision([ReplicaSet("x", 0, 1, "5"), ReplicaSet("y", 0, 2, "4"), ReplicaSet("z", 0, 3, "2")]));
    }

    [Fact]
    public void The_template_hash_is_stable_ignores_empty_fields_and_changes_with_collisions()
    {
        var a = Template("busybox");
        var b = Template("busybox");
        b.Spec.Volumes = [];
        b.Metadata.Annotations = new Dictionary<string, string>();
        Assert.Equal(PodTemplates.ComputeHash(a, null), PodTemplates.ComputeHash(b, null));
        Assert.NotEqual(PodTemplates.ComputeHash(a, null), PodTemplates.ComputeHash(a, 1));
        Assert.NotEqual(PodTemplates.ComputeHash(a, null), PodTemplates.ComputeHash(Template("nginx"), null));
        Assert.Matches("^[bcdfghjklmnpqrstvwxz2456789]{1,10}$", PodTemplates.ComputeHash(a, null));

        b.Metadata.Labels[PodTemplates.HashLabel] = "abc";
        Assert.True(PodTemplates.EqualIgnoreHash(a, b));
        b.Metadata.Labels["extra"] = "x";
        Assert.False(PodTemplates.EqualIgnoreHash(a, b));
    }

    [Fact]
    public void Progress_deadline_times_out_only_without_progress_and_never_after_completion()
    {
        var d = Deployment(3);
        d.Spec.ProgressDeadlineSeconds = 10;
        var now = Created.AddMinutes(5);
        var status = new V1DeploymentStatus { Conditions = [DeploymentUtil.NewCondition("Progressing", "True", DeploymentUtil.ReplicaSetUpdatedReason, "", now.AddSeconds(-11))] };
        Assert.True(DeploymentUtil.DeploymentTimedOut(d, status, now));
        Assert.False(DeploymentUtil.DeploymentTimedOut(d, status, now.AddSeconds(-2)));

        status.Conditions[0].Reason = DeploymentUtil.NewRSAvailableReason;
        Assert.False(DeploymentUtil.DeploymentTimedOut(d, status, now));
    }

    [Fact]
    public void Find_active_or_latest_prefers_the_single_active_replica_set()
    {
        var older = ReplicaSet("older", 0, 20);
        var old = ReplicaSet("old", 3, 10);
        Assert.Same(old, DeploymentUtil.FindActiveOrLatest(null, [older, old]));
        old.Spec.Replicas = 0;
        Assert.Same(old, DeploymentUtil.FindActiveOrLatest(null, [older, old]));
        var created = ReplicaSet("new", 1, 0);
        old.Spec.Replicas = 2;
        Assert.Null(DeploymentUtil.FindActiveOrLatest(created, [older, old]));
    }
}
