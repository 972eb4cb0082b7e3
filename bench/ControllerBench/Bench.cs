using System.Net;
using System.Diagnostics;
using System.Globalization;
using k8s;
using k8s.Models;
using KubeNet.LoadGen;
using static KubeNet.Bench.BenchHost;

namespace KubeNet.ControllerBench;

/// <summary>What one run measured.</summary>
internal sealed class Results
{
    public required Machine Machine { get; init; }
    public required DateTimeOffset Started { get; init; }
    public required Options Options { get; init; }
    public TimeSpan BareCreated { get; set; }
    public TimeSpan BareReady { get; set; }
    public TimeSpan BareServerCpu { get; set; }
    public TimeSpan DeploymentAvailable { get; set; }
    public TimeSpan DeploymentServerCpu { get; set; }
    public TimeSpan ManagerCpu { get; set; }
    public long ManagerIdleRss { get; set; }
    public long ManagerWarmRss { get; set; }
    public long ManagerPeakRss { get; set; }
    public long ManagerFinalRss { get; set; }
    public long ServerIdleRss { get; set; }
    public string ManagerGc { get; set; } = "";
}

/// <summary>
/// A Deployment of N replicas on simulated nodes, from creation to every replica available, with the
/// controller-manager measured as its own process; the baseline, in the same run and cluster, is N bare pods created
/// directly through the API until all are ready.
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
            await Console.Error.WriteLineAsync($"controllerbench: {serverDll} is missing; build it with: dotnet build -c Release src/KubeNet");
            return 2;
        }

#if DEBUG
        Console.WriteLine("warning: this is a Debug build; figures are only meaningful with -c Release");
