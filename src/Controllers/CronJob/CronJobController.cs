using k8s;
using k8s.Models;
using KubeNet.Client;
using KubeNet.Controllers.Workloads;
using Microsoft.Extensions.Logging;

namespace KubeNet.Controllers.CronJob;

/// <summary>
/// The CronJob controller (pkg/controller/cronjob, ControllerV2): at each scheduled time a Job is created from the
/// template (named after the time, so it is never created twice), subject to suspend, startingDeadlineSeconds and
/// concurrencyPolicy; finished Jobs beyond the history limits are deleted. Each CronJob is requeued for its next
/// scheduled time. "Now" comes from an injectable clock so the schedule logic can be tested without waiting.
/// </summary>
public sealed partial class CronJobController : IController
{
    internal const string ApiVersion = "batch/v1";
    internal const string Kind = "CronJob";
    internal const string ScheduledTimestampAnnotation = "batch.kubernetes.io/cronjob-scheduled-timestamp";

    private readonly IKubernetes _client;
    private readonly ILogger _logger;
    private readonly TimeProvider _clock;
    private readonly TimeZoneInfo _localZone;
    private readonly SharedInformer<V1CronJob> _cronJobs;
    private readonly SharedInformer<V1Job> _jobs;
    private readonly WorkQueue<string> _queue = new();
    private readonly Workers _workers;
    private readonly EventRecorder _recorder;
    private readonly int _workerCount;

    /// <param name="clock">What "now" is; the work queue still waits in real time.</param>
    /// <param name="localZone">The zone of schedules without a time zone (time.Local upstream); UTC by default.</param>
    public CronJobController(SharedInformerFactory informers, ILogger logger, int workers = 5, TimeProvider? clock = null, TimeZoneInfo? localZone = null)
    {
        _client = informers.Client;
        _logger = logger;
        _clock = clock ?? TimeProvider.System;
        _localZone = localZone ?? TimeZoneInfo.Utc;
        _workerCount = workers;
        _recorder = new EventRecorder(_client, "cronjob-controller", logger: logger);
        _workers = new Workers(_queue, SyncAsync, (key, ex) => LogSyncFailed(key, ex.Message));

        _jobs = informers.GetInformer<V1Job>();
        _jobs.AddEventHandler(new ResourceEventHandler<V1Job>
        {
            Add = (job, _) => AddJob(job),
            Update = UpdateJob,
            Delete = (job, _) => DeleteJob(job),
        });
        _cronJobs = informers.GetInformer<V1CronJob>();
        _cronJobs.AddEventHandler(new ResourceEventHandler<V1CronJob>
        {
            Add = (cronJob, _) => Enqueue(cronJob),
            Update = UpdateCronJob,
            Delete = (cronJob, _) => Enqueue(cronJob),
        });
    }

    public void Start() => _workers.Start(_workerCount);

    public async ValueTask DisposeAsync()
    {
        await _workers.DisposeAsync();
        await _recorder.DisposeAsync();
    }

    private DateTime Now() => _clock.GetUtcNow().UtcDateTime;

    private static string Key(V1ObjectMeta meta) => meta.NamespaceProperty + "/" + meta.Name;

    private void Enqueue(V1CronJob cronJob) => _queue.Add(Key(cronJob.Metadata));

    private V1CronJob? ResolveControllerRef(string ns, V1OwnerReference reference)
    {
        if (reference.Kind != Kind)
        {
            return null;
        }

        var cronJob = _cronJobs.Lister.Get(ns, reference.Name);
        return cronJob is not null && cronJob.Metadata.Uid == reference.Uid ? cronJob : null;
    }

    private void AddJob(V1Job job)
    {
        if (job.Metadata.DeletionTimestamp is not null)
        {
            DeleteJob(job);
            return;
        }

        if (Objects.ControllerOf(job.Metadata) is { } reference && ResolveControllerRef(job.Metadata.NamespaceProperty, reference) is { } cronJob)
        {
            Enqueue(cronJob);
        }
    }

