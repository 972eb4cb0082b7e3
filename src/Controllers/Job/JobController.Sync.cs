using k8s;
using k8s.Models;
using KubeNet.ApiMachinery.Selectors;
using KubeNet.Client;
using KubeNet.Controllers.Workloads;

namespace KubeNet.Controllers.Job;

public sealed partial class JobController
{
    /// <summary>
    /// syncJob: counts finished pods, decides whether the Job succeeded or failed, creates or deletes pods toward
    /// parallelism (only once its earlier creations and deletions have been observed), then records the status.
    /// </summary>
    internal async Task SyncAsync(string key, CancellationToken ct)
    {
        var shared = _jobs.Lister.Get(key);
        if (shared is null)
        {
            _expectations.DeleteExpectations(key);
            _finalizerExpectations.Delete(key);
            _backoff.Remove(key);
            return;
        }

        if (!string.IsNullOrEmpty(shared.Spec?.ManagedBy) && shared.Spec.ManagedBy != ManagedByDefault)
        {
            return;
        }

        var job = Objects.DeepCopy(shared);
        job.ApiVersion = ApiVersion;
        job.Kind = Kind;
        if (JobPods.IsFinished(job))
        {
            _backoff.Remove(key);
            return;
        }

        if (job.Spec.CompletionMode is { } mode && mode is not ("NonIndexed" or "Indexed"))
        {
            _recorder.Event(job, EventTypes.Warning, "UnknownCompletionMode", "Skipped Job sync because completion mode is unknown");
            return;
        }

        job.Status ??= new V1JobStatus();
        job.Status.UncountedTerminatedPods ??= new V1UncountedTerminatedPods();

        // Expectations are checked before pods are listed: a pod created after the check is only deferred to the next sync.
        var satisfied = _expectations.SatisfiedExpectations(key);
        var pods = await GetPodsForJobAsync(job, ct);
        var now = Objects.Now(_time);
        var context = new JobSyncContext(job, pods)
        {
            ActivePods = Workloads.Pods.FilterActive(pods),
            UncountedSucceeded = new HashSet<string>(job.Status.UncountedTerminatedPods.Succeeded ?? [], StringComparer.Ordinal),
            UncountedFailed = new HashSet<string>(job.Status.UncountedTerminatedPods.Failed ?? [], StringComparer.Ordinal),
            ExpectedRemovedFinalizers = _finalizerExpectations.ExpectedUids(key),
            Terminating = Workloads.Pods.CountTerminating(pods),
        };
        context.Ready = context.ActivePods.Count(Workloads.Pods.IsReady);
        var active = context.ActivePods.Count;
        var (newSucceeded, newFailed) = NewFinishedPods(context);
        context.Succeeded = (job.Status.Succeeded ?? 0) + newSucceeded.Count + context.UncountedSucceeded.Count;
        context.Failed = (job.Status.Failed ?? 0) + NonIgnoredFailedCount(job, newFailed) + context.UncountedFailed.Count;

        if (job.Status.StartTime is null && !JobPods.IsSuspended(job))
        {
            job.Status.StartTime = now;
        }

        context.NewBackoffRecord = _backoff.NewRecord(key, newSucceeded, newFailed);
        var backoffLimit = job.Spec.BackoffLimit ?? 6;
        var exceedsBackoffLimit = context.Failed > backoffLimit;
        context.FinishedCondition = SuccessCriteriaMet(job);

        // With SuccessCriteriaMet already recorded the outcome is decided; the pod failure policy no longer matters.
        if (context.FinishedCondition is null)
        {
            if (JobPods.FindCondition(job, "FailureTarget") is { Status: "True" } target)
            {
                context.FinishedCondition = JobPods.NewCondition("Failed", "True", target.Reason, target.Message, now);
            }
            else if (FailJobMessage(job, pods) is { } message)
            {
                context.FinishedCondition = JobPods.NewCondition("FailureTarget", "True", "PodFailurePolicy", message, now);
            }
        }

        if (context.FinishedCondition is null)
        {
            if (exceedsBackoffLimit || PastBackoffLimitOnFailure(job, pods))
            {
                context.FinishedCondition = JobPods.NewCondition("FailureTarget", "True", "BackoffLimitExceeded", "Job has reached the specified backoff limit", now);
            }
            else if (PastActiveDeadline(job, now))
            {
                context.FinishedCondition = JobPods.NewCondition("FailureTarget", "True", "DeadlineExceeded", "Job was active longer than specified deadline", now);
            }
            else if (job.Spec.ActiveDeadlineSeconds is { } deadline && !JobPods.IsSuspended(job) && job.Status.StartTime is { } started)
            {
                _queue.AddAfter(key, TimeSpan.FromSeconds(deadline) - (_time.GetUtcNow().UtcDateTime - started));
            }
        }

        if (JobPods.IsIndexed(job))
        {
            IndexedCounts(context, now);
        }

        var suspendChanged = false;
        Exception? manageError = null;
        if (context.FinishedCondition is not null)
        {
            var (deletedReady, deleted, error) = await DeleteActivePodsAsync(job, context.ActivePods, ct);
            if (deleted != active || !satisfied)
            {
                // Not finished yet: some pods may still carry finalizers, or not be in the cache yet.
                context.FinishedCondition = null;
            }

            active -= deleted;
            context.Terminating += deleted;
            context.Ready -= deletedReady;
            manageError = error;
        }
        else
        {
            var manageCalled = false;
            if (satisfied && job.Metadata.DeletionTimestamp is null)
            {
                (active, manageError) = await ManageJobAsync(job, context, ct);
                manageCalled = true;
            }

            bool complete = job.Spec.Completions is null
                ? context.Succeeded > 0 && active == 0
                : context.Succeeded >= job.Spec.Completions && active == 0;
            if (complete)
            {
                context.FinishedCondition = JobPods.NewCondition("SuccessCriteriaMet", "True", "CompletionsReached", "Reached expected number of succeeded pods", now);
            }
            else if (manageCalled)
            {
                if (JobPods.IsSuspended(job))
                {
                    if (JobPods.EnsureCondition(job.Status, "Suspended", "True", "JobSuspended", "Job suspended", now))
                    {
                        suspendChanged = true;
                        _recorder.Event(job, EventTypes.Normal, "Suspended", "Job suspended");
                    }
                }
                else if (JobPods.EnsureCondition(job.Status, "Suspended", "False", "JobResumed", "Job resumed", now))
                {
                    suspendChanged = true;
                    _recorder.Event(job, EventTypes.Normal, "Resumed", "Job resumed");

                    // activeDeadlineSeconds counts continuous activity, so it restarts on resume.
                    job.Status.StartTime = now;
                }
            }
        }

        var needsStatusUpdate = suspendChanged || active != (job.Status.Active ?? 0) || context.Ready != job.Status.Ready
            || context.Terminating != job.Status.Terminating;
        job.Status.Active = active;
        job.Status.Ready = context.Ready;
        job.Status.Terminating = context.Terminating;
        await TrackStatusAndRemoveFinalizersAsync(context, needsStatusUpdate, ct);
        if (manageError is not null)
        {
            throw manageError;
        }
    }

