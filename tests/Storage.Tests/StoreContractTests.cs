using System.Text;

namespace KubeNet.Storage.Tests;

/// <summary>
/// The storage contract, after kube-apiserver's storage/testing/store_tests.go. Every backend derives from
/// this class and supplies a store per test with no keys of its own. Revisions are counted from the store's revision
/// when the test starts (<see cref="Rev"/>): a fresh SQLite store starts at 0, etcd at 1, and a store that shares one
/// etcd with earlier tests wherever those left it.
/// </summary>
public abstract partial class StoreContractTests : IAsyncLifetime
{
    private static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(10);

    protected IKeyValueStore Store { get; private set; } = null!;

    /// <summary>The store's revision when the test started.</summary>
    protected long R0 { get; private set; }

    protected abstract Task<IKeyValueStore> CreateStoreAsync();

    public async Task InitializeAsync()
    {
        Store = await CreateStoreAsync();
        R0 = await Store.GetRevisionAsync();
    }

    /// <summary>The revision of the test's <paramref name="n"/>th write.</summary>
    protected long Rev(long n) => R0 + n;

    public virtual async Task DisposeAsync() => await Store.DisposeAsync();

    [Fact]
    public async Task FirstWrite_IsTheNextRevision()
    {
        Assert.Equal(R0, await Store.GetRevisionAsync());
        WriteResult created = await Store.CreateAsync("/registry/pods/default/a", Bytes("a"));
        Assert.Equal(Rev(1), created.Revision);
        Assert.Equal(Rev(1), await Store.GetRevisionAsync());
    }

    [Fact]
    public async Task Create_ThenGet_ReturnsValueWithRevisions()
    {
        WriteResult created = await Store.CreateAsync("/registry/pods/default/a", Bytes("v1"));

        Assert.Equal(WriteStatus.Ok, created.Status);
        Assert.NotNull(created.Current);
        Assert.Equal(created.Revision, created.Current.CreateRevision);
        Assert.Equal(created.Revision, created.Current.ModRevision);

        GetResult got = await Store.GetAsync("/registry/pods/default/a");
        Assert.NotNull(got.Value);
        Assert.Equal("/registry/pods/default/a", got.Value.Key);
        Assert.Equal("v1", Text(got.Value.Value));
        Assert.Equal(created.Revision, got.Value.ModRevision);
        Assert.Equal(created.Revision, got.Value.CreateRevision);
        Assert.Equal(created.Revision, got.Revision);
    }

    [Fact]
    public async Task Create_ExistingKey_ReturnsAlreadyExistsWithCurrentValue()
    {
        WriteResult first = await Store.CreateAsync("/registry/pods/default/a", Bytes("v1"));
        WriteResult second = await Store.CreateAsync("/registry/pods/default/a", Bytes("v2"));

        Assert.Equal(WriteStatus.AlreadyExists, second.Status);
        Assert.NotNull(second.Current);
        Assert.Equal("v1", Text(second.Current.Value));
        Assert.Equal(first.Revision, second.Current.ModRevision);
        Assert.Equal(first.Revision, await Store.GetRevisionAsync());
    }

    [Fact]
    public async Task Create_EmptyValue_RoundTrips()
    {
        await Store.CreateAsync("/registry/empty", ReadOnlyMemory<byte>.Empty);
        GetResult got = await Store.GetAsync("/registry/empty");
        Assert.NotNull(got.Value);
        Assert.Equal(0, got.Value.Value.Length);
    }

    [Fact]
    public async Task Create_CallerMayReuseItsBuffer()
    {
        byte[] buffer = Encoding.UTF8.GetBytes("original");
        ValueTask<WriteResult> pending = Store.CreateAsync("/registry/buffer", buffer);
        Array.Fill(buffer, (byte)'x');
        await pending;

        Assert.Equal("original", Text((await Store.GetAsync("/registry/buffer")).Value!.Value));
    }

    [Fact]
    public async Task Get_MissingKey_ReturnsNullWithStoreRevision()
    {
        await Store.CreateAsync("/registry/pods/default/a", Bytes("v1"));

        GetResult got = await Store.GetAsync("/registry/pods/default/missing");

        Assert.Null(got.Value);
        Assert.Equal(Rev(1), got.Revision);
    }

