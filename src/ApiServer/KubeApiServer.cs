using System.Net;
using k8s.Models;
using KubeNet.ApiMachinery.Json;
using KubeNet.ApiMachinery.Kinds;
using KubeNet.ApiServer.Admission;
using KubeNet.ApiServer.Auth;
using KubeNet.ApiServer.Certificates;
using KubeNet.ApiServer.Discovery;
using KubeNet.ApiServer.Http;
using KubeNet.ApiServer.OpenApi;
using KubeNet.ApiServer.Registry;
using KubeNet.ApiServer.Registry.Strategies;
using KubeNet.Storage;
using KubeNet.Storage.Etcd;
using KubeNet.Storage.Sqlite;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KubeNet.ApiServer;

/// <summary>
/// A running API server: storage, watch cache, registry and the HTTPS endpoint. The server is a library; the kube-net
/// executable and the tests start it the same way.
/// </summary>
public sealed partial class KubeApiServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly StorageCache _cache;
    private readonly IKeyValueStore _store;
    private readonly ILogger _logger;
    private FileStream? _dataLock;

    private KubeApiServer(WebApplication app, StorageCache cache, IKeyValueStore store, ClusterPki pki, string url, string kubeconfigPath, ILogger logger)
    {
        _app = app;
        _cache = cache;
        _store = store;
        Pki = pki;
        Url = url;
        KubeconfigPath = kubeconfigPath;
        _logger = logger;
    }

    /// <summary>https://host:port of the secure port.</summary>
    public string Url { get; }

    /// <summary>The admin kubeconfig written into the data directory.</summary>
    public string KubeconfigPath { get; }

    public ClusterPki Pki { get; }

    public static async Task<KubeApiServer> StartAsync(ApiServerOptions options, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        options.Validate();
        Directory.CreateDirectory(options.DataDirectory);
        var dataLock = LockDataDirectory(options.DataDirectory);
        try
        {
            var pki = ClusterPki.LoadOrCreate(options.DataDirectory, [options.BindAddress, .. options.ExtraSans], options.PkiDirectory);
            loggerFactory ??= Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance;
            var logger = loggerFactory.CreateLogger("KubeNet.ApiServer");
            var store = await OpenStoreAsync(options, loggerFactory, cancellationToken);

            var cache = new StorageCache(store, options.WatchCacheEvents, loggerFactory.CreateLogger<StorageCache>());
            await cache.StartAsync(cancellationToken);
            var admission = new AdmissionChain();
            admission.Attach(cache);
            var registry = new GenericStore(cache, new StrategyCatalog(), admission, TimeProvider.System);
            await Bootstrap.EnsureAsync(registry, cancellationToken);

            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.Services.AddSingleton(loggerFactory);
            builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));
            var bind = IPAddress.Parse(options.BindAddress);
            builder.WebHost.ConfigureKestrel(kestrel =>
            {
                kestrel.AddServerHeader = false;
                kestrel.Limits.MaxRequestBodySize = null;
                kestrel.Limits.Http2.MaxStreamsPerConnection = 1000;
                kestrel.Limits.MinResponseDataRate = null;
                kestrel.Listen(bind, options.SecurePort, listen =>
                {
                    listen.Protocols = HttpProtocols.Http1AndHttp2;
                    listen.UseHttps(https =>
                    {
                        https.ServerCertificate = pki.ServingCertificate;
                        https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
                        https.ClientCertificateValidation = (cert, _, _) => pki.IsValidClientCertificate(cert);
                    });
                });
            });

            var app = builder.Build();
            var watchHandler = new WatchHandler(registry, options);
            var health = new HealthChecks(store as IStorageHealth, loggerFactory.CreateLogger("KubeNet.ApiServer.Health"));
            var router = new ApiRouter(
                new Authenticator(pki),
                options,
                new DiscoveryDocuments($"{options.BindAddress}:{options.SecurePort}"),
                new OpenApiDocuments(),
                new ResourceHandler(registry, options, watchHandler, pki.ServiceAccountTokens),
                health,
                new Http.NodeProxy.PodStreams(registry, pki.KubeletClientCertificate()),
                new Http.NodeProxy.MetricsApi(registry, pki.KubeletClientCertificate()));
            app.Run(router.HandleAsync);

            // On SIGTERM the host stops Kestrel first, which waits for in-flight requests: end the watches then, or the
            // long-running watch requests of in-process components would hold the shutdown until its timeout.
            app.Lifetime.ApplicationStopping.Register(health.MarkShuttingDown);
            app.Lifetime.ApplicationStopping.Register(cache.CompleteAllWatchers);
            await app.StartAsync(cancellationToken);

            var address = app.Urls.FirstOrDefault() ?? $"https://{options.BindAddress}:{options.SecurePort}";
            var port = new Uri(address.Replace("[::]", "localhost", StringComparison.Ordinal)).Port;
            var host = bind.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{options.BindAddress}]" : options.BindAddress;
            var url = $"https://{host}:{port}";
            var kubeconfig = Path.GetFullPath(Path.Combine(options.DataDirectory, "admin.kubeconfig"));
            await File.WriteAllTextAsync(kubeconfig, pki.AdminKubeconfig(url), cancellationToken);
            var server = new KubeApiServer(app, cache, store, pki, url, kubeconfig, logger) { _dataLock = dataLock };
            server.LogReady(url);
            return server;
        }
        catch
        {
            dataLock.Dispose();
            throw;
        }
    }

    private static async Task<IKeyValueStore> OpenStoreAsync(ApiServerOptions options, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        if (options.Storage == "sqlite")
        {
            return await SqliteStore.OpenAsync(
                new SqliteStoreOptions
                {
                    Path = Path.Combine(options.DataDirectory, "state.db"),
                    Synchronous = options.SynchronousFull ? SqliteSynchronousMode.Full : SqliteSynchronousMode.Normal,
                },
                cancellationToken);
        }

        var etcd = new EtcdStoreOptions
        {
            CaFile = options.EtcdCaFile,
            CertFile = options.EtcdCertFile,
            KeyFile = options.EtcdKeyFile,
            CompactionInterval = options.EtcdCompactionInterval,
        };
        foreach (var server in options.EtcdServers)
        {
            etcd.Endpoints.Add(server);
        }

        try
        {
            return await EtcdStore.ConnectAsync(etcd, loggerFactory.CreateLogger("KubeNet.Storage.Etcd"), cancellationToken);
        }
        catch (StorageUnavailableException ex)
        {
            throw new InvalidOperationException($"cannot reach etcd at {string.Join(',', options.EtcdServers)}: {ex.Message}", ex);
        }
    }

    // Two servers on one database would each believe they own the revision counter. With etcd each server still
    // needs a data directory of its own (serving certificate, kubeconfig).
    private static FileStream LockDataDirectory(string directory)
    {
        var path = Path.Combine(directory, "lock");
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new InvalidOperationException($"data directory {Path.GetFullPath(directory)} is in use by another kube-net process", ex);
        }
    }

    public Task WaitForShutdownAsync(CancellationToken cancellationToken) => _app.WaitForShutdownAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        // Watches end first, so the HTTP server has no long-running request left to wait for.
        _cache.CompleteAllWatchers();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
        await _cache.DisposeAsync();
        await _store.DisposeAsync();
        _dataLock?.Dispose();
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "API server ready at {Url} (/readyz ok)")]
    private partial void LogReady(string url);

}

