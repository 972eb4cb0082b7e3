using System.Diagnostics;
using System.Net;
using KubeNet.LoadGen;

namespace KubeNet.SchedulerBench;

/// <summary>What one batch of pods measured: creation, time until every pod was seen bound, CPU and memory.</summary>
internal sealed record BatchResult(
    string Name,
    int Pods,
    PhaseResult Creates,
    TimeSpan FirstSendToLastBound,
    double AvgLatencyMs,
    double P50LatencyMs,
    double P99LatencyMs,
    double MaxLatencyMs,
    TimeSpan SchedulerCpu,
    TimeSpan ServerCpu,
    TimeSpan BenchCpu,
    long SchedulerPeakRss,
    long ServerPeakRss)
{
    public double PodsPerSecond => Pods / FirstSendToLastBound.TotalSeconds;
}

internal sealed class SchedulingResults
{
    public required Machine Machine { get; init; }
    public required DateTimeOffset Started { get; init; }
    public required string Commit { get; init; }
    public required Options Options { get; init; }
    public required NodeShape Shape { get; init; }
    public string ServerGc { get; set; } = "";
    public TimeSpan NodesRegistered { get; set; }
    public long ServerIdleRss { get; set; }
    public long SchedulerIdleRss { get; set; }
    public long SchedulerEndRss { get; set; }
    public long ServerEndRss { get; set; }
    public BatchResult? Scheduled { get; set; }
    public BatchResult? Baseline { get; set; }
}

/// <summary>
/// SchedulingBasic (upstream scheduler_perf), once per node shape: nodes, some pods scheduled first, then pods created at once
/// without nodeName and scheduled by `kube-net scheduler` in its own process; the baseline creates as many pods with
/// nodeName preset, so the API server's own create-and-watch throughput is measured in the same run.
/// </summary>
internal static class SchedulingRun
{
    private static readonly TimeSpan BindTimeout = TimeSpan.FromMinutes(6);

    public static async Task<int> RunAsync(Options options)
    {
        var serverDll = Path.GetFullPath(options.ServerDll ?? BenchCluster.DefaultServerDll());
        if (!File.Exists(serverDll))
        {
            await Console.Error.WriteLineAsync($"schedulerbench: {serverDll} is missing; build it with: dotnet build -c Release src/KubeNet");
            return 2;
        }

        var work = Path.Combine(Path.GetTempPath(), $"kubenet-schedbench-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Environment.ProcessId}");
        Directory.CreateDirectory(work);
        var machine = Machine.Describe(work);
        Print.Machine(machine, work);
        var runs = new List<SchedulingResults>();
        try
        {
            foreach (var shape in options.Shapes)
            {
                Console.WriteLine($"nodes: {shape.Describe()}");
                var results = new SchedulingResults
                {
                    Machine = machine,
                    Started = DateTimeOffset.UtcNow,
                    Commit = Git.Commit(),
                    Options = options,
                    Shape = shape,
                    ServerGc = Machine.GcMode(serverDll),
                };
                await RunInAsync(options, serverDll, Path.Combine(work, shape.ToString().ToLowerInvariant()), results);
                runs.Add(results);
            }
        }
        finally
        {
            Cleanup(work, options.KeepData);
        }

        var markdown = SchedulingReport.Markdown(runs);
        Console.WriteLine();
        Console.WriteLine(markdown);
        Print.Update(options, markdown, SchedulingReport.Begin, SchedulingReport.End);
        return runs.Sum(r => r.Scheduled!.Creates.Errors + r.Baseline!.Creates.Errors) > 0 ? 1 : 0;
    }

    private static async Task RunInAsync(Options options, string serverDll, string work, SchedulingResults results)
    {
        var startClock = Stopwatch.StartNew();
        Directory.CreateDirectory(work);
        using var cluster = await BenchCluster.StartAsync(serverDll, work, options.Nodes, options.ChildEnvironment, results.Shape);
        results.NodesRegistered = startClock.Elapsed;
        Console.WriteLine($"  {options.Nodes:N0} nodes registered after {results.NodesRegistered.TotalSeconds:F1} s");
        await cluster.StartSchedulerAsync(options.SchedulerEnvironment);
        await Task.Delay(TimeSpan.FromSeconds(5));
        results.ServerIdleRss = cluster.Server.RssBytes();
        results.SchedulerIdleRss = cluster.Scheduler!.RssBytes();
        Console.WriteLine($"  idle RSS: server {Mb(results.ServerIdleRss):F0} MB, scheduler {Mb(results.SchedulerIdleRss):F0} MB");

        using var watchClient = cluster.NewClient(Timeout.InfiniteTimeSpan);
        await using var watcher = await PodWatcher.StartAsync(watchClient);
        await using var sampler = new RssSampler(cluster.Server, cluster.Scheduler);
        foreach (var ns in new[] { "init", "measure", "baseline" })
        {
            await cluster.CreateNamespaceAsync(ns);
        }

        // Upstream's initPods: scheduled before measuring, which also warms both processes up.
        var init = await BatchAsync(cluster, watcher, sampler, options, results.Shape, "init", options.InitPods, preset: false);
        Console.WriteLine($"  init: {init.Pods:N0} pods bound in {init.FirstSendToLastBound.TotalSeconds:F1} s");

        results.Scheduled = await BatchAsync(cluster, watcher, sampler, options, results.Shape, "measure", options.Pods, preset: false);
        results.Baseline = await BatchAsync(cluster, watcher, sampler, options, results.Shape, "baseline", options.Pods, preset: true);
        results.ServerEndRss = cluster.Server.RssBytes();
        results.SchedulerEndRss = cluster.Scheduler.RssBytes();
    }

