using k8s;
using k8s.Models;
using KubeNet.Client;
using KubeNet.Scheduler.Framework;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace KubeNet.Scheduler;

/// <summary>
/// kube-scheduler: campaigns for the kube-system/kube-scheduler Lease (when leader election is on) and, while leading,
/// watches pods, nodes and storage objects through shared informers and schedules the pending pods of its profiles,
/// binding them through pods/binding. Losing the lease drops all scheduling state; the scheduler campaigns again.
/// </summary>
public sealed class KubeScheduler : IAsyncDisposable
{
    public const string DefaultSchedulerName = SchedulerProfile.DefaultSchedulerName;
    public const string LeaseName = "kube-scheduler";

    private readonly IKubernetes _client;
    private readonly SchedulerOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _firstStart = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _run;
    private volatile SchedulerCore? _core;
    private int _disposed;

    private KubeScheduler(IKubernetes client, SchedulerOptions options, ILoggerFactory loggerFactory)
    {
        options.Validate();
        _client = client;
        _options = options;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger("KubeNet.Scheduler");
        _run = Task.Run(() => RunAsync(_stop.Token));
    }

    /// <summary>True while this scheduler leads and schedules.</summary>
    public bool IsLeading => _core is not null;

    /// <summary>Completes the first time the informers have synced and the scheduling loop runs.</summary>
    public Task Started => _firstStart.Task;

    public static KubeScheduler Start(IKubernetes client, SchedulerOptions? options = null, ILoggerFactory? loggerFactory = null)
        => new(client, options ?? new SchedulerOptions(), loggerFactory ?? NullLoggerFactory.Instance);

    /// <summary>Completes once every event recorded so far has been written to the API server.</summary>
    public Task FlushEventsAsync(CancellationToken ct = default) => _core?.FlushEventsAsync(ct) ?? Task.CompletedTask;

    internal SchedulerCore? Core => _core;

    private async Task RunAsync(CancellationToken ct)
    {
        if (!_options.LeaderElect)
        {
            await LeadAsync(ct);
            return;
        }

        var elector = new LeaderElector(_client, new LeaderElectionConfig
        {
            LeaseNamespace = "kube-system",
            LeaseName = LeaseName,
            Identity = _options.Identity,
            LeaseDuration = _options.LeaseDuration,
            RenewDeadline = _options.RenewDeadline,
            RetryPeriod = _options.RetryPeriod,
            OnStartedLeading = LeadAsync,
        }, _loggerFactory.CreateLogger("KubeNet.Scheduler.LeaderElection"));

        while (!ct.IsCancellationRequested)
        {
            try
            {
                await elector.RunAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or k8s.Autorest.HttpOperationException)
            {
                _logger.ElectionFailed(ex.Message);
            }

            try
            {
                await Task.Delay(_options.RetryPeriod, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Schedules until <paramref name="ct"/> fires (shutdown or lost leadership).</summary>
    private async Task LeadAsync(CancellationToken ct)
    {
        await using var informers = new SharedInformerFactory(_client, TimeSpan.Zero, _loggerFactory);
        var pods = informers.GetInformer<V1Pod>();
        var nodes = informers.GetInformer<V1Node>();
        var listers = new Listers
        {
            Pods = pods.Lister,
            Namespaces = informers.GetLister<V1Namespace>(),
            PersistentVolumeClaims = informers.GetLister<V1PersistentVolumeClaim>(),
            PersistentVolumes = informers.GetLister<V1PersistentVolume>(),
            StorageClasses = informers.GetLister<V1StorageClass>(),
            Services = informers.GetLister<V1Service>(),
            ReplicationControllers = informers.GetLister<V1ReplicationController>(),
            ReplicaSets = informers.GetLister<V1ReplicaSet>(),
            StatefulSets = informers.GetLister<V1StatefulSet>(),
            PodDisruptionBudgets = informers.GetLister<V1PodDisruptionBudget>(),
        };
        var core = new SchedulerCore(_client, _options, listers, _loggerFactory.CreateLogger("KubeNet.Scheduler.Core"));
        using var podRegistration = pods.AddEventHandler(core.PodHandler);
        using var nodeRegistration = nodes.AddEventHandler(core.NodeHandler);
        using var claimRegistration = informers.GetInformer<V1PersistentVolumeClaim>().AddEventHandler(core.StorageHandler<V1PersistentVolumeClaim>(EventResource.PersistentVolumeClaim));
        using var volumeRegistration = informers.GetInformer<V1PersistentVolume>().AddEventHandler(core.StorageHandler<V1PersistentVolume>(EventResource.PersistentVolume));
        using var classRegistration = informers.GetInformer<V1StorageClass>().AddEventHandler(core.StorageHandler<V1StorageClass>(EventResource.StorageClass));
        informers.Start(ct);
        try
        {
            if (!await informers.WaitForCacheSyncAsync(ct))
            {
                return;
            }

            _core = core;
            _logger.Started(string.Join(",", _options.Profiles.Select(p => p.SchedulerName)), core.Cache.NodeCount, core.Cache.PodCount);
            _firstStart.TrySetResult();
            await core.RunAsync(ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            _core = null;
            _logger.Stopped();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync();
        try
        {
            await _run;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }
}
