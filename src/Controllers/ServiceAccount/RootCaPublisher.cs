using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using KubeNet.Client;
using Microsoft.Extensions.Logging;

namespace KubeNet.Controllers.ServiceAccount;

/// <summary>
/// The root-ca-cert-publisher (pkg/controller/certificates/rootcacertpublisher): every namespace holds the
/// kube-root-ca.crt ConfigMap with the cluster CA under ca.crt; it is made again when deleted and reset when edited.
/// </summary>
public sealed partial class RootCaPublisher : IController
{
    public const string ConfigMapName = "kube-root-ca.crt";
    public const string DescriptionAnnotation = "kubernetes.io/description";

    public const string Description = "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. "
        + "No other usage is guaranteed across distributions of Kubernetes clusters.";

    private readonly IKubernetes _client;
    private readonly string _rootCa;
    private readonly SharedInformer<V1Namespace> _namespaces;
    private readonly SharedInformer<V1ConfigMap> _configMaps;
    private readonly WorkQueue<string> _queue = new(RateLimiters.DefaultController<string>());
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _workers = [];

    public RootCaPublisher(SharedInformerFactory informers, string rootCa, ILogger logger)
    {
        _client = informers.Client;
        _rootCa = rootCa;
        _logger = logger;
        _namespaces = informers.GetInformer<V1Namespace>();

        // Only the one ConfigMap of each namespace matters: a field-selected informer keeps the cache small.
        _configMaps = informers.GetInformer<V1ConfigMap>(fieldSelector: "metadata.name=" + ConfigMapName);
        _namespaces.AddEventHandler(new ResourceEventHandler<V1Namespace>
        {
            Add = (ns, _) => _queue.Add(ns.Metadata.Name),
            Update = (_, ns) =>
            {
                if (ns.Status?.Phase == "Active")
                {
                    _queue.Add(ns.Metadata.Name);
                }
            },
        });
        _configMaps.AddEventHandler(new ResourceEventHandler<V1ConfigMap>
        {
            Update = (_, cm) => _queue.Add(cm.Metadata.NamespaceProperty),
            Delete = (cm, _) => _queue.Add(cm.Metadata.NamespaceProperty),
        });
    }

    public void Start()
    {
        for (var i = 0; i < 2; i++)
        {
            _workers.Add(Task.Run(() => WorkAsync(_stop.Token)));
        }
    }

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

    private async Task SyncAsync(string ns, CancellationToken ct)
    {
        var cm = _configMaps.Lister.Get(ns, ConfigMapName);
        if (cm is null)
        {
            if (_namespaces.Lister.Get(ns) is not { Status.Phase: "Active" })
            {
                return;
            }

            try
            {
                await _client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
                {
                    Metadata = new V1ObjectMeta
                    {
                        Name = ConfigMapName,
                        Annotations = new Dictionary<string, string> { [DescriptionAnnotation] = Description },
                    },
                    Data = new Dictionary<string, string> { ["ca.crt"] = _rootCa },
                }, ns, cancellationToken: ct);
            }
            catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Forbidden)
            {
                // Do not retry a create in a namespace that is gone or terminating.
            }

            return;
        }

        var dataMatches = cm.Data is { Count: 1 } data && data.TryGetValue("ca.crt", out var ca) && ca == _rootCa;
        if (dataMatches && cm.Metadata.Annotations is { } annotations && annotations.TryGetValue(DescriptionAnnotation, out var description) && description.Length > 0)
        {
            return;
        }

        // The informer's copy is shared with other readers: change a fresh one.
        var fresh = KubernetesJson.Deserialize<V1ConfigMap>(KubernetesJson.Serialize(cm));
        fresh.Data = new Dictionary<string, string> { ["ca.crt"] = _rootCa };
        (fresh.Metadata.Annotations ??= new Dictionary<string, string>())[DescriptionAnnotation] = Description;
        await _client.CoreV1.ReplaceNamespacedConfigMapAsync(fresh, ConfigMapName, ns, cancellationToken: ct);
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

    [LoggerMessage(EventId = 4730, Level = LogLevel.Warning, Message = "Publishing the root CA in namespace {Namespace} failed, retrying: {Error}")]
    private partial void LogSyncFailed(string @namespace, string error);
}
