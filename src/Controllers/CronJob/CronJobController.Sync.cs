using k8s;
using k8s.Models;
using KubeNet.Client;
using KubeNet.Controllers.Job;
using KubeNet.Controllers.Workloads;

namespace KubeNet.Controllers.CronJob;

public sealed partial class CronJobController
{
    /// <summary>
    /// syncCronJob: reconciles status.active with the Jobs that exist, then, unless deleted, suspended or misconfigured,
    /// starts the Job of the most recent unmet scheduled time. Returns the requeue delay and whether status changed.
    /// </summary>
    private async Task<(TimeSpan? RequeueAfter, bool UpdateStatus)> SyncCronJobAsync(V1CronJob cronJob, List<V1Job> jobs, CancellationToken ct)
    {
        var now = Now();
        var updateStatus = false;
        var children = new HashSet<string>(StringComparer.Ordinal);
        foreach (var job in jobs)
        {
            children.Add(job.Metadata.Uid);
            var found = InActiveList(cronJob, job.Metadata.Uid);
            var finished = JobPods.IsFinished(job);
            if (!found && !finished)
            {
                var fresh = await _client.BatchV1.ReadNamespacedCronJobAsync(cronJob.Metadata.Name, cronJob.Metadata.NamespaceProperty, cancellationToken: ct);
                if (InActiveList(fresh, job.Metadata.Uid))
                {
                    cronJob.Status = fresh.Status ?? new V1CronJobStatus();
                    cronJob.Metadata.ResourceVersion = fresh.Metadata.ResourceVersion;
                    continue;
                }

                // Created by us just before a crash, or by someone who wants us to adopt it.
                _recorder.Event(cronJob, EventTypes.Warning, "UnexpectedJob", "Saw a job that the controller did not create or forgot: " + job.Metadata.Name);
            }
            else if (found && finished)
            {
                var status = job.Status.Conditions.First(c => c.Type is "Complete" or "Failed" && c.Status == "True").Type;
                RemoveFromActive(cronJob, job.Metadata.Uid);
                _recorder.Event(cronJob, EventTypes.Normal, "SawCompletedJob", $"Saw completed job: {job.Metadata.Name}, status: {status}");
                updateStatus = true;
            }
            else if (IsSucceeded(job))
            {
                // A successful Job need not be active: its completion time still counts.
                if (cronJob.Status.LastSuccessfulTime is null)
                {
                    cronJob.Status.LastSuccessfulTime = job.Status.CompletionTime;
                    updateStatus = true;
                }

                if (job.Status.CompletionTime is { } completed && completed > cronJob.Status.LastSuccessfulTime)
                {
                    cronJob.Status.LastSuccessfulTime = completed;
                    updateStatus = true;
                }
            }
        }

        // An active reference to a Job that is gone would keep the CronJob active forever.
        foreach (var reference in (cronJob.Status.Active ?? []).ToList())
        {
            if (children.Contains(reference.Uid))
            {
                continue;
            }

            try
            {
                await _client.BatchV1.ReadNamespacedJobAsync(reference.Name, reference.NamespaceProperty, cancellationToken: ct);
            }
            catch (Exception ex) when (ApiErrors.IsNotFound(ex))
            {
                _recorder.Event(cronJob, EventTypes.Normal, "MissingJob", "Active job went missing: " + reference.Name);
                RemoveFromActive(cronJob, reference.Uid);
                updateStatus = true;
            }
        }

        if (cronJob.Metadata.DeletionTimestamp is not null)
        {
            return (null, updateStatus);
        }

        if (cronJob.Spec.TimeZone is { } zone && CronSchedule.LoadLocation(zone) is null)
        {
            _recorder.Event(cronJob, EventTypes.Warning, "UnknownTimeZone", $"invalid timeZone: \"{zone}\": unknown time zone {zone}");
            return (null, updateStatus);
        }

        if (cronJob.Spec.Suspend == true)
        {
            return (null, updateStatus);
        }

        var formatted = CronJobTimes.FormatSchedule(cronJob);
        if (formatted.Contains("TZ", StringComparison.Ordinal) && cronJob.Spec.Schedule.Contains("TZ", StringComparison.Ordinal))
        {
            _recorder.Event(cronJob, EventTypes.Warning, "UnsupportedSchedule",
                $"CRON_TZ or TZ used in schedule \"{cronJob.Spec.Schedule}\" is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details");
        }

        if (!CronSchedule.TryParse(formatted, _localZone, out var parsed, out var parseError))
        {
            _recorder.Event(cronJob, EventTypes.Warning, "UnparseableSchedule", $"unparseable schedule: \"{cronJob.Spec.Schedule}\" : {parseError}");
            return (null, updateStatus);
        }

        var schedule = parsed!;
        DateTime? scheduled;
        try
        {
            MissedSchedules missed;
            (scheduled, missed) = CronJobTimes.NextScheduleTime(cronJob, now, schedule);
            if (scheduled is not null && missed == MissedSchedules.Many)
            {
                _recorder.Event(cronJob, EventTypes.Warning, "TooManyMissedTimes", "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew");
            }
        }
        catch (InvalidOperationException ex)
        {
            _recorder.Event(cronJob, EventTypes.Warning, "InvalidSchedule", $"invalid schedule: {cronJob.Spec.Schedule} : {ex.Message}");
            return (null, updateStatus);
        }

        var next = CronJobTimes.NextScheduleTimeDuration(cronJob, now, schedule);
        if (scheduled is not { } at)
        {
            return (next, updateStatus);
        }

        if (cronJob.Spec.StartingDeadlineSeconds is { } deadline && at.AddSeconds(deadline) < now)
        {
            LogMissed(Key(cronJob.Metadata), at);
            _recorder.Event(cronJob, EventTypes.Warning, "MissSchedule", "Missed scheduled time to start a job: " + CronJobTimes.Rfc1123Z(at));
            return (next, updateStatus);
        }

        var jobName = CronJobTimes.JobName(cronJob, at);
        if ((cronJob.Status.Active ?? []).Any(r => r.Name == jobName && r.NamespaceProperty == cronJob.Metadata.NamespaceProperty)
            || cronJob.Status.LastScheduleTime == at)
        {
            return (next, updateStatus);
        }

        if (cronJob.Spec.ConcurrencyPolicy == "Forbid" && cronJob.Status.Active is { Count: > 0 })
        {
            // The active list may lag, so Forbid can still overlap when runs are close together, as upstream.
            _recorder.Event(cronJob, EventTypes.Normal, "JobAlreadyActive", "Not starting job because prior execution is running and concurrency policy is Forbid");
            return (next, updateStatus);
        }

        if (cronJob.Spec.ConcurrencyPolicy == "Replace")
        {
            foreach (var reference in (cronJob.Status.Active ?? []).ToList())
            {
                V1Job running;
                try
                {
                    running = await _client.BatchV1.ReadNamespacedJobAsync(reference.Name, reference.NamespaceProperty, cancellationToken: ct);
                }
                catch (Exception ex) when (ApiErrors.IsTransient(ex))
                {
                    _recorder.Event(cronJob, EventTypes.Warning, "FailedGet", "Get job: " + PodControl.Describe(ex));
                    throw;
                }

                if (!await DeleteJobAsync(cronJob, running, ct))
                {
                    throw new InvalidOperationException($"could not replace job {running.Metadata.NamespaceProperty}/{running.Metadata.Name}");
                }

                updateStatus = true;
            }
        }

        var request = JobFromTemplate(cronJob, at);
        V1Job created;
        try
        {
            created = await _client.BatchV1.CreateNamespacedJobAsync(request, cronJob.Metadata.NamespaceProperty, cancellationToken: ct);
            LogCreatedJob(created.Metadata.Name, Key(cronJob.Metadata));
            _recorder.Event(cronJob, EventTypes.Normal, "SuccessfulCreate", "Created job " + created.Metadata.Name);
        }
        catch (Exception ex) when (ApiErrors.HasStatusCause(ex, "NamespaceTerminating"))
        {
            throw;
        }
        catch (Exception ex) when (ApiErrors.IsAlreadyExists(ex))
        {
            // Created by us before a status write that was lost, or by someone else who then owns the status.
            created = await _client.BatchV1.ReadNamespacedJobAsync(request.Metadata.Name, cronJob.Metadata.NamespaceProperty, cancellationToken: ct);
            if (!Objects.IsControlledBy(created.Metadata, cronJob.Metadata.Uid) || InActiveList(cronJob, created.Metadata.Uid))
            {
                return (null, updateStatus);
            }
        }
        catch (Exception ex) when (ApiErrors.IsTransient(ex))
        {
            _recorder.Event(cronJob, EventTypes.Warning, "FailedCreate", "Error creating job: " + PodControl.Describe(ex));
            throw;
        }

        // The Job's name is the lock against creating it twice should this status write be lost.
        created.ApiVersion = JobController.ApiVersion;
        created.Kind = JobController.Kind;
        (cronJob.Status.Active ??= []).Add(ObjectReferences.For(created));
        cronJob.Status.LastScheduleTime = at;
        return (CronJobTimes.NextScheduleTimeDuration(cronJob, now, schedule), true);
    }

