using KubeNet.Client;
using KubeNet.Controllers.Discovery;
using Microsoft.Extensions.Logging;

namespace KubeNet.Controllers.GarbageCollector;

/// <summary>
/// The garbage collector (pkg/controller/garbagecollector): deletes objects whose owners are all gone, deletes the
/// blocking dependents of an owner deleted in the foreground before letting the owner go, and removes an orphaned
/// owner from its dependents. It watches every deletable resource through metadata informers, found by discovery and
/// rediscovered every <see cref="ResyncPeriod"/>.
/// </summary>
public sealed partial class GarbageCollector : IController
{
    private static readonly TimeSpan ResyncPeriod = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan SyncTimeout = TimeSpan.FromSeconds(30);

    private readonly RestClient _rest;
    private readonly ILogger _logger;
    private readonly int _workers;
    private readonly WorkQueue<string> _attemptToDelete = new(RateLimiters.DefaultController<string>());
    private readonly WorkQueue<string> _attemptToOrphan = new(RateLimiters.DefaultController<string>());
    private readonly GraphBuilder _graph;
    private readonly CancellationTokenSource _stop = new();
    private Task _run = Task.CompletedTask;
    private volatile DiscoveryResult? _discovery;

    public GarbageCollector(ControllerContext context, int workers = 20)
    {
        _rest = new RestClient(context.Client);
        _logger = context.Logger("garbagecollector");
        _workers = workers;
        _graph = new GraphBuilder(_rest, _attemptToDelete, _attemptToOrphan, _logger);
    }

    public void Start() => _run = Task.Run(() => RunAsync(_stop.Token));

    private async Task RunAsync(CancellationToken ct)
    {
        var tasks = new List<Task> { Task.Run(() => _graph.RunAsync(ct), ct) };
        try
        {
            while (!await ResyncAsync(ct))
            {
                await Task.Delay(TimeSpan.FromSeconds(1), ct);
            }

            // Workers act on a graph built from complete lists; a monitor that cannot sync does not hold the rest back for long.
            var deadline = DateTime.UtcNow + SyncTimeout;
            while (!_graph.IsSynced && DateTime.UtcNow < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), ct);
            }

            LogStarted(_graph.MonitorCount, _graph.IsSynced);
            for (var i = 0; i < _workers; i++)
            {
                tasks.Add(Task.Run(() => DeleteWorkerAsync(ct), ct));
                tasks.Add(Task.Run(() => OrphanWorkerAsync(ct), ct));
            }

            using var timer = new PeriodicTimer(ResyncPeriod);
            while (await timer.WaitForNextTickAsync(ct))
            {
                await ResyncAsync(ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            try
            {
                await Task.WhenAll(tasks);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    /// <summary>Rediscovers the served resources and starts or stops monitors to match; false when discovery failed.</summary>
    private async Task<bool> ResyncAsync(CancellationToken ct)
    {
        try
        {
            var found = await ApiDiscovery.DiscoverAsync(_rest, ct);
            _discovery = found;
            _graph.SyncMonitors(found.Preferred, ct);
            return true;
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or System.Text.Json.JsonException)
        {
            LogDiscoveryFailed(ex.Message);
            return false;
        }
    }

    private async Task DeleteWorkerAsync(CancellationToken ct)
    {
        while (true)
        {
            var (uid, shutdown) = await _attemptToDelete.GetAsync(ct);
            if (shutdown)
            {
                return;
            }

            try
            {
                var result = await AttemptToDeleteItemAsync(uid, ct);
                bool observed;
                lock (_graph.GraphLock)
                {
                    observed = _graph.Node(uid) is not { Virtual: true };
                }

                if (result == ItemResult.Done && !observed)
                {
                    // Not seen by an informer yet: look again, or a virtual node for an object created and deleted
                    // while a watch was down could stay in the graph for ever.
                    _attemptToDelete.AddRateLimited(uid);
                }
                else
                {
                    _attemptToDelete.Forget(uid);
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or RestMappingException or System.Text.Json.JsonException)
            {
                LogItemFailed(uid, ex.Message);
                _attemptToDelete.AddRateLimited(uid);
            }
            finally
            {
                _attemptToDelete.Done(uid);
            }
        }
    }

    private async Task OrphanWorkerAsync(CancellationToken ct)
    {
        while (true)
        {
            var (uid, shutdown) = await _attemptToOrphan.GetAsync(ct);
            if (shutdown)
            {
                return;
            }

            try
            {
                await OrphanDependentsAsync(uid, ct);
                _attemptToOrphan.Forget(uid);
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or RestMappingException or System.Text.Json.JsonException)
            {
                LogItemFailed(uid, ex.Message);
                _attemptToOrphan.AddRateLimited(uid);
            }
            finally
            {
                _attemptToOrphan.Done(uid);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _attemptToDelete.ShutDown();
        _attemptToOrphan.ShutDown();
        try
        {
            await _run;
        }
        catch (OperationCanceledException)
        {
        }

        await _graph.DisposeAsync();
        _attemptToDelete.Dispose();
        _attemptToOrphan.Dispose();
        _stop.Dispose();
    }

    [LoggerMessage(EventId = 4700, Level = LogLevel.Information, Message = "Garbage collector: {Monitors} resource monitors, synced: {Synced}; workers started")]
    private partial void LogStarted(int monitors, bool synced);

    [LoggerMessage(EventId = 4701, Level = LogLevel.Warning, Message = "Garbage collector: discovery failed, retrying: {Error}")]
    private partial void LogDiscoveryFailed(string error);

    [LoggerMessage(EventId = 4702, Level = LogLevel.Warning, Message = "Garbage collector: processing {Uid} failed, retrying: {Error}")]
    private partial void LogItemFailed(string uid, string error);
}

/// <summary>An owner reference names an apiVersion and kind the server does not serve (yet).</summary>
internal sealed class RestMappingException(string message) : Exception(message);
