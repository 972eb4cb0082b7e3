using KubeNet.Storage.Sqlite;

namespace KubeNet.Storage.Tests;

public sealed class SqliteStoreContractTests : StoreContractTests
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "kubenet-storage-" + Guid.NewGuid().ToString("N"));

    private string DatabasePath => Path.Combine(_directory, "store.db");

    protected override async Task<IKeyValueStore> CreateStoreAsync() => await OpenAsync();

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task EmptyStore_HasRevisionZero()
    {
        Assert.Equal(0, R0);
        Assert.Equal(1, (await Store.CreateAsync("/registry/a", Bytes("a"))).Revision);
    }

    [Fact]
    public async Task Reopen_KeepsDataRevisionAndCompaction()
    {
        WriteResult a = await Store.CreateAsync("/registry/a", Bytes("a1"));
        await Store.UpdateAsync("/registry/a", Bytes("a2"), a.Revision);
        await Store.CreateAsync("/registry/b", Bytes("b1"));
        await Store.DeleteAsync("/registry/b", 0);
        await Store.CompactAsync(2);
        await Store.DisposeAsync();

        await using SqliteStore reopened = await OpenAsync();

        Assert.Equal(4, await reopened.GetRevisionAsync());
        GetResult got = await reopened.GetAsync("/registry/a");
        Assert.Equal("a2", Text(got.Value!.Value));
        Assert.Equal(1, got.Value.CreateRevision);
        Assert.Null((await reopened.GetAsync("/registry/b")).Value);
        Assert.Equal(ReadStatus.Expired, (await reopened.ListAsync("/registry/", new ListRequest { Revision = 1 })).Status);
        Assert.Equal(["b1"], (await reopened.ListAsync("/registry/b", new ListRequest { Revision = 3 })).Items.Select(i => Text(i.Value)));

        WriteResult next = await reopened.CreateAsync("/registry/c", Bytes("c1"));
        Assert.Equal(5, next.Revision);
    }

    [Fact]
    public async Task AutomaticCompaction_CompactsToTheRevisionOfThePreviousTick()
    {
        await Store.DisposeAsync();
        await using SqliteStore store = await OpenAsync(o => o.CompactionInterval = TimeSpan.FromMilliseconds(50));
        WriteResult first = await store.CreateAsync("/registry/a", Bytes("1"));
        await store.UpdateAsync("/registry/a", Bytes("2"), first.Revision);

        // The first tick only records revision 2; a later tick compacts to it.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while ((await store.ListAsync("/registry/", new ListRequest { Revision = 1 })).Status != ReadStatus.Expired)
        {
            await Task.Delay(20, timeout.Token);
        }

        Assert.Equal(ReadStatus.Ok, (await store.ListAsync("/registry/", new ListRequest { Revision = 2 })).Status);
    }

    [Fact]
    public async Task Checkpoint_TruncatesTheWal()
    {
        for (int i = 0; i < 200; i++)
        {
            await Store.CreateAsync($"/registry/k{i}", new byte[2048]);
        }

        string wal = DatabasePath + "-wal";
        Assert.True(new FileInfo(wal).Length > 0);

        await ((SqliteStore)Store).CheckpointAsync();

        Assert.Equal(0, new FileInfo(wal).Length);
        Assert.Equal(200, (await Store.ListAsync("/registry/", new ListRequest())).Items.Count);
    }

    [Fact]
    public async Task Writes_AfterDispose_Throw()
    {
        await Store.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await Store.CreateAsync("/registry/a", Bytes("v")));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await Store.GetAsync("/registry/a"));
    }

    [Fact]
    public void Options_RejectValuesOutOfRange()
    {
        var options = new SqliteStoreOptions();
        Assert.Throws<ArgumentOutOfRangeException>(() => options.CompactionInterval = TimeSpan.FromSeconds(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => options.MaxBatchSize = 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.BusyTimeout = TimeSpan.Zero);
        Assert.Equal(SqliteSynchronousMode.Full, options.Synchronous);
        Assert.Equal(TimeSpan.FromMinutes(5), options.CompactionInterval);
    }

    [Fact]
    public async Task Open_WithoutPath_Throws() =>
        await Assert.ThrowsAsync<ArgumentException>(() => SqliteStore.OpenAsync(new SqliteStoreOptions()));

    private Task<SqliteStore> OpenAsync(Action<SqliteStoreOptions>? configure = null)
    {
        // Background work stays off unless a test turns it on, so tests see only their own writes.
        var options = new SqliteStoreOptions
        {
            Path = DatabasePath,
            CompactionInterval = TimeSpan.Zero,
            CheckpointInterval = TimeSpan.Zero,
        };
        configure?.Invoke(options);
        return SqliteStore.OpenAsync(options);
    }
}
