using k8s;
using k8s.Models;
using KubeNet.ApiMachinery.Selectors;
using KubeNet.Client;
using KubeNet.Controllers.Workloads;
using Microsoft.Extensions.Logging;

namespace KubeNet.Controllers.Job;

/// <summary>
/// The Job controller (pkg/controller/job): runs a Job's pods until enough succeed or the Job fails, tracking finished
/// pods through the batch.kubernetes.io/job-tracking finalizer and status.uncountedTerminatedPods so that no pod is
/// counted twice or lost. Informer handlers only enqueue Job keys; pod events are batched for a second, spec changes
/// sync at once.
/// </summary>
public sealed partial class JobController : IController
{
    internal const string ApiVersion = "batch/v1";
    internal const string Kind = "Job";

    /// <summary>syncJobBatchPeriod: pod events of one Job within this window cause one sync.</summary>
    internal static readonly TimeSpan SyncBatchPeriod = TimeSpan.FromSeconds(1);

    private readonly IKubernetes _client;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly SharedInformer<V1Job> _jobs;
    private readonly SharedInformer<V1Pod> _pods;
    private readonly WorkQueue<string> _queue;
    private readonly WorkQueue<string> _orphanQueue;
    private readonly Workers _workers;
    private readonly Workers _orphanWorkers;
    private readonly EventRecorder _recorder;
    private readonly PodControl _podControl;
    private readonly ControllerExpectations _expectations;
    private readonly FinalizerExpectations _finalizerExpectations = new();
    private readonly BackoffStore _backoff = new();

