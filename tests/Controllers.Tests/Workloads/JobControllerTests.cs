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
}
