using System.Net;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using k8s;
using k8s.Models;
using KubeNet.ControllerBench;
using KubeNet.LoadGen;
using static KubeNet.Bench.BenchHost;

namespace KubeNet.PodStartupBench;

/// <summary>What one run measured (latencies in milliseconds, one per pod or container).</summary>
internal sealed class Results
{
    public required Machine Machine { get; init; }
    public required DateTimeOffset Started { get; init; }
    public required Options Options { get; init; }
    public required string Commit { get; init; }
    public string DockerVersion { get; set; } = "";
    public List<double> DockerRun { get; } = [];
    public TimeSpan DockerTotal { get; set; }
    public List<double> PodRunning { get; } = [];
    public List<double> PodScheduled { get; } = [];
    public TimeSpan PodTotal { get; set; }
    public TimeSpan ServerCpu { get; set; }
    public double SteadyRate { get; set; }
    public List<double> SteadyRunning { get; } = [];
    public List<double> SteadyScheduled { get; } = [];
    public TimeSpan SteadyTotal { get; set; }
    public TimeSpan SteadyCpu { get; set; }
    public Breakdown BurstBreakdown { get; } = new();
    public Breakdown SteadyBreakdown { get; } = new();
    public string PodIpSample { get; set; } = "";
}

/// <summary>
/// Pod startup latency on one Docker-backed node: `kube-net server --runtime docker` (API server, scheduler,
/// controllers, the kubelet with our Docker CRI server) as a separate process; N pods created by C concurrent clients,
/// each timed from the moment its create is sent to the moment a watch shows it Running. The baseline, in the same
/// run and Docker, is N bare `docker run -d --network none busybox sleep 3600` by C concurrent callers, each timed
/// from the command's start to its return (docker run -d returns once the container runs).
/// </summary>
internal static class Bench
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(2);

    public static async Task<int> RunAsync(Options options)
    {
        var repo = FindRepoRoot();
        var serverDll = Path.Combine(repo, "src", "KubeNet", "bin", Configuration, "net10.0", "kube-net.dll");
        if (!File.Exists(serverDll))
        {
            await Console.Error.WriteLineAsync($"podstartupbench: {serverDll} is missing; build it with: dotnet build -c Release src/KubeNet");
            return 2;
        }

        var (code, output) = await RunAsync("bash", Path.Combine(repo, "hack", "docker.sh"), "up");
        if (code != 0)
        {
            await Console.Error.WriteLineAsync($"podstartupbench: Docker is required and hack/docker.sh could not start it: {output}");
            return 1;
        }

#if DEBUG
        Console.WriteLine("warning: this is a Debug build; figures are only meaningful with -c Release");
#endif
        var work = Path.Combine(Path.GetTempPath(), $"kubenet-podstartupbench-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Environment.ProcessId}");
        Directory.CreateDirectory(work);
        var (_, commit) = await RunAsync("git", "-C", repo, "rev-parse", "--short", "HEAD");
        var results = new Results { Machine = Machine.Describe(work), Started = DateTimeOffset.UtcNow, Options = options, Commit = commit.Trim() };
        (_, var dockerVersion) = await RunAsync("docker", "version", "--format", "{{.Server.Version}}");
        results.DockerVersion = dockerVersion.Trim();
        var m = results.Machine;
        Console.WriteLine($"machine: {m.Cores} cores ({m.Cpu}), {m.MemoryBytes / (1024.0 * 1024 * 1024):F1} GiB, {m.Os}, Linux {m.Kernel}, {m.DotNet}; Docker {results.DockerVersion}; commit {results.Commit}");
        try
        {
            await DockerBaselineAsync(options, results);
            await PodsAsync(options, serverDll, work, results);
            Breakdown.Read(Path.Combine(work, "server.log"), results);
        }
        finally
        {
            if (!options.KeepData)
            {
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

        var markdown = Report.Markdown(results);
        Console.WriteLine();
        Console.WriteLine(markdown);
        if (!options.NoWrite && options.Recordable)
        {
            var target = Path.GetFullPath(options.Out ?? Path.Combine(repo, "docs", "BENCHMARKS.md"));
            Report.Update(target, markdown);
            Console.WriteLine($"updated {target}");
        }

        return 0;
    }

    private static async Task DockerBaselineAsync(Options options, Results results)
    {
        var prefix = $"kn-podbench-{Environment.ProcessId}-";
        try
        {
            // One unmeasured run first, so neither phase pays for a cold image or daemon.
            await DockerRunAsync(prefix + "warmup");
            var latencies = new ConcurrentBag<double>();
            var clock = Stopwatch.StartNew();
            await ForEachConcurrentAsync(options.Pods, options.Clients, async i =>
            {
                var started = clock.Elapsed;
                await DockerRunAsync(prefix + i.ToString(CultureInfo.InvariantCulture));
                latencies.Add((clock.Elapsed - started).TotalMilliseconds);
            });
            results.DockerTotal = clock.Elapsed;
            results.DockerRun.AddRange(latencies.Order());
            Console.WriteLine($"baseline: {options.Pods} docker run -d in {results.DockerTotal.TotalSeconds:F1} s, p50 {Percentile(results.DockerRun, 50):F0} ms, p99 {Percentile(results.DockerRun, 99):F0} ms");
        }
        finally
        {
            var (_, ids) = await RunAsync("docker", "ps", "-aq", "--filter", "name=" + prefix);
            var all = ids.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (all.Length > 0)
            {
                await RunAsync("docker", ["rm", "-f", .. all]);
            }
        }
    }

    private static async Task DockerRunAsync(string name)
    {
        var (code, output) = await RunAsync("docker", "run", "-d", "--network", "none", "--name", name, "busybox", "sleep", "3600");
        if (code != 0)
        {
            throw new InvalidOperationException($"docker run {name} failed: {output}");
        }
    }

    private static async Task PodsAsync(Options options, string serverDll, string work, Results results)
    {
        var dataDir = Path.Combine(work, "server");
        var port = FreePort().ToString(CultureInfo.InvariantCulture);
        var nodeName = $"podbench-{Environment.ProcessId}";
        var ns = $"podbench-{Environment.ProcessId}";
        using var server = Child.Start(DotnetHost(),
            [serverDll, "server", "--data-dir", dataDir, "--secure-port", port, "--runtime", "docker", "--node-name", nodeName, "--kubelet-port", "0", "--pod-cidr", "10.215.0.0/24"],
            Path.Combine(work, "server.log"));
        Console.WriteLine($"kube-net server pid {server.Id} (API server, controllers, scheduler, kubelet on Docker) on https://127.0.0.1:{port}");
        await server.WaitForLineAsync($"node {nodeName} registered", StartTimeout);
        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(Path.Combine(dataDir, "admin.kubeconfig")));
        await WaitAsync(async () => (await client.CoreV1.ReadNodeAsync(nodeName)).Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true,
            StartTimeout, "the node to be Ready");
        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
        try
        {
            // One unmeasured pod first: the measured ones find the kubelet, scheduler and API server warm.
            var warm = await client.CoreV1.CreateNamespacedPodAsync(Pod("warmup"), ns);
            try
            {
                await WaitAsync(async () => (await client.CoreV1.ReadNamespacedPodAsync("warmup", ns)).Status?.Phase == "Running", StartTimeout, "the warm-up pod to run");
            }
            catch (TimeoutException)
            {
                Console.WriteLine(KubernetesJson.Serialize((await client.CoreV1.ReadNamespacedPodAsync("warmup", ns)).Status));
                Console.WriteLine(server.Tail());
                throw;
            }

            results.PodIpSample = (await client.CoreV1.ReadNamespacedPodAsync("warmup", ns)).Status.PodIP ?? "";
            await client.CoreV1.DeleteNamespacedPodAsync("warmup", ns, new V1DeleteOptions { GracePeriodSeconds = 0 });
            await WaitAsync(async () => (await client.CoreV1.ListNamespacedPodAsync(ns)).Items.Count == 0, StartTimeout, "the warm-up pod to go");

            var burst = await PhaseAsync(client, ns, server, "p-", options, rate: null);
            results.PodRunning.AddRange(burst.Running);
            results.PodScheduled.AddRange(burst.Scheduled);
            results.PodTotal = burst.Total;
            results.ServerCpu = burst.Cpu;
            Console.WriteLine($"burst: {options.Pods} pods Running after {results.PodTotal.TotalSeconds:F1} s, p50 {Percentile(results.PodRunning, 50):F0} ms, p99 {Percentile(results.PodRunning, 99):F0} ms");
            await ClearAsync(client, ns);

            // Steady load, as upstream's SLO is defined: one pod every 1/rate seconds, the rate below what the runtime
            // showed it sustains (each pod asks Docker for two containers: the sandbox and busybox).
            var containersPerSecond = options.Pods / results.DockerTotal.TotalSeconds;
            results.SteadyRate = options.Rate ?? Math.Round(Math.Max(0.2, containersPerSecond / 2 * 0.5), 1);
            Console.WriteLine($"steady: Docker ran {containersPerSecond:F1} containers/s in the baseline, so about {containersPerSecond / 2:F1} pods/s at most; creating {options.Pods} pods at {results.SteadyRate:F1} pods/s");
            var steady = await PhaseAsync(client, ns, server, "s-", options, results.SteadyRate);
            results.SteadyRunning.AddRange(steady.Running);
            results.SteadyScheduled.AddRange(steady.Scheduled);
            results.SteadyTotal = steady.Total;
            results.SteadyCpu = steady.Cpu;
            Console.WriteLine($"steady: {options.Pods} pods Running after {results.SteadyTotal.TotalSeconds:F1} s, p50 {Percentile(results.SteadyRunning, 50):F0} ms, p99 {Percentile(results.SteadyRunning, 99):F0} ms");
        }
        finally
        {
            await ClearAsync(client, ns);
        }
    }

    /// <summary>
    /// Creates the pods (prefix + index) by C concurrent clients at once, or one every 1/rate seconds, and times each
    /// from its create to Running on one watch of the namespace.
    /// </summary>
    private static async Task<(List<double> Running, List<double> Scheduled, TimeSpan Total, TimeSpan Cpu)> PhaseAsync(
        IKubernetes client, string ns, Child server, string prefix, Options options, double? rate)
    {
        var sent = new ConcurrentDictionary<string, TimeSpan>(StringComparer.Ordinal);
        var running = new ConcurrentDictionary<string, TimeSpan>(StringComparer.Ordinal);
        var scheduled = new ConcurrentDictionary<string, TimeSpan>(StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();
        var rv = (await client.CoreV1.ListNamespacedPodAsync(ns)).Metadata.ResourceVersion;
        using var watching = new CancellationTokenSource(options.Timeout);
        var allRunning = WatchAsync(client, ns, rv, options.Pods, clock, running, scheduled, watching.Token);
        var cpu = server.CpuTime();
        async Task CreateAsync(int i)
        {
            var name = prefix + i.ToString(CultureInfo.InvariantCulture);
            sent[name] = clock.Elapsed;
            await client.CoreV1.CreateNamespacedPodAsync(Pod(name), ns);
        }

        if (rate is { } perSecond)
        {
            var creates = new List<Task>();
            for (var i = 0; i < options.Pods; i++)
            {
                var wait = TimeSpan.FromSeconds(i / perSecond) - clock.Elapsed;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait);
                }

                creates.Add(CreateAsync(i));
            }

            await Task.WhenAll(creates);
        }
        else
        {
            await ForEachConcurrentAsync(options.Pods, options.Clients, CreateAsync);
        }

        await allRunning;
        var total = clock.Elapsed;
        return (
            sent.Select(s => (running[s.Key] - s.Value).TotalMilliseconds).Order().ToList(),
            sent.Where(s => scheduled.ContainsKey(s.Key)).Select(s => (scheduled[s.Key] - s.Value).TotalMilliseconds).Order().ToList(),
            total,
            server.CpuTime() - cpu);
    }

    /// <summary>Deletes the namespace's pods through the kubelet and waits for their containers to go.</summary>
    private static async Task ClearAsync(IKubernetes client, string ns)
    {
        await client.CoreV1.DeleteCollectionNamespacedPodAsync(ns, new V1DeleteOptions { GracePeriodSeconds = 0 });
        try
        {
            await WaitAsync(async () => (await client.CoreV1.ListNamespacedPodAsync(ns)).Items.Count == 0, StartTimeout, "the pods to go");
        }
        catch (TimeoutException ex)
        {
            Console.WriteLine($"note: {ex.Message}");
        }

        // The API forgets a pod deleted with grace 0 at once; its containers go when the kubelet catches up, so the
        // server stays until then, and whatever is left after a minute is removed here.
        async Task<string[]> LeftAsync()
        {
            var (_, ids) = await RunAsync("docker", "ps", "-aq", "--filter", "label=io.kubernetes.pod.namespace=" + ns);
            return ids.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }

        var deadline = DateTime.UtcNow.AddMinutes(1);
        while ((await LeftAsync()).Length > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(500);
        }

        var left = await LeftAsync();
        if (left.Length > 0)
        {
            await RunAsync("docker", ["rm", "-f", .. left]);
        }
    }

    /// <summary>Records when each pod is first seen bound and Running, from one watch, until all are Running.</summary>
    private static async Task WatchAsync(IKubernetes client, string ns, string rv, int count, Stopwatch clock,
        ConcurrentDictionary<string, TimeSpan> running, ConcurrentDictionary<string, TimeSpan> scheduled, CancellationToken ct)
    {
        while (running.Count < count)
        {
            var response = client.CoreV1.ListNamespacedPodWithHttpMessagesAsync(ns, watch: true, resourceVersion: rv, allowWatchBookmarks: true, cancellationToken: ct);
#pragma warning disable CS0618 // The generic watch over a list response.
            await foreach (var (_, pod) in response.WatchAsync<V1Pod, V1PodList>(cancellationToken: ct))
#pragma warning restore CS0618
            {
                var now = clock.Elapsed;
                rv = pod.Metadata.ResourceVersion;
                if (!string.IsNullOrEmpty(pod.Spec?.NodeName))
                {
                    scheduled.TryAdd(pod.Metadata.Name, now);
                }

                if (pod.Status?.Phase == "Running")
                {
                    running.TryAdd(pod.Metadata.Name, now);
                }

                if (running.Count >= count)
                {
                    return;
                }
            }
        }
    }

    private static V1Pod Pod(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1PodSpec
        {
            TerminationGracePeriodSeconds = 0,
            AutomountServiceAccountToken = false,
            Containers = [new V1Container { Name = "c", Image = "busybox", ImagePullPolicy = "IfNotPresent", Command = ["sleep", "3600"] }],
        },
    };

    private static async Task ForEachConcurrentAsync(int count, int workers, Func<int, Task> body)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(async () =>
        {
            for (var i = Interlocked.Increment(ref next); i < count; i = Interlocked.Increment(ref next))
            {
                await body(i);
            }
        })));
    }

    public static double Percentile(List<double> sorted, double p)
    {
        if (sorted.Count == 0)
        {
            return double.NaN;
        }

        // Nearest rank, as upstream's latency summaries report it.
        var rank = (int)Math.Ceiling(p / 100 * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("timed out waiting for " + what);
            }

            await Task.Delay(100);
        }
    }

    private static async Task<(int Code, string Output)> RunAsync(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }
}