    [Fact]
    public async Task Update_WithCurrentModRevision_SucceedsAndKeepsCreateRevision()
    {
        WriteResult created = await Store.CreateAsync("/registry/pods/default/a", Bytes("v1"));
        WriteResult updated = await Store.UpdateAsync("/registry/pods/default/a", Bytes("v2"), created.Revision);

        Assert.Equal(WriteStatus.Ok, updated.Status);
        Assert.True(updated.Revision > created.Revision);
        Assert.Equal(created.Revision, updated.Current!.CreateRevision);
        Assert.Equal(updated.Revision, updated.Current.ModRevision);

        GetResult got = await Store.GetAsync("/registry/pods/default/a");
        Assert.Equal("v2", Text(got.Value!.Value));
        Assert.Equal(created.Revision, got.Value.CreateRevision);
        Assert.Equal(updated.Revision, got.Value.ModRevision);
    }

    [Fact]
    public async Task Update_WithStaleModRevision_ReturnsConflictWithCurrentValue()
    {
        WriteResult created = await Store.CreateAsync("/registry/pods/default/a", Bytes("v1"));
        WriteResult updated = await Store.UpdateAsync("/registry/pods/default/a", Bytes("v2"), created.Revision);

        WriteResult stale = await Store.UpdateAsync("/registry/pods/default/a", Bytes("v3"), created.Revision);

        Assert.Equal(WriteStatus.Conflict, stale.Status);
        Assert.Equal("v2", Text(stale.Current!.Value));
        Assert.Equal(updated.Revision, stale.Current.ModRevision);
        Assert.Equal(updated.Revision, await Store.GetRevisionAsync());
    }

    [Fact]
    public async Task Update_MissingKey_ReturnsNotFound()
    {
        WriteResult result = await Store.UpdateAsync("/registry/pods/default/missing", Bytes("v"), 1);

        Assert.Equal(WriteStatus.NotFound, result.Status);
        Assert.Null(result.Current);
        Assert.Equal(R0, await Store.GetRevisionAsync());
    }

    [Fact]
    public async Task Delete_WithoutPrecondition_RemovesKeyAndReturnsDeletedValue()
    {
        WriteResult created = await Store.CreateAsync("/registry/pods/default/a", Bytes("v1"));

        WriteResult deleted = await Store.DeleteAsync("/registry/pods/default/a", 0);

        Assert.Equal(WriteStatus.Ok, deleted.Status);
        Assert.Equal(created.Revision + 1, deleted.Revision);
        Assert.Equal("v1", Text(deleted.Current!.Value));
        Assert.Equal(created.Revision, deleted.Current.ModRevision);
        Assert.Null((await Store.GetAsync("/registry/pods/default/a")).Value);
    }

    [Fact]
    public async Task Delete_WithMatchingPrecondition_Succeeds()
    {
        WriteResult created = await Store.CreateAsync("/registry/pods/default/a", Bytes("v1"));

        WriteResult deleted = await Store.DeleteAsync("/registry/pods/default/a", created.Revision);

        Assert.Equal(WriteStatus.Ok, deleted.Status);
        Assert.Null((await Store.GetAsync("/registry/pods/default/a")).Value);
    }

    [Fact]
    public async Task Delete_WithStalePrecondition_ReturnsConflictAndKeepsKey()
    {
        WriteResult created = await Store.CreateAsync("/registry/pods/default/a", Bytes("v1"));
        WriteResult updated = await Store.UpdateAsync("/registry/pods/default/a", Bytes("v2"), created.Revision);

        WriteResult deleted = await Store.DeleteAsync("/registry/pods/default/a", created.Revision);

        Assert.Equal(WriteStatus.Conflict, deleted.Status);
        Assert.Equal(updated.Revision, deleted.Current!.ModRevision);
        Assert.Equal("v2", Text((await Store.GetAsync("/registry/pods/default/a")).Value!.Value));
    }

    [Fact]
    public async Task Delete_MissingKey_ReturnsNotFound()
    {
        WriteResult deleted = await Store.DeleteAsync("/registry/pods/default/missing", 0);

        Assert.Equal(WriteStatus.NotFound, deleted.Status);
        Assert.Equal(R0, await Store.GetRevisionAsync());
    }

