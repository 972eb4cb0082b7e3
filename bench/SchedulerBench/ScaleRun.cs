using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using KubeNet.LoadGen;

namespace KubeNet.SchedulerBench;

/// <summary>Latencies of the single-object requests a sampler sent during one part of the run.</summary>
internal sealed class Samples
{
    private readonly List<double> _get = [];
    private readonly List<double> _patch = [];

    public long Errors;
    public string? FirstError;

    public void Add(bool patch, double ms)
    {
        lock (this)
        {
            (patch ? _patch : _get).Add(ms);
        }
    }

    public (int Count, double P50, double P99, double Max) Get() => Stats(_get);

    public (int Count, double P50, double P99, double Max) Patch() => Stats(_patch);

    private (int, double, double, double) Stats(List<double> values)
    {
        lock (this)
        {
            var a = values.ToArray();
            return (a.Length, SchedulingRun.Percentile(a, 0.5), SchedulingRun.Percentile(a, 0.99), a.Length == 0 ? double.NaN : a.Max());
        }
    }
}

internal sealed class ScaleResults
{
    public required Machine Machine { get; init; }
    public required DateTimeOffset Started { get; init; }
    public required string Commit { get; init; }
    public required Options Options { get; init; }
    public string ServerGc { get; set; } = "";
    public TimeSpan NodesRegistered { get; set; }
    public long IdleRss { get; set; }
    public long AfterCreatesRss { get; set; }
    public long PeakRss { get; set; }
    public long EndRss { get; set; }
    public PhaseResult? Creates { get; set; }
    public TimeSpan Settle { get; set; }
    public TimeSpan KubectlWall { get; set; }
    public int KubectlExit { get; set; }
    public string KubectlError { get; set; } = "";
    public TimeSpan ServerCpuDuringCreates { get; set; }
    public Samples DuringCreates { get; } = new();
    public Samples DuringKubectl { get; } = new();
}

/// <summary>
/// The scale run: one `kube-net server` with simulated nodes takes pods (nodeName preset, spread over the nodes and
/// namespaces) until it holds them all, while a sampler sends single GETs and label PATCHes of random existing pods on
/// a connection of its own; then stock kubectl lists every pod in chunks of 500.
/// </summary>
internal static class ScaleRun
{
    private static readonly TimeSpan KubectlLimit = TimeSpan.FromMinutes(10);

    public static async Task<int> RunAsync(Options options)
    {
        var serverDll = Path.GetFullPath(options.ServerDll ?? BenchCluster.DefaultServerDll());
        if (!File.Exists(serverDll))
        {
            await Console.Error.WriteLineAsync($"schedulerbench: {serverDll} is missing; build it with: dotnet build -c Release src/KubeNet");
            return 2;
        }

        var work = Path.Combine(Path.GetTempPath(), $"kubenet-scalebench-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Environment.ProcessId}");
        Directory.CreateDirectory(work);
        var r = new ScaleResults
        {
            Machine = Machine.Describe(work),
            Started = DateTimeOffset.UtcNow,
            Commit = Git.Commit(),
            Options = options,
            ServerGc = Machine.GcMode(serverDll),
        };
        Print.Machine(r.Machine, work);
        try
        {
            await RunInAsync(options, serverDll, work, r);
        }
        finally
        {
            SchedulingRun.Cleanup(work, options.KeepData);
        }

        var markdown = ScaleReport.Markdown(r);
        Console.WriteLine();
        Console.WriteLine(markdown);
        Print.Update(options, markdown, ScaleReport.Begin, ScaleReport.End);
        return r.Creates!.Errors > 0 || r.KubectlExit != 0 ? 1 : 0;
    }

