using k8s;
using System.Globalization;
using k8s.Models;
using KubeNet.Controllers.Workloads;

namespace KubeNet.Controllers.Job;

public sealed partial class JobController
{
    /// <summary>MaxPodCreateDeletePerSync: one sync creates or deletes at most this many pods.</summary>
    internal const int MaxPodCreateDeletePerSync = 500;

    // names.MaxGeneratedNameLength: 63 less the 5 random characters the API server appends.
    private const int MaxGeneratedNameLength = 58;

    /// <summary>
    /// manageJob: deletes every pod of a suspended Job; otherwise deletes pods beyond what remains to run, or creates
    /// pods up to parallelism (after the failure backoff), never both in one sync. Returns the new active count.
    /// </summary>
    private async Task<(int Active, Exception? Error)> ManageJobAsync(V1Job job, JobSyncContext context, CancellationToken ct)
    {
        var active = context.ActivePods.Count;
        var parallelism = job.Spec.Parallelism ?? 1;
        var key = Key(job.Metadata);
        if (JobPods.IsSuspended(job))
        {
            var all = ActivePodsForRemoval(job, context.ActivePods, active);
            _expectations.ExpectDeletions(key, all.Count);
            var (removedReady, removed, error) = await DeleteJobPodsAsync(job, key, all, ct);
            context.Terminating += removed;
            context.Ready -= removedReady;
            return (active - removed, error);
        }

        int wantActive;
        if (job.Spec.Completions is not { } completions)
        {
            // Without completions any success ends the Job: let what runs finish, start nothing new.
            wantActive = context.Succeeded > 0 ? active : parallelism;
        }
        else
        {
            wantActive = Math.Clamp(completions - context.Succeeded, 0, parallelism);
        }

        var removeAtLeast = Math.Max(0, active - wantActive);
        var toDelete = ActivePodsForRemoval(job, context.ActivePods, removeAtLeast);
        if (toDelete.Count > MaxPodCreateDeletePerSync)
        {
            toDelete = toDelete[..MaxPodCreateDeletePerSync];
        }

        if (toDelete.Count > 0)
        {
            _expectations.ExpectDeletions(key, toDelete.Count);
            var (removedReady, removed, error) = await DeleteJobPodsAsync(job, key, toDelete, ct);
            context.Terminating += removed;
            context.Ready -= removedReady;
            return (active - removed, error);
        }

        var terminating = JobPods.OnlyReplaceFailedPods(job) ? context.Terminating : 0;
        var diff = wantActive - terminating - active;
        if (diff <= 0)
        {
            return (active, null);
        }

        if (!JobPods.HasBackoffLimitPerIndex(job))
        {
            var remaining = BackoffStore.RemainingTime(_time.GetUtcNow().UtcDateTime, Options.PodFailureBackoff, Options.MaxPodFailureBackoff,
                context.NewBackoffRecord.FailuresAfterLastSuccess, context.NewBackoffRecord.LastFailureTime);
            if (remaining > TimeSpan.Zero)
            {
                EnqueueWithDelay(job, remaining);
                return (0, null);
            }
        }

        diff = Math.Min(diff, MaxPodCreateDeletePerSync);
        List<int>? indexes = null;
        if (JobPods.IsIndexed(job))
        {
            indexes = FirstPendingIndexes(context, diff, job.Spec.Completions ?? 0);
            if (JobPods.HasBackoffLimitPerIndex(job))
            {
                var (ready, wait) = IndexesReadyToCreate(indexes, context.PodsWithDelayedDeletionPerIndex);
                if (wait > TimeSpan.Zero)
                {
                    EnqueueWithDelay(job, wait);
                    return (0, null);
                }

                indexes = ready;
            }

            diff = indexes.Count;
        }

        return await CreatePodsAsync(job, context, key, active, diff, indexes, ct);
    }

