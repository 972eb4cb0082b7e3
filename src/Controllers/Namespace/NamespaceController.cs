using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using KubeNet.ApiMachinery.Kinds;
using KubeNet.Client;
using Microsoft.Extensions.Logging;

namespace KubeNet.Controllers.Namespace;

/// <summary>
/// The namespace controller (pkg/controller/namespace): a namespace with a deletionTimestamp is emptied, resource by
/// resource, through the API; once nothing is left its `kubernetes` finalizer is removed through namespaces/finalize,
/// and the API server deletes it. Informer handlers only enqueue names; workers sync one namespace at a time.
/// </summary>
public sealed partial class NamespaceController : IController
{
    private const string Finalizer = "kubernetes";
    private static readonly TimeSpan Recheck = TimeSpan.FromSeconds(1);

    private readonly IKubernetes _client;

    // Deleting and listing arbitrary resources by path needs the client's authenticated HTTP channel.
    private readonly HttpClient _http;
    private readonly SharedInformer<V1Namespace> _informer;
    private readonly WorkQueue<string> _queue = new(RateLimiters.DefaultController<string>());
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _workers = [];

    // Namespaced resources that can be deleted, one group-version per stored resource (the preferred one).
    private static readonly IReadOnlyList<ResourceInfo> Content = KindCatalog.AllResources
        .Where(r => r.Namespaced && r.Supports("deletecollection") && r.StoredType == r.ClrType)
        .DistinctBy(r => r.StoredResource)
        .ToArray();

    public NamespaceController(SharedInformerFactory informers, ILogger logger)
    {
        _client = informers.Client;
        _http = (informers.Client as Kubernetes ?? throw new ArgumentException("the namespace controller needs a k8s.Kubernetes client", nameof(informers))).HttpClient;
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

    public void Start() => Start(2);

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
                var done = await SyncAsync(name, ct);
                _queue.Forget(name);
                if (!done)
                {
                    _queue.AddAfter(name, Recheck);
                }
            }
            catch (Exception ex) when (ex is HttpOperationException or HttpRequestException or IOException)
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

    /// <summary>True when the namespace is gone or finalized; false while content remains.</summary>
    internal async Task<bool> SyncAsync(string name, CancellationToken ct)
    {
        if (!_informer.Indexer.TryGet(name, out var cached) || cached?.Metadata.DeletionTimestamp is null)
        {
            return true;
        }

        var remaining = 0;
        foreach (var resource in Content)
        {
            var path = (resource.Group.Length == 0 ? "api/" + resource.Version : $"apis/{resource.Group}/{resource.Version}")
                + $"/namespaces/{Uri.EscapeDataString(name)}/{resource.Resource}";
            using (var delete = new HttpRequestMessage(HttpMethod.Delete, new Uri(_client.BaseUri, path)))
            using (var response = await _http.SendAsync(delete, ct))
            {
                if (response.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed))
                {
                    throw new HttpRequestException($"deleting {resource.QualifiedResource} in {name}: {(int)response.StatusCode}");
                }
            }

            using var list = new HttpRequestMessage(HttpMethod.Get, new Uri(_client.BaseUri, path + "?limit=1"));
            using var listed = await _http.SendAsync(list, ct);
            if (listed.IsSuccessStatusCode)
            {
                using var doc = await System.Text.Json.JsonDocument.ParseAsync(await listed.Content.ReadAsStreamAsync(ct), cancellationToken: ct);
                if (doc.RootElement.TryGetProperty("items", out var items) && items.GetArrayLength() > 0)
                {
                    remaining++;
                }
            }
        }

        if (remaining > 0)
        {
            return false;
        }

        var ns = await _client.CoreV1.ReadNamespaceAsync(name, cancellationToken: ct);
        if (ns.Spec?.Finalizers?.Contains(Finalizer) == true)
        {
            ns.Spec.Finalizers = ns.Spec.Finalizers.Where(f => f != Finalizer).ToList();
            await _client.CoreV1.ReplaceNamespaceFinalizeAsync(ns, name, cancellationToken: ct);
        }

        return true;
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