#endif
        var work = Path.Combine(Path.GetTempPath(), $"kubenet-controllerbench-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Environment.ProcessId}");
        Directory.CreateDirectory(work);
        var results = new Results { Machine = Machine.Describe(work), Started = DateTimeOffset.UtcNow, Options = options, ManagerGc = Machine.GcMode(serverDll) };
        var m = results.Machine;
        Console.WriteLine($"machine: {m.Cores} cores ({m.Cpu}), {m.MemoryBytes / (1024.0 * 1024 * 1024):F1} GiB, {m.Os}, Linux {m.Kernel}, {m.DotNet}");
        try
        {
            await RunPhasesAsync(options, serverDll, work, results);
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

    private static async Task RunPhasesAsync(Options options, string serverDll, string work, Results results)
    {
        var dataDir = Path.Combine(work, "server");
        var port = FreePort().ToString(CultureInfo.InvariantCulture);
        var nodes = options.Nodes.ToString(CultureInfo.InvariantCulture);
        using var server = Child.Start(DotnetHost(), [serverDll, "server", "--data-dir", dataDir, "--secure-port", port, "--hollow-nodes", nodes, "--runtime", "none", "--controllers=-*"], Path.Combine(work, "server.log"));
        Console.WriteLine($"kube-net server pid {server.Id} (API server, scheduler, {nodes} simulated nodes, no controllers) on https://127.0.0.1:{port}");
        await server.WaitForLineAsync("simulated node(s) ready", StartTimeout);
        var kubeconfig = Path.Combine(dataDir, "admin.kubeconfig");
        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));
        results.ServerIdleRss = server.RssBytes();

        // Baseline: bare pods created straight through the API by concurrent clients, until every one is ready.
        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "bare" } });
        var serverCpu = server.CpuTime();
        var clock = Stopwatch.StartNew();
        var ready = WaitForReadyPodsAsync(client, "bare", options.Replicas, options.Timeout);
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, options.Clients).Select(_ => Task.Run(async () =>
        {
            for (var i = Interlocked.Increment(ref next); i < options.Replicas; i = Interlocked.Increment(ref next))
            {
                await client.CoreV1.CreateNamespacedPodAsync(Pod("bare-" + i.ToString(CultureInfo.InvariantCulture)), "bare");
            }
        })));
        results.BareCreated = clock.Elapsed;
        await ready;
        results.BareReady = clock.Elapsed;
        results.BareServerCpu = server.CpuTime() - serverCpu;
        Console.WriteLine($"baseline: {options.Replicas} bare pods created in {results.BareCreated.TotalSeconds:F1} s, all ready after {results.BareReady.TotalSeconds:F1} s");

        await client.CoreV1.DeleteCollectionNamespacedPodAsync("bare", new V1DeleteOptions { GracePeriodSeconds = 0 });
        await WaitAsync(async () => (await client.CoreV1.ListNamespacedPodAsync("bare", limit: 1)).Items.Count == 0, options.Timeout, "the baseline pods to go");

        using var manager = Child.Start(DotnetHost(), [serverDll, "controller-manager", "--kubeconfig", kubeconfig, "--leader-elect", "false"], Path.Combine(work, "controller-manager.log"));
        Console.WriteLine($"kube-net controller-manager pid {manager.Id}");
        await manager.WaitForLineAsync("Started", StartTimeout);
        results.ManagerIdleRss = manager.RssBytes();

        // An unmeasured warm-up rollout, so the figures are those of a running controller-manager, not of its JIT.
        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "warmup" } });
        var warmup = Deployment(Math.Max(1, options.Replicas / 10));
        warmup = await client.AppsV1.CreateNamespacedDeploymentAsync(warmup, "warmup");
        await WaitForAvailableAsync(client, warmup, options.Timeout);
        await client.AppsV1.PatchNamespacedDeploymentScaleAsync(new V1Patch("{\"spec\":{\"replicas\":0}}", V1Patch.PatchType.MergePatch), "web", "warmup");
        await WaitAsync(async () => (await client.CoreV1.ListNamespacedPodAsync("warmup", limit: 1)).Items.Count == 0, options.Timeout, "the warm-up pods to go");
        results.ManagerWarmRss = manager.RssBytes();

        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "deploy" } });
        var managerCpu = manager.CpuTime();
        serverCpu = server.CpuTime();
        using var sampling = new CancellationTokenSource();
        var peak = results.ManagerWarmRss;
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, manager.RssBytes());
                try
                {
                    await Task.Delay(100, sampling.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        });

        clock.Restart();
        var created = await client.AppsV1.CreateNamespacedDeploymentAsync(Deployment(options.Replicas), "deploy");
        await WaitForAvailableAsync(client, created, options.Timeout);
        results.DeploymentAvailable = clock.Elapsed;
        results.ManagerCpu = manager.CpuTime() - managerCpu;
        results.DeploymentServerCpu = server.CpuTime() - serverCpu;
        await sampling.CancelAsync();
        await sampler;
        results.ManagerPeakRss = Math.Max(peak, manager.RssBytes());
        results.ManagerFinalRss = manager.RssBytes();
        Console.WriteLine($"deployment: {options.Replicas} replicas available after {results.DeploymentAvailable.TotalSeconds:F1} s; controller-manager CPU {results.ManagerCpu.TotalSeconds:F1} s, peak RSS {results.ManagerPeakRss / 1048576.0:F0} MB");
    }

    private static V1Pod Pod(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["app"] = "bare" } },
        Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "busybox" }] },
    };

    private static V1Deployment Deployment(int replicas) => new()
    {
        Metadata = new V1ObjectMeta { Name = "web" },
        Spec = new V1DeploymentSpec
        {
            Replicas = replicas,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "web" } },
                Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "busybox" }] },
            },
        },
    };

    /// <summary>Counts ready pods from one watch (no polling load on the server) until <paramref name="count"/> are.</summary>
    private static async Task WaitForReadyPodsAsync(IKubernetes client, string ns, int count, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var readyPods = new HashSet<string>(StringComparer.Ordinal);
        var rv = (await client.CoreV1.ListNamespacedPodAsync(ns, cancellationToken: cts.Token)).Metadata.ResourceVersion;
        while (readyPods.Count < count)
        {
            var response = client.CoreV1.ListNamespacedPodWithHttpMessagesAsync(ns, watch: true, resourceVersion: rv, allowWatchBookmarks: true, cancellationToken: cts.Token);
#pragma warning disable CS0618 // The generic watch over a list response.
            await foreach (var (_, pod) in response.WatchAsync<V1Pod, V1PodList>(cancellationToken: cts.Token))
#pragma warning restore CS0618
            {
                rv = pod.Metadata.ResourceVersion;
                if (pod.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true)
                {
                    readyPods.Add(pod.Metadata.Name);
                }

                if (readyPods.Count >= count)
                {
                    return;
                }
            }
        }
    }

    private static async Task WaitForAvailableAsync(IKubernetes client, V1Deployment d, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var ns = d.Metadata.NamespaceProperty;
        var rv = d.Metadata.ResourceVersion;
        while (true)
        {
            var response = client.AppsV1.ListNamespacedDeploymentWithHttpMessagesAsync(
                ns, fieldSelector: "metadata.name=" + d.Metadata.Name, watch: true, resourceVersion: rv, cancellationToken: cts.Token);
#pragma warning disable CS0618
            await foreach (var (_, current) in response.WatchAsync<V1Deployment, V1DeploymentList>(cancellationToken: cts.Token))
#pragma warning restore CS0618
            {
                rv = current.Metadata.ResourceVersion;
                var s = current.Status;
                if (s?.ObservedGeneration >= current.Metadata.Generation && s.AvailableReplicas == current.Spec.Replicas && s.UpdatedReplicas == current.Spec.Replicas)
                {
                    return;
                }
            }
        }
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

            await Task.Delay(200);
        }
    }
}