/// <summary>What kube-apiserver creates on start: the system namespaces, the kubernetes service and the system PriorityClasses.</summary>
internal static class Bootstrap
{
    public static async Task EnsureAsync(GenericStore store, CancellationToken ct)
    {
        var namespaces = KindCatalog.Find("", "v1", "namespaces")!;
        foreach (var name in new[] { "default", "kube-system", "kube-public", "kube-node-lease" })
        {
            await store.CreateAsync(namespaces, null, new V1Namespace { Metadata = new V1ObjectMeta { Name = name } }, new WriteOptions(), ct);
        }

        var services = KindCatalog.Find("", "v1", "services")!;
        await store.CreateAsync(services, "default", new V1Service
        {
            Metadata = new V1ObjectMeta
            {
                Name = "kubernetes",
                NamespaceProperty = "default",
                Labels = new Dictionary<string, string> { ["component"] = "apiserver", ["provider"] = "kubernetes" },
            },
            Spec = new V1ServiceSpec
            {
                ClusterIP = "10.96.0.1",
                Ports = [new V1ServicePort { Name = "https", Port = 443, Protocol = "TCP", TargetPort = 6443 }],
                SessionAffinity = "None",
                Type = "ClusterIP",
            },
        }, new WriteOptions(), ct);

        // The scheduling post-start hook's classes (an existing one is left as it is).
        var priorityClasses = KindCatalog.Find("scheduling.k8s.io", "v1", "priorityclasses")!;
        foreach (var (name, value, description) in new[]
        {
            ("system-node-critical", 2_000_001_000, "Used for system critical pods that must not be moved from their current node."),
            ("system-cluster-critical", 2_000_000_000, "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary."),
        })
        {
            await store.CreateAsync(priorityClasses, null, new V1PriorityClass
            {
                Metadata = new V1ObjectMeta { Name = name },
                Value = value,
                Description = description,
            }, new WriteOptions(), ct);
        }

        _ = KubeJson.Options;
    }
}