    [Fact]
    public async Task Recreate_AfterDelete_GetsNewCreateRevision()
    {
        await Store.CreateAsync("/registry/pods/default/a", Bytes("v1"));
        await Store.DeleteAsync("/registry/pods/default/a", 0);

        WriteResult again = await Store.CreateAsync("/registry/pods/default/a", Bytes("v2"));

        Assert.Equal(WriteStatus.Ok, again.Status);
        Assert.Equal(Rev(3), again.Current!.CreateRevision);
    }

    [Fact]
    public async Task Revisions_IncreaseByOnePerSuccessfulWrite()
    {
        long last = await Store.GetRevisionAsync();
        var results = new List<WriteResult>
        {
            await Store.CreateAsync("/registry/a", Bytes("1")),
            await Store.CreateAsync("/registry/b", Bytes("1")),
        };
        results.Add(await Store.UpdateAsync("/registry/a", Bytes("2"), results[0].Revision));
        Assert.Equal(WriteStatus.AlreadyExists, (await Store.CreateAsync("/registry/a", Bytes("x"))).Status);
        results.Add(await Store.DeleteAsync("/registry/b", 0));
        results.Add(await Store.CreateAsync("/registry/b", Bytes("3")));

        foreach (WriteResult result in results)
        {
            Assert.Equal(WriteStatus.Ok, result.Status);
            Assert.Equal(last + 1, result.Revision);
            last = result.Revision;
        }

        Assert.Equal(last, await Store.GetRevisionAsync());
    }

    [Fact]
    public async Task List_Prefix_StopsAtPrefixBoundaries()
    {
        string[] keys =
        [
            "/registry/pod/x", "/registry/pods", "/registry/pods/default/a", "/registry/pods/default/b",
            "/registry/pods/kube-system/c", "/registry/pods0/d", "/registry/podsx/e", "/registry/pods\u00e4/f",
        ];
        foreach (string key in keys)
        {
            await Store.CreateAsync(key, Bytes(key));
        }

        Assert.Equal(
            ["/registry/pods/default/a", "/registry/pods/default/b", "/registry/pods/kube-system/c"],
            Keys(await Store.ListAsync("/registry/pods/", new ListRequest())));
        Assert.Equal(
            ["/registry/pods/default/a", "/registry/pods/default/b"],
            Keys(await Store.ListAsync("/registry/pods/default/", new ListRequest())));
        Assert.Equal(
            ["/registry/pods", "/registry/pods/default/a", "/registry/pods/default/b", "/registry/pods/kube-system/c",
             "/registry/pods0/d", "/registry/podsx/e", "/registry/pods\u00e4/f"],
            Keys(await Store.ListAsync("/registry/pods", new ListRequest())));
        Assert.Empty(Keys(await Store.ListAsync("/registry/services/", new ListRequest())));
        Assert.Equal(keys.Length, (await Store.ListAsync("", new ListRequest())).Items.Count);
    }

    [Fact]
    public async Task List_OrdersKeysByBytes()
    {
        string[] keys = ["/r/b", "/r/B", "/r/a", "/r/\u00e9", "/r/Z", "/r/a0", "/r/a/"];
        foreach (string key in keys)
        {
            await Store.CreateAsync(key, Bytes("v"));
        }

        ListResult list = await Store.ListAsync("/r/", new ListRequest());

        Assert.Equal(keys.OrderBy(k => Encoding.UTF8.GetBytes(k), ByteComparer.Instance), Keys(list));
        Assert.Equal(await Store.GetRevisionAsync(), list.Revision);
    }

