using k8s.Models;
using static KubeNet.ApiServer.Tests.Printers.Print;

namespace KubeNet.ApiServer.Tests.Printers;

public sealed class WorkloadPrinterTests
{
    private static V1PodTemplateSpec Template(params string[] images) => new()
    {
        Spec = new V1PodSpec { Containers = images.Select((image, i) => new V1Container { Name = "c" + i, Image = image }).ToList() },
    };

    [Fact]
    public void DeploymentColumns()
    {
        var columns = Columns("apps", "v1", "deployments");
        Assert.Equal(["Name", "Ready", "Up-to-date", "Available", "Age", "Containers", "Images", "Selector"], columns.Select(c => c.Name));
        Assert.Equal([0, 0, 0, 0, 0, 1, 1, 1], columns.Select(c => c.Priority));
    }

    [Fact]
    public void Deployment()
    {
        var deployment = new V1Deployment
        {
            Metadata = Meta("web", TimeSpan.FromMinutes(42)),
            Spec = new V1DeploymentSpec
            {
                Replicas = 3,
                Selector = new V1LabelSelector
                {
                    MatchLabels = new Dictionary<string, string> { ["app"] = "web" },
                    MatchExpressions = [new V1LabelSelectorRequirement { Key = "env", OperatorProperty = "In", Values = ["prod", "canary"] }],
                },
                Template = Template("nginx:1.27", "envoy:1.30"),
            },
            Status = new V1DeploymentStatus { ReadyReplicas = 2, UpdatedReplicas = 3, AvailableReplicas = 2 },
        };
        var row = Row("apps", "v1", "deployments", deployment);
        Assert.Equal("2/3", row["Ready"]);
        Assert.Equal(3L, row["Up-to-date"]);
        Assert.Equal(2L, row["Available"]);
        Assert.Equal("42m", row["Age"]);
        Assert.Equal("c0,c1", row["Containers"]);
        Assert.Equal("nginx:1.27,envoy:1.30", row["Images"]);
        Assert.Equal("app=web,env in (canary,prod)", row["Selector"]);
    }

    [Fact]
    public void NewDeploymentWithoutStatus()
    {
        var deployment = new V1Deployment { Metadata = Meta("new"), Spec = new V1DeploymentSpec { Replicas = 1, Selector = new V1LabelSelector(), Template = Template("busybox") } };
        var row = Row("apps", "v1", "deployments", deployment);
        Assert.Equal("0/1", row["Ready"]);
        Assert.Equal(0L, row["Up-to-date"]);
        Assert.Equal("", row["Selector"]);
    }

    [Fact]
    public void ReplicaSetAndDaemonSetSelectors()
    {
        var rs = new V1ReplicaSet
        {
            Metadata = Meta("web-5d4f"),
            Spec = new V1ReplicaSetSpec { Replicas = 2, Selector = new V1LabelSelector { MatchExpressions = [new V1LabelSelectorRequirement { Key = "gone", OperatorProperty = "DoesNotExist" }] }, Template = Template("nginx") },
            Status = new V1ReplicaSetStatus { Replicas = 2, ReadyReplicas = 1 },
        };
        var row = Row("apps", "v1", "replicasets", rs);
        Assert.Equal(2L, row["Desired"]);
        Assert.Equal(2L, row["Current"]);
        Assert.Equal(1L, row["Ready"]);
        Assert.Equal("!gone", row["Selector"]);

        var ds = new V1DaemonSet
        {
            Metadata = Meta("agent"),
            Spec = new V1DaemonSetSpec { Selector = new V1LabelSelector(), Template = Template("agent") },
            Status = new V1DaemonSetStatus { DesiredNumberScheduled = 3, CurrentNumberScheduled = 3, NumberReady = 2, UpdatedNumberScheduled = 3, NumberAvailable = 2 },
        };
        ds.Spec.Template.Spec.NodeSelector = new Dictionary<string, string> { ["kubernetes.io/os"] = "linux" };
        row = Row("apps", "v1", "daemonsets", ds);
        Assert.Equal(3L, row["Desired"]);
        Assert.Equal(2L, row["Ready"]);
        Assert.Equal(3L, row["Up-to-date"]);
        Assert.Equal(2L, row["Available"]);
        Assert.Equal("kubernetes.io/os=linux", row["Node Selector"]);
        Assert.Equal("<none>", row["Selector"]);
    }

