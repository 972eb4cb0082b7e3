using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using KubeNet.Client;
using KubeNet.Controllers.Discovery;
using Microsoft.Extensions.Logging;

namespace KubeNet.Controllers.Namespace;

/// <summary>
/// The namespace controller (pkg/controller/namespace): a namespace with a deletionTimestamp is marked Terminating and
/// emptied, resource by resource as discovery lists them, through the API; its status conditions say what is still
/// there and why; once nothing is left its `kubernetes` finalizer is removed through namespaces/finalize and the API
/// server deletes it. Informer handlers only enqueue names; workers sync one namespace at a time.
/// </summary>
public sealed partial class NamespaceController : IController
{
    private const string Finalizer = "kubernetes";

    // Upstream waits half the longest remaining grace period; simulated and real kubelets usually finish far sooner,
    // so the recheck comes no later than this.
    private static readonly TimeSpan MaxRecheck = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan DiscoveryTtl = TimeSpan.FromSeconds(30);

    private readonly IKubernetes _client;
    private readonly RestClient _rest;
    private readonly SharedInformer<V1Namespace> _informer;
    private readonly WorkQueue<string> _queue = new(RateLimiters.DefaultController<string>());
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _workers = [];
    private readonly Lock _discoveryLock = new();
    private (DiscoveryResult Result, DateTime At)? _discovery;

    public NamespaceController(SharedInformerFactory informers, ILogger logger)
    {
        _client = informers.Client;
        _rest = new RestClient(informers.Client);
        _logger = logger;
        _informer = informers.GetInformer<V1Namespace>();
        _informer.AddEventHandler(ResourceEventHandler.ForAll<V1Namespace>(ns =>
        {
            if (ns.Metadata.DeletionTimestamp is not null)
            {
                _queue.Add(ns.Metadata.Name);
            }
        }));
    }

    public void Start() => Start(5);

    public void Start(int workers)
    {
        for (var i = 0; i < workers; i++)
        {
            _workers.Add(Task.Run(() => WorkAsync(_stop.Token)));
        }
    }

    private async Task WorkAsync(CancellationToken ct)
    {
        while (true)
        {
            var (name, shutdown) = await _queue.GetAsync(ct);
            if (shutdown)
            {
                return;
            }

            try
            {
                var recheck = await SyncAsync(name, ct);
                _queue.Forget(name);
                if (recheck is { } delay)
                {
                    _queue.AddAfter(name, delay);
                }
            }
            catch (Exception ex) when (ex is HttpOperationException or HttpRequestException or IOException or ContentDeletionException or System.Text.Json.JsonException)
            {
                LogSyncFailed(name, ex.Message);
                _queue.AddRateLimited(name);
            }
            finally
            {
                _queue.Done(name);
            }
        }
    }

    /// <summary>Null when the namespace is gone or finalized; otherwise when to look again for content still going away.</summary>
    internal async Task<TimeSpan?> SyncAsync(string name, CancellationToken ct)
    {
        if (!_informer.Indexer.TryGet(name, out var cached) || cached?.Metadata.DeletionTimestamp is null)
        {
            return null;
        }

        // Several writers touch a terminating namespace: start from its latest state.
        var ns = await ReadAsync(name, ct);
        if (ns?.Metadata.DeletionTimestamp is null)
        {
            return null;
        }

        if (ns.Status?.Phase != "Terminating")
        {
            (ns.Status ??= new V1NamespaceStatus()).Phase = "Terminating";
            ns = await _client.CoreV1.ReplaceNamespaceStatusAsync(ns, name, cancellationToken: ct);
        }

        if (ns.Spec?.Finalizers is not { Count: > 0 })
        {
            return null;
        }

        var estimate = await DeleteAllContentAsync(ns, ct);
        if (estimate > 0)
        {
            var delay = TimeSpan.FromSeconds((estimate / 2) + 1);
            return delay < MaxRecheck ? delay : MaxRecheck;
        }

        await FinalizeAsync(ns, ct);
        return null;
    }

    private async Task<V1Namespace?> ReadAsync(string name, CancellationToken ct)
    {
        try
        {
            return await _client.CoreV1.ReadNamespaceAsync(name, cancellationToken: ct);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>Removes this controller's finalizer; the API server deletes a terminating namespace with none left.</summary>
    private async Task FinalizeAsync(V1Namespace ns, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            if (ns.Spec?.Finalizers?.Contains(Finalizer) != true)
            {
                return;
            }

            ns.Spec.Finalizers = ns.Spec.Finalizers.Where(f => f != Finalizer).ToList();
            try
            {
                await _client.CoreV1.ReplaceNamespaceFinalizeAsync(ns, ns.Metadata.Name, cancellationToken: ct);
                return;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
            {
                return;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict && attempt < 5)
            {
                var latest = await ReadAsync(ns.Metadata.Name, ct);
                if (latest is null || latest.Metadata.Uid != ns.Metadata.Uid)
                {
                    return;
                }

                ns = latest;
            }
        }
    }

    private async Task<DiscoveryResult> DiscoverAsync(CancellationToken ct)
    {
        lock (_discoveryLock)
        {
            if (_discovery is { } cached && DateTime.UtcNow - cached.At < DiscoveryTtl && cached.Result.FailedGroupVersions.Count == 0)
            {
                return cached.Result;
            }
        }

        var found = await ApiDiscovery.DiscoverAsync(_rest, ct);
        lock (_discoveryLock)
        {
            _discovery = (found, DateTime.UtcNow);
        }

        return found;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _queue.ShutDown();
        try
        {
            await Task.WhenAll(_workers);
        }
        catch (OperationCanceledException)
        {
        }

        _queue.Dispose();
        _stop.Dispose();
    }

    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "Emptying namespace {Namespace} failed, retrying: {Error}")]
    private partial void LogSyncFailed(string @namespace, string error);
}

/// <summary>Some resources of a namespace could not be deleted; the message lists them, as the content-failure condition does.</summary>
internal sealed class ContentDeletionException(string message) : Exception(message);