    private async Task<(int Active, Exception? Error)> CreatePodsAsync(V1Job job, JobSyncContext context, string key, int active, int diff,
        List<int>? indexes, CancellationToken ct)
    {
        _expectations.ExpectCreations(key, diff);
        active += diff;
        var template = Objects.DeepCopy(job.Spec.Template);
        template.Metadata ??= new V1ObjectMeta();
        template.Spec ??= new V1PodSpec();
        if (JobPods.IsIndexed(job))
        {
            AddCompletionIndexEnv(template);
        }

        template.Metadata.Finalizers ??= [];
        if (!template.Metadata.Finalizers.Contains(JobPods.TrackingFinalizer))
        {
            template.Metadata.Finalizers.Add(JobPods.TrackingFinalizer);
        }

        var controllerRef = Objects.NewControllerRef(job.Metadata, ApiVersion, Kind);
        var errors = new List<Exception>();
        var next = 0;
        for (var batch = Math.Min(diff, PodControl.SlowStartInitialBatchSize); diff > 0; batch = Math.Min(2 * batch, diff))
        {
            var errorsBefore = errors.Count;
            var tasks = new List<Task>(batch);
            for (var i = 0; i < batch; i++)
            {
                var index = indexes is not null && next < indexes.Count ? indexes[next] : JobPods.UnknownIndex;
                next++;
                tasks.Add(CreateOnePodAsync(job, context, template, controllerRef, index, key, errors, ct));
            }

            await Task.WhenAll(tasks);
            lock (errors)
            {
                active -= errors.Count - errorsBefore;
            }

            var skipped = diff - batch;
            if (errors.Count > errorsBefore && skipped > 0)
            {
                // The rest would most likely fail the same way; the next sync tries again.
                active -= skipped;
                for (var i = 0; i < skipped; i++)
                {
                    _expectations.CreationObserved(key);
                }

                break;
            }

            diff -= batch;
        }

        return (active, errors.Count > 0 ? errors[0] : null);
    }

    private async Task CreateOnePodAsync(V1Job job, JobSyncContext context, V1PodTemplateSpec shared, V1OwnerReference controllerRef, int index,
        string key, List<Exception> errors, CancellationToken ct)
    {
        var template = shared;
        string? generateName = null;
        if (index != JobPods.UnknownIndex)
        {
            template = Objects.DeepCopy(shared);
            var text = index.ToString(CultureInfo.InvariantCulture);
            (template.Metadata.Annotations ??= new Dictionary<string, string>())[JobPods.CompletionIndexAnnotation] = text;
            (template.Metadata.Labels ??= new Dictionary<string, string>())[JobPods.CompletionIndexAnnotation] = text;
            template.Spec.Hostname = job.Metadata.Name + "-" + text;
            generateName = GenerateNameWithIndex(job.Metadata.Name, index);
            if (JobPods.HasBackoffLimitPerIndex(job))
            {
                AddIndexFailureCounts(template, job, context.PodsWithDelayedDeletionPerIndex.GetValueOrDefault(index));
            }
        }

        var pod = PodControl.PodFromTemplate(template, job.Metadata, controllerRef, generateName);
        try
        {
            await _podControl.CreatePodAsync(job.Metadata.NamespaceProperty, pod, job, ct);
        }
        catch (Exception ex) when (ApiErrors.HasStatusCause(ex, "NamespaceTerminating"))
        {
            // Every later creation fails the same way while the namespace goes away.
        }
        catch (Exception ex) when (ApiErrors.IsTransient(ex) || ex is InvalidOperationException)
        {
            _expectations.CreationObserved(key);
            lock (errors)
            {
                errors.Add(ex);
            }
        }
    }

    /// <summary>podGenerateNameWithIndex: "job-3-", shortened so the generated name stays a valid label.</summary>
    internal static string GenerateNameWithIndex(string jobName, int index)
    {
        var suffix = "-" + index.ToString(CultureInfo.InvariantCulture) + "-";
        var prefix = jobName + suffix;
        return prefix.Length > MaxGeneratedNameLength ? prefix[..(MaxGeneratedNameLength - suffix.Length)] + suffix : prefix;
    }