    private void UpdateJob(V1Job old, V1Job cur)
    {
        if (cur.Metadata.ResourceVersion == old.Metadata.ResourceVersion)
        {
            return;
        }

        var curRef = Objects.ControllerOf(cur.Metadata);
        var oldRef = Objects.ControllerOf(old.Metadata);
        if (!Objects.SameReference(curRef, oldRef) && oldRef is not null && ResolveControllerRef(old.Metadata.NamespaceProperty, oldRef) is { } previous)
        {
            Enqueue(previous);
        }

        if (curRef is not null && ResolveControllerRef(cur.Metadata.NamespaceProperty, curRef) is { } cronJob)
        {
            Enqueue(cronJob);
        }
    }

    private void DeleteJob(V1Job job)
    {
        if (Objects.ControllerOf(job.Metadata) is { } reference && ResolveControllerRef(job.Metadata.NamespaceProperty, reference) is { } cronJob)
        {
            Enqueue(cronJob);
        }
    }

    /// <summary>
    /// A schedule or time zone change requeues for the new next time; any other change syncs at once (and does
    /// nothing unless a scheduled time is due).
    /// </summary>
    private void UpdateCronJob(V1CronJob old, V1CronJob cur)
    {
        if (old.Spec?.Schedule != cur.Spec?.Schedule || old.Spec?.TimeZone != cur.Spec?.TimeZone)
        {
            if (!CronSchedule.TryParse(CronJobTimes.FormatSchedule(cur), _localZone, out var schedule, out _))
            {
                _recorder.Event(cur, EventTypes.Warning, "UnParseableCronJobSchedule", "unparseable schedule for cronjob: " + cur.Spec?.Schedule);
                return;
            }

            _queue.AddAfter(Key(cur.Metadata), CronJobTimes.NextScheduleTimeDuration(cur, Now(), schedule!));
            return;
        }

        Enqueue(cur);
    }

    /// <summary>sync: reconciles one CronJob; returns when to look at it again (null: only on the next change).</summary>
    internal async Task<TimeSpan?> SyncAsync(string key, CancellationToken ct)
    {
        var cronJob = _cronJobs.Lister.Get(key);
        if (cronJob is null)
        {
            return null;
        }

        // Every Job whose controller reference names this CronJob, even if its labels no longer match.
        var jobs = _jobs.Lister.List(cronJob.Metadata.NamespaceProperty)
            .Where(j => Objects.ControllerOf(j.Metadata) is { } reference && reference.Name == cronJob.Metadata.Name)
            .ToList();
        var copy = Objects.DeepCopy(cronJob);
        copy.ApiVersion = ApiVersion;
        copy.Kind = Kind;
        copy.Status ??= new V1CronJobStatus();
        var updateAfterCleanup = await CleanupFinishedJobsAsync(copy, jobs, ct);
        TimeSpan? requeueAfter = null;
        Exception? syncError = null;
        var updateAfterSync = false;
        try
        {
            (requeueAfter, updateAfterSync) = await SyncCronJobAsync(copy, jobs, ct);
        }
        catch (Exception ex) when (ApiErrors.IsTransient(ex) || ex is InvalidOperationException)
        {
            syncError = ex;
            updateAfterSync = true;
        }

        if (updateAfterCleanup || updateAfterSync)
        {
            copy.Status.Active = copy.Status.Active is { Count: > 0 } ? copy.Status.Active : null;
            await _client.BatchV1.ReplaceNamespacedCronJobStatusAsync(copy, copy.Metadata.Name, copy.Metadata.NamespaceProperty, cancellationToken: ct);
        }

        if (requeueAfter is not null)
        {
            return requeueAfter;
        }

        if (syncError is not null)
        {
            throw syncError;
        }

        return null;
    }

    [LoggerMessage(EventId = 4500, Level = LogLevel.Warning, Message = "Syncing cronjob {Key} failed, retrying: {Error}")]
    private partial void LogSyncFailed(string key, string error);

    [LoggerMessage(EventId = 4501, Level = LogLevel.Information, Message = "Created job {Job} for cronjob {Key}")]
    private partial void LogCreatedJob(string job, string key);

    [LoggerMessage(EventId = 4502, Level = LogLevel.Information, Message = "Cronjob {Key} missed its starting deadline for {Scheduled}")]
    private partial void LogMissed(string key, DateTime scheduled);
}