    /// <summary>getPodsForJob: every pod of the namespace is claimed, adoption adding the tracking finalizer.</summary>
    private async Task<List<V1Pod>> GetPodsForJobAsync(V1Job job, CancellationToken ct)
    {
        if (!LabelSelector.TryFromLabelSelector(job.Spec.Selector, out var selector, out var error))
        {
            throw new FormatException("couldn't convert Job selector: " + error);
        }

        var manager = new ControllerRefManager<V1Pod>(
            job.Metadata, ApiVersion, Kind, selector,
            async token =>
            {
                var fresh = await _client.BatchV1.ReadNamespacedJobAsync(job.Metadata.Name, job.Metadata.NamespaceProperty, cancellationToken: token);
                if (fresh.Metadata.Uid != job.Metadata.Uid)
                {
                    throw new InvalidOperationException($"original Job {job.Metadata.NamespaceProperty}/{job.Metadata.Name} is gone: got uid {fresh.Metadata.Uid}, wanted {job.Metadata.Uid}");
                }

                return fresh.Metadata;
            },
            (name, patch, token) => _podControl.PatchPodAsync(job.Metadata.NamespaceProperty, name, patch, token),
            [JobPods.TrackingFinalizer]);
        var pods = await manager.ClaimAsync(_pods.Lister.List(job.Metadata.NamespaceProperty), null, ct);

        // Adopted pods get the finalizer by the adoption patch; count them as carrying it already.
        for (var i = 0; i < pods.Count; i++)
        {
            var pod = pods[i];
            var adopted = pod.Metadata.OwnerReferences?.All(r => r.Uid != job.Metadata.Uid) ?? true;
            if (adopted && !JobPods.HasTrackingFinalizer(pod))
            {
                var copy = Objects.DeepCopy(pod);
                copy.Metadata.Finalizers = [.. copy.Metadata.Finalizers ?? [], JobPods.TrackingFinalizer];
                pods[i] = copy;
            }
        }

        return pods;
    }

    private static V1JobCondition? SuccessCriteriaMet(V1Job job) =>
        JobPods.FindCondition(job, "SuccessCriteriaMet") is { Status: "True" } met ? met : null;

    /// <summary>getNewFinishedPods: finished pods still carrying the finalizer and not yet in uncountedTerminatedPods.</summary>
    private static (List<V1Pod> Succeeded, List<V1Pod> Failed) NewFinishedPods(JobSyncContext context) => (
        ValidPods(context, context.UncountedSucceeded, p => p.Status?.Phase == "Succeeded"),
        ValidPods(context, context.UncountedFailed, p => JobPods.IsPodFailed(p, context.Job)));