    /// <summary>getJobFromTemplate2: labels and annotations of the job template, the scheduled time annotated.</summary>
    internal static V1Job JobFromTemplate(V1CronJob cronJob, DateTime scheduled)
    {
        var template = Objects.DeepCopy(cronJob.Spec.JobTemplate);
        var annotations = template.Metadata?.Annotations is { } a ? new Dictionary<string, string>(a) : new Dictionary<string, string>();
        var zone = CronSchedule.LoadLocation(cronJob.Spec.TimeZone ?? string.Empty) ?? TimeZoneInfo.Utc;
        annotations[ScheduledTimestampAnnotation] = new ZonedTime(scheduled, zone).ToRfc3339();
        return new V1Job
        {
            ApiVersion = JobController.ApiVersion,
            Kind = JobController.Kind,
            Metadata = new V1ObjectMeta
            {
                Name = CronJobTimes.JobName(cronJob, scheduled),
                Labels = template.Metadata?.Labels is { } labels ? new Dictionary<string, string>(labels) : new Dictionary<string, string>(),
                Annotations = annotations,
                OwnerReferences = [Objects.NewControllerRef(cronJob.Metadata, ApiVersion, Kind)],
            },
            Spec = template.Spec,
        };
    }

    /// <summary>cleanupFinishedJobs: finished Jobs beyond the history limits go, oldest start first.</summary>
    private async Task<bool> CleanupFinishedJobsAsync(V1CronJob cronJob, List<V1Job> jobs, CancellationToken ct)
    {
        if (cronJob.Spec.SuccessfulJobsHistoryLimit is null && cronJob.Spec.FailedJobsHistoryLimit is null)
        {
            return false;
        }

        var succeeded = jobs.Where(j => FinishedType(j) == "Complete").ToList();
        var failed = jobs.Where(j => FinishedType(j) == "Failed").ToList();
        var updated = false;
        if (cronJob.Spec.SuccessfulJobsHistoryLimit is { } successLimit && await RemoveOldestAsync(cronJob, succeeded, successLimit, ct))
        {
            updated = true;
        }

        if (cronJob.Spec.FailedJobsHistoryLimit is { } failedLimit && await RemoveOldestAsync(cronJob, failed, failedLimit, ct))
        {
            updated = true;
        }

        return updated;
    }

