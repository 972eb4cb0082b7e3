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
    public required Results Server { get; init; }
    public required string EtcdVersion { get; init; }
    public PhaseResult? RawPut { get; set; }
    public PhaseResult? RawTxn { get; set; }
    public PhaseResult? Store { get; set; }

    /// <summary>etcd's own CPU per operation in each phase, in µs.</summary>
    public Dictionary<string, double> EtcdCpuMicrosPerOp { get; } = new(StringComparer.Ordinal);

    public IEnumerable<PhaseResult> Phases => new[] { RawPut, RawTxn, Store }.OfType<PhaseResult>().Concat(Server.Phases);
}

/// <summary>
/// The etcd run: one etcd member (Debian's etcd-server) with its data on the same disk as the SQLite run, then, in
/// this order and with the same payloads and clients: raw puts and raw guarded transactions straight through
/// dotnet-etcd (the floor for the API server's writes, which are exactly such transactions), EtcdStore.CreateAsync in
/// process, and `kube-net server --storage etcd` over HTTPS.
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

        server.BackendCpu = () => etcd.CpuTime(0);
        await Bench.ServerAsync(options, serverDll, work, server, ["--storage", "etcd", "--etcd-servers", etcd.Endpoints[0], "--runtime", "none"], "kube-net on etcd");
        if (server.Create is { Ops: > 0 } create && server.BackendCpuDuringCreates is { } cpu)
        {
            results.EtcdCpuMicrosPerOp[create.Name] = cpu.TotalMicroseconds / create.Ops;
        }

        return results;
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