    [Fact]
    public void StatefulSetReady()
    {
        var sts = new V1StatefulSet { Metadata = Meta("db"), Spec = new V1StatefulSetSpec { Replicas = 3, Template = Template("postgres") }, Status = new V1StatefulSetStatus { ReadyReplicas = 1 } };
        var row = Row("apps", "v1", "statefulsets", sts);
        Assert.Equal("1/3", row["Ready"]);
        Assert.Equal("postgres", row["Images"]);
        Assert.Equal(["Name", "Ready", "Age", "Containers", "Images"], row.Keys);
    }

    [Fact]
    public void ControllerRevisionNamesItsController()
    {
        var revision = new V1ControllerRevision
        {
            Metadata = Meta("agent-6c8f"),
            Revision = 4,
        };
        revision.Metadata.OwnerReferences = [new V1OwnerReference { ApiVersion = "apps/v1", Kind = "DaemonSet", Name = "agent", Uid = "u", Controller = true }];
        var row = Row("apps", "v1", "controllerrevisions", revision);
        Assert.Equal("daemonset.apps/agent", row["Controller"]);
        Assert.Equal(4L, row["Revision"]);

        revision.Metadata.OwnerReferences = null;
        Assert.Equal("<none>", Row("apps", "v1", "controllerrevisions", revision)["Controller"]);
    }

    private static V1Job Job(Action<V1Job>? edit = null)
    {
        var job = new V1Job { Metadata = Meta("pi", TimeSpan.FromMinutes(9)), Spec = new V1JobSpec { Template = Template("perl") }, Status = new V1JobStatus() };
        edit?.Invoke(job);
        return job;
    }

    [Fact]
    public void RunningJob()
    {
        var row = Row("batch", "v1", "jobs", Job(j =>
        {
            j.Spec.Completions = 5;
            j.Status.Succeeded = 2;
            j.Status.StartTime = Ago(TimeSpan.FromSeconds(200));
        }));
        Assert.Equal("Running", row["Status"]);
        Assert.Equal("2/5", row["Completions"]);
        Assert.Equal("3m20s", row["Duration"]);
        Assert.Equal("9m", row["Age"]);
        Assert.Equal("<none>", row["Selector"]);
    }

    [Fact]
    public void CompleteJobTakesItsOwnTime()
    {
        var row = Row("batch", "v1", "jobs", Job(j =>
        {
            j.Status.Succeeded = 1;
            j.Status.StartTime = Ago(TimeSpan.FromMinutes(8));
            j.Status.CompletionTime = Ago(TimeSpan.FromMinutes(7)).AddSeconds(-5);
            j.Status.Conditions = [new V1JobCondition { Type = "Complete", Status = "True" }];
        }));
        Assert.Equal("Complete", row["Status"]);
        Assert.Equal("1/1", row["Completions"]);
        Assert.Equal("55s", row["Duration"]);
    }

    [Theory]
    [InlineData("Failed", false, "Failed")]
    [InlineData("Suspended", false, "Suspended")]
    [InlineData("FailureTarget", false, "FailureTarget")]
    [InlineData("Suspended", true, "Terminating")]
    public void JobStatus(string condition, bool deleted, string expected)
    {
        var job = Job(j => j.Status.Conditions = [new V1JobCondition { Type = condition, Status = "True" }]);
        if (deleted)
        {
            job.Metadata.DeletionTimestamp = Now;
        }

        var row = Row("batch", "v1", "jobs", job);
        Assert.Equal(expected, row["Status"]);
        Assert.Equal("", row["Duration"]);
    }

    [Fact]
    public void ParallelJobWithoutCompletions()
        => Assert.Equal("0/1 of 3", Row("batch", "v1", "jobs", Job(j => j.Spec.Parallelism = 3))["Completions"]);

    [Fact]
    public void CronJob()
    {
        var cron = new V1CronJob
        {
            Metadata = Meta("backup", TimeSpan.FromDays(10)),
            Spec = new V1CronJobSpec { Schedule = "*/5 * * * *", Suspend = false, JobTemplate = new V1JobTemplateSpec { Spec = new V1JobSpec { Template = Template("backup") } } },
            Status = new V1CronJobStatus { Active = [new V1ObjectReference { Name = "backup-1" }], LastScheduleTime = Ago(TimeSpan.FromMinutes(3)) },
        };
        var row = Row("batch", "v1", "cronjobs", cron);
        Assert.Equal("*/5 * * * *", row["Schedule"]);
        Assert.Equal("<none>", row["Timezone"]);
        Assert.Equal("False", row["Suspend"]);
        Assert.Equal(1L, row["Active"]);
        Assert.Equal("3m", row["Last Schedule"]);
        Assert.Equal("10d", row["Age"]);

        cron.Spec.Suspend = null;
        cron.Spec.TimeZone = "Europe/Paris";
        cron.Status = null;
        row = Row("batch", "v1", "cronjobs", cron);
        Assert.Equal("<unset>", row["Suspend"]);
        Assert.Equal("Europe/Paris", row["Timezone"]);
        Assert.Equal("<none>", row["Last Schedule"]);
        Assert.Equal(0L, row["Active"]);
    }

