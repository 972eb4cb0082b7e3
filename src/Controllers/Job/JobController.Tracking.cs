using k8s;
using k8s.Models;
using KubeNet.Client;
using KubeNet.Controllers.Workloads;

namespace KubeNet.Controllers.Job;

public sealed partial class JobController
{
    /// <summary>MaxUncountedPods: keeps status.uncountedTerminatedPods below roughly 20 KB.</summary>
    internal const int MaxUncountedPods = 500;

    /// <summary>
    /// trackJobStatusAndRemoveFinalizers: finished pods go into status.uncountedTerminatedPods (written first), then
    /// lose their tracking finalizer, then move from the uncounted lists to the succeeded/failed counters. Only when
    /// nothing is uncounted and no pod is terminating does the Job get its Complete or Failed condition.
    /// </summary>
    private async Task TrackStatusAndRemoveFinalizersAsync(JobSyncContext context, bool needsFlush, CancellationToken ct)
    {
        var job = context.Job;
        var indexed = JobPods.IsIndexed(job);
        var completions = job.Spec.Completions ?? 0;
        var uncounted = job.Status.UncountedTerminatedPods;
        uncounted.Succeeded ??= [];
        uncounted.Failed ??= [];
        if (indexed)
        {
            // Completed indexes are introduced in order.
            context.Pods.Sort((a, b) => JobPods.CompletionIndex(a).CompareTo(JobPods.CompletionIndex(b)));
        }

        var withFinalizer = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pod in context.Pods)
        {
            if (JobPods.HasTrackingFinalizer(pod) && !context.ExpectedRemovedFinalizers.Contains(pod.Metadata.Uid))
            {
                withFinalizer.Add(pod.Metadata.Uid);
            }
        }

        if (CleanUncounted(job.Status, withFinalizer))
        {
            needsFlush = true;
        }

        var toRemoveFinalizer = new List<V1Pod>();
        var newSucceededIndexes = new List<int>();
        var reachedMaxUncounted = false;
        foreach (var pod in context.Pods)
        {
            if (!JobPods.HasTrackingFinalizer(pod) || context.ExpectedRemovedFinalizers.Contains(pod.Metadata.Uid))
            {
                continue;
            }

            var failed = JobPods.IsPodFailed(pod, job);
            if (!CanRemoveFinalizer(context, pod, failed))
            {
                continue;
            }

            toRemoveFinalizer.Add(pod);
            var uid = pod.Metadata.Uid;
            if (pod.Status?.Phase == "Succeeded" && !context.UncountedFailed.Contains(uid))
            {
                if (indexed)
                {
                    // The index is enough to never count a success twice.
                    var index = JobPods.CompletionIndex(pod);
                    if (index != JobPods.UnknownIndex && index < completions && !context.PrevSucceededIndexes.Has(index))
                    {
                        newSucceededIndexes.Add(index);
                        needsFlush = true;
                    }
                }
                else if (!context.UncountedSucceeded.Contains(uid))
                {
                    needsFlush = true;
                    uncounted.Succeeded.Add(uid);
                }
            }
            else if (failed || (context.FinishedCondition is not null && !IsSuccessCriteriaMet(context.FinishedCondition)))
            {
                // Once the Job is finished, every pod that did not succeed counts as failed.
                var index = JobPods.CompletionIndex(pod);
                if (!context.UncountedFailed.Contains(uid) && (!indexed || (index != JobPods.UnknownIndex && index < completions)))
                {
                    if (job.Spec.PodFailurePolicy is null || JobPods.MatchPodFailurePolicy(job.Spec.PodFailurePolicy, pod).CountFailed)
                    {
                        needsFlush = true;
                        uncounted.Failed.Add(uid);
                    }
                }
            }

            if (newSucceededIndexes.Count + uncounted.Succeeded.Count + uncounted.Failed.Count >= MaxUncountedPods)
            {
                // Later syncs continue: job status and pod updates requeue the Job.
                reachedMaxUncounted = true;
                break;
            }
        }

        if (indexed)
        {
            newSucceededIndexes.Sort();
            context.SucceededIndexes = context.SucceededIndexes.WithIndexes(newSucceededIndexes);
            var text = context.SucceededIndexes.ToString();
            if (text != (job.Status.CompletedIndexes ?? string.Empty))
            {
                needsFlush = true;
            }

            job.Status.Succeeded = context.SucceededIndexes.Total;
            job.Status.CompletedIndexes = text;
            var failedText = context.FailedIndexes?.ToString();
            if (failedText != job.Status.FailedIndexes)
            {
                job.Status.FailedIndexes = failedText;
                needsFlush = true;
            }
        }

