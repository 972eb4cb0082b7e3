using k8s;
using KubeNet.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace KubeNet.Controllers;

/// <summary>
/// The controller-manager: campaigns for the kube-system/kube-controller-manager Lease (when leader election is on)
/// and, while leading, runs every enabled controller over one shared informer factory. Losing the lease stops the
/// controllers; the manager campaigns again, so a standby takes over when the leader dies.
/// </summary>
public sealed partial class ControllerManager : IAsyncDisposable
{
    public const string LeaseName = "kube-controller-manager";

    private readonly IKubernetes _client;
    private readonly ControllerManagerOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _run;
    private readonly TaskCompletionSource _firstStart = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _leading;

    private ControllerManager(IKubernetes client, ControllerManagerOptions options, ILoggerFactory loggerFactory)
    {
        options.Validate();
        _client = client;
        _options = options;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger("KubeNet.ControllerManager");
        _run = Task.Run(() => RunAsync(_stop.Token));
    }

    /// <summary>True while this manager's controllers are running.</summary>
    public bool IsLeading => _leading;

    /// <summary>Completes the first time this manager's controllers have started (caches synced).</summary>
    public Task Started => _firstStart.Task;

    public static ControllerManager Start(IKubernetes client, ControllerManagerOptions? options = null, ILoggerFactory? loggerFactory = null)
        => new(client, options ?? new ControllerManagerOptions(), loggerFactory ?? NullLoggerFactory.Instance);

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
        }, _loggerFactory.CreateLogger("KubeNet.ControllerManager.LeaderElection"));

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
                LogElectionFailed(ex.Message);
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

    /// <summary>Runs the controllers until <paramref name="ct"/> fires (shutdown or lost leadership).</summary>
    private async Task LeadAsync(CancellationToken ct)
    {
        await using var informers = new SharedInformerFactory(_client, _options.InformerResync, _loggerFactory);
        var context = new ControllerContext(informers, _loggerFactory, _options);
        var controllers = new List<IController>();
        try
        {
            foreach (var (name, create) in ControllerCatalog.All)
            {
                if (_options.IsEnabled(name))
                {
                    controllers.Add(create(context));
                }
            }

            informers.Start(ct);
            if (!await informers.WaitForCacheSyncAsync(ct))
            {
                return;
            }

            foreach (var controller in controllers)
            {
                controller.Start();
            }

            _leading = true;
            LogStarted(controllers.Count);
            _firstStart.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            _leading = false;
            foreach (var controller in controllers)
            {
                await controller.DisposeAsync();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
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

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Started {Count} controllers")]
    private partial void LogStarted(int count);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "Leader election failed, retrying: {Error}")]
    private partial void LogElectionFailed(string error);
}