    private static V2MetricSpec Cpu(int utilization) => new()
    {
        Type = "Resource",
        Resource = new V2ResourceMetricSource { Name = "cpu", Target = new V2MetricTarget { Type = "Utilization", AverageUtilization = utilization } },
    };

    [Fact]
    public void HorizontalPodAutoscaler()
    {
        var hpa = new V2HorizontalPodAutoscaler
        {
            Metadata = Meta("web"),
            Spec = new V2HorizontalPodAutoscalerSpec
            {
                ScaleTargetRef = new V2CrossVersionObjectReference { Kind = "Deployment", Name = "web", ApiVersion = "apps/v1" },
                MinReplicas = 2,
                MaxReplicas = 10,
                Metrics = [Cpu(80)],
            },
            Status = new V2HorizontalPodAutoscalerStatus
            {
                CurrentReplicas = 3,
                CurrentMetrics = [new V2MetricStatus { Type = "Resource", Resource = new V2ResourceMetricStatus { Name = "cpu", Current = new V2MetricValueStatus { AverageUtilization = 40 } } }],
            },
        };
        var row = Row("autoscaling", "v2", "horizontalpodautoscalers", hpa);
        Assert.Equal("Deployment/web", row["Reference"]);
        Assert.Equal("cpu: 40%/80%", row["Targets"]);
        Assert.Equal("2", row["MinPods"]);
        Assert.Equal(10L, row["MaxPods"]);
        Assert.Equal(3L, row["Replicas"]);

        // autoscaling/v1 serves the same stored objects with the same printer.
        Assert.Equal(row, Row("autoscaling", "v1", "horizontalpodautoscalers", hpa));
    }

    [Fact]
    public void HpaTargetsBeforeMetricsArriveAndBeyondTwo()
    {
        var hpa = new V2HorizontalPodAutoscaler
        {
            Metadata = Meta("web"),
            Spec = new V2HorizontalPodAutoscalerSpec
            {
                ScaleTargetRef = new V2CrossVersionObjectReference { Kind = "Deployment", Name = "web" },
                MaxReplicas = 5,
                Metrics =
                [
                    Cpu(80),
                    new V2MetricSpec { Type = "Resource", Resource = new V2ResourceMetricSource { Name = "memory", Target = new V2MetricTarget { Type = "AverageValue", AverageValue = new ResourceQuantity("200Mi") } } },
                    new V2MetricSpec { Type = "Pods", Pods = new V2PodsMetricSource { Metric = new V2MetricIdentifier { Name = "qps" }, Target = new V2MetricTarget { Type = "AverageValue", AverageValue = new ResourceQuantity("1k") } } },
                ],
            },
        };
        var row = Row("autoscaling", "v2", "horizontalpodautoscalers", hpa);
        Assert.Equal("cpu: <unknown>/80%, memory: <unknown>/200Mi + 1 more...", row["Targets"]);
        Assert.Equal("<unset>", row["MinPods"]);

        hpa.Spec.Metrics = null;
        Assert.Equal("<none>", Row("autoscaling", "v2", "horizontalpodautoscalers", hpa)["Targets"]);
    }

    [Fact]
    public void PodDisruptionBudget()
    {
        var pdb = new V1PodDisruptionBudget
        {
            Metadata = Meta("web"),
            Spec = new V1PodDisruptionBudgetSpec { MinAvailable = "50%" },
            Status = new V1PodDisruptionBudgetStatus { DisruptionsAllowed = 1 },
        };
        var row = Row("policy", "v1", "poddisruptionbudgets", pdb);
        Assert.Equal("50%", row["Min Available"]);
        Assert.Equal("N/A", row["Max Unavailable"]);
        Assert.Equal(1L, row["Allowed Disruptions"]);

        pdb.Spec = new V1PodDisruptionBudgetSpec { MaxUnavailable = 1 };
        row = Row("policy", "v1", "poddisruptionbudgets", pdb);
        Assert.Equal("N/A", row["Min Available"]);
        Assert.Equal("1", row["Max Unavailable"]);
    }
}