    /// <summary>addCompletionIndexEnvVariables: JOB_COMPLETION_INDEX from the pod's index label.</summary>
    private static void AddCompletionIndexEnv(V1PodTemplateSpec template)
    {
        foreach (var container in (template.Spec.InitContainers ?? []).Concat(template.Spec.Containers ?? []))
        {
            container.Env ??= [];
            if (container.Env.Any(e => e.Name == JobPods.CompletionIndexEnv))
            {
                continue;
            }

            container.Env.Add(new V1EnvVar
            {
                Name = JobPods.CompletionIndexEnv,
                ValueFrom = new V1EnvVarSource
                {
                    FieldRef = new V1ObjectFieldSelector { FieldPath = $"metadata.labels['{JobPods.CompletionIndexAnnotation}']" },
                },
            });
        }
    }

    private static void AddIndexFailureCounts(V1PodTemplateSpec template, V1Job job, V1Pod? replaced)
    {
        int failures = 0, ignored = 0;
        if (replaced is not null)
        {
            failures = JobPods.AnnotationCount(replaced, JobPods.IndexFailureCountAnnotation);
            ignored = JobPods.AnnotationCount(replaced, JobPods.IndexIgnoredFailureCountAnnotation);
            if (job.Spec.PodFailurePolicy is null || JobPods.MatchPodFailurePolicy(job.Spec.PodFailurePolicy, replaced).CountFailed)
            {
                failures++;
            }
            else
            {
                ignored++;
            }
        }

        var annotations = template.Metadata.Annotations ??= new Dictionary<string, string>();
        annotations[JobPods.IndexFailureCountAnnotation] = failures.ToString(CultureInfo.InvariantCulture);
        if (ignored > 0)
        {
            annotations[JobPods.IndexIgnoredFailureCountAnnotation] = ignored.ToString(CultureInfo.InvariantCulture);
        }
    }

    private static List<int> FirstPendingIndexes(JobSyncContext context, int count, int completions)
    {
        var nonPending = context.SucceededIndexes.WithIndexes(IndexesOf(context.ActivePods));
        if (JobPods.OnlyReplaceFailedPods(context.Job))
        {
            nonPending = nonPending.WithIndexes(IndexesOf(context.Pods.Where(Workloads.Pods.IsTerminating)));
        }

        if (context.FailedIndexes is not null)
        {
            nonPending = nonPending.Merge(context.FailedIndexes);
        }

        return OrderedIntervals.FirstPending(nonPending, count, completions);
    }

    private static IEnumerable<int> IndexesOf(IEnumerable<V1Pod> pods) =>
        pods.Select(JobPods.CompletionIndex).Where(i => i != JobPods.UnknownIndex).Distinct().Order();

    /// <summary>getPodCreationInfoForIndependentIndexes: indexes whose own backoff has passed, or the shortest wait.</summary>
    private (List<int> Ready, TimeSpan Wait) IndexesReadyToCreate(List<int> indexes, Dictionary<int, V1Pod> delayed)
    {
        var ready = new List<int>();
        TimeSpan? shortest = null;
        var now = _time.GetUtcNow().UtcDateTime;
        foreach (var index in indexes)
        {
            var wait = TimeSpan.Zero;
            if (delayed.TryGetValue(index, out var last))
            {
                wait = BackoffStore.RemainingTime(now, Options.PodFailureBackoff, Options.MaxPodFailureBackoff, AbsoluteFailureCount(last) + 1, JobPods.FinishedTime(last));
            }

            if (wait == TimeSpan.Zero)
            {
                ready.Add(index);
            }
            else if (shortest is null || wait < shortest)
            {
                shortest = wait;
            }
        }

        return ready.Count > 0 ? (ready, TimeSpan.Zero) : (ready, shortest ?? TimeSpan.Zero);
    }

