using System.Collections.Concurrent;
using System.Text;
using KubeNet.Storage.Etcd;
using KubeNet.Testing;

namespace KubeNet.Storage.Tests.Etcd;

/// <summary>The etcd backend against clusters of its own: failover between members, and TLS with client certificates.</summary>
[Collection(EtcdCollection.Name)]
public sealed class EtcdClusterTests
{
    [Fact]
    public async Task MemberServingTheWatchKilledDuringWrites_EveryAcknowledgedWriteIsStored_AndTheWatchResumesWithoutGapsOrRepeats()
    {
        await using LocalEtcdCluster etcd = await LocalEtcdCluster.StartAsync(members: 3);
        var options = new EtcdStoreOptions { CompactionInterval = TimeSpan.Zero };
        foreach (string endpoint in etcd.Endpoints)
        {
            options.Endpoints.Add(endpoint);
        }

        await using EtcdStore store = await EtcdStore.ConnectAsync(options);
        long start = await store.GetRevisionAsync();
        WatchResult watch = await store.WatchAsync("/registry/", start);
        Assert.Equal(ReadStatus.Ok, watch.Status);

        const int Total = 600;
        const int KillAfter = 150;
        var acknowledged = new ConcurrentDictionary<string, long>();
        var failures = new ConcurrentQueue<string>();
        int killed = 0;
        int next = -1;
        int victim = await etcd.MemberServingTheWatchAsync(TimeSpan.FromSeconds(10));
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < Total)
            {
                string key = $"/registry/configmaps/ha/cm-{i:D4}";
                try
                {
                    WriteResult result = await store.CreateAsync(key, Encoding.UTF8.GetBytes($"value-{i}"));
                    Assert.Equal(WriteStatus.Ok, result.Status);
                    acknowledged[key] = result.Revision;
                }
                catch (Exception ex)
                {
                    failures.Enqueue($"{key}: {ex}");
                }

                if (acknowledged.Count >= KillAfter && Interlocked.Exchange(ref killed, 1) == 0)
                {
                    etcd.Kill(victim);
                }
            }
        })));

        Assert.Equal(1, killed);
        Assert.True(failures.IsEmpty, string.Join("\n", failures));
        Assert.False(etcd.IsRunning(victim));

        ListResult list = await store.ListAsync("/registry/configmaps/ha/", new ListRequest());
        Assert.Equal(Total, list.Items.Count);
        foreach (KeyValue item in list.Items)
        {
            Assert.Equal(acknowledged[item.Key], item.ModRevision);
        }

        // The watch saw every write once, in order, across the member's death.
        var seen = new List<long>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (seen.Count < Total)
        {
            WatchEvent e = await watch.Events!.ReadAsync(timeout.Token);
            if (e.Type != WatchEventType.Progress)
            {
                Assert.Equal(WatchEventType.Created, e.Type);
                Assert.Equal(acknowledged[e.Value.Key], e.Revision);
                seen.Add(e.Revision);
            }
        }

        Assert.Equal(acknowledged.Values.Order(), seen);
    }

    [Fact]
    public async Task Tls_WithTheClusterCaAndAClientCertificate_Works_AndAStrangerIsRefused()
    {
        await using LocalEtcdCluster etcd = await LocalEtcdCluster.StartAsync(members: 1, tls: true);
        LocalEtcdTls tls = etcd.Tls!;

        await using (EtcdStore store = await EtcdStore.ConnectAsync(Options(etcd, tls.CaCert, tls.ClientCert, tls.ClientKey)))
        {
            long start = await store.GetRevisionAsync();
            WatchResult watch = await store.WatchAsync("/registry/", start);
            WriteResult created = await store.CreateAsync("/registry/secrets/default/s", Encoding.UTF8.GetBytes("over tls"));
            Assert.Equal(WriteStatus.Ok, created.Status);
            Assert.Equal("over tls", Encoding.UTF8.GetString((await store.GetAsync("/registry/secrets/default/s")).Value!.Value.Span));
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            Assert.Equal(created.Revision, (await watch.Events!.ReadAsync(timeout.Token)).Revision);
        }

        // A client certificate from another CA, or none at all: etcd refuses the handshake.
        await Assert.ThrowsAsync<StorageUnavailableException>(() => EtcdStore.ConnectAsync(Options(etcd, tls.CaCert, tls.StrangerCert, tls.StrangerKey)));
        await Assert.ThrowsAsync<StorageUnavailableException>(() => EtcdStore.ConnectAsync(Options(etcd, tls.CaCert, null, null)));

        // A server certificate not signed by the given CA is not trusted.
        await Assert.ThrowsAsync<StorageUnavailableException>(() => EtcdStore.ConnectAsync(Options(etcd, tls.StrangerCert, tls.ClientCert, tls.ClientKey)));
    }

    private static EtcdStoreOptions Options(LocalEtcdCluster etcd, string ca, string? cert, string? key)
    {
        var options = new EtcdStoreOptions
        {
            CaFile = ca,
            CertFile = cert,
            KeyFile = key,
            CompactionInterval = TimeSpan.Zero,
            RetryTimeout = TimeSpan.FromSeconds(2),
        };
        foreach (string endpoint in etcd.Endpoints)
        {
            options.Endpoints.Add(endpoint);
        }

        return options;
    }
}
