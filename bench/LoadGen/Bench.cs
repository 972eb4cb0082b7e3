using System.Net;
using static KubeNet.Bench.BenchHost;

namespace KubeNet.LoadGen;

/// <summary>Everything one run measured; a phase left out with --only stays null.</summary>
internal sealed class Results
{
    public required Machine Machine { get; init; }
    public required DateTimeOffset Started { get; init; }
    public required int Clients { get; init; }
    public PhaseResult? RawSqlite { get; set; }
    public PhaseResult? Store { get; set; }
    public PhaseResult? KestrelGet { get; set; }
    public PhaseResult? KestrelPost { get; set; }
    public PhaseResult? Create { get; set; }
    public PhaseResult? Get { get; set; }
    public PhaseResult? List { get; set; }
    public long? KestrelIdleRss { get; set; }
    public long? KestrelLoadedRss { get; set; }
    public long? ServerIdleRss { get; set; }
    public long? ServerLoadedRss { get; set; }
    public string ServerGc { get; set; } = "";
    public string KestrelGc { get; set; } = "";

    /// <summary>CPU used so far by the storage process behind the server (etcd), when there is one.</summary>
    public Func<TimeSpan>? BackendCpu { get; set; }

    /// <summary>What <see cref="BackendCpu"/> grew by during the create phase.</summary>
    public TimeSpan? BackendCpuDuringCreates { get; set; }

    public IEnumerable<PhaseResult> Phases =>
        new[] { RawSqlite, Store, KestrelGet, KestrelPost, Create, Get, List }.OfType<PhaseResult>();
}

