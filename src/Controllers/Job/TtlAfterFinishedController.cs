using k8s;
using k8s.Models;
using KubeNet.Client;
using KubeNet.Controllers.Workloads;
using Microsoft.Extensions.Logging;

namespace KubeNet.Controllers.Job;

/// <summary>
/// The TTL-after-finished controller (pkg/controller/ttlafterfinished): a finished Job with ttlSecondsAfterFinished is
/// deleted, with foreground propagation, that many seconds after its Complete or Failed condition. The expiry is
/// checked again on a live read so that a TTL changed meanwhile is honoured.
/// </summary>
public sealed partial class TtlAfterFinishedController : IController
{
    private readonly IKubernetes _client;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly SharedInformer<V1Job> _jobs;
    private readonly WorkQueue<string> _queue;
    private readonly Workers _workers;
    private readonly int _workerCount;

    public TtlAfterFinishedController(SharedInformerFactory informers, ILogger logger, int workers = 5, TimeProvider? timeProvider = null)
    {
        _client = informers.Client;
        _logger = logger;
        _time = timeProvider ?? TimeProvider.System;
        _workerCount = workers;
        _queue = new WorkQueue<string>(timeProvider: _time);
        _workers = new Workers(_queue, SyncAsync, (key, ex) => LogSyncFailed(key, ex.Message));
        _jobs = informers.GetInformer<V1Job>();
        _jobs.AddEventHandler(new ResourceEventHandler<V1Job>
        {
            Add = (job, _) => Enqueue(job),
            Update = (_, job) => Enqueue(job),
        });
    }

    public void Start() => _workers.Start(_workerCount);

    public ValueTask DisposeAsync() => _workers.DisposeAsync();

    private void Enqueue(V1Job job)
    {
        if (job.Metadata.DeletionTimestamp is null && NeedsCleanup(job))
        {
            _queue.Add(job.Metadata.NamespaceProperty + "/" + job.Metadata.Name);
        }
    }

    private static bool NeedsCleanup(V1Job job) => job.Spec?.TtlSecondsAfterFinished is not null && JobPods.IsFinished(job);

    /// <summary>The time left until the Job expires; zero or less means it has expired, null that it never will.</summary>
    internal static TimeSpan? TimeLeft(V1Job job, DateTime now)
    {
        if (!NeedsCleanup(job))
        {
            return null;
        }

        var finished = job.Status.Conditions.FirstOrDefault(c => c.Type is "Complete" or "Failed" && c.Status == "True")?.LastTransitionTime;
        if (finished is null)
        {
            return null;
        }

        return finished.Value.AddSeconds(job.Spec.TtlSecondsAfterFinished!.Value) - now;
    }

    private async Task<TimeSpan?> SyncAsync(string key, CancellationToken ct)
    {
        var job = _jobs.Lister.Get(key);
        if (job is null || job.Metadata.DeletionTimestamp is not null)
        {
            return null;
        }

        var left = TimeLeft(job, _time.GetUtcNow().UtcDateTime);
        if (left is not { } cached || cached > TimeSpan.Zero)
        {
            return left;
        }

        // The cache may be stale: the TTL could have been raised since. Decide on a live read.
        V1Job fresh;
        try
        {
            fresh = await _client.BatchV1.ReadNamespacedJobAsync(job.Metadata.Name, job.Metadata.NamespaceProperty, cancellationToken: ct);
        }
        catch (Exception ex) when (ApiErrors.IsNotFound(ex))
        {
            return null;
        }

        left = TimeLeft(fresh, _time.GetUtcNow().UtcDateTime);
        if (left is not { } live || live > TimeSpan.Zero)
        {
            return left;
        }

        LogDeleting(key);
        var options = new V1DeleteOptions
        {
            PropagationPolicy = "Foreground",
            Preconditions = new V1Preconditions { ResourceVersion = fresh.Metadata.ResourceVersion },
        };
        try
        {
            await _client.BatchV1.DeleteNamespacedJobAsync(fresh.Metadata.Name, fresh.Metadata.NamespaceProperty, options, cancellationToken: ct);
        }
        catch (Exception ex) when (ApiErrors.IsNotFound(ex))
        {
        }

        return null;
    }

    [LoggerMessage(EventId = 4450, Level = LogLevel.Information, Message = "Cleaning up Job {Key}: its TTL after finishing expired")]
    private partial void LogDeleting(string key);

    [LoggerMessage(EventId = 4451, Level = LogLevel.Warning, Message = "TTL cleanup of Job {Key} failed, retrying: {Error}")]
    private partial void LogSyncFailed(string key, string error);
}