        var now = Objects.Now(_time);
        if (context.FinishedCondition is { Type: "FailureTarget" } target)
        {
            // The interim condition records why before the finalizers go; Failed follows once they are gone.
            (job.Status.Conditions ??= []).Add(target);
            needsFlush = true;
            context.FinishedCondition = JobPods.NewCondition("Failed", "True", target.Reason, target.Message, now);
        }

        if (IsSuccessCriteriaMet(context.FinishedCondition))
        {
            if (SuccessCriteriaMet(job) is null)
            {
                (job.Status.Conditions ??= []).Add(context.FinishedCondition!);
                needsFlush = true;
            }

            context.FinishedCondition = JobPods.NewCondition("Complete", "True", context.FinishedCondition!.Reason, context.FinishedCondition.Message, now);
        }

        needsFlush = await FlushAndRemoveFinalizersAsync(context, toRemoveFinalizer, withFinalizer, needsFlush, ct);
        var finished = !reachedMaxUncounted && EnactJobFinished(context, now);
        if (finished)
        {
            needsFlush = true;
        }

        if (needsFlush)
        {
            context.Job = await UpdateStatusAsync(context.Job, ct);
            if (finished)
            {
                RecordFinished(context.Job, context.FinishedCondition!);
            }
        }
    }

    private static bool IsSuccessCriteriaMet(V1JobCondition? condition) => condition is { Type: "SuccessCriteriaMet", Status: "True" };

    /// <summary>canRemoveFinalizer.</summary>
    private static bool CanRemoveFinalizer(JobSyncContext context, V1Pod pod, bool failed)
    {
        if (context.Job.Metadata.DeletionTimestamp is not null || context.FinishedCondition is not null || pod.Status?.Phase == "Succeeded")
        {
            return true;
        }

        if (!failed)
        {
            return false;
        }

        // With backoffLimitPerIndex the failed pod stays until its replacement carries its failure count.
        if (JobPods.HasBackoffLimitPerIndex(context.Job) && JobPods.CompletionIndex(pod) is var index && index != JobPods.UnknownIndex
            && context.PodsWithDelayedDeletionPerIndex.TryGetValue(index, out var delayed) && delayed.Metadata.Uid == pod.Metadata.Uid)
        {
            return false;
        }

        return true;
    }

    /// <summary>
    /// flushUncountedAndRemoveFinalizers: writes the uncounted pods, removes the finalizers, and moves the pods whose
    /// finalizer is gone into the counters. Returns whether status changes are still unwritten.
    /// </summary>
    private async Task<bool> FlushAndRemoveFinalizersAsync(JobSyncContext context, List<V1Pod> toRemoveFinalizer, HashSet<string> withFinalizer,
        bool needsFlush, CancellationToken ct)
    {
        if (needsFlush)
        {
            context.Job = await UpdateStatusAsync(context.Job, ct);
            _backoff.Update(context.NewBackoffRecord);
            needsFlush = false;
        }

        var key = Key(context.Job.Metadata);
        Exception? removeError = null;
        if (toRemoveFinalizer.Count > 0)
        {
            _finalizerExpectations.ExpectRemoved(key, toRemoveFinalizer.Select(p => p.Metadata.Uid));
            var removed = await Task.WhenAll(toRemoveFinalizer.Select(async pod =>
            {
                if (RemoveFinalizerPatch(pod) is not { } patch)
                {
                    return false;
                }

                try
                {
                    await _podControl.PatchPodAsync(pod.Metadata.NamespaceProperty, pod.Metadata.Name, patch, ct);
                    return true;
                }
                catch (Exception ex) when (ApiErrors.IsTransient(ex))
                {
                    // No update for this pod will come: stop expecting it.
                    _finalizerExpectations.RemovalObserved(key, pod.Metadata.Uid);
                    if (ApiErrors.IsNotFound(ex))
                    {
                        return true;
                    }

                    Interlocked.CompareExchange(ref removeError, ex, null);
                    return false;
                }
            }));
            for (var i = 0; i < toRemoveFinalizer.Count; i++)
            {
                if (removed[i])
                {
                    withFinalizer.Remove(toRemoveFinalizer[i].Metadata.Uid);
                }
            }
        }

        if (CleanUncounted(context.Job.Status, withFinalizer))
        {
            needsFlush = true;
        }

        if (removeError is not null)
        {
            if (needsFlush)
            {
                context.Job = await UpdateStatusAsync(context.Job, ct);
            }

            throw removeError;
        }

        return needsFlush;
    }

    /// <summary>cleanUncountedPodsWithoutFinalizers: uncounted pods without a finalizer move into the counters.</summary>
    private static bool CleanUncounted(V1JobStatus status, HashSet<string> withFinalizer)
    {
        var uncounted = status.UncountedTerminatedPods ??= new V1UncountedTerminatedPods();
        var updated = false;
        var succeeded = (uncounted.Succeeded ?? []).Where(withFinalizer.Contains).ToList();
        if (succeeded.Count != (uncounted.Succeeded?.Count ?? 0))
        {
            updated = true;
            status.Succeeded = (status.Succeeded ?? 0) + uncounted.Succeeded!.Count - succeeded.Count;
            uncounted.Succeeded = succeeded;
        }

        var failed = (uncounted.Failed ?? []).Where(withFinalizer.Contains).ToList();
        if (failed.Count != (uncounted.Failed?.Count ?? 0))
        {
            updated = true;
            status.Failed = (status.Failed ?? 0) + uncounted.Failed!.Count - failed.Count;
            uncounted.Failed = failed;
        }

        return updated;
    }

    /// <summary>enactJobFinished: the terminal condition, once nothing is uncounted and no pod is terminating.</summary>
    private static bool EnactJobFinished(JobSyncContext context, DateTime now)
    {
        if (context.FinishedCondition is not { } condition)
        {
            return false;
        }

        var uncounted = context.Job.Status.UncountedTerminatedPods;
        if ((uncounted?.Succeeded?.Count ?? 0) + (uncounted?.Failed?.Count ?? 0) > 0 || context.Terminating > 0)
        {
            return false;
        }

        JobPods.EnsureCondition(context.Job.Status, condition.Type, condition.Status, condition.Reason ?? string.Empty, condition.Message ?? string.Empty, now);
        if (condition.Type == "Complete")
        {
            context.Job.Status.CompletionTime = condition.LastTransitionTime;
        }

        return true;
    }

    private void RecordFinished(V1Job job, V1JobCondition condition)
    {
        if (condition.Type == "Complete")
        {
            if (job.Spec.Completions is { } completions && (job.Status.Succeeded ?? 0) > completions)
            {
                _recorder.Event(job, EventTypes.Warning, "TooManySucceededPods", "Too many succeeded pods running after completion count reached");
            }

            _recorder.Event(job, EventTypes.Normal, "Completed", "Job completed");
        }
        else
        {
            _recorder.Event(job, EventTypes.Warning, condition.Reason ?? "Failed", condition.Message ?? string.Empty);
        }
    }

    /// <summary>PUT /status with the upstream shape: zero counters and empty lists are left out as Go omits them.</summary>
    private async Task<V1Job> UpdateStatusAsync(V1Job job, CancellationToken ct)
    {
        var status = job.Status;
        status.Active = status.Active is 0 ? null : status.Active;
        status.Succeeded = status.Succeeded is 0 ? null : status.Succeeded;
        status.Failed = status.Failed is 0 ? null : status.Failed;
        status.CompletedIndexes = string.IsNullOrEmpty(status.CompletedIndexes) ? null : status.CompletedIndexes;
        if (status.UncountedTerminatedPods is { } uncounted)
        {
            uncounted.Succeeded = uncounted.Succeeded is { Count: > 0 } ? uncounted.Succeeded : null;
            uncounted.Failed = uncounted.Failed is { Count: > 0 } ? uncounted.Failed : null;
        }

        job.ApiVersion = ApiVersion;
        job.Kind = Kind;
        var updated = await _client.BatchV1.ReplaceNamespacedJobStatusAsync(job, job.Metadata.Name, job.Metadata.NamespaceProperty, cancellationToken: ct);
        updated.Status ??= new V1JobStatus();
        updated.Status.UncountedTerminatedPods ??= new V1UncountedTerminatedPods();
        updated.Status.UncountedTerminatedPods.Succeeded ??= [];
        updated.Status.UncountedTerminatedPods.Failed ??= [];
        return updated;
    }
}
