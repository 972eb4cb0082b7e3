using k8s;
using k8s.Models;
using KubeNet.Controllers.Tests.Infrastructure;

namespace KubeNet.Controllers.Tests.Workloads;

/// <summary>
/// A CronJob through stock kubectl on the shared cluster: a manual run with `kubectl create job --from=cronjob/...`,
/// then the next scheduled run and the history limit. This is the one test that waits for a schedule in real time
/// (up to a minute); the schedule logic itself is covered with a hand-moved clock in CronJobFakeClockTests.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class CronJobControllerTests(ClusterFixture cluster)
{
    [Fact]
    public async Task A_cron_job_runs_manually_and_on_schedule_and_keeps_its_history_limit()
    {
        var ns = await cluster.CreateNamespaceAsync("cron");
        const string manifest = """
            apiVersion: batch/v1
            kind: CronJob
            metadata:
              name: tick
            spec:
              schedule: "*/1 * * * *"
              successfulJobsHistoryLimit: 1
              jobTemplate:
                spec:
                  template:
                    spec:
                      restartPolicy: OnFailure
                      containers:
                      - name: tick
                        image: busybox
                        command: ["date"]
            """;
        var apply = await cluster.KubectlWithInputAsync(manifest, "apply", "-n", ns, "-f", "-");
        Assert.True(apply.ExitCode == 0, apply.ToString());

        await cluster.KubectlOkAsync("create", "job", "manual", "--from=cronjob/tick", "-n", ns);
        var manual = await cluster.Client.BatchV1.ReadNamespacedJobAsync("manual", ns);
        Assert.Equal("manual", manual.Metadata.Annotations["cronjob.kubernetes.io/instantiate"]);
        var wait = await cluster.KubectlAsync("wait", "--for=condition=complete", "job/manual", "-n", ns, "--timeout=60s");
        Assert.True(wait.ExitCode == 0, wait.ToString());

        // The next minute brings a scheduled job, named after its minute.
        var scheduled = await WaitForAsync(async () =>
        {
            var cronJob = await cluster.Client.BatchV1.ReadNamespacedCronJobAsync("tick", ns);
            return cronJob.Status?.LastScheduleTime is not null ? cronJob : null;
        }, TimeSpan.FromSeconds(75), "the cronjob to schedule a job");
        var at = scheduled.Status.LastScheduleTime!.Value;
        Assert.Equal(0, at.Second);
        var jobName = "tick-" + (new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)).ToUnixTimeSeconds() / 60);
        var job = await cluster.Client.BatchV1.ReadNamespacedJobAsync(jobName, ns);
        Assert.Equal("CronJob", job.Metadata.OwnerReferences.Single().Kind);
        Assert.Equal(at.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
            job.Metadata.Annotations["batch.kubernetes.io/cronjob-scheduled-timestamp"]);

        // Once it succeeds, the older successful run goes: one successful job is kept.
        await ClusterFixture.EventuallyAsync(async () =>
        {
            var cronJob = await cluster.Client.BatchV1.ReadNamespacedCronJobAsync("tick", ns);
            var jobs = await cluster.Client.BatchV1.ListNamespacedJobAsync(ns);
            return cronJob.Status?.LastSuccessfulTime is not null && cronJob.Status.Active is null or { Count: 0 }
                && jobs.Items.All(j => j.Metadata.Name != "manual");
        }, TimeSpan.FromSeconds(60), () => "the scheduled job did not finish or the manual run was not cleaned up");

        var table = await cluster.KubectlOkAsync("get", "cronjob", "tick", "-n", ns);
        Assert.Contains("*/1 * * * *", table, StringComparison.Ordinal);
        var events = await cluster.KubectlOkAsync("get", "events", "-n", ns, "--field-selector", "involvedObject.kind=CronJob");
        Assert.Contains("SuccessfulCreate", events, StringComparison.Ordinal);
        Assert.Contains("SawCompletedJob", events, StringComparison.Ordinal);
        Assert.Contains("SuccessfulDelete", events, StringComparison.Ordinal);
    }

    private static async Task<T> WaitForAsync<T>(Func<Task<T?>> probe, TimeSpan timeout, string what)
        where T : class
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for " + what);
            await Task.Delay(250);
        }
    }
}
