using k8s;
using k8s.Models;
using KubeNet.Controllers.Tests.Infrastructure;

namespace KubeNet.Controllers.Tests.Workloads;

/// <summary>Jobs run to completion on simulated nodes, driven by stock kubectl and the C# client.</summary>
[Collection(ClusterCollection.Name)]
public sealed class JobControllerTests(ClusterFixture cluster)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_job_with_three_completions_and_parallelism_two_completes()
    {
        var ns = await cluster.CreateNamespaceAsync("job");
        const string manifest = """
            apiVersion: batch/v1
            kind: Job
            metadata:
              name: pi
            spec:
              completions: 3
              parallelism: 2
              template:
                spec:
                  restartPolicy: Never
                  containers:
                  - name: pi
                    image: busybox
                    command: ["sh", "-c", "echo done"]
            """;
        var apply = await cluster.KubectlWithInputAsync(manifest, "apply", "-n", ns, "-f", "-");
        Assert.True(apply.ExitCode == 0, apply.ToString());

        var maxActive = 0;
        await ClusterFixture.EventuallyAsync(async () =>
        {
            var job = await cluster.Client.BatchV1.ReadNamespacedJobAsync("pi", ns);
            maxActive = Math.Max(maxActive, job.Status?.Active ?? 0);
            return job.Status?.Conditions?.Any(c => c.Type == "Complete" && c.Status == "True") == true;
        }, Timeout, () => "job pi did not complete");

        var wait = await cluster.KubectlAsync("wait", "--for=condition=complete", "job/pi", "-n", ns, "--timeout=10s");
        Assert.True(wait.ExitCode == 0, wait.ToString());
        var done = await cluster.Client.BatchV1.ReadNamespacedJobAsync("pi", ns);
        Assert.Equal(3, done.Status.Succeeded);
        Assert.Null(done.Status.Failed);
        Assert.Null(done.Status.Active);
        Assert.Equal(0, done.Status.Ready);
        Assert.NotNull(done.Status.StartTime);
        Assert.NotNull(done.Status.CompletionTime);
        Assert.True(maxActive <= 2, $"at most parallelism pods run at once, saw {maxActive}");
        Assert.Equal(["SuccessCriteriaMet", "Complete"], done.Status.Conditions.Select(c => c.Type));
        Assert.All(done.Status.Conditions, c => Assert.Equal("CompletionsReached", c.Reason));
        Assert.Null(done.Status.UncountedTerminatedPods?.Succeeded);

        var pods = await cluster.Client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: "batch.kubernetes.io/job-name=pi");
        Assert.Equal(3, pods.Items.Count);
        Assert.All(pods.Items, p =>
        {
            Assert.Equal("Succeeded", p.Status.Phase);
            Assert.DoesNotContain("batch.kubernetes.io/job-tracking", p.Metadata.Finalizers ?? []);
            Assert.StartsWith("pi-", p.Metadata.Name, StringComparison.Ordinal);
            Assert.Equal("Job", p.Metadata.OwnerReferences.Single().Kind);
        });

        var table = await cluster.KubectlOkAsync("get", "job", "pi", "-n", ns);
        Assert.Contains("3/3", table, StringComparison.Ordinal);
        var describe = await cluster.KubectlOkAsync("describe", "job", "pi", "-n", ns);
        Assert.Contains("SuccessfulCreate", describe, StringComparison.Ordinal);
        Assert.Contains("Completed", describe, StringComparison.Ordinal);
    }

    private async Task<V1Job> WaitForJobAsync(string ns, string name, Func<V1Job, bool> condition, string what)
    {
        V1Job? job = null;
        await ClusterFixture.EventuallyAsync(async () =>
        {
            job = await cluster.Client.BatchV1.ReadNamespacedJobAsync(name, ns);
            return condition(job);
        }, Timeout, () => $"job {name}: {what}");
        return job!;
    }

    private static bool Has(V1Job job, string type, string? reason = null) =>
        job.Status?.Conditions?.Any(c => c.Type == type && c.Status == "True" && (reason is null || c.Reason == reason)) == true;

    private static V1Job NewJob(string name, int completions, int parallelism, string? exitCode = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1JobSpec
        {
            Completions = completions,
            Parallelism = parallelism,
            Template = new V1PodTemplateSpec
            {
                Metadata = exitCode is null ? null : new V1ObjectMeta { Annotations = new Dictionary<string, string> { ["simulation.kube-net.io/exit-code"] = exitCode } },
                Spec = new V1PodSpec { RestartPolicy = "Never", Containers = [new V1Container { Name = "c", Image = "busybox" }] },
            },
        },
    };

    [Fact]
    public async Task An_indexed_job_gives_each_pod_its_index_and_completes_every_index()
    {
        var ns = await cluster.CreateNamespaceAsync("jobidx");
        var job = NewJob("idx", 4, 2);
        job.Spec.CompletionMode = "Indexed";
        await cluster.Client.BatchV1.CreateNamespacedJobAsync(job, ns);
        var done = await WaitForJobAsync(ns, "idx", j => Has(j, "Complete"), "complete");
        Assert.Equal("0-3", done.Status.CompletedIndexes);
        Assert.Equal(4, done.Status.Succeeded);

        var pods = await cluster.Client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: "batch.kubernetes.io/job-name=idx");
        Assert.Equal(4, pods.Items.Count);
        foreach (var pod in pods.Items)
        {
            var index = pod.Metadata.Annotations["batch.kubernetes.io/job-completion-index"];
            Assert.Equal(index, pod.Metadata.Labels["batch.kubernetes.io/job-completion-index"]);
            Assert.Equal("idx-" + index, pod.Spec.Hostname);
            Assert.StartsWith($"idx-{index}-", pod.Metadata.Name, StringComparison.Ordinal);
            var env = Assert.Single(pod.Spec.Containers[0].Env, e => e.Name == "JOB_COMPLETION_INDEX");
            Assert.Equal("metadata.labels['batch.kubernetes.io/job-completion-index']", env.ValueFrom.FieldRef.FieldPath);
        }
    }

    [Fact]
    public async Task Failing_pods_exhaust_the_backoff_limit_and_the_job_fails()
    {
        var ns = await cluster.CreateNamespaceAsync("jobfail");
        var job = NewJob("flaky", 1, 1, exitCode: "1");
        job.Spec.BackoffLimit = 0;
        await cluster.Client.BatchV1.CreateNamespacedJobAsync(job, ns);

        var failed = await WaitForJobAsync(ns, "flaky", j => Has(j, "Failed"), "failed");
        Assert.Equal(["FailureTarget", "Failed"], failed.Status.Conditions.Select(c => c.Type));
        Assert.All(failed.Status.Conditions, c => Assert.Equal("BackoffLimitExceeded", c.Reason));
        Assert.Equal("Job has reached the specified backoff limit", failed.Status.Conditions[1].Message);
        Assert.Equal(1, failed.Status.Failed);
        Assert.Null(failed.Status.CompletionTime);
        var pod = Assert.Single((await cluster.Client.CoreV1.ListNamespacedPodAsync(ns)).Items);
        Assert.Equal("Failed", pod.Status.Phase);
        Assert.DoesNotContain("batch.kubernetes.io/job-tracking", pod.Metadata.Finalizers ?? []);

        // A pod failure policy that fails the job on that exit code does so at once, whatever the backoff limit.
        var policy = NewJob("policy", 3, 1, exitCode: "42");
        policy.Spec.PodFailurePolicy = new V1PodFailurePolicy
        {
            Rules = [new V1PodFailurePolicyRule { Action = "FailJob", OnExitCodes = new V1PodFailurePolicyOnExitCodesRequirement { OperatorProperty = "In", Values = [42] } }],
        };
        await cluster.Client.BatchV1.CreateNamespacedJobAsync(policy, ns);
        var stopped = await WaitForJobAsync(ns, "policy", j => Has(j, "Failed", "PodFailurePolicy"), "failed by the pod failure policy");
        Assert.StartsWith("Container c for pod " + ns + "/policy-", stopped.Status.Conditions.Single(c => c.Type == "Failed").Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_suspended_job_starts_nothing_until_resumed_and_deadlines_fail_running_jobs()
    {
        var ns = await cluster.CreateNamespaceAsync("jobsus");
        var job = NewJob("later", 2, 2);
        job.Spec.Suspend = true;
        await cluster.Client.BatchV1.CreateNamespacedJobAsync(job, ns);
        var suspended = await WaitForJobAsync(ns, "later", j => Has(j, "Suspended", "JobSuspended"), "suspended");
        Assert.Null(suspended.Status.StartTime);
        Assert.Empty((await cluster.Client.CoreV1.ListNamespacedPodAsync(ns)).Items);

        await cluster.KubectlOkAsync("patch", "job", "later", "-n", ns, "--type=merge", "-p", """{"spec":{"suspend":false}}""");
        var resumed = await WaitForJobAsync(ns, "later", j => Has(j, "Complete"), "complete after resuming");
        var condition = resumed.Status.Conditions.Single(c => c.Type == "Suspended");
        Assert.Equal(("False", "JobResumed"), (condition.Status, condition.Reason));
        Assert.NotNull(resumed.Status.StartTime);

        // Pods that never finish: the deadline fails the job and its pods are deleted.
        var slow = NewJob("slow", 2, 2, exitCode: "never");
        slow.Spec.ActiveDeadlineSeconds = 2;
        await cluster.Client.BatchV1.CreateNamespacedJobAsync(slow, ns);
        var expired = await WaitForJobAsync(ns, "slow", j => Has(j, "Failed", "DeadlineExceeded"), "failed by its deadline");
        Assert.Null(expired.Status.Active);
        Assert.Equal(0, expired.Status.Ready);
        Assert.Equal(0, expired.Status.Terminating);
        Assert.Equal(["FailureTarget", "Failed"], expired.Status.Conditions.Where(c => c.Status == "True").Select(c => c.Type));
    }

    [Fact]
    public async Task A_finished_job_with_a_ttl_is_deleted()
    {
        var ns = await cluster.CreateNamespaceAsync("jobttl");
        var job = NewJob("short-lived", 1, 1);
        job.Spec.TtlSecondsAfterFinished = 1;
        await cluster.Client.BatchV1.CreateNamespacedJobAsync(job, ns);
        await ClusterFixture.EventuallyAsync(async () =>
        {
            var jobs = await cluster.Client.BatchV1.ListNamespacedJobAsync(ns);
            return jobs.Items.Count == 0 || jobs.Items[0].Metadata.DeletionTimestamp is not null;
        }, Timeout, () => "the finished job was not deleted after its TTL");
    }
}
