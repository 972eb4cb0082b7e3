using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using KubeNet.Storage;
using KubeNet.Storage.Etcd;
using KubeNet.Testing;

namespace KubeNet.LoadGen;

/// <summary>What the etcd run measured; the server phases reuse <see cref="Results"/>.</summary>
internal sealed class EtcdResults
{
    /// <summary>`kube-net apiserver` alone: the component the target is about.</summary>
    public required Results Server { get; init; }

    /// <summary>`kube-net server`: the same API server with the controllers and scheduler in its process.</summary>
    public Results? AllInOne { get; set; }

    public required string EtcdVersion { get; init; }
    public PhaseResult? RawPut { get; set; }
    public PhaseResult? RawTxn { get; set; }
    public PhaseResult? Store { get; set; }

    /// <summary>etcd's own CPU per operation in each phase, in µs.</summary>
    public Dictionary<string, double> EtcdCpuMicrosPerOp { get; } = new(StringComparer.Ordinal);

    public IEnumerable<PhaseResult> Phases =>
        new[] { RawPut, RawTxn, Store }.OfType<PhaseResult>().Concat(Server.Phases).Concat(AllInOne?.Phases ?? []);
}

/// <summary>
/// The etcd run: one etcd member (Debian's etcd-server) with its data on the same disk as the SQLite run, then, in
/// this order and with the same payloads and clients: raw puts and raw guarded transactions straight through
/// dotnet-etcd (the floor for the API server's writes, which are exactly such transactions), EtcdStore.CreateAsync in
/// process, `kube-net apiserver --etcd-servers` over HTTPS (the API server as a highly available deployment runs it,
/// with controllers and scheduler elsewhere), then the all-in-one `kube-net server --storage etcd` against a fresh
/// member, since the first server's objects would otherwise collide with its creates.
/// </summary>
internal static class EtcdBench
{
    public static async Task<EtcdResults> RunAsync(BenchOptions options, string serverDll, string work, Results server)
    {
        await using var etcd = await LocalEtcdCluster.StartAsync(members: 1, parentDirectory: work);
        var version = await VersionAsync(etcd.Endpoints[0]);
        Console.WriteLine($"etcd {version} at {etcd.Endpoints[0]}, data in {etcd.Directory}");
        var results = new EtcdResults { Server = server, EtcdVersion = version };
        var payloads = Enumerable.Range(0, Math.Min(options.BaselineWrites, 4096)).Select(i => ByteString.CopyFrom(Payload.ConfigMap(Payload.Namespace, Payload.Name(i)))).ToArray();

        using (var client = new EtcdClient(etcd.Endpoints[0], configureChannelOptions: o => o.Credentials = ChannelCredentials.Insecure))
        {
            Console.WriteLine("baseline: raw etcd puts (dotnet-etcd PutAsync, no condition)");
            results.RawPut = await MeasureAsync(etcd, results, "raw etcd put", options, async i =>
            {
                await client.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8("/raw/put/" + Payload.Name(i)), Value = payloads[i % payloads.Length] });
                return 0;
            });

            // What the API server does for a create: put only if the key has never been written.
            Console.WriteLine("baseline: raw guarded etcd transactions (dotnet-etcd TransactionAsync: compare create_revision = 0, then put)");
            results.RawTxn = await MeasureAsync(etcd, results, "raw etcd guarded txn", options, async i =>
            {
                var key = ByteString.CopyFromUtf8("/raw/txn/" + Payload.Name(i));
                var response = await client.TransactionAsync(new TxnRequest
                {
                    Compare = { new Compare { Key = key, Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = 0 } },
                    Success = { new RequestOp { RequestPut = new PutRequest { Key = key, Value = payloads[i % payloads.Length] } } },
                });
                return response.Succeeded ? 0 : throw new InvalidOperationException($"{key.ToStringUtf8()} exists");
            });
        }

        var storeOptions = new EtcdStoreOptions { KeyPrefix = "/store", CompactionInterval = TimeSpan.Zero };
        storeOptions.Endpoints.Add(etcd.Endpoints[0]);
        await using (var store = await EtcdStore.ConnectAsync(storeOptions))
        {
            Console.WriteLine("baseline: KubeNet.Storage.Etcd.EtcdStore.CreateAsync (in process)");
            results.Store = await MeasureAsync(etcd, results, "EtcdStore.CreateAsync", options, async i =>
            {
                var result = await store.CreateAsync(Payload.StorageKey(i), payloads[i % payloads.Length].Memory);
                return result.Status == WriteStatus.Ok ? 0 : throw new InvalidOperationException($"{Payload.StorageKey(i)}: {result.Status}");
            });
        }

        if (options.EtcdRows.Contains("apiserver"))
        {
            await ServerRowAsync(options, serverDll, Path.Combine(work, "apiserver"), etcd, results, server, "apiserver");
        }

        if (options.EtcdRows.Contains("server"))
        {
            await etcd.DisposeAsync();
            await using var fresh = await LocalEtcdCluster.StartAsync(members: 1, parentDirectory: work);
            Console.WriteLine($"etcd {version} at {fresh.Endpoints[0]} (fresh, for the all-in-one server), data in {fresh.Directory}");
            results.AllInOne = new Results { Machine = server.Machine, Started = server.Started, Clients = server.Clients };
            await ServerRowAsync(options, serverDll, Path.Combine(work, "server"), fresh, results, results.AllInOne, "server");
        }

        return results;
    }

    private static async Task ServerRowAsync(BenchOptions options, string serverDll, string work, LocalEtcdCluster etcd, EtcdResults results, Results row, string verb)
    {
        Directory.CreateDirectory(work);
        row.BackendCpu = () => etcd.CpuTime(0);
        string[] args = verb == "server"
            ? ["--storage", "etcd", "--etcd-servers", etcd.Endpoints[0], "--runtime", "none"]
            : ["--storage", "etcd", "--etcd-servers", etcd.Endpoints[0]];
        await Bench.ServerAsync(options, serverDll, work, row, args, $"kube-net {verb} on etcd", verb);
        if (row.Create is { Ops: > 0 } create && row.BackendCpuDuringCreates is { } cpu)
        {
            results.EtcdCpuMicrosPerOp[create.Name] = cpu.TotalMicroseconds / create.Ops;
        }
    }

    private static async Task<PhaseResult> MeasureAsync(LocalEtcdCluster etcd, EtcdResults results, string name, BenchOptions options, Func<long, Task<int>> operation)
    {
        await LoadRunner.WarmUpAsync(options.Clients, options.Warmup, i => operation(options.BaselineWrites + 1_000_000 + i));
        var before = etcd.CpuTime(0);
        var result = await LoadRunner.RunAsync(name, options.Clients, options.BaselineWrites, options.BaselineDuration, operation);
        results.EtcdCpuMicrosPerOp[name] = result.Ops > 0 ? (etcd.CpuTime(0) - before).TotalMicroseconds / result.Ops : 0;
        return result;
    }

    private static async Task<string> VersionAsync(string endpoint)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var json = await http.GetStringAsync(new Uri(endpoint + "/version"));
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        return doc.RootElement.GetProperty("etcdserver").GetString() ?? "?";
    }
}
