using System.Net;
using System.Globalization;
using KubeNet.LoadGen;
using static KubeNet.Bench.BenchHost;

namespace KubeNet.SchedulerBench;

/// <summary>
/// `kube-net server --hollow-nodes N --controllers=-* --scheduler=false` as a child process, with a fresh data
/// directory and a free loopback port, plus (when asked) `kube-net scheduler --kubeconfig F` as a second child.
/// </summary>
internal sealed class BenchCluster : IDisposable
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(5);
    private readonly Dictionary<string, string> _environment;

    private BenchCluster(ChildProcess server, HttpClient client, string kubeconfig, string serverDll, Dictionary<string, string> environment)
    {
        _environment = environment;
        Server = server;
        Client = client;
        Kubeconfig = kubeconfig;
        ServerDll = serverDll;
    }

    public ChildProcess Server { get; }

    public ChildProcess? Scheduler { get; private set; }

    /// <summary>One HTTP/2 connection with the admin certificate, as client-go's.</summary>
    public HttpClient Client { get; }

    public string Kubeconfig { get; }

    public string ServerDll { get; }

    public string BaseUrl => Client.BaseAddress!.ToString().TrimEnd('/');

    public string PkiDirectory => Path.Combine(Path.GetDirectoryName(Kubeconfig)!, "pki");

    public static string DefaultServerDll()
    {
        var repo = FindRepoRoot();
        return Path.Combine(repo, "src", "KubeNet", "bin", Configuration, "net10.0", "kube-net.dll");
    }

    public static async Task<BenchCluster> StartAsync(string serverDll, string work, int nodes, Dictionary<string, string> environment, NodeShape shape = NodeShape.Simulated)
    {
        var dataDir = Path.Combine(work, "server");
        var port = FreePort();
        string[] hollow = shape == NodeShape.Simulated ? ["--hollow-nodes", nodes.ToString(CultureInfo.InvariantCulture)] : [];
        var server = ChildProcess.Start(DotnetHost(), [
            serverDll, "server", "--data-dir", dataDir, "--secure-port", port.ToString(CultureInfo.InvariantCulture), "--runtime", "none",
            .. hollow, "--controllers=-*", "--scheduler=false",
        ], environment);
        Console.WriteLine($"  kube-net server pid {server.Id} on https://127.0.0.1:{port} with {nodes:N0} nodes: {shape.Describe()}");
        try
        {
            var kubeconfig = Path.Combine(dataDir, "admin.kubeconfig");
            var pki = Path.Combine(dataDir, "pki");
            await WaitForAsync(server, () => shape == NodeShape.Simulated
                ? server.Tail().Contains("simulated node(s) ready", StringComparison.Ordinal)
                : File.Exists(kubeconfig) && File.Exists(Path.Combine(pki, "admin.key")), "the server to start");
            var client = HttpClients.Create($"https://127.0.0.1:{port}", Path.Combine(pki, "ca.crt"), Path.Combine(pki, "admin.crt"), Path.Combine(pki, "admin.key"));
            await HttpClients.WaitReadyAsync(client, server, StartTimeout);
            var cluster = new BenchCluster(server, client, kubeconfig, serverDll, environment);
            if (shape == NodeShape.Objects)
            {
                await cluster.CreateNodeObjectsAsync(nodes);
            }

            return cluster;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    private async Task CreateNodeObjectsAsync(int nodes)
    {
        var created = await LoadRunner.RunAsync("nodes", 16, nodes, StartTimeout, i =>
            HttpClients.ExpectAsync(Client, HttpClients.Post("/api/v1/nodes", NodeShapes.Node((int)i)), HttpStatusCode.Created), Server);
        if (created.Errors > 0)
        {
            throw new InvalidOperationException($"{created.Errors} node creates failed: {created.FirstError}\n{Server.Tail()}");
        }
    }

    /// <summary>Starts `kube-net scheduler` (leader election on, as deployed) and waits until it schedules.</summary>
    public async Task StartSchedulerAsync(IReadOnlyDictionary<string, string> extraEnvironment)
    {
        var environment = _environment.Concat(extraEnvironment).ToDictionary();
        Scheduler = ChildProcess.Start(DotnetHost(), [ServerDll, "scheduler", "--kubeconfig", Kubeconfig], environment);
        Console.WriteLine($"  kube-net scheduler pid {Scheduler.Id}");
        var scheduler = Scheduler;
        await WaitForAsync(scheduler, () => scheduler.Tail().Contains("Scheduler started", StringComparison.Ordinal), "the scheduler to start");
    }

    /// <summary>A second client on its own connection (watches, samplers) so it never queues behind the load.</summary>
    public HttpClient NewClient(TimeSpan timeout)
    {
        var client = HttpClients.Create(BaseUrl, Path.Combine(PkiDirectory, "ca.crt"), Path.Combine(PkiDirectory, "admin.crt"), Path.Combine(PkiDirectory, "admin.key"));
        client.Timeout = timeout;
        return client;
    }

    public async Task CreateNamespaceAsync(string name)
    {
        var body = System.Text.Encoding.UTF8.GetBytes("{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"" + name + "\"}}");
        await HttpClients.ExpectAsync(Client, HttpClients.Post("/api/v1/namespaces", body), HttpStatusCode.Created);
    }

    public void Dispose()
    {
        Scheduler?.Dispose();
        Server.Dispose();
        Client.Dispose();
    }

    private static async Task WaitForAsync(ChildProcess process, Func<bool> done, string what)
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (!done())
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"gave up waiting for {what}:\n{process.Tail()}");
            }

            await Task.Delay(200);
        }
    }
}

/// <summary>Samples the RSS of the children every 200 ms and keeps the peak since the last reset.</summary>
internal sealed class RssSampler : IAsyncDisposable
{
    private readonly ChildProcess[] _processes;
    private readonly long[] _peaks;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public RssSampler(params ChildProcess[] processes)
    {
        _processes = processes;
        _peaks = new long[processes.Length];
        _loop = Task.Run(LoopAsync);
    }

    public long Peak(int index) => Interlocked.Read(ref _peaks[index]);

    public void Reset()
    {
        for (var i = 0; i < _peaks.Length; i++)
        {
            Interlocked.Exchange(ref _peaks[i], 0);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            for (var i = 0; i < _processes.Length; i++)
            {
                try
                {
                    var rss = _processes[i].RssBytes();
                    if (rss > Interlocked.Read(ref _peaks[i]))
                    {
                        Interlocked.Exchange(ref _peaks[i], rss);
                    }
                }
                catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException)
                {
                    // The process is gone; the run reports that elsewhere.
                }
            }

            try
            {
                await Task.Delay(200, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