    private static async Task<BatchResult> BatchAsync(
        BenchCluster cluster, PodWatcher watcher, RssSampler sampler, Options options, NodeShape shape, string ns, int count, bool preset)
    {
        var label = preset ? "baseline: pods created with nodeName preset" : $"{ns}: pods created without nodeName, scheduled";
        var bodies = new byte[count][];
        for (var i = 0; i < count; i++)
        {
            bodies[i] = PodPayload.Pod(ns, PodPayload.Name(i), preset ? PodPayload.NodeName(i, options.Nodes, shape) : null);
        }

        var sent = new long[count];
        sampler.Reset();
        var schedulerCpu = cluster.Scheduler!.CpuTime();
        var serverCpu = cluster.Server.CpuTime();
        var benchCpu = Process.GetCurrentProcess().TotalProcessorTime;
        var first = Stopwatch.GetTimestamp();
        var path = $"/api/v1/namespaces/{ns}/pods";
        var creates = await LoadRunner.RunAsync(label, options.Clients, count, TimeSpan.FromMinutes(5), i =>
        {
            sent[i] = Stopwatch.GetTimestamp();
            return HttpClients.ExpectAsync(cluster.Client, HttpClients.Post(path, bodies[i]), HttpStatusCode.Created);
        }, cluster.Server);
        if (creates.Errors > 0)
        {
            throw new InvalidOperationException($"{creates.Errors} creates failed: {creates.FirstError}\n{cluster.Server.Tail()}");
        }

        await watcher.WaitForBoundAsync(ns, count, BindTimeout);
        var latencies = new double[count];
        var last = first;
        for (var i = 0; i < count; i++)
        {
            var bound = watcher.BoundAt(ns, PodPayload.Name(i))!.Value;
            last = Math.Max(last, bound);
            latencies[i] = (bound - sent[i]) * 1000.0 / Stopwatch.Frequency;
        }

        var result = new BatchResult(
            label,
            count,
            creates,
            Stopwatch.GetElapsedTime(first, last),
            latencies.Average(),
            Percentile(latencies, 0.50),
            Percentile(latencies, 0.99),
            latencies.Max(),
            cluster.Scheduler.CpuTime() - schedulerCpu,
            cluster.Server.CpuTime() - serverCpu,
            Process.GetCurrentProcess().TotalProcessorTime - benchCpu,
            sampler.Peak(1),
            sampler.Peak(0));
        Console.WriteLine(
            $"  {ns}: {count:N0} pods bound {result.FirstSendToLastBound.TotalSeconds:F2} s after the first create = {result.PodsPerSecond:N0} pods/s; " +
            $"create to bound avg {result.AvgLatencyMs:F0} ms, p99 {result.P99LatencyMs:F0} ms; CPU s: scheduler {result.SchedulerCpu.TotalSeconds:F1}, " +
            $"server {result.ServerCpu.TotalSeconds:F1}, bench {result.BenchCpu.TotalSeconds:F1}; peak RSS scheduler {Mb(result.SchedulerPeakRss):F0} MB, server {Mb(result.ServerPeakRss):F0} MB");
        return result;
    }

    internal static double Percentile(double[] values, double p)
    {
        var sorted = values.ToArray();
        Array.Sort(sorted);
        return sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
    }

    internal static double Mb(long bytes) => bytes / 1048576.0;

    internal static void Cleanup(string work, bool keep)
    {
        if (keep)
        {
            Console.WriteLine($"kept {work}");
            return;
        }

        try
        {
            Directory.Delete(work, recursive: true);
        }
        catch (IOException ex)
        {
            Console.WriteLine($"note: could not remove {work}: {ex.Message}");
        }
    }
}
