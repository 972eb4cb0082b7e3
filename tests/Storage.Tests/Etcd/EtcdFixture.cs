using KubeNet.Storage.Etcd;
using KubeNet.Testing;

namespace KubeNet.Storage.Tests.Etcd;

/// <summary>
/// One real etcd member on a free loopback port for every test in <see cref="EtcdCollection"/>. Each test's store
/// gets a key prefix of its own, so tests see only their own keys; they run one after another, so the revisions a
/// test sees are its own writes.
/// </summary>
public sealed class EtcdFixture : IAsyncLifetime
{
    private LocalEtcdCluster? _etcd;

    internal LocalEtcdCluster Etcd => _etcd ?? throw new InvalidOperationException("etcd is not started");

    public async Task InitializeAsync() => _etcd = await LocalEtcdCluster.StartAsync();

    public async Task DisposeAsync()
    {
        if (_etcd is not null)
        {
            await _etcd.DisposeAsync();
        }
    }

    /// <summary>A store over this etcd with a fresh key prefix; background compaction off unless <paramref name="configure"/> turns it on.</summary>
    public Task<EtcdStore> ConnectAsync(Action<EtcdStoreOptions>? configure = null)
    {
        var options = new EtcdStoreOptions { KeyPrefix = "/test-" + Guid.NewGuid().ToString("N")[..12], CompactionInterval = TimeSpan.Zero };
        foreach (string endpoint in Etcd.Endpoints)
        {
            options.Endpoints.Add(endpoint);
        }

        configure?.Invoke(options);
        return EtcdStore.ConnectAsync(options);
    }
}

[CollectionDefinition(Name)]
public sealed class EtcdCollection : ICollectionFixture<EtcdFixture>
{
    public const string Name = "one local etcd";
}
