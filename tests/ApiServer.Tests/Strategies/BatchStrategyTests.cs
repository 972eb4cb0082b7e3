using k8s.Models;
using static KubeNet.ApiServer.Tests.Strategies.StrategyHarness;

namespace KubeNet.ApiServer.Tests.Strategies;

public sealed class BatchStrategyTests
{
    private const string Uid = "11111111-2222-3333-4444-555555555555";

    private static V1Job Job(IDictionary<string, string>? templateLabels = null, string restartPolicy = "Never") => new()
    {
        Metadata = new V1ObjectMeta { Name = "pi" },
        Spec = new V1JobSpec { Template = Template(templateLabels, restartPolicy) },
    };

    [Fact]
    public void JobDefaultsAndGeneratedSelector()
    {
        var job = Job();
        Assert.Empty(Create(For("batch", "v1", "jobs"), job));
        Assert.Equal(1, job.Spec.Completions);
        Assert.Equal(1, job.Spec.Parallelism);
        Assert.Equal(6, job.Spec.BackoffLimit);
        Assert.Equal("NonIndexed", job.Spec.CompletionMode);
        Assert.False(job.Spec.Suspend);
        Assert.False(job.Spec.ManualSelector);
        Assert.Equal("TerminatedOrFailed", job.Spec.PodReplacementPolicy);
        Assert.Equal(new Dictionary<string, string> { ["batch.kubernetes.io/controller-uid"] = Uid }, job.Spec.Selector.MatchLabels);
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["batch.kubernetes.io/controller-uid"] = Uid,
                ["batch.kubernetes.io/job-name"] = "pi",
                ["controller-uid"] = Uid,
                ["job-name"] = "pi",
            },
            job.Spec.Template.Metadata.Labels);

        // The template had no labels of its own, so the job gets none.
        Assert.Null(job.Metadata.Labels);
    }

    [Fact]
    public void JobWithTemplateLabelsSharesThemIncludingGeneratedOnes()
    {
        var job = Job(Labels("app", "pi"));
        Assert.Empty(Create(For("batch", "v1", "jobs"), job));
        Assert.Equal(5, job.Metadata.Labels.Count);
        Assert.Equal("pi", job.Metadata.Labels["app"]);
        Assert.Equal(Uid, job.Metadata.Labels["controller-uid"]);
    }

    [Fact]
    public void OnlyParallelismSetLeavesCompletionsUnset()
    {
        var job = Job();
        job.Spec.Parallelism = 3;
        Create(For("batch", "v1", "jobs"), job);
        Assert.Null(job.Spec.Completions);
        Assert.Equal(3, job.Spec.Parallelism);
    }

    [Fact]
    public void JobTemplateMustNotRestartAlways()
    {
        var errors = Create(For("batch", "v1", "jobs"), Job(restartPolicy: "Always"));
        Assert.Equal(["spec.template.spec.restartPolicy: Unsupported value: \"Always\": supported values: \"OnFailure\", \"Never\""], errors);
    }

    [Fact]
    public void ManualSelectorMustMatchTemplate()
    {
        var job = Job(Labels("app", "x"));
        job.Spec.ManualSelector = true;
        job.Spec.Selector = new V1LabelSelector { MatchLabels = Labels("app", "y") };
        Assert.Equal(["spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"x\"}: `selector` does not match template `labels`"], Create(For("batch", "v1", "jobs"), job));
    }

    [Fact]
    public void ConflictingGeneratedLabelIsRejected()
    {
        var job = Job(Labels("job-name", "other"));
        var errors = Create(For("batch", "v1", "jobs"), job);
        Assert.Contains(errors, e => e.StartsWith("spec.template.metadata.labels[job-name]: Invalid value: map[string]string{", StringComparison.Ordinal) && e.EndsWith(": must be 'pi'", StringComparison.Ordinal));
    }

    [Fact]
    public void IndexedJobNeedsCompletions()
    {
        var job = Job();
        job.Spec.CompletionMode = "Indexed";
        job.Spec.Parallelism = 2;
        Assert.Equal(["spec.completions: Required value: when completion mode is Indexed"], Create(For("batch", "v1", "jobs"), job));
    }

    [Fact]
    public void JobTemplateAndSelectorAreImmutableButParallelismIsNot()
    {
        var strategy = For("batch", "v1", "jobs");
        var old = Job();
        Create(strategy, old);

        var image = Clone(old);
        image.Spec.Template.Spec.Containers[0].Image = "busybox:1.37";
        Assert.Equal(["spec.template: Invalid value: core.PodTemplateSpec{...}: field is immutable"], Update(strategy, image, old));

        var completions = Clone(old);
        completions.Spec.Completions = 4;
        Assert.Equal(["spec.completions: Invalid value: 4: field is immutable"], Update(strategy, completions, old));

        var parallel = Clone(old);
        parallel.Spec.Parallelism = 5;
        parallel.Spec.Suspend = true;
        Assert.Empty(Update(strategy, parallel, old));
    }

    [Fact]
    public void SuspendedJobThatNeverStartedMayMoveItsPods()
    {
        var strategy = For("batch", "v1", "jobs");
        var old = Job();
        old.Spec.Suspend = true;
        Create(strategy, old);
        var moved = Clone(old);
        moved.Spec.Template.Spec.NodeSelector = Labels("zone", "a");
        Assert.Empty(Update(strategy, moved, old));
    }

    [Fact]
    public void CronJobDefaults()
    {
        var cj = new V1CronJob
        {
            Metadata = new V1ObjectMeta { Name = "tick" },
            Spec = new V1CronJobSpec { Schedule = "*/5 * * * *", JobTemplate = new V1JobTemplateSpec { Spec = new V1JobSpec { Template = Template(null, "OnFailure") } } },
        };
        Assert.Empty(Create(For("batch", "v1", "cronjobs"), cj));
        Assert.Equal("Allow", cj.Spec.ConcurrencyPolicy);
        Assert.False(cj.Spec.Suspend);
        Assert.Equal(3, cj.Spec.SuccessfulJobsHistoryLimit);
        Assert.Equal(1, cj.Spec.FailedJobsHistoryLimit);
        Assert.Equal("ClusterFirst", cj.Spec.JobTemplate.Spec.Template.Spec.DnsPolicy);
        Assert.Null(cj.Spec.JobTemplate.Spec.BackoffLimit);
    }

    [Theory]
    [InlineData("@hourly", null)]
    [InlineData("@every 1h30m", null)]
    [InlineData("0 0 * * mon-fri", null)]
    [InlineData("*/15 9-17 1,15 jan-jun *", null)]
    [InlineData("", "Required")]
    [InlineData("* * * *", "spec.schedule: Invalid value: \"* * * *\": expected exactly 5 fields, found 4: [* * * *]")]
    [InlineData("61 * * * *", "spec.schedule: Invalid value: \"61 * * * *\": end of range (61) above maximum (59): 61")]
    [InlineData("x * * * *", "spec.schedule: Invalid value: \"x * * * *\": failed to parse int from x: strconv.Atoi: parsing \"x\": invalid syntax")]
    [InlineData("@fortnightly", "spec.schedule: Invalid value: \"@fortnightly\": unrecognized descriptor: @fortnightly")]
    [InlineData("5-1 * * * *", "spec.schedule: Invalid value: \"5-1 * * * *\": beginning of range (5) beyond end of range (1): 5-1")]
    [InlineData("* * 0 * *", "spec.schedule: Invalid value: \"* * 0 * *\": beginning of range (0) below minimum (1): 0")]
    [InlineData("TZ=UTC * * * * *", "spec.schedule: Invalid value: \"TZ=UTC * * * * *\": cannot use TZ or CRON_TZ in schedule, use timeZone field instead")]
    public void CronJobSchedules(string schedule, string? expected)
    {
        var cj = new V1CronJob
        {
            Metadata = new V1ObjectMeta { Name = "tick" },
            Spec = new V1CronJobSpec { Schedule = schedule, JobTemplate = new V1JobTemplateSpec { Spec = new V1JobSpec { Template = Template(null, "OnFailure") } } },
        };
        var errors = Create(For("batch", "v1", "cronjobs"), cj);
        if (expected is null)
        {
            Assert.Empty(errors);
        }
        else if (expected == "Required")
        {
            Assert.Equal(["spec.schedule: Required value"], errors);
        }
        else
        {
            Assert.Equal([expected], errors);
        }
    }

    [Fact]
    public void CronJobTimeZoneNameAndTemplateRules()
    {
        var cj = new V1CronJob
        {
            Metadata = new V1ObjectMeta { Name = new string('c', 53) },
            Spec = new V1CronJobSpec
            {
                Schedule = "@daily",
                TimeZone = "Mars/Olympus",
                JobTemplate = new V1JobTemplateSpec { Spec = new V1JobSpec { Template = Template(null, "OnFailure"), Selector = new V1LabelSelector { MatchLabels = Labels("a", "b") } } },
            },
        };
        Assert.Equal(
        [
            $"metadata.name: Invalid value: \"{new string('c', 53)}\": must be no more than 52 characters",
            "spec.timeZone: Invalid value: \"Mars/Olympus\": unknown time zone Mars/Olympus",
            "spec.jobTemplate.spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"a\":\"b\"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: `selector` will be auto-generated",
        ], Create(For("batch", "v1", "cronjobs"), cj));

        var ok = new V1CronJob { Metadata = new V1ObjectMeta { Name = "tick" }, Spec = new V1CronJobSpec { Schedule = "@daily", TimeZone = "Europe/Berlin", JobTemplate = new V1JobTemplateSpec { Spec = new V1JobSpec { Template = Template(null, "Never") } } } };
        Assert.Empty(Create(For("batch", "v1", "cronjobs"), ok));
    }

    [Fact]
    public void ReplicationControllerDefaultsSelectorAndLabelsFromTemplate()
    {
        var rc = new V1ReplicationController { Metadata = new V1ObjectMeta { Name = "rc" }, Spec = new V1ReplicationControllerSpec { Template = Template(Labels("app", "rc")) } };
        Assert.Empty(Create(For("", "v1", "replicationcontrollers"), rc));
        Assert.Equal(1, rc.Spec.Replicas);
        Assert.Equal(Labels("app", "rc"), rc.Spec.Selector);
        Assert.Equal(Labels("app", "rc"), rc.Metadata.Labels);

        var mismatch = new V1ReplicationController { Metadata = new V1ObjectMeta { Name = "rc" }, Spec = new V1ReplicationControllerSpec { Selector = Labels("app", "x"), Template = Template(Labels("app", "rc")) } };
        Assert.Equal(["spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"rc\"}: `selector` does not match template `labels`"], Create(For("", "v1", "replicationcontrollers"), mismatch));

        var empty = new V1ReplicationController { Metadata = new V1ObjectMeta { Name = "rc" }, Spec = new V1ReplicationControllerSpec { Template = Template(null) } };
        Assert.Equal(["spec.selector: Required value"], Create(For("", "v1", "replicationcontrollers"), empty));
    }
}
