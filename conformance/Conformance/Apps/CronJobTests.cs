using k8s;
using k8s.Autorest;
using k8s.Models;
using KubeNet.Conformance.Framework;
using static KubeNet.Conformance.Apps.AppsHelpers;

namespace KubeNet.Conformance.Apps;

/// <summary>
/// test/e2e/apps/cronjob.go. Schedules fire on the minute, so each scheduling scenario waits one or two minute
/// boundaries of real time. To keep that to about two minutes in all, the first scheduling scenario to run creates the
/// CronJobs of all of them at once (each in its own namespace, exactly as its scenario would); each scenario then
/// checks its own.
/// </summary>
[Collection(ConformanceCollection.Name)]
public sealed class CronJobTests(ConformanceCluster cluster)
{
    private static readonly string[] SleepCommand = ["sleep", "300"];
    private static readonly string[] SuccessCommand = ["/bin/true"];
    private static readonly TimeSpan ScheduleTimeout = TimeSpan.FromMinutes(3);
    private static readonly SemaphoreSlim StartLock = new(1, 1);
    private static Dictionary<string, (string Namespace, V1CronJob CronJob)>? _scheduled;

    private IKubernetes Client => cluster.Client;

    /// <summary>newTestCronJob: a parallelism-1 job template with restartPolicy OnFailure.</summary>
    private static V1CronJob NewTestCronJob(string name, string schedule, string concurrencyPolicy, string[]? command, int? successLimit, int? failedLimit)
    {
        var container = new V1Container
        {
            Name = "c",
            Image = BusyBox,
            Command = command,
            VolumeMounts = [new V1VolumeMount { MountPath = "/data", Name = "data" }],
        };
        return new V1CronJob
        {
            ApiVersion = "batch/v1",
            Kind = "CronJob",
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new V1CronJobSpec
            {
                Schedule = schedule,
                ConcurrencyPolicy = concurrencyPolicy,
                SuccessfulJobsHistoryLimit = successLimit,
                FailedJobsHistoryLimit = failedLimit,
                JobTemplate = new V1JobTemplateSpec
                {
                    Spec = new V1JobSpec
                    {
                        Parallelism = 1,
                        Completions = 1,
                        BackoffLimit = 6,
                        Template = new V1PodTemplateSpec
                        {
                            // The sleeping containers of upstream: simulated nodes keep these pods running.
                            Metadata = command == SleepCommand ? new V1ObjectMeta { Annotations = new Dictionary<string, string> { [ExitCodeAnnotation] = "never" } } : null,
                            Spec = new V1PodSpec
                            {
                                RestartPolicy = "OnFailure",
                                Volumes = [new V1Volume { Name = "data", EmptyDir = new V1EmptyDirVolumeSource() }],
                                Containers = [container],
                            },
                        },
                    },
                },
            },
        };
    }

    private async Task<(string Namespace, V1CronJob CronJob)> ScheduledAsync(string scenario)
    {
        await StartLock.WaitAsync();
        try
        {
            if (_scheduled is null)
            {
                var scenarios = new Dictionary<string, V1CronJob>
                {
                    ["concurrent"] = NewTestCronJob("concurrent", "*/1 * * * ?", "Allow", SleepCommand, null, null),
                    ["suspended"] = NewTestCronJob("suspended", "*/1 * * * ?", "Allow", SleepCommand, null, null),
                    ["forbid"] = NewTestCronJob("forbid", "*/1 * * * ?", "Forbid", SleepCommand, null, null),
                    ["replace"] = NewTestCronJob("replace", "*/1 * * * ?", "Replace", SleepCommand, null, null),
                };
                scenarios["suspended"].Spec.Suspend = true;
                var started = new Dictionary<string, (string, V1CronJob)>();
                foreach (var (name, cronJob) in scenarios)
                {
                    var ns = await cluster.CreateNamespaceAsync("cronjob");
                    started[name] = (ns, await Client.BatchV1.CreateNamespacedCronJobAsync(cronJob, ns));
                }

                _scheduled = started;
            }

            return _scheduled[scenario];
        }
        finally
        {
            StartLock.Release();
        }
    }

    private async Task<V1CronJob> WaitForActiveJobsAsync(string ns, string name, int active) =>
        await EventuallyAsync(async () =>
        {
            var cronJob = await Client.BatchV1.ReadNamespacedCronJobAsync(name, ns);
            return (cronJob.Status?.Active?.Count ?? 0) >= active ? cronJob : null;
        }, $"{active} active jobs of cronjob {name}", ScheduleTimeout);

    private static bool IsFinished(V1Job job) => job.Status?.Conditions?.Any(c => c.Type is "Complete" or "Failed" && c.Status == "True") == true;