internal static class Bench
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    public static async Task<int> RunAsync(BenchOptions options)
    {
        var repo = FindRepoRoot();
        var serverDll = Path.GetFullPath(options.ServerDll ?? Path.Combine(repo, "src", "KubeNet", "bin", Configuration, "net10.0", "kube-net.dll"));
        if ((options.Etcd || options.Only.Contains("server")) && !File.Exists(serverDll))
        {
            await Console.Error.WriteLineAsync($"loadgen: {serverDll} is missing; build it with: dotnet build -c Release src/KubeNet");
            return 2;
        }

#if DEBUG
        Console.WriteLine("warning: this is a Debug build of the load generator; figures are only meaningful with -c Release");
#endif

        var work = Path.Combine(Path.GetTempPath(), $"kubenet-bench-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Environment.ProcessId}");
        Directory.CreateDirectory(work);
        var results = new Results { Machine = Machine.Describe(work), Started = DateTimeOffset.UtcNow, Clients = options.Clients };
        var m = results.Machine;
        Console.WriteLine($"machine: {m.Cores} cores ({m.Cpu}), {m.MemoryBytes / (1024.0 * 1024 * 1024):F1} GiB, {m.Os}, Linux {m.Kernel}, {m.DotNet}; data on {m.Filesystem}");
        Console.WriteLine($"work directory: {work}");

        EtcdResults? etcd = null;
        try
        {
            if (options.Etcd)
            {
                etcd = await EtcdBench.RunAsync(options, serverDll, work, results);
            }
            else if (options.Only.Contains("sqlite"))
            {
                Console.WriteLine("baseline: raw SQLite (Microsoft.Data.Sqlite, WAL, synchronous=FULL, one writer thread, batched commits)");
                results.RawSqlite = await SqliteBaselines.RawAsync(Path.Combine(work, "raw.db"), options);
            }

            if (!options.Etcd && options.Only.Contains("store"))
            {
                Console.WriteLine("baseline: KubeNet.Storage.Sqlite.SqliteStore.CreateAsync (synchronous=FULL, group commit)");
                results.Store = await SqliteBaselines.StoreAsync(Path.Combine(work, "store.db"), options);
            }

            if (!options.Etcd && options.Only.Contains("kestrel"))
            {
                await KestrelAsync(options, work, results);
            }

            if (!options.Etcd && options.Only.Contains("server"))
            {
                await ServerAsync(options, serverDll, work, results);
            }
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

        var markdown = etcd is null ? Report.Markdown(results) : EtcdReport.Markdown(etcd);
        Console.WriteLine();
        Console.WriteLine(markdown);
        if (!options.NoWrite && options.Recordable)
        {
            var target = Path.GetFullPath(options.Out ?? Path.Combine(repo, "docs", "BENCHMARKS.md"));
            if (etcd is null)
            {
                Report.Update(target, markdown);
            }
            else
            {
                Report.Update(target, markdown, EtcdReport.Begin, EtcdReport.End);
            }

            Console.WriteLine($"updated {target}");
        }
        else if (!options.NoWrite)
        {
            Console.WriteLine("note: a partial or tuned run (--only, --etcd-rows, --server-env, --server-arg, --server-dll, --perf-map) does not update the benchmarks document");
        }

        var failures = results.Phases.Sum(p => p.Errors) + (etcd?.Phases.Sum(p => p.Errors) ?? 0);
        if (failures > 0)
        {
            await Console.Error.WriteLineAsync($"loadgen: {failures} operations failed");
            return 1;
        }

        return 0;
    }

    private static async Task KestrelAsync(BenchOptions options, string work, Results results)
    {
        Console.WriteLine("baseline: bare Kestrel (separate process, HTTPS, HTTP/2, client certificate, fixed 1.3 KB JSON)");
        var pki = Path.Combine(work, "kestrel-pki");
        BenchPki.Create(pki);
        var port = FreePort();
        var self = typeof(Program).Assembly.Location;
        results.KestrelGc = Machine.GcMode(self);
        using var child = ChildProcess.Start(DotnetHost(), [self, BareKestrel.Verb, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--cert-dir", pki], ChildEnvironment(options));
        Console.WriteLine($"  bare Kestrel pid {child.Id} on https://127.0.0.1:{port}");
        using var client = HttpClients.Create($"https://127.0.0.1:{port}", Path.Combine(pki, BenchPki.Ca), Path.Combine(pki, BenchPki.ClientCert), Path.Combine(pki, BenchPki.ClientKey));
        await HttpClients.WaitReadyAsync(client, child, StartTimeout);
        await Task.Delay(options.Idle);
        results.KestrelIdleRss = child.RssBytes();

        const string path = "/api/v1/namespaces/bench/configmaps/cm-0000000";
        Task<int> Get(long _) => HttpClients.ExpectAsync(client, HttpClients.Get(path), HttpStatusCode.OK);
        await LoadRunner.WarmUpAsync(options.Clients, options.Warmup, Get);
        results.KestrelGet = await LoadRunner.RunAsync("bare Kestrel GET", options.Clients, long.MaxValue, options.KestrelDuration, Get, child);

        var bodies = Bodies(Math.Min(options.Creates, 4096));
        Task<int> Post(long i) => HttpClients.ExpectAsync(client, HttpClients.Post("/api/v1/namespaces/bench/configmaps", bodies[i % bodies.Length]), HttpStatusCode.Created);
        await LoadRunner.WarmUpAsync(options.Clients, options.Warmup, Post);
        results.KestrelPost = await LoadRunner.RunAsync("bare Kestrel POST", options.Clients, long.MaxValue, options.KestrelDuration, Post, child);
        results.KestrelLoadedRss = child.RssBytes();
    }

    /// <summary>The server phases (creates, gets, lists) against `kube-net VERB` (server or apiserver) with <paramref name="serverArgs"/> added.</summary>
    internal static async Task ServerAsync(BenchOptions options, string serverDll, string work, Results results, IReadOnlyList<string>? serverArgs = null, string label = "kube-net", string verb = "server")
    {
        Console.WriteLine($"{label} server: {serverDll}" + string.Concat(options.ServerEnvironment.Select(e => $" {e.Key}={e.Value}")) + string.Concat(options.ServerArguments.Select(a => " " + a)));
        results.ServerGc = Machine.GcMode(serverDll);
        var dataDir = Path.Combine(work, "server");
        var port = FreePort();
        using var child = ChildProcess.Start(
            DotnetHost(),
            [serverDll, verb, "--data-dir", dataDir, "--secure-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), .. serverArgs ?? (verb == "server" ? ["--runtime", "none"] : []), .. options.ServerArguments],
            ChildEnvironment(options).Concat(options.ServerEnvironment).ToDictionary());
        Console.WriteLine($"  kube-net {verb} pid {child.Id} on https://127.0.0.1:{port}");

        var kubeconfig = Path.Combine(dataDir, "admin.kubeconfig");
        var deadline = DateTime.UtcNow + StartTimeout;
        while (!File.Exists(kubeconfig))
        {
            if (child.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"kube-net {verb} did not write {kubeconfig}:\n{child.Tail()}");
            }

            await Task.Delay(100);
        }

        var pki = Path.Combine(dataDir, "pki");
        using var client = HttpClients.Create($"https://127.0.0.1:{port}", Path.Combine(pki, "ca.crt"), Path.Combine(pki, "admin.crt"), Path.Combine(pki, "admin.key"));
        await HttpClients.WaitReadyAsync(client, child, StartTimeout);
        await Task.Delay(options.Idle);
        results.ServerIdleRss = child.RssBytes();
        Console.WriteLine($"  idle RSS {results.ServerIdleRss / 1048576.0:F1} MB");

        foreach (var ns in new[] { Payload.Namespace, "warmup" })
        {
            var body = System.Text.Encoding.UTF8.GetBytes("{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"" + ns + "\"}}");
            await HttpClients.ExpectAsync(client, HttpClients.Post("/api/v1/namespaces", body), HttpStatusCode.Created);
        }

        // Warm-up writes go to another namespace so the measured namespace holds exactly the measured creates.
        await LoadRunner.WarmUpAsync(options.Clients, options.ServerCreateWarmup, i =>
            HttpClients.ExpectAsync(client, HttpClients.Post("/api/v1/namespaces/warmup/configmaps", Payload.ConfigMap("warmup", Payload.Name(i))), HttpStatusCode.Created));

        var bodies = Bodies(options.Creates);
        var created = new bool[options.Creates];
        const string collection = "/api/v1/namespaces/" + Payload.Namespace + "/configmaps";
        var backendBefore = results.BackendCpu?.Invoke();
        results.Create = await LoadRunner.RunAsync($"{label} create ConfigMap", options.Clients, options.Creates, options.CreateDuration, async i =>
        {
            var n = await HttpClients.ExpectAsync(client, HttpClients.Post(collection, bodies[i]), HttpStatusCode.Created);
            created[i] = true;
            return n;
        }, child);

        results.BackendCpuDuringCreates = results.BackendCpu?.Invoke() - backendBefore;
        var names = Enumerable.Range(0, created.Length).Where(i => created[i]).Select(i => collection + "/" + Payload.Name(i)).ToArray();
        if (names.Length == 0)
        {
            throw new InvalidOperationException($"no create succeeded: {results.Create.FirstError}\n{child.Tail()}");
        }

        Task<int> Get(long _) => HttpClients.ExpectAsync(client, HttpClients.Get(names[Random.Shared.Next(names.Length)]), HttpStatusCode.OK);
        await LoadRunner.WarmUpAsync(options.Clients, options.Warmup, Get);
        results.Get = await LoadRunner.RunAsync($"{label} get ConfigMap", options.Clients, options.Gets, options.GetDuration, Get, child);

        Task<int> List(long _) => HttpClients.ExpectAsync(client, HttpClients.Get(collection + "?limit=500"), HttpStatusCode.OK);
        await LoadRunner.WarmUpAsync(options.Clients, options.Warmup, List);
        results.List = await LoadRunner.RunAsync($"{label} list ConfigMaps limit=500", options.Clients, options.Lists, options.ListDuration, List, child);
        results.ServerLoadedRss = child.RssBytes();
        Console.WriteLine($"  RSS after load {results.ServerLoadedRss / 1048576.0:F1} MB");
    }

    internal static byte[][] Bodies(int count)
    {
        var bodies = new byte[count][];
        for (var i = 0; i < count; i++)
        {
            bodies[i] = Payload.ConfigMap(Payload.Namespace, Payload.Name(i));
        }

        return bodies;
    }

    // With W^X on, JIT code runs from a double-mapped memfd that perf does not look up in /tmp/perf-PID.map.
    internal static Dictionary<string, string> ChildEnvironment(BenchOptions options) =>
        options.PerfMap ? new() { ["DOTNET_PerfMapEnabled"] = "1", ["DOTNET_EnableWriteXorExecute"] = "0" } : [];
}
