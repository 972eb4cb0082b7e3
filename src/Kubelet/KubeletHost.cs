using System.Security.Cryptography.X509Certificates;
using k8s;
using KubeNet.Client;
using KubeNet.Kubelet.Cri;
using KubeNet.Kubelet.Node;
using KubeNet.Kubelet.Pods;
using KubeNet.Kubelet.Probes;
using KubeNet.Kubelet.Server;
using KubeNet.Kubelet.Volumes;
using Microsoft.Extensions.Logging;

namespace KubeNet.Kubelet;

/// <summary>
/// A running kubelet: a CRI client to the runtime endpoint, the node agent (registration, lease, status), the pod
/// workers and the HTTPS server. It talks to the API server only through the client it is given, as upstream's does;
/// `kube-net kubelet` and `kube-net server` start it the same way.
/// </summary>
public sealed partial class KubeletHost : IAsyncDisposable
{
    private readonly CriClient _cri;
    private readonly NodeAgent _node;
    private readonly PodWorkers _pods;
    private readonly KubeletServer _server;
    private readonly ProbeManager _probes;
    private readonly EventRecorder _events;
    private readonly CancellationTokenSource _stop = new();
    private Task? _nodeLoop;
    private Task? _statsLoop;

    private KubeletHost(CriClient cri, NodeAgent node, PodWorkers pods, KubeletServer server, ProbeManager probes, EventRecorder events)
    {
        _cri = cri;
        _node = node;
        _pods = pods;
        _server = server;
        _probes = probes;
        _events = events;
    }

    /// <summary>The port the kubelet's HTTPS server listens on.</summary>
    public int Port => _server.Port;

    public static async Task<KubeletHost> StartAsync(string kubeconfigPath, KubeletOptions options, ILoggerFactory loggerFactory, CancellationToken ct = default)
    {
        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfigPath);
        return await StartAsync(new Kubernetes(config), config.SslCaCerts ?? [], options, loggerFactory, ct);
    }

    public static async Task<KubeletHost> StartAsync(IKubernetes client, X509Certificate2Collection clusterCas, KubeletOptions options, ILoggerFactory loggerFactory, CancellationToken ct = default)
    {
        options.Validate();
        Directory.CreateDirectory(options.RootDirectory);
        var logger = loggerFactory.CreateLogger("KubeNet.Kubelet");
        var cri = new CriClient(options.RuntimeEndpoint);
        var events = new EventRecorder(client, "kubelet", options.NodeName, logger);
        PodWorkers? workers = null;
        var probes = new ProbeManager(cri, events, uid => workers?.Wake(uid));
        var volumes = new VolumeManager(client, options.RootDirectory);
        var backoff = new BackoffTracker(options.BackoffInitial, options.BackoffMax);
        var syncer = new PodSyncer(client, cri, volumes, probes, backoff, events, options, logger);
        NodeAgent? node = null;
        workers = new PodWorkers(client, cri, syncer, probes, options, () => node?.RuntimeName ?? "docker", logger);
        var summary = new Stats.SummaryProvider(cri, () => workers.Pods, options, logger);
        var server = new KubeletServer(workers, cri, clusterCas, "docker", summary);
        await server.StartAsync(options.Address, options.Port, ct);
        node = new NodeAgent(client, cri, options, server.Port, logger);
        await node.RegisterAsync(ct);
        var host = new KubeletHost(cri, node, workers, server, probes, events);
        workers.Start();
        host._nodeLoop = Task.Run(() => node.RunAsync(host._stop.Token), CancellationToken.None);
        host._statsLoop = Task.Run(() => summary.RunAsync(options.StatsInterval, host._stop.Token), CancellationToken.None);
        LogStarted(logger, options.NodeName, options.RuntimeEndpoint, server.Port);
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await (_nodeLoop ?? Task.CompletedTask);
            await (_statsLoop ?? Task.CompletedTask);
        }
        catch (OperationCanceledException)
        {
        }
        catch (Grpc.Core.RpcException e) when (e.StatusCode == Grpc.Core.StatusCode.Cancelled)
        {
            // A runtime call cut short by the stop: gRPC reports the cancellation as its own status.
        }

        await _pods.DisposeAsync();
        await _server.StopAsync();
        _probes.Dispose();
        await _events.DisposeAsync();
        _cri.Dispose();
        _stop.Dispose();
    }

    [LoggerMessage(EventId = 6002, Level = LogLevel.Information, Message = "Kubelet for node {Node} running (runtime {Endpoint}, port {Port})")]
    private static partial void LogStarted(ILogger logger, string node, string endpoint, int port);
}