    private async Task<List<V1Job>> ActiveJobsAsync(string ns) =>
        (await Client.BatchV1.ListNamespacedJobAsync(ns)).Items.Where(j => !IsFinished(j)).ToList();

    [Fact(DisplayName = "[sig-apps] CronJob should schedule multiple jobs concurrently [Conformance]")]
    public async Task Concurrent()
    {
        var (ns, cronJob) = await ScheduledAsync("concurrent");
        await WaitForActiveJobsAsync(ns, cronJob.Metadata.Name, 2);
        Assert.True((await ActiveJobsAsync(ns)).Count >= 2);
        await Client.BatchV1.DeleteNamespacedCronJobAsync(cronJob.Metadata.Name, ns);
    }

    [Fact(DisplayName = "[sig-apps] CronJob should not schedule jobs when suspended [Slow] [Conformance]")]
    public async Task Suspended()
    {
        var (ns, cronJob) = await ScheduledAsync("suspended");

        // Upstream waits until its timeout for a job that must not come; a minute boundary passing is enough here.
        var until = cronJob.Metadata.CreationTimestamp!.Value.AddSeconds(70);
        await ConsistentlyAsync(async () => (await Client.BatchV1.ListNamespacedJobAsync(ns)).Items.Count == 0,
            "a suspended cronjob scheduled a job", until - DateTime.UtcNow);
        Assert.Empty((await Client.BatchV1.ListNamespacedJobAsync(ns)).Items);
        await Client.BatchV1.DeleteNamespacedCronJobAsync(cronJob.Metadata.Name, ns);
    }

    [Fact(DisplayName = "[sig-apps] CronJob should not schedule new jobs when ForbidConcurrent [Slow] [Conformance]")]
    public async Task Forbid()
    {
        var (ns, cronJob) = await ScheduledAsync("forbid");
        var active = await WaitForActiveJobsAsync(ns, cronJob.Metadata.Name, 1);
        Assert.Single(active.Status.Active);
        var first = Assert.Single(await ActiveJobsAsync(ns));

        // The next minute comes and goes without a second job.
        var nextMinute = active.Status.LastScheduleTime!.Value.AddMinutes(1).AddSeconds(10);
        await ConsistentlyAsync(async () =>
            (await Client.BatchV1.ReadNamespacedCronJobAsync(cronJob.Metadata.Name, ns)).Status?.Active?.Count <= 1,
            "a second job started under ForbidConcurrent", nextMinute - DateTime.UtcNow);
        var jobs = await ActiveJobsAsync(ns);
        Assert.Equal(first.Metadata.Name, Assert.Single(jobs).Metadata.Name);
        await Client.BatchV1.DeleteNamespacedCronJobAsync(cronJob.Metadata.Name, ns);
    }

    [Fact(DisplayName = "[sig-apps] CronJob should replace jobs when ReplaceConcurrent [Conformance]")]
    public async Task Replace()
    {
        var (ns, cronJob) = await ScheduledAsync("replace");
        var active = await WaitForActiveJobsAsync(ns, cronJob.Metadata.Name, 1);
        Assert.Single(active.Status.Active);
        var first = Assert.Single(await ActiveJobsAsync(ns)).Metadata.Name;

        // waitForJobReplaced: never two alive at once, and eventually another one.
        await EventuallyAsync(async () =>
        {
            var alive = await ActiveJobsAsync(ns);
            Assert.True(alive.Count <= 1, "more than one job is running");
            return alive.Count == 1 && alive[0].Metadata.Name != first;
        }, $"job {first} to be replaced", ScheduleTimeout);
        await Client.BatchV1.DeleteNamespacedCronJobAsync(cronJob.Metadata.Name, ns);
    }