    private async Task<bool> RemoveOldestAsync(V1CronJob cronJob, List<V1Job> jobs, int keep, CancellationToken ct)
    {
        var excess = jobs.Count - keep;
        if (excess <= 0)
        {
            return false;
        }

        jobs.Sort(ByStartTime);
        var updated = false;
        for (var i = 0; i < excess; i++)
        {
            if (await DeleteJobAsync(cronJob, jobs[i], ct))
            {
                updated = true;
            }
        }

        return updated;
    }

    /// <summary>byJobStartTime: started before not started, earlier first, then by name.</summary>
    internal static int ByStartTime(V1Job a, V1Job b)
    {
        var x = a.Status?.StartTime;
        var y = b.Status?.StartTime;
        if (x is null != y is null)
        {
            return x is null ? 1 : -1;
        }

        if (x == y)
        {
            return string.CompareOrdinal(a.Metadata.Name, b.Metadata.Name);
        }

        return x!.Value.CompareTo(y!.Value);
    }

    /// <summary>deleteJob: the Job goes with background propagation, and out of the active list.</summary>
    private async Task<bool> DeleteJobAsync(V1CronJob cronJob, V1Job job, CancellationToken ct)
    {
        try
        {
            await _client.BatchV1.DeleteNamespacedJobAsync(job.Metadata.Name, job.Metadata.NamespaceProperty,
                new V1DeleteOptions { PropagationPolicy = "Background" }, cancellationToken: ct);
        }
        catch (Exception ex) when (ApiErrors.IsTransient(ex))
        {
            _recorder.Event(cronJob, EventTypes.Warning, "FailedDelete", "Deleted job: " + PodControl.Describe(ex));
            return false;
        }

        RemoveFromActive(cronJob, job.Metadata.Uid);
        _recorder.Event(cronJob, EventTypes.Normal, "SuccessfulDelete", "Deleted job " + job.Metadata.Name);
        return true;
    }

    private static string? FinishedType(V1Job job) =>
        job.Status?.Conditions?.FirstOrDefault(c => c.Type is "Complete" or "Failed" && c.Status == "True")?.Type;

    private static bool IsSucceeded(V1Job job) => FinishedType(job) == "Complete";

    private static bool InActiveList(V1CronJob cronJob, string uid) => cronJob.Status?.Active?.Any(r => r.Uid == uid) == true;

    private static void RemoveFromActive(V1CronJob cronJob, string uid) =>
        cronJob.Status.Active = (cronJob.Status.Active ?? []).Where(r => r.Uid != uid).ToList();
}