    [Fact]
    public async Task List_AtOlderRevision_SeesTheStateThen()
    {
        WriteResult a = await Store.CreateAsync("/registry/pods/a", Bytes("a1"));
        await Store.CreateAsync("/registry/pods/b", Bytes("b1"));
        long then = await Store.GetRevisionAsync();
        await Store.UpdateAsync("/registry/pods/a", Bytes("a2"), a.Revision);
        await Store.DeleteAsync("/registry/pods/b", 0);
        await Store.CreateAsync("/registry/pods/c", Bytes("c1"));

        ListResult old = await Store.ListAsync("/registry/pods/", new ListRequest { Revision = then });
        ListResult now = await Store.ListAsync("/registry/pods/", new ListRequest());

        Assert.Equal(ReadStatus.Ok, old.Status);
        Assert.Equal(then, old.Revision);
        Assert.Equal(["/registry/pods/a", "/registry/pods/b"], Keys(old));
        Assert.Equal(["a1", "b1"], old.Items.Select(i => Text(i.Value)));
        Assert.Equal(a.Revision, old.Items[0].ModRevision);
        Assert.Equal(["/registry/pods/a", "/registry/pods/c"], Keys(now));
        Assert.Equal(["a2", "c1"], now.Items.Select(i => Text(i.Value)));
        Assert.Equal(a.Revision, now.Items[0].CreateRevision);
    }

    [Fact]
    public async Task List_WithLimit_PaginatesOnAConsistentSnapshot()
    {
        for (int i = 0; i < 5; i++)
        {
            await Store.CreateAsync($"/registry/pods/p{i}", Bytes($"v{i}"));
        }

        ListResult first = await Store.ListAsync("/registry/pods/", new ListRequest { Limit = 2 });
        Assert.Equal(["/registry/pods/p0", "/registry/pods/p1"], Keys(first));
        Assert.True(first.More);
        Assert.Equal(3, first.RemainingCount);

        // Changes after the first page must not show in the following pages.
        await Store.DeleteAsync("/registry/pods/p2", 0);
        await Store.UpdateAsync("/registry/pods/p3", Bytes("changed"), Rev(4));
        await Store.CreateAsync("/registry/pods/p1a", Bytes("new"));
        await Store.CreateAsync("/registry/pods/p9", Bytes("new"));

        ListResult second = await Store.ListAsync("/registry/pods/", new ListRequest { Limit = 2, Revision = first.Revision, StartAfterKey = "/registry/pods/p1" });
        Assert.Equal(["/registry/pods/p2", "/registry/pods/p3"], Keys(second));
        Assert.Equal("v3", Text(second.Items[1].Value));
        Assert.Equal(first.Revision, second.Revision);
        Assert.True(second.More);
        Assert.Equal(1, second.RemainingCount);

        ListResult third = await Store.ListAsync("/registry/pods/", new ListRequest { Limit = 2, Revision = first.Revision, StartAfterKey = "/registry/pods/p3" });
        Assert.Equal(["/registry/pods/p4"], Keys(third));
        Assert.False(third.More);
        Assert.Equal(0, third.RemainingCount);
    }

    [Fact]
    public async Task List_ContinuationAtOldRevision_CountsRemainingAsOfThatRevision()
    {
        for (int i = 0; i < 8; i++)
        {
            await Store.CreateAsync($"/registry/pods/p{i}", Bytes($"v{i}"));
        }

        ListResult first = await Store.ListAsync("/registry/pods/", new ListRequest { Limit = 1 });
        Assert.Equal(7, first.RemainingCount);

        // Every kind of change after the first page: deleted, deleted and recreated, updated twice, created and
        // deleted again, created, and writes outside the range. None may change what the old revision counts.
        await Store.DeleteAsync("/registry/pods/p2", 0);
        await Store.DeleteAsync("/registry/pods/p3", 0);
        await Store.CreateAsync("/registry/pods/p3", Bytes("again"));
        WriteResult updated = await Store.UpdateAsync("/registry/pods/p4", Bytes("x"), (await Store.GetAsync("/registry/pods/p4")).Value!.ModRevision);
        await Store.UpdateAsync("/registry/pods/p4", Bytes("y"), updated.Revision);
        await Store.CreateAsync("/registry/pods/p5a", Bytes("brief"));
        await Store.DeleteAsync("/registry/pods/p5a", 0);
        await Store.CreateAsync("/registry/pods/p6a", Bytes("new"));
        await Store.CreateAsync("/registry/podsx/other", Bytes("v"));

        ListResult second = await Store.ListAsync("/registry/pods/", new ListRequest { Limit = 2, Revision = first.Revision, StartAfterKey = "/registry/pods/p0" });
        Assert.Equal(["/registry/pods/p1", "/registry/pods/p2"], Keys(second));
        Assert.Equal(5, second.RemainingCount);

        ListResult current = await Store.ListAsync("/registry/pods/", new ListRequest { Limit = 2, StartAfterKey = "/registry/pods/p0" });
        Assert.Equal(["/registry/pods/p1", "/registry/pods/p3"], Keys(current));
        Assert.Equal(5, current.RemainingCount);
    }