    private static async Task RunInAsync(Options options, string serverDll, string work, ScaleResults r)
    {
        var clock = Stopwatch.StartNew();
        using var cluster = await BenchCluster.StartAsync(serverDll, work, options.Nodes, options.ChildEnvironment);
        r.NodesRegistered = clock.Elapsed;
        Console.WriteLine($"  {options.Nodes:N0} nodes registered after {r.NodesRegistered.TotalSeconds:F1} s");
        await Task.Delay(TimeSpan.FromSeconds(10));
        r.IdleRss = cluster.Server.RssBytes();
        Console.WriteLine($"  idle RSS {SchedulingRun.Mb(r.IdleRss):F0} MB");
        await using var sampler = new RssSampler(cluster.Server);

        var namespaces = Enumerable.Range(0, options.ScaleNamespaces).Select(i => "scale-" + i.ToString("D2", CultureInfo.InvariantCulture)).ToArray();
        foreach (var ns in namespaces)
        {
            await cluster.CreateNamespaceAsync(ns);
        }

        var total = options.ScalePods;
        var done = new int[total];
        Array.Fill(done, -1);
        var doneCount = 0;
        using var sampleClient = cluster.NewClient(TimeSpan.FromSeconds(60));
        string Path(int i) => $"/api/v1/namespaces/{namespaces[i % namespaces.Length]}/pods";
        var current = r.DuringCreates;
        using var stopSampling = new CancellationTokenSource();
        var sampling = Task.Run(() => SampleAsync(sampleClient, () => current, () =>
        {
            var n = Volatile.Read(ref doneCount);
            return n == 0 ? -1 : Volatile.Read(ref done[Random.Shared.Next(n)]);
        }, i => Path(i) + "/" + PodPayload.Name(i), stopSampling.Token));

        var serverCpu = cluster.Server.CpuTime();
        r.Creates = await LoadRunner.RunAsync($"create pods (nodeName preset) until the server holds {total:N0}", options.Clients, total, TimeSpan.FromMinutes(10), async i =>
        {
            var index = (int)i;
            var body = PodPayload.Pod(namespaces[index % namespaces.Length], PodPayload.Name(index), PodPayload.NodeName(index, options.Nodes), "10m", "10Mi");
            var n = await HttpClients.ExpectAsync(cluster.Client, HttpClients.Post(Path(index), body), HttpStatusCode.Created);
            Volatile.Write(ref done[Interlocked.Increment(ref doneCount) - 1], index);
            return n;
        }, cluster.Server);
        r.ServerCpuDuringCreates = cluster.Server.CpuTime() - serverCpu;
        r.AfterCreatesRss = cluster.Server.RssBytes();
        Console.WriteLine($"  RSS after creates {SchedulingRun.Mb(r.AfterCreatesRss):F0} MB");
        r.Settle = await SettleAsync(cluster.Server);
        Console.WriteLine($"  server quiet {r.Settle.TotalSeconds:F0} s after the last create (simulated nodes reporting pods running)");

        current = r.DuringKubectl;
        var kubectl = Stopwatch.StartNew();
        var info = new ProcessStartInfo("/bin/sh", ["-c", "exec kubectl get pods -A --chunk-size=500 >/dev/null"])
        {
            RedirectStandardError = true,
            UseShellExecute = false,
            Environment = { ["KUBECONFIG"] = cluster.Kubeconfig },
        };
        using (var process = Process.Start(info) ?? throw new InvalidOperationException("kubectl did not start"))
        {
            var stderr = process.StandardError.ReadToEndAsync();
            using var limit = new CancellationTokenSource(KubectlLimit);
            try
            {
                await process.WaitForExitAsync(limit.Token);
                r.KubectlExit = process.ExitCode;
                r.KubectlError = (await stderr).Trim();
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                r.KubectlExit = -1;
                r.KubectlError = $"stopped after {KubectlLimit.TotalMinutes:F0} minutes";
            }

            r.KubectlWall = kubectl.Elapsed;
        }

        Console.WriteLine($"  kubectl get pods -A --chunk-size=500: {r.KubectlWall.TotalSeconds:F1} s, exit {r.KubectlExit} {r.KubectlError}");
        await stopSampling.CancelAsync();
        await sampling;
        r.PeakRss = sampler.Peak(0);
        r.EndRss = cluster.Server.RssBytes();
        foreach (var (name, s) in new[] { ("during creates", r.DuringCreates), ("during kubectl", r.DuringKubectl) })
        {
            var g = s.Get();
            var p = s.Patch();
            Console.WriteLine(FormattableString.Invariant($"  {name}: GET n={g.Count} p99 {g.P99:F1} ms, PATCH n={p.Count} p99 {p.P99:F1} ms, errors {s.Errors} {s.FirstError}"));
        }
    }

    /// <summary>Waits until the server uses under a fifth of a core over 2 s (at most 3 minutes).</summary>
    private static async Task<TimeSpan> SettleAsync(ChildProcess server)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromMinutes(3))
        {
            var before = server.CpuTime();
            await Task.Delay(2000);
            if ((server.CpuTime() - before).TotalSeconds < 0.4)
            {
                break;
            }
        }

        return clock.Elapsed;
    }

    /// <summary>A GET and a label PATCH of random existing pods, 10 times a second, until stopped.</summary>
    private static async Task SampleAsync(HttpClient client, Func<Samples> target, Func<int> pick, Func<int, string> path, CancellationToken ct)
    {
        var n = 0;
        while (!ct.IsCancellationRequested)
        {
            var i = pick();
            if (i >= 0)
            {
                var samples = target();
                var patch = n++ % 2 == 1;
                var request = patch
                    ? new HttpRequestMessage(HttpMethod.Patch, path(i))
                    {
                        Version = HttpVersion.Version20,
                        VersionPolicy = HttpVersionPolicy.RequestVersionExact,
                        Content = new ByteArrayContent(Encoding.UTF8.GetBytes("{\"metadata\":{\"labels\":{\"sampled\":\"" + n.ToString(CultureInfo.InvariantCulture) + "\"}}}"))
                        {
                            Headers = { ContentType = new("application/merge-patch+json") },
                        },
                    }
                    : HttpClients.Get(path(i));
                var start = Stopwatch.GetTimestamp();
                try
                {
                    await HttpClients.ExpectAsync(client, request, HttpStatusCode.OK);
                    samples.Add(patch, Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
                catch (Exception e) when (e is HttpRequestException or InvalidOperationException or TaskCanceledException && !ct.IsCancellationRequested)
                {
                    Interlocked.Increment(ref samples.Errors);
                    Interlocked.CompareExchange(ref samples.FirstError, e.Message, null);
                }
            }

            try
            {
                await Task.Delay(100, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