    /// <summary>getValidPodsWithFilter.</summary>
    private static List<V1Pod> ValidPods(JobSyncContext context, HashSet<string>? uncounted, Func<V1Pod, bool> filter)
    {
        var result = new List<V1Pod>();
        foreach (var pod in context.Pods)
        {
            var uid = pod.Metadata.Uid;
            if (!JobPods.HasTrackingFinalizer(pod) || (uncounted?.Contains(uid) ?? false) || context.ExpectedRemovedFinalizers.Contains(uid))
            {
                continue;
            }

            if (JobPods.IsIndexed(context.Job))
            {
                var index = JobPods.CompletionIndex(pod);
                if (index == JobPods.UnknownIndex || index >= (context.Job.Spec.Completions ?? 0))
                {
                    continue;
                }
            }

            if (filter(pod))
            {
                result.Add(pod);
            }
        }

        return result;
    }

    private static int NonIgnoredFailedCount(V1Job job, List<V1Pod> failed) =>
        job.Spec.PodFailurePolicy is null ? failed.Count : failed.Count(p => JobPods.MatchPodFailurePolicy(job.Spec.PodFailurePolicy, p).CountFailed);

    /// <summary>getFailJobMessage: a failed pod matching a FailJob rule fails the whole Job.</summary>
    private static string? FailJobMessage(V1Job job, List<V1Pod> pods)
    {
        if (job.Spec.PodFailurePolicy is null)
        {
            return null;
        }

        foreach (var pod in pods)
        {
            if (JobPods.IsPodFailed(pod, job) && JobPods.MatchPodFailurePolicy(job.Spec.PodFailurePolicy, pod).FailJobMessage is { } message)
            {
                return message;
            }
        }

        return null;
    }

    /// <summary>pastBackoffLimitOnFailure: container restarts of running pods count for restartPolicy OnFailure.</summary>
    private static bool PastBackoffLimitOnFailure(V1Job job, List<V1Pod> pods)
    {
        if (job.Spec.Template?.Spec?.RestartPolicy != "OnFailure")
        {
            return false;
        }

        var restarts = 0;
        foreach (var pod in pods.Where(p => p.Status?.Phase is "Running" or "Pending"))
        {
            restarts += (pod.Status.InitContainerStatuses ?? []).Sum(s => s.RestartCount);
            restarts += (pod.Status.ContainerStatuses ?? []).Sum(s => s.RestartCount);
        }

        var limit = job.Spec.BackoffLimit ?? 6;
        return limit == 0 ? restarts > 0 : restarts >= limit;
    }

    private static bool PastActiveDeadline(V1Job job, DateTime now) =>
        job.Spec.ActiveDeadlineSeconds is { } deadline && job.Status.StartTime is { } started && !JobPods.IsSuspended(job)
        && now - started >= TimeSpan.FromSeconds(deadline);

    /// <summary>The Indexed-only part of syncJob: succeeded and failed index sets, per-index backoff, success policy.</summary>
    private static void IndexedCounts(JobSyncContext context, DateTime now)
    {
        var job = context.Job;
        var completions = job.Spec.Completions ?? 0;
        context.PrevSucceededIndexes = OrderedIntervals.Parse(job.Status.CompletedIndexes, completions);
        var newSucceeded = context.Pods
            .Where(p => p.Status?.Phase == "Succeeded" && JobPods.HasTrackingFinalizer(p))
            .Select(JobPods.CompletionIndex)
            .Where(i => i != JobPods.UnknownIndex && i < completions)
            .Distinct().Order();
        context.SucceededIndexes = context.PrevSucceededIndexes.WithIndexes(newSucceeded);
        context.Succeeded = context.SucceededIndexes.Total;
        if (JobPods.HasBackoffLimitPerIndex(job))
        {
            context.FailedIndexes = FailedIndexes(job, context.Pods);
            if (context.FinishedCondition is null)
            {
                if (job.Spec.MaxFailedIndexes is { } maxFailed && context.FailedIndexes.Total > maxFailed)
                {
                    context.FinishedCondition = JobPods.NewCondition("FailureTarget", "True", "MaxFailedIndexesExceeded", "Job has exceeded the specified maximal number of failed indexes", now);
                }
                else if (context.FailedIndexes.Total > 0 && context.FailedIndexes.Total + context.SucceededIndexes.Total >= completions)
                {
                    context.FinishedCondition = JobPods.NewCondition("FailureTarget", "True", "FailedIndexes", "Job has failed indexes", now);
                }
            }

            context.PodsWithDelayedDeletionPerIndex = PodsWithDelayedDeletion(context);
        }

        if (context.FinishedCondition is null && MatchSuccessPolicy(job.Spec.SuccessPolicy, completions, context.SucceededIndexes) is { } matched)
        {
            context.FinishedCondition = JobPods.NewCondition("SuccessCriteriaMet", "True", "SuccessPolicy", matched, now);
        }
    }