    [Fact]
    public async Task List_WithLimitAtNewestRevision_ReportsMoreAndRemainingCount()
    {
        for (int i = 0; i < 4; i++)
        {
            await Store.CreateAsync($"/registry/pods/p{i}", Bytes("v"));
        }

        await Store.CreateAsync("/registry/podsx/other", Bytes("v"));

        ListResult exact = await Store.ListAsync("/registry/pods/", new ListRequest { Limit = 4 });
        Assert.Equal(4, exact.Items.Count);
        Assert.False(exact.More);

        ListResult page = await Store.ListAsync("/registry/pods/", new ListRequest { Limit = 1, StartAfterKey = "/registry/pods/p0" });
        Assert.Equal(["/registry/pods/p1"], Keys(page));
        Assert.True(page.More);
        Assert.Equal(2, page.RemainingCount);
    }

    [Fact]
    public async Task List_StartAfterKeyBeforePrefix_StartsAtPrefix()
    {
        await Store.CreateAsync("/registry/a/1", Bytes("v"));
        await Store.CreateAsync("/registry/b/1", Bytes("v"));

        ListResult list = await Store.ListAsync("/registry/b/", new ListRequest { StartAfterKey = "/registry/a/1" });

        Assert.Equal(["/registry/b/1"], Keys(list));
    }

    [Fact]
    public async Task List_NewerThanStore_ReturnsTooLarge()
    {
        await Store.CreateAsync("/registry/a", Bytes("v"));

        ListResult list = await Store.ListAsync("/registry/", new ListRequest { Revision = Rev(100) });

        Assert.Equal(ReadStatus.TooLarge, list.Status);
    }

    [Fact]
    public async Task List_AtCompactedRevision_ReturnsExpired()
    {
        WriteResult a = await Store.CreateAsync("/registry/a", Bytes("1"));
        long old = a.Revision;
        WriteResult b = await Store.UpdateAsync("/registry/a", Bytes("2"), a.Revision);
        await Store.UpdateAsync("/registry/a", Bytes("3"), b.Revision);

        CompactResult compact = await Store.CompactAsync(b.Revision);
        Assert.Equal(ReadStatus.Ok, compact.Status);

        ListResult expired = await Store.ListAsync("/registry/", new ListRequest { Revision = old });
        Assert.Equal(ReadStatus.Expired, expired.Status);
        Assert.Equal(b.Revision, expired.CompactedRevision);

        // As in etcd, the compacted revision itself is still readable.
        ListResult atCompacted = await Store.ListAsync("/registry/", new ListRequest { Revision = b.Revision });
        Assert.Equal(ReadStatus.Ok, atCompacted.Status);
        Assert.Equal("2", Text(atCompacted.Items.Single().Value));
    }

    [Fact]
    public async Task Compact_KeepsLiveValuesAndDropsDeletedKeys()
    {
        WriteResult keep = await Store.CreateAsync("/registry/keep", Bytes("k1"));
        WriteResult gone = await Store.CreateAsync("/registry/gone", Bytes("g1"));
        await Store.UpdateAsync("/registry/gone", Bytes("g2"), gone.Revision);
        await Store.DeleteAsync("/registry/gone", 0);
        WriteResult other = await Store.CreateAsync("/registry/other", Bytes("o1"));
        long compactAt = await Store.GetRevisionAsync();
        await Store.UpdateAsync("/registry/other", Bytes("o2"), other.Revision);

        Assert.Equal(ReadStatus.Ok, (await Store.CompactAsync(compactAt)).Status);

        ListResult atCompaction = await Store.ListAsync("/registry/", new ListRequest { Revision = compactAt });
        Assert.Equal(["/registry/keep", "/registry/other"], Keys(atCompaction));
        Assert.Equal(["k1", "o1"], atCompaction.Items.Select(i => Text(i.Value)));
        Assert.Equal(keep.Revision, atCompaction.Items[0].ModRevision);

        ListResult now = await Store.ListAsync("/registry/", new ListRequest());
        Assert.Equal(["k1", "o2"], now.Items.Select(i => Text(i.Value)));
        Assert.Equal("k1", Text((await Store.GetAsync("/registry/keep")).Value!.Value));
    }