    public JobController(SharedInformerFactory informers, ILogger logger, JobControllerOptions? options = null)
    {
        Options = options ?? new JobControllerOptions();
        _client = informers.Client;
        _logger = logger;
        _time = Options.TimeProvider;
        _expectations = new ControllerExpectations(_time);
        var limiter = new ItemExponentialFailureRateLimiter<string>(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));
        _queue = new WorkQueue<string>(limiter, _time);
        _orphanQueue = new WorkQueue<string>(new ItemExponentialFailureRateLimiter<string>(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1)), _time);
        _recorder = new EventRecorder(_client, "job-controller", logger: logger, timeProvider: _time);
        _podControl = new PodControl(_client, _recorder);
        _workers = new Workers(_queue, async (key, ct) => { await SyncAsync(key, ct); return null; }, (key, ex) => LogSyncFailed(key, ex.Message));
        _orphanWorkers = new Workers(_orphanQueue, async (key, ct) => { await SyncOrphanPodAsync(key, ct); return null; }, (key, ex) => LogOrphanFailed(key, ex.Message));

        _jobs = informers.GetInformer<V1Job>();
        _jobs.AddEventHandler(new ResourceEventHandler<V1Job>
        {
            Add = (job, _) => EnqueueImmediately(job),
            Update = UpdateJob,
            Delete = (job, _) =>
            {
                EnqueueImmediately(job);
                CleanupPodFinalizers(job);
            },
        });
        _pods = informers.GetInformer<V1Pod>();
        _pods.AddEventHandler(new ResourceEventHandler<V1Pod>
        {
            Add = (pod, _) => AddPod(pod),
            Update = UpdatePod,
            Delete = (pod, _) => DeletePod(pod, final: true),
        });
    }

    internal JobControllerOptions Options { get; }

    public void Start() => Start(Options.Workers);

    public void Start(int workers)
    {
        _workers.Start(workers);
        _orphanWorkers.Start(1);
    }

    public async ValueTask DisposeAsync()
    {
        await _workers.DisposeAsync();
        await _orphanWorkers.DisposeAsync();
        await _recorder.DisposeAsync();
    }

    private static string Key(V1ObjectMeta meta) => meta.NamespaceProperty + "/" + meta.Name;

    private void EnqueueImmediately(V1Job job) => _queue.Add(Key(job.Metadata));

    private void EnqueueBatched(V1Job job) => _queue.AddAfter(Key(job.Metadata), SyncBatchPeriod);

    private void EnqueueWithDelay(V1Job job, TimeSpan delay) =>
        _queue.AddAfter(Key(job.Metadata), delay < SyncBatchPeriod ? SyncBatchPeriod : delay);

    private void UpdateJob(V1Job old, V1Job cur)
    {
        if (cur.Metadata.Generation == old.Metadata.Generation)
        {
            EnqueueBatched(cur);
        }
        else
        {
            EnqueueImmediately(cur);
        }

        // A finished Job must not keep pods with its finalizer; this backs up syncJob.
        if (JobPods.IsFinished(cur))
        {
            CleanupPodFinalizers(cur);
        }

        if (cur.Status?.StartTime is { } started && cur.Spec?.ActiveDeadlineSeconds is { } deadline
            && old.Spec?.ActiveDeadlineSeconds != deadline)
        {
            var remaining = TimeSpan.FromSeconds(deadline) - (_time.GetUtcNow().UtcDateTime - started);
            _queue.AddAfter(Key(cur.Metadata), remaining);
        }
    }

    private V1Job? ResolveControllerRef(string ns, V1OwnerReference reference)
    {
        if (reference.Kind != Kind)
        {
            return null;
        }

        var job = _jobs.Lister.Get(ns, reference.Name);
        return job is not null && job.Metadata.Uid == reference.Uid ? job : null;
    }

    /// <summary>Jobs in the pod's namespace whose selector matches it (GetPodJobs).</summary>
    private IEnumerable<V1Job> PodJobs(V1Pod pod)
    {
        var labels = pod.Metadata.Labels;
        if (labels is null || labels.Count == 0)
        {
            yield break;
        }

        foreach (var job in _jobs.Lister.List(pod.Metadata.NamespaceProperty))
        {
            if (LabelSelector.TryFromLabelSelector(job.Spec?.Selector, out var selector, out _) && !selector.IsEmpty
                && selector.Matches(labels.AsReadOnly()))
            {
                yield return job;
            }
        }
    }

    private void AddPod(V1Pod pod)
    {
        if (pod.Metadata.DeletionTimestamp is not null)
        {
            // A pod already being deleted when first seen must not count as an observed creation.
            DeletePod(pod, final: false);
            return;
        }

        if (Objects.ControllerOf(pod.Metadata) is { } reference)
        {
            if (ResolveControllerRef(pod.Metadata.NamespaceProperty, reference) is { } job)
            {
                _expectations.CreationObserved(Key(job.Metadata));
                EnqueueBatched(job);
            }

            return;
        }

        if (JobPods.HasTrackingFinalizer(pod))
        {
            _orphanQueue.Add(Key(pod.Metadata));
        }

        foreach (var job in PodJobs(pod))
        {
            EnqueueBatched(job);
        }
    }

    private void UpdatePod(V1Pod old, V1Pod cur)
    {
        if (cur.Metadata.ResourceVersion == old.Metadata.ResourceVersion)
        {
            return;
        }

        if (cur.Metadata.DeletionTimestamp is not null)
        {
            DeletePod(cur, final: false);
            return;
        }

        var finalizerRemoved = !JobPods.HasTrackingFinalizer(cur);
        var curRef = Objects.ControllerOf(cur.Metadata);
        var oldRef = Objects.ControllerOf(old.Metadata);
        var refChanged = !Objects.SameReference(curRef, oldRef);
        if (refChanged && oldRef is not null && ResolveControllerRef(old.Metadata.NamespaceProperty, oldRef) is { } oldJob)
        {
            if (finalizerRemoved)
            {
                _finalizerExpectations.RemovalObserved(Key(oldJob.Metadata), cur.Metadata.Uid);
            }

            EnqueueBatched(oldJob);
        }

        if (curRef is not null)
        {
            if (ResolveControllerRef(cur.Metadata.NamespaceProperty, curRef) is { } job)
            {
                if (finalizerRemoved)
                {
                    _finalizerExpectations.RemovalObserved(Key(job.Metadata), cur.Metadata.Uid);
                }

                EnqueueBatched(job);
            }

            return;
        }

        if (JobPods.HasTrackingFinalizer(cur))
        {
            _orphanQueue.Add(Key(cur.Metadata));
        }

        if (refChanged || !Objects.SameLabels(cur.Metadata.Labels, old.Metadata.Labels))
        {
            foreach (var job in PodJobs(cur))
            {
                EnqueueBatched(job);
            }
        }
    }

    private void DeletePod(V1Pod pod, bool final)
    {
        var reference = Objects.ControllerOf(pod.Metadata);
        var hasFinalizer = JobPods.HasTrackingFinalizer(pod);
        if (reference is null)
        {
            // The pod may have belonged to a Job whose reference the garbage collector removed.
            if (hasFinalizer)
            {
                _orphanQueue.Add(Key(pod.Metadata));
            }

            return;
        }

        var job = ResolveControllerRef(pod.Metadata.NamespaceProperty, reference);
        if (job is null || JobPods.IsFinished(job))
        {
            if (hasFinalizer)
            {
                _orphanQueue.Add(Key(pod.Metadata));
            }

            return;
        }

        var key = Key(job.Metadata);
        _expectations.DeletionObserved(key);
        if (final || !hasFinalizer)
        {
            _finalizerExpectations.RemovalObserved(key, pod.Metadata.Uid);
        }

        EnqueueBatched(job);
    }

    private void CleanupPodFinalizers(V1Job job)
    {
        if (!LabelSelector.TryFromLabelSelector(job.Spec?.Selector, out var selector, out _))
        {
            return;
        }

        foreach (var pod in _pods.Lister.List(job.Metadata.NamespaceProperty, selector))
        {
            if (Objects.IsControlledBy(pod.Metadata, job.Metadata.Uid) && JobPods.HasTrackingFinalizer(pod))
            {
                _orphanQueue.Add(Key(pod.Metadata));
            }
        }
    }

    /// <summary>syncOrphanPod: removes the tracking finalizer from a pod no unfinished Job owns.</summary>
    internal async Task SyncOrphanPodAsync(string key, CancellationToken ct)
    {
        var pod = _pods.Lister.Get(key);
        if (pod is null)
        {
            return;
        }

        if (Objects.ControllerOf(pod.Metadata) is { } reference)
        {
            if (reference.Kind != Kind || reference.ApiVersion != ApiVersion)
            {
                return;
            }

            var job = ResolveControllerRef(pod.Metadata.NamespaceProperty, reference);
            if (job is not null && (!string.IsNullOrEmpty(job.Spec?.ManagedBy) && job.Spec.ManagedBy != ManagedByDefault))
            {
                return;
            }

            if (job is not null && !JobPods.IsFinished(job))
            {
                return;
            }
        }

        if (RemoveFinalizerPatch(pod) is { } patch)
        {
            try
            {
                await _podControl.PatchPodAsync(pod.Metadata.NamespaceProperty, pod.Metadata.Name, patch, ct);
            }
            catch (Exception ex) when (ApiErrors.IsNotFound(ex))
            {
            }
        }
    }

    internal const string ManagedByDefault = "kubernetes.io/job-controller";

    private static string? RemoveFinalizerPatch(V1Pod pod) =>
        JobPods.HasTrackingFinalizer(pod) ? """{"metadata":{"$deleteFromPrimitiveList/finalizers":["batch.kubernetes.io/job-tracking"]}}""" : null;

    [LoggerMessage(EventId = 4400, Level = LogLevel.Warning, Message = "Syncing job {Key} failed, retrying: {Error}")]
    private partial void LogSyncFailed(string key, string error);

    [LoggerMessage(EventId = 4401, Level = LogLevel.Warning, Message = "Removing the tracking finalizer of orphan pod {Key} failed, retrying: {Error}")]
    private partial void LogOrphanFailed(string key, string error);
}

/// <summary>Settings of the Job controller with kube-controller-manager's defaults.</summary>
public sealed class JobControllerOptions
{
    /// <summary>--concurrent-job-syncs. Default 5.</summary>
    public int Workers { get; init; } = 5;

    /// <summary>DefaultJobPodFailureBackOff: the first delay before a failed pod is replaced. Default 10 s.</summary>
    public TimeSpan PodFailureBackoff { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>MaxJobPodFailureBackOff. Default 10 min.</summary>
    public TimeSpan MaxPodFailureBackoff { get; init; } = TimeSpan.FromMinutes(10);

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
