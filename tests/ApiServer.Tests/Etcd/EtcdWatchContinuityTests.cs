using k8s;
using k8s.Models;
using KubeNet.Testing;

namespace KubeNet.ApiServer.Tests.Etcd;

/// <summary>
/// Two API servers in this process on one real etcd, sharing one cluster CA: resourceVersions are etcd revisions,
/// so a client may list on one server, watch on the other, and move between them without losing its place.
/// </summary>
public sealed class EtcdWatchContinuityTests : IAsyncLifetime
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(60);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "kubenet-etcd-api-" + Guid.NewGuid().ToString("N")[..12]);
    private LocalEtcdCluster _etcd = null!;
    private KubeApiServer _a = null!;
    private KubeApiServer _b = null!;

    public async Task InitializeAsync()
    {
        _etcd = await LocalEtcdCluster.StartAsync();
        _a = await StartServerAsync("a");
        _b = await StartServerAsync("b");
    }

    public async Task DisposeAsync()
    {
        await _b.DisposeAsync();
        await _a.DisposeAsync();
        await _etcd.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task A_watcher_reconnecting_to_the_second_API_server_resumes_from_its_last_resourceVersion_without_missing_or_repeating_events()
    {
        using var a = Client(_a);
        using var b = Client(_b);
        const string ns = "continuity";
        await a.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
        var expected = new List<(WatchEventType Type, string Name, string ResourceVersion)>();

        // Writes alternate between the servers; each acknowledged write is one expected event, in revision order.
        async Task WriteAsync(int from, int to)
        {
            for (var i = from; i < to; i++)
            {
                var client = i % 2 == 0 ? a : b;
                var name = $"cm-{i / 3}";
                switch (i % 3)
                {
                    case 0:
                        var created = await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = name }, Data = new Dictionary<string, string> { ["i"] = $"{i}" } }, ns);
                        expected.Add((WatchEventType.Added, name, created.Metadata.ResourceVersion));
                        break;
                    case 1:
                        var patched = await client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("{\"data\":{\"i\":\"" + i + "\"}}", V1Patch.PatchType.MergePatch), name, ns);
                        expected.Add((WatchEventType.Modified, name, patched.Metadata.ResourceVersion));
                        break;
                    default:
                        await client.CoreV1.DeleteNamespacedConfigMapAsync(name, ns);
                        expected.Add((WatchEventType.Deleted, name, ""));
                        break;
                }
            }
        }

        var start = (await b.CoreV1.ListNamespacedConfigMapAsync(ns)).Metadata.ResourceVersion;
        var seen = new List<(WatchEventType Type, string Name, string ResourceVersion)>();

        // On server A: the first 30 events, then the connection ends.
        var first = WatchAsync(a, ns, start, 30, seen);
        await WriteAsync(0, 30);
        var lastResourceVersion = await first.WaitAsync(WaitLimit);

        // Writes while no one watches, then on server B from the last resourceVersion seen, with writes still going.
        await WriteAsync(30, 60);
        var second = WatchAsync(b, ns, lastResourceVersion, 60, seen);
        await WriteAsync(60, 90);
        await second.WaitAsync(WaitLimit);

        Assert.Equal(90, expected.Count);
        Assert.Equal(expected.Select(e => (e.Type, e.Name)), seen.Select(e => (e.Type, e.Name)));
        for (var i = 0; i < expected.Count; i++)
        {
            if (expected[i].Type != WatchEventType.Deleted)
            {
                Assert.Equal(expected[i].ResourceVersion, seen[i].ResourceVersion);
            }
        }

        Assert.Equal(seen.Count, seen.Select(e => long.Parse(e.ResourceVersion)).Distinct().Count());
        Assert.Equal(seen.Select(e => long.Parse(e.ResourceVersion)).Order(), seen.Select(e => long.Parse(e.ResourceVersion)));
    }

    [Fact]
    public async Task A_write_through_one_server_is_read_at_once_through_the_other_and_a_list_continues_across_servers()
    {
        using var a = Client(_a);
        using var b = Client(_b);
        const string ns = "consistent";
        await b.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
        for (var i = 0; i < 5; i++)
        {
            var created = await a.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = $"c{i}" } }, ns);

            // A read without resourceVersion is consistent: server B waits until its cache holds A's write.
            var read = await b.CoreV1.ReadNamespacedConfigMapAsync($"c{i}", ns);
            Assert.Equal(created.Metadata.ResourceVersion, read.Metadata.ResourceVersion);
        }

        var page = await a.CoreV1.ListNamespacedConfigMapAsync(ns, limit: 2);
        await a.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "c9-later" } }, ns);
        var rest = await b.CoreV1.ListNamespacedConfigMapAsync(ns, continueParameter: page.Metadata.ContinueProperty);
        Assert.Equal(["c0", "c1"], page.Items.Select(c => c.Metadata.Name));
        Assert.Equal(["c2", "c3", "c4"], rest.Items.Select(c => c.Metadata.Name));
    }

    /// <summary>Reads <paramref name="count"/> events into <paramref name="seen"/> and returns the last resourceVersion.</summary>
    private static Task<string> WatchAsync(Kubernetes client, string ns, string resourceVersion, int count, List<(WatchEventType, string, string)> seen) => Task.Run(async () =>
    {
        using var cts = new CancellationTokenSource(WaitLimit);
        var last = resourceVersion;
        var read = 0;
        await foreach (var (type, cm) in client.CoreV1.WatchListNamespacedConfigMapAsync(ns, resourceVersion: resourceVersion, timeoutSeconds: 60, cancellationToken: cts.Token))
        {
            lock (seen)
            {
                seen.Add((type, cm.Metadata.Name, cm.Metadata.ResourceVersion));
            }

            last = cm.Metadata.ResourceVersion;
            if (++read == count)
            {
                break;
            }
        }

        return last;
    });

    private async Task<KubeApiServer> StartServerAsync(string name)
    {
        var options = new ApiServerOptions
        {
            DataDirectory = Path.Combine(_directory, name),
            PkiDirectory = Path.Combine(_directory, "pki"),
            SecurePort = 0,
            Storage = "etcd",
        };
        foreach (var endpoint in _etcd.Endpoints)
        {
            options.EtcdServers.Add(endpoint);
        }

        return await KubeApiServer.StartAsync(options);
    }

    private static Kubernetes Client(KubeApiServer server) => new(KubernetesClientConfiguration.BuildConfigFromConfigFile(server.KubeconfigPath));
}
