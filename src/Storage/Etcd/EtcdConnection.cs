using System.Diagnostics;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using dotnet_etcd;
using Etcdserverpb;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Balancer;
using Grpc.Net.Client.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KubeNet.Storage.Etcd;

/// <summary>
/// One gRPC channel to every member of the etcd cluster (round robin over the members that are up, as etcd's own
/// client balances) and the retry policy of the store: a request that fails because a member is down or the cluster
/// is electing a leader is tried again, on another member, until <see cref="EtcdStoreOptions.RetryTimeout"/>.
/// </summary>
internal sealed partial class EtcdConnection : IDisposable
{
    // Members without a leader answer at once instead of holding requests until their deadline (etcd's
    // WithRequireLeader): watches on a member cut off from the quorum are cancelled, so they move elsewhere.
    private static readonly Metadata RequireLeader = new() { { "hasleader", "true" } };

    private readonly GrpcChannel _channel;
    private readonly EtcdClient _client;
    private readonly EtcdStoreOptions _options;
    private readonly ILogger _logger;

    private EtcdConnection(GrpcChannel channel, EtcdStoreOptions options, ILogger logger)
    {
        _channel = channel;
        _options = options;
        _logger = logger;
        var invoker = channel.CreateCallInvoker();
        _client = new EtcdClient(invoker);
        Kv = new KV.KVClient(invoker);
        Watch = _client.GetConnection().WatchClient;
    }

    public EtcdClient Client => _client;

    /// <summary>The generated KV client on the same channel: reads and transactions without dotnet-etcd's wrappers around each call.</summary>
    public KV.KVClient Kv { get; }

    public Watch.WatchClient Watch { get; }

    public static Metadata Headers => RequireLeader;

    public static EtcdConnection Create(EtcdStoreOptions options, ILogger logger)
    {
        var endpoints = options.Endpoints.Select(e => new Uri(e)).ToArray();
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = options.RequestTimeout,
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,

            // A member that stops answering without closing its connections (frozen, cut off) is noticed by pings.
            KeepAlivePingDelay = TimeSpan.FromSeconds(10),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(5),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
        };

        if (options.UsesTls)
        {
            handler.SslOptions = TlsOptions(options, endpoints);
        }

        var channelOptions = new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            Credentials = options.UsesTls ? ChannelCredentials.SecureSsl : ChannelCredentials.Insecure,
            ThrowOperationCanceledOnCancellation = true,

            // Pages of a list can be large; etcd bounds what it sends itself (--max-request-bytes, --max-txn-ops).
            MaxReceiveMessageSize = null,
        };
        if (endpoints.Length == 1)
        {
            // One member: nothing to balance, and the balancer's per-call address picking and rewriting is a tenth of
            // the gRPC client's CPU per write. The handler reconnects by itself; the retry policy below is the same.
            return new EtcdConnection(GrpcChannel.ForAddress(endpoints[0], channelOptions), options, logger);
        }

        var services = new ServiceCollection();
        services.AddSingleton<ResolverFactory>(new StaticResolverFactory(_ => endpoints.Select(u => new BalancerAddress(u.Host, u.Port)).ToArray()));
        channelOptions.ServiceProvider = services.BuildServiceProvider();
        channelOptions.ServiceConfig = new ServiceConfig { LoadBalancingConfigs = { new RoundRobinConfig() } };
        var channel = GrpcChannel.ForAddress("static://etcd", channelOptions);
        return new EtcdConnection(channel, options, logger);
    }

    /// <summary>
    /// Runs <paramref name="call"/> until it succeeds, fails with an error that retrying cannot change, or the retry
    /// budget is spent. The attempt number (0 first) lets a write tell whether an earlier attempt may have landed.
    /// </summary>
    public async Task<T> CallAsync<T>(string operation, Func<int, DateTime, CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        TimeSpan backoff = TimeSpan.FromMilliseconds(50);
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                return await call(attempt, DateTime.UtcNow + _options.RequestTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RpcException rpc ? IsTransient(rpc, cancellationToken) : ex is OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // The channel reports an attempt's own deadline as a cancellation, not as DeadlineExceeded.
                (StatusCode code, string detail) = ex is RpcException r ? (r.StatusCode, r.Status.Detail) : (StatusCode.DeadlineExceeded, "no answer within " + _options.RequestTimeout.TotalSeconds + "s");
                TimeSpan elapsed = Stopwatch.GetElapsedTime(started);
                if (elapsed + backoff > _options.RetryTimeout)
                {
                    LogGaveUp(operation, attempt + 1, elapsed.TotalSeconds, detail);
                    throw new StorageUnavailableException($"etcd did not answer {operation} within {_options.RetryTimeout.TotalSeconds:0.#}s: {detail}", ex);
                }

                LogRetrying(operation, attempt + 1, code, detail);
                await Task.Delay(backoff, cancellationToken).ConfigureAwait(false);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(1).Ticks));
            }
        }
    }

    /// <summary>Errors that another attempt, perhaps on another member, may not see: the member is down or has no leader.</summary>
    public static bool IsTransient(RpcException ex, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return false;
        }

        return ex.StatusCode switch
        {
            StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Aborted or StatusCode.ResourceExhausted => true,

            // A connection that drops mid-call surfaces as Internal or Unknown with the socket error inside.
            StatusCode.Internal or StatusCode.Unknown => ex.Status.DebugException is IOException or HttpRequestException
                || ex.Status.Detail.Contains("leader", StringComparison.OrdinalIgnoreCase),
            _ => false,
        };
    }

    public void Dispose()
    {
        _client.Dispose();
        _channel.Dispose();
    }

    private static SslClientAuthenticationOptions TlsOptions(EtcdStoreOptions options, Uri[] endpoints)
    {
        X509Certificate2Collection? roots = null;
        if (options.CaFile is not null)
        {
            roots = [];
            roots.ImportFromPemFile(options.CaFile);
        }

        var ssl = new SslClientAuthenticationOptions
        {
            // The channel has one name for all members; each member's certificate must name the host it was dialled by.
            RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                certificate is not null && IsTrusted(certificate, roots, endpoints, errors),
        };
        if (options.CertFile is not null)
        {
            // The TLS stack needs a certificate whose key it can use: round-trip through PKCS#12.
            using var pem = X509Certificate2.CreateFromPemFile(options.CertFile, options.KeyFile);
            ssl.ClientCertificates = [X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null)];
        }

        return ssl;
    }

    private static bool IsTrusted(X509Certificate certificate, X509Certificate2Collection? roots, Uri[] endpoints, SslPolicyErrors errors)
    {
        using var leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        if (roots is null)
        {
            // No CA given: the system's roots decide, and only the name may differ from the channel's.
            if ((errors & ~SslPolicyErrors.RemoteCertificateNameMismatch) != SslPolicyErrors.None)
            {
                return false;
            }
        }
        else
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(roots);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            if (!chain.Build(leaf))
            {
                return false;
            }
        }

        return endpoints.Any(e => leaf.MatchesHostname(e.IdnHost.Trim('[', ']'), allowWildcards: true, allowCommonName: false));
    }

    [LoggerMessage(EventId = 1201, Level = LogLevel.Warning, Message = "etcd {Operation} failed (attempt {Attempt}, {Code}: {Detail}); retrying")]
    private partial void LogRetrying(string operation, int attempt, StatusCode code, string detail);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Error, Message = "etcd {Operation} gave up after {Attempts} attempts in {Seconds:0.0}s: {Detail}")]
    private partial void LogGaveUp(string operation, int attempts, double seconds, string detail);
}