    [Fact(DisplayName = "[sig-apps] CronJob should support CronJob API operations [Conformance]")]
    public async Task ApiOperations()
    {
        var ns = await cluster.CreateNamespaceAsync("cronjob");
        var unique = ns;
        var label = "special-label=" + unique;
        var template = NewTestCronJob("test-api", "* */1 * * ?", "Allow", SuccessCommand, 1, 0);
        template.Metadata.Labels = new Dictionary<string, string> { ["special-label"] = unique };

        var created = await Client.BatchV1.CreateNamespacedCronJobAsync(template, ns);
        var gotten = await Client.BatchV1.ReadNamespacedCronJobAsync(created.Metadata.Name, ns);
        Assert.Equal(created.Metadata.Uid, gotten.Metadata.Uid);

        var list = await Client.BatchV1.ListNamespacedCronJobAsync(ns, labelSelector: label);
        Assert.Single(list.Items);
        using var watchStop = new CancellationTokenSource(WaitTimeout);
        var watched = Client.BatchV1.WatchListNamespacedCronJobAsync(ns, labelSelector: label, resourceVersion: list.Metadata.ResourceVersion,
            cancellationToken: watchStop.Token).GetAsyncEnumerator();
        Assert.Single((await Client.BatchV1.ListCronJobForAllNamespacesAsync(labelSelector: label)).Items);

        var patched = await Client.BatchV1.PatchNamespacedCronJobAsync(
            new V1Patch("""{"metadata":{"annotations":{"patched":"true"}}}""", V1Patch.PatchType.MergePatch), created.Metadata.Name, ns);
        Assert.Equal("true", patched.Metadata.Annotations["patched"]);

        V1CronJob updated = null!;
        for (var attempt = 0; ; attempt++)
        {
            var current = await Client.BatchV1.ReadNamespacedCronJobAsync(created.Metadata.Name, ns);
            current.Metadata.Annotations["updated"] = "true";
            try
            {
                updated = await Client.BatchV1.ReplaceNamespacedCronJobAsync(current, created.Metadata.Name, ns);
                break;
            }
            catch (HttpOperationException ex) when (ex.Response.StatusCode == System.Net.HttpStatusCode.Conflict && attempt < 10)
            {
            }
        }

        Assert.Equal("true", updated.Metadata.Annotations["updated"]);
        var sawAnnotations = false;
        while (!sawAnnotations && await watched.MoveNextAsync())
        {
            var (type, cronJob) = watched.Current;
            Assert.Equal(WatchEventType.Modified, type);
            Assert.Equal(created.Metadata.Name, cronJob.Metadata.Name);
            sawAnnotations = cronJob.Metadata.Annotations?.ContainsKey("patched") == true;
        }

        Assert.True(sawAnnotations, "no watch event with the patched annotation");
        await watched.DisposeAsync();

        var now1 = Whole(DateTime.UtcNow);
        var patchedStatus = await Client.BatchV1.PatchNamespacedCronJobStatusAsync(
            new V1Patch("{\"metadata\":{\"annotations\":{\"patchedstatus\":\"true\"}},\"status\":{\"lastScheduleTime\":\"" + now1.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture) + "\"}}", V1Patch.PatchType.MergePatch),
            created.Metadata.Name, ns);
        Assert.Equal(now1, patchedStatus.Status.LastScheduleTime);
        Assert.Equal("true", patchedStatus.Metadata.Annotations["patchedstatus"]);

        var now2 = now1.AddSeconds(1);
        V1CronJob updatedStatus = null!;
        for (var attempt = 0; ; attempt++)
        {
            var current = await Client.BatchV1.ReadNamespacedCronJobAsync(created.Metadata.Name, ns);
            current.Status.LastScheduleTime = now2;
            try
            {
                updatedStatus = await Client.BatchV1.ReplaceNamespacedCronJobStatusAsync(current, created.Metadata.Name, ns);
                break;
            }
            catch (HttpOperationException ex) when (ex.Response.StatusCode == System.Net.HttpStatusCode.Conflict && attempt < 10)
            {
            }
        }

        Assert.Equal(now2, updatedStatus.Status.LastScheduleTime);
        var status = await Client.BatchV1.ReadNamespacedCronJobStatusAsync(created.Metadata.Name, ns);
        Assert.Equal(created.Metadata.Uid, status.Metadata.Uid);

        template.Metadata.Name = "for-removal";
        var forRemoval = await Client.BatchV1.CreateNamespacedCronJobAsync(template, ns);
        await Client.BatchV1.DeleteNamespacedCronJobAsync(forRemoval.Metadata.Name, ns);
        try
        {
            var deleting = await Client.BatchV1.ReadNamespacedCronJobAsync(forRemoval.Metadata.Name, ns);
            Assert.NotNull(deleting.Metadata.DeletionTimestamp);
            Assert.NotEmpty(deleting.Metadata.Finalizers);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
        }

        await Client.BatchV1.DeleteCollectionNamespacedCronJobAsync(ns, labelSelector: label);
        var remaining = await Client.BatchV1.ListNamespacedCronJobAsync(ns, labelSelector: label);
        Assert.True(remaining.Items.Count <= 2);
        Assert.All(remaining.Items, cj =>
        {
            Assert.NotNull(cj.Metadata.DeletionTimestamp);
            Assert.NotEmpty(cj.Metadata.Finalizers);
        });
    }

    private static DateTime Whole(DateTime t) => new(t.Ticks - (t.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
}
