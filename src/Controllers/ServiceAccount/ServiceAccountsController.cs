using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using KubeNet.Client;
using Microsoft.Extensions.Logging;

namespace KubeNet.Controllers.ServiceAccount;

/// <summary>
/// The serviceaccount controller (pkg/controller/serviceaccount): every active namespace has a `default`
/// ServiceAccount; a new namespace gets one and a deleted one is made again.
/// </summary>
public sealed partial class ServiceAccountsController : IController
{
    private static readonly string[] ServiceAccountsToEnsure = ["default"];

    private readonly IKubernetes _client;
    private readonly SharedInformer<V1Namespace> _namespaces;
    private readonly SharedInformer<V1ServiceAccount> _serviceAccounts;
    private readonly WorkQueue<string> _queue = new(RateLimiters.DefaultController<string>());
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private Task _worker = Task.CompletedTask;

    public ServiceAccountsController(SharedInformerFactory informers, ILogger logger)
    {
        _client = informers.Client;
        _logger = logger;
        _namespaces = informers.GetInformer<V1Namespace>();
        _serviceAccounts = informers.GetInformer<V1ServiceAccount>();
        _namespaces.AddEventHandler(new ResourceEventHandler<V1Namespace>
        {
            Add = (ns, _) => _queue.Add(ns.Metadata.Name),
            Update = (_, ns) => _queue.Add(ns.Metadata.Name),
        });
        _serviceAccounts.AddEventHandler(new ResourceEventHandler<V1ServiceAccount>
        {
            Delete = (sa, _) => _queue.Add(sa.Metadata.NamespaceProperty),
        });
    }

    public void Start() => _worker = Task.Run(() => WorkAsync(_stop.Token));

    private async Task WorkAsync(CancellationToken ct)
    {
        while (true)
        {
            var (ns, shutdown) = await _queue.GetAsync(ct);
            if (shutdown)
            {
                return;
            }

            try
            {
                await SyncAsync(ns, ct);
                _queue.Forget(ns);
            }
            catch (Exception ex) when (ex is HttpOperationException or HttpRequestException or IOException)
            {
                LogSyncFailed(ns, ex.Message);
                _queue.AddRateLimited(ns);
            }
            finally
            {
                _queue.Done(ns);
            }
        }
    }

    private async Task SyncAsync(string name, CancellationToken ct)
    {
        // Nothing is created in a namespace that is gone or terminating.
        if (_namespaces.Lister.Get(name) is not { Status.Phase: "Active" })
        {
            return;
        }

        foreach (var saName in ServiceAccountsToEnsure)
        {
            if (_serviceAccounts.Lister.Get(name, saName) is not null)
            {
                continue;
            }

            try
            {
                await _client.CoreV1.CreateNamespacedServiceAccountAsync(
                    new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = saName, NamespaceProperty = name } }, name, cancellationToken: ct);
            }
            catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.Forbidden or HttpStatusCode.NotFound)
            {
                // Already there (the cache lags), or the namespace began terminating or went away meanwhile.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _queue.ShutDown();
        try
        {
            await _worker;
        }
        catch (OperationCanceledException)
        {
        }

        _queue.Dispose();
        _stop.Dispose();
    }

    [LoggerMessage(EventId = 4720, Level = LogLevel.Warning, Message = "Ensuring service accounts in namespace {Namespace} failed, retrying: {Error}")]
    private partial void LogSyncFailed(string @namespace, string error);
}