    /// <summary>
    /// activePodsForRemoval: for Indexed Jobs first the pods without a valid index and duplicates of an index, then
    /// the cheapest pods by ActivePods order.
    /// </summary>
    internal static List<V1Pod> ActivePodsForRemoval(V1Job job, List<V1Pod> pods, int removeAtLeast)
    {
        var remove = new List<V1Pod>();
        List<V1Pod> left;
        if (JobPods.IsIndexed(job))
        {
            left = [];
            var completions = job.Spec.Completions ?? 0;
            foreach (var group in pods.GroupBy(JobPods.CompletionIndex).OrderBy(g => g.Key))
            {
                if (group.Key == JobPods.UnknownIndex || group.Key >= completions)
                {
                    remove.AddRange(group);
                    continue;
                }

                var same = group.ToList();
                same.Sort(ActivePodsComparer.Instance);
                remove.AddRange(same.Take(same.Count - 1));
                left.Add(same[^1]);
            }
        }
        else
        {
            left = [.. pods];
        }

        if (remove.Count < removeAtLeast)
        {
            left.Sort(ActivePodsComparer.Instance);
            remove.AddRange(left.Take(removeAtLeast - remove.Count));
        }

        return remove;
    }

    /// <summary>deleteActivePods: deletes keeping finalizers; trackJobStatusAndRemoveFinalizers removes them later.</summary>
    private async Task<(int DeletedReady, int Deleted, Exception? Error)> DeleteActivePodsAsync(V1Job job, List<V1Pod> pods, CancellationToken ct)
    {
        var deleted = pods.Count;
        var deletedReady = 0;
        Exception? first = null;
        await Task.WhenAll(pods.Select(async pod =>
        {
            try
            {
                await _podControl.DeletePodAsync(job.Metadata.NamespaceProperty, pod.Metadata.Name, job, ct);
            }
            catch (Exception ex) when (ApiErrors.IsTransient(ex) && !ApiErrors.IsNotFound(ex))
            {
                Interlocked.Decrement(ref deleted);
                Interlocked.CompareExchange(ref first, ex, null);
            }

            if (Workloads.Pods.IsReady(pod))
            {
                Interlocked.Increment(ref deletedReady);
            }
        }));
        return (deletedReady, deleted, first);
    }

    /// <summary>deleteJobPods: removes the tracking finalizer first, then deletes.</summary>
    private async Task<(int DeletedReady, int Deleted, Exception? Error)> DeleteJobPodsAsync(V1Job job, string key, List<V1Pod> pods, CancellationToken ct)
    {
        var deleted = pods.Count;
        var deletedReady = 0;
        Exception? first = null;
        void Failed(Exception ex)
        {
            // The informer will not observe this deletion.
            _expectations.DeletionObserved(key);
            if (!ApiErrors.IsNotFound(ex))
            {
                Interlocked.Decrement(ref deleted);
                Interlocked.CompareExchange(ref first, ex, null);
            }
        }

        await Task.WhenAll(pods.Select(async pod =>
        {
            try
            {
                if (RemoveFinalizerPatch(pod) is { } patch)
                {
                    await _podControl.PatchPodAsync(pod.Metadata.NamespaceProperty, pod.Metadata.Name, patch, ct);
                }
            }
            catch (Exception ex) when (ApiErrors.IsTransient(ex))
            {
                Failed(ex);
                return;
            }

            try
            {
                await _podControl.DeletePodAsync(job.Metadata.NamespaceProperty, pod.Metadata.Name, job, ct);
            }
            catch (Exception ex) when (ApiErrors.IsTransient(ex))
            {
                Failed(ex);
            }

            if (Workloads.Pods.IsReady(pod))
            {
                Interlocked.Increment(ref deletedReady);
            }
        }));
        return (deletedReady, deleted, first);
    }
}