    private static OrderedIntervals FailedIndexes(V1Job job, List<V1Pod> pods)
    {
        var completions = job.Spec.Completions ?? 0;
        var previous = OrderedIntervals.Parse(job.Status.FailedIndexes, completions);
        var failed = pods
            .Where(p => JobPods.HasTrackingFinalizer(p) && IsIndexFailed(job, p))
            .Select(JobPods.CompletionIndex)
            .Where(i => i != JobPods.UnknownIndex && i < completions)
            .Distinct().Order();
        return previous.WithIndexes(failed);
    }

    private static bool IsIndexFailed(V1Job job, V1Pod pod)
    {
        var counted = false;
        if (JobPods.IsPodFailed(pod, job))
        {
            if (job.Spec.PodFailurePolicy is not null)
            {
                var (_, countFailed, action) = JobPods.MatchPodFailurePolicy(job.Spec.PodFailurePolicy, pod);
                if (action == "FailIndex")
                {
                    return true;
                }

                counted = countFailed;
            }
            else
            {
                counted = true;
            }
        }

        return counted && JobPods.AnnotationCount(pod, JobPods.IndexFailureCountAnnotation) >= (job.Spec.BackoffLimitPerIndex ?? 0);
    }

    /// <summary>getPodsWithDelayedDeletionPerIndex: the last failed pod of each index awaiting its replacement.</summary>
    private static Dictionary<int, V1Pod> PodsWithDelayedDeletion(JobSyncContext context)
    {
        var activeIndexes = context.ActivePods.Select(JobPods.CompletionIndex).Where(i => i != JobPods.UnknownIndex).ToHashSet();
        var result = new Dictionary<int, V1Pod>();
        foreach (var pod in ValidPods(context, null, p => JobPods.IsPodFailed(p, context.Job)))
        {
            var index = JobPods.CompletionIndex(pod);
            if (context.SucceededIndexes.Has(index) || (context.FailedIndexes?.Has(index) ?? false) || activeIndexes.Contains(index))
            {
                continue;
            }

            if (!result.TryGetValue(index, out var last)
                || (AbsoluteFailureCount(last) <= AbsoluteFailureCount(pod) && JobPods.FinishedTime(pod) >= JobPods.FinishedTime(last)))
            {
                result[index] = pod;
            }
        }

        return result;
    }

    private static int AbsoluteFailureCount(V1Pod pod) =>
        JobPods.AnnotationCount(pod, JobPods.IndexFailureCountAnnotation) + JobPods.AnnotationCount(pod, JobPods.IndexIgnoredFailureCountAnnotation);

    /// <summary>matchSuccessPolicy: the message naming the first rule the succeeded indexes satisfy.</summary>
    internal static string? MatchSuccessPolicy(V1SuccessPolicy? policy, int completions, OrderedIntervals succeeded)
    {
        if (policy?.Rules is null || succeeded.Count == 0)
        {
            return null;
        }

        for (var index = 0; index < policy.Rules.Count; index++)
        {
            var rule = policy.Rules[index];
            if (rule.SucceededIndexes is { } required)
            {
                var requiredIndexes = OrderedIntervals.Parse(required, completions);
                if (requiredIndexes.Count == 0)
                {
                    continue;
                }

                if (MatchSucceededIndexes(requiredIndexes, succeeded, rule.SucceededCount))
                {
                    return "Matched rules at index " + index;
                }
            }
            else if (rule.SucceededCount is { } count && succeeded.Total >= count)
            {
                return "Matched rules at index " + index;
            }
        }

        return null;
    }

    private static bool MatchSucceededIndexes(OrderedIntervals rule, OrderedIntervals succeeded, int? succeededCount)
    {
        int contains = 0, s = 0, r = 0;
        var ruleIntervals = rule.Intervals;
        var succeededIntervals = succeeded.Intervals;
        while (r < ruleIntervals.Count && s < succeededIntervals.Count)
        {
            var overlap = Math.Min(ruleIntervals[r].Last, succeededIntervals[s].Last) - Math.Max(ruleIntervals[r].First, succeededIntervals[s].First) + 1;
            if (overlap > 0)
            {
                contains += overlap;
            }

            if (succeededIntervals[s].Last < ruleIntervals[r].Last)
            {
                s++;
            }
            else if (succeededIntervals[s].Last > ruleIntervals[r].Last)
            {
                r++;
            }
            else
            {
                s++;
                r++;
            }
        }

        return contains == rule.Total || (succeededCount is { } count && contains >= count);
    }
}
