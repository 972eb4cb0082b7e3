using k8s;
using k8s.Models;
using KubeNet.ApiServer;
using KubeNet.Client;
using KubeNet.Controllers.CronJob;
using KubeNet.Controllers.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace KubeNet.Controllers.Tests.Workloads;

/// <summary>A clock the test moves by hand; the CronJob controller reads "now" from it.</summary>
internal sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Set(DateTime utc) => _now = new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc));
}

/// <summary>
/// The CronJob controller against a real API server with a hand-moved clock: minutes pass without waiting, and no Job
/// controller runs, so the test decides when each Job finishes.
/// </summary>
public sealed class CronJobFakeClockTests : IAsyncLifetime
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "kube-net-cron-" + Guid.NewGuid().ToString("N"));
    private readonly ManualClock _clock = new(DateTimeOffset.UtcNow);
    private KubeApiServer? _server;
    private SharedInformerFactory? _informers;
    private CronJobController? _controller;
    private Kubernetes _client = null!;

    public async Task InitializeAsync()
    {
        _server = await KubeApiServer.StartAsync(new ApiServerOptions { DataDirectory = _dataDir, SecurePort = 0 });
        _client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(_server.KubeconfigPath));
        _informers = new SharedInformerFactory(_client);
        _controller = new CronJobController(_informers, NullLogger.Instance, workers: 1, clock: _clock);
        _informers.Start();
        await _informers.WaitForCacheSyncAsync();
        await _client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "cron" } });
    }

    public async Task DisposeAsync()
    {
        if (_controller is not null)
        {
            await _controller.DisposeAsync();
        }

        if (_informers is not null)
        {
            await _informers.DisposeAsync();
        }

        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _client.Dispose();
        Directory.Delete(_dataDir, recursive: true);
    }

    private static V1CronJob CronJob(string name, string policy = "Allow", bool suspend = false, long? deadline = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1CronJobSpec
        {
            Schedule = "* * * * *",
            ConcurrencyPolicy = policy,
            Suspend = suspend,
            StartingDeadlineSeconds = deadline,
            SuccessfulJobsHistoryLimit = 2,
            FailedJobsHistoryLimit = 1,
            JobTemplate = new V1JobTemplateSpec
            {
                Spec = new V1JobSpec
                {
                    Template = new V1PodTemplateSpec
                    {
                        Spec = new V1PodSpec { RestartPolicy = "Never", Containers = [new V1Container { Name = "c", Image = "busybox" }] },
                    },
                },
            },
        },
    };

    private Lister<V1CronJob> CronJobs => _informers!.GetInformer<V1CronJob>().Lister;

    private Lister<V1Job> Jobs => _informers!.GetInformer<V1Job>().Lister;

    private async Task<V1CronJob> CreateAsync(V1CronJob cronJob)
    {
        var created = await _client.BatchV1.CreateNamespacedCronJobAsync(cronJob, "cron");
        await ClusterFixture.EventuallyAsync(() => Task.FromResult(CronJobs.Get("cron", cronJob.Metadata.Name) is not null),
            TimeSpan.FromSeconds(10), () => "the informer did not see the cronjob");
        return created;
    }

    /// <summary>Moves the clock to <paramref name="at"/>, syncs, and waits until the cache has the outcome.</summary>
    private async Task<TimeSpan?> SyncAtAsync(string name, DateTime at)
    {
        _clock.Set(at);
        var requeue = await _controller!.SyncAsync("cron/" + name, CancellationToken.None);
        var live = await _client.BatchV1.ReadNamespacedCronJobAsync(name, "cron");
        var jobs = await _client.BatchV1.ListNamespacedJobAsync("cron");
        await ClusterFixture.EventuallyAsync(() => Task.FromResult(
                CronJobs.Get("cron", name)?.Metadata.ResourceVersion == live.Metadata.ResourceVersion
                && Jobs.List("cron").Count == jobs.Items.Count
                && jobs.Items.All(j => Jobs.Get("cron", j.Metadata.Name)?.Metadata.ResourceVersion == j.Metadata.ResourceVersion)),
            TimeSpan.FromSeconds(10), () => "the informers did not catch up");
        return requeue;
    }

    private async Task FinishAsync(V1Job job, DateTime at, bool succeeded)
    {
        job.Status = new V1JobStatus
        {
            StartTime = at,
            CompletionTime = succeeded ? at : null,
            Succeeded = succeeded ? 1 : null,
            Failed = succeeded ? null : 1,
            Conditions = succeeded
                ? [new V1JobCondition { Type = "SuccessCriteriaMet", Status = "True", Reason = "CompletionsReached", LastTransitionTime = at },
                   new V1JobCondition { Type = "Complete", Status = "True", Reason = "CompletionsReached", LastTransitionTime = at }]
                : [new V1JobCondition { Type = "FailureTarget", Status = "True", Reason = "BackoffLimitExceeded", LastTransitionTime = at },
                   new V1JobCondition { Type = "Failed", Status = "True", Reason = "BackoffLimitExceeded", LastTransitionTime = at }],
        };
        var written = await _client.BatchV1.ReplaceNamespacedJobStatusAsync(job, job.Metadata.Name, "cron");
        await ClusterFixture.EventuallyAsync(() => Task.FromResult(Jobs.Get("cron", job.Metadata.Name)?.Metadata.ResourceVersion == written.Metadata.ResourceVersion),
            TimeSpan.FromSeconds(10), () => "the informer did not see the finished job");
    }

    private static DateTime Minute(DateTime t, int add) =>
        new DateTime(t.Year, t.Month, t.Day, t.Hour, t.Minute, 0, DateTimeKind.Utc).AddMinutes(add);

    [Fact]
    public async Task Each_minute_starts_a_job_and_history_limits_keep_the_newest()
    {
        var created = (await CreateAsync(CronJob("every"))).Metadata.CreationTimestamp!.Value;

        // Within the creation minute nothing is due; the controller asks to come back at the next minute.
        var requeue = await SyncAtAsync("every", created.AddSeconds(1) > Minute(created, 1) ? Minute(created, 1).AddSeconds(-1) : created.AddSeconds(1));
        Assert.Empty(Jobs.List("cron"));
        Assert.NotNull(requeue);
        Assert.InRange(requeue.Value, TimeSpan.Zero, TimeSpan.FromSeconds(61));

        var names = new List<string>();
        for (var i = 1; i <= 4; i++)
        {
            var at = Minute(created, i);
            await SyncAtAsync("every", at.AddSeconds(2));
            var cronJob = CronJobs.Get("cron", "every")!;
            Assert.Equal(at, cronJob.Status.LastScheduleTime);
            var active = Assert.Single(cronJob.Status.Active);
            var job = Jobs.Get("cron", active.Name)!;
            Assert.Equal("every-" + (new DateTimeOffset(at).ToUnixTimeSeconds() / 60), job.Metadata.Name);
            Assert.Equal(at.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
                job.Metadata.Annotations["batch.kubernetes.io/cronjob-scheduled-timestamp"]);
            names.Add(job.Metadata.Name);

            // A sync again in the same minute starts nothing more.
            await SyncAtAsync("every", at.AddSeconds(30));
            Assert.Single(CronJobs.Get("cron", "every")!.Status.Active);

            await FinishAsync(Objects(job), at.AddSeconds(40), succeeded: i != 2);

            // The first sync takes the finished job out of the active list; the next one (upstream: the one its own
            // status write triggers) records lastSuccessfulTime.
            await SyncAtAsync("every", at.AddSeconds(50));
            await SyncAtAsync("every", at.AddSeconds(51));
        }

        // Three succeeded and one failed: the two newest successes and the one failure remain.
        var remaining = Jobs.List("cron").Select(j => j.Metadata.Name).Order().ToList();
        Assert.Equal(new[] { names[1], names[2], names[3] }.Order(), remaining);
        var final = CronJobs.Get("cron", "every")!;
        Assert.Null(final.Status.Active);
        Assert.Equal(Minute(created, 4).AddSeconds(40), final.Status.LastSuccessfulTime);
    }

    [Fact]
    public async Task Concurrency_policies_suspend_and_starting_deadline()
    {
        var created = (await CreateAsync(CronJob("forbid", policy: "Forbid"))).Metadata.CreationTimestamp!.Value;
        await CreateAsync(CronJob("replace", policy: "Replace"));
        await CreateAsync(CronJob("paused", suspend: true));
        await CreateAsync(CronJob("strict", deadline: 10));

        foreach (var name in new[] { "forbid", "replace", "paused" })
        {
            await SyncAtAsync(name, Minute(created, 1).AddSeconds(1));
        }

        var firstForbid = Assert.Single(CronJobs.Get("cron", "forbid")!.Status.Active).Name;
        var firstReplace = Assert.Single(CronJobs.Get("cron", "replace")!.Status.Active).Name;
        Assert.Null(CronJobs.Get("cron", "paused")!.Status?.LastScheduleTime);

        foreach (var name in new[] { "forbid", "replace", "paused" })
        {
            await SyncAtAsync(name, Minute(created, 2).AddSeconds(1));
        }

        // Forbid: the running job blocks the next one. Replace: the running job is deleted for the next.
        Assert.Equal(firstForbid, Assert.Single(CronJobs.Get("cron", "forbid")!.Status.Active).Name);
        var secondReplace = Assert.Single(CronJobs.Get("cron", "replace")!.Status.Active).Name;
        Assert.NotEqual(firstReplace, secondReplace);
        Assert.Null(Jobs.Get("cron", firstReplace));
        Assert.DoesNotContain(Jobs.List("cron"), j => j.Metadata.Name.StartsWith("paused-", StringComparison.Ordinal));

        // 50 seconds late for a 10 second deadline: missed, no job.
        await SyncAtAsync("strict", Minute(created, 2).AddSeconds(50));
        Assert.Null(CronJobs.Get("cron", "strict")!.Status?.LastScheduleTime);
        Assert.DoesNotContain(Jobs.List("cron"), j => j.Metadata.Name.StartsWith("strict-", StringComparison.Ordinal));
        await SyncAtAsync("strict", Minute(created, 3).AddSeconds(5));
        Assert.Equal(Minute(created, 3), CronJobs.Get("cron", "strict")!.Status.LastScheduleTime);
    }

    private static V1Job Objects(V1Job job) => KubeNet.ApiMachinery.Json.KubeJson.Deserialize<V1Job>(KubeNet.ApiMachinery.Json.KubeJson.SerializeToUtf8Bytes(job))!;
}
