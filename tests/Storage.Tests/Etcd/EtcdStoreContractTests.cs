using KubeNet.Storage.Etcd;

namespace KubeNet.Storage.Tests.Etcd;

/// <summary>The storage contract against a real etcd, plus what only the etcd backend has.</summary>
[Collection(EtcdCollection.Name)]
public sealed class EtcdStoreContractTests(EtcdFixture fixture) : StoreContractTests
{
    protected override async Task<IKeyValueStore> CreateStoreAsync() => await fixture.ConnectAsync();

    [Fact]
    public async Task Keys_AreStoredUnderTheKeyPrefix_AndStoresWithOtherPrefixesDoNotSeeThem()
    {
        await using EtcdStore other = await fixture.ConnectAsync();
        WriteResult mine = await Store.CreateAsync("/registry/pods/default/a", Bytes("mine"));

        Assert.Null((await other.GetAsync("/registry/pods/default/a")).Value);
        Assert.Empty((await other.ListAsync("/registry/", new ListRequest())).Items);
        Assert.Equal(mine.Revision, await other.GetRevisionAsync());
    }

    [Fact]
    public async Task Watch_ReportsProgress_ForWritesOutsideItsPrefix()
    {
        WatchResult watch = await Store.WatchAsync("/registry/pods/", R0);

        WriteResult outside = await Store.CreateAsync("/registry/services/a", Bytes("v"));

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        WatchEvent progress = await watch.Events!.ReadAsync(timeout.Token);
        Assert.Equal(WatchEventType.Progress, progress.Type);
        Assert.Equal(outside.Revision, progress.Revision);
        Assert.Equal("", progress.Value.Key);
    }

    [Fact]
    public async Task AutomaticCompaction_CompactsToTheRevisionOfThePreviousTick_AndCoordinatesThroughCompactRevKey()
    {
        await Store.DisposeAsync();
        await using EtcdStore store = await fixture.ConnectAsync(o => o.CompactionInterval = TimeSpan.FromMilliseconds(200));
        WriteResult first = await store.CreateAsync("/registry/a", Bytes("1"));
        await store.UpdateAsync("/registry/a", Bytes("2"), first.Revision);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        ListResult old;
        while ((old = await store.ListAsync("/registry/", new ListRequest { Revision = first.Revision })).Status != ReadStatus.Expired)
        {
            await Task.Delay(50, timeout.Token);
        }

        Assert.True(old.CompactedRevision > first.Revision);
        Assert.Equal(["2"], (await store.ListAsync("/registry/", new ListRequest())).Items.Select(i => Text(i.Value)));
    }

    [Fact]
    public async Task Options_RejectBadEndpointsAndHalfAClientCertificate()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => EtcdStore.ConnectAsync(new EtcdStoreOptions()));
        var ftp = new EtcdStoreOptions();
        ftp.Endpoints.Add("ftp://127.0.0.1:2379");
        await Assert.ThrowsAsync<ArgumentException>(() => EtcdStore.ConnectAsync(ftp));
        var half = new EtcdStoreOptions { CertFile = "/etc/hostname" };
        half.Endpoints.Add("https://127.0.0.1:2379");
        await Assert.ThrowsAsync<ArgumentException>(() => EtcdStore.ConnectAsync(half));
        Assert.Throws<ArgumentOutOfRangeException>(() => new EtcdStoreOptions().RequestTimeout = TimeSpan.Zero);
        Assert.Equal(TimeSpan.FromMinutes(5), new EtcdStoreOptions().CompactionInterval);
    }

    [Fact]
    public async Task Writes_AfterDispose_Throw()
    {
        await Store.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await Store.CreateAsync("/registry/a", Bytes("v")));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await Store.GetAsync("/registry/a"));
    }
}