    [Fact]
    public async Task Compact_FutureOrAlreadyCompactedRevision_IsRefused()
    {
        await Store.CreateAsync("/registry/a", Bytes("v"));
        await Store.CreateAsync("/registry/b", Bytes("v"));

        Assert.Equal(ReadStatus.TooLarge, (await Store.CompactAsync(Rev(10))).Status);
        Assert.Equal(ReadStatus.Ok, (await Store.CompactAsync(Rev(2))).Status);
        CompactResult again = await Store.CompactAsync(Rev(1));
        Assert.Equal(ReadStatus.Expired, again.Status);
        Assert.Equal(Rev(2), again.CompactedRevision);
    }

    [Fact]
    public async Task ConcurrentUpdates_WithSameModRevision_ExactlyOneWins()
    {
        WriteResult created = await Store.CreateAsync("/registry/pods/a", Bytes("v0"));
        const int Writers = 20;

        WriteResult[] results = await Task.WhenAll(Enumerable.Range(0, Writers).Select(i =>
            Task.Run(async () => await Store.UpdateAsync("/registry/pods/a", Bytes($"v{i + 1}"), created.Revision))));

        WriteResult winner = Assert.Single(results, r => r.Status == WriteStatus.Ok);
        Assert.Equal(Writers - 1, results.Count(r => r.Status == WriteStatus.Conflict));
        Assert.Equal(created.Revision + 1, winner.Revision);
        Assert.Equal(Text(winner.Current!.Value), Text((await Store.GetAsync("/registry/pods/a")).Value!.Value));
        Assert.Equal(winner.Revision, await Store.GetRevisionAsync());
    }

    [Fact]
    public async Task ConcurrentCreates_OfOneKey_ExactlyOneWins()
    {
        const int Writers = 20;

        WriteResult[] results = await Task.WhenAll(Enumerable.Range(0, Writers).Select(i =>
            Task.Run(async () => await Store.CreateAsync("/registry/pods/a", Bytes($"v{i}")))));

        Assert.Single(results, r => r.Status == WriteStatus.Ok);
        Assert.Equal(Writers - 1, results.Count(r => r.Status == WriteStatus.AlreadyExists));
        Assert.Equal(Rev(1), await Store.GetRevisionAsync());
    }

    [Fact]
    public async Task ConcurrentWriters_AreAllAcknowledgedAndReadable()
    {
        const int Writers = 32;
        const int PerWriter = 20;

        WriteResult[][] results = await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            var mine = new WriteResult[PerWriter];
            for (int i = 0; i < PerWriter; i++)
            {
                mine[i] = await Store.CreateAsync($"/registry/w{w:D2}/k{i:D2}", Bytes($"{w}-{i}"));
            }

            return mine;
        })));

        WriteResult[] all = results.SelectMany(r => r).ToArray();
        Assert.All(all, r => Assert.Equal(WriteStatus.Ok, r.Status));
        Assert.Equal(Writers * PerWriter, all.Select(r => r.Revision).Distinct().Count());
        Assert.Equal(Rev(Writers * PerWriter), await Store.GetRevisionAsync());

        ListResult list = await Store.ListAsync("/registry/", new ListRequest());
        Assert.Equal(Writers * PerWriter, list.Items.Count);
        foreach (KeyValue item in list.Items)
        {
            string[] parts = item.Key.Split('/');
            Assert.Equal($"{int.Parse(parts[2][1..])}-{int.Parse(parts[3][1..])}", Text(item.Value));
        }
    }

    protected static ReadOnlyMemory<byte> Bytes(string text) => Encoding.UTF8.GetBytes(text);

    protected static string Text(ReadOnlyMemory<byte> bytes) => Encoding.UTF8.GetString(bytes.Span);

    protected static IEnumerable<string> Keys(ListResult list)
    {
        Assert.Equal(ReadStatus.Ok, list.Status);
        return list.Items.Select(i => i.Key);
    }

    private sealed class ByteComparer : IComparer<byte[]>
    {
        public static readonly ByteComparer Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
