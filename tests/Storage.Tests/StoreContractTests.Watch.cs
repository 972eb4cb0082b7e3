using System.Threading.Channels;

namespace KubeNet.Storage.Tests;

// Watch semantics of the contract: order, history replay, previous values, prefixes, compaction, shutdown.
public abstract partial class StoreContractTests
{
    [Fact]
    public async Task Watch_SeesCreatedUpdatedDeletedWithPreviousValues()
    {
        WatchResult watch = await Store.WatchAsync("/registry/pods/", await Store.GetRevisionAsync());
        Assert.Equal(ReadStatus.Ok, watch.Status);

        WriteResult created = await Store.CreateAsync("/registry/pods/a", Bytes("v1"));
        WriteResult updated = await Store.UpdateAsync("/registry/pods/a", Bytes("v2"), created.Revision);
        WriteResult deleted = await Store.DeleteAsync("/registry/pods/a", 0);

        List<WatchEvent> events = await ReadEventsAsync(watch.Events!, 3);
        AssertEvents(events, created, updated, deleted);
    }

    [Fact]
    public async Task Watch_FromOldRevision_ReplaysHistoryWithPreviousValues()
    {
        long start = await Store.GetRevisionAsync();
        WriteResult created = await Store.CreateAsync("/registry/pods/a", Bytes("v1"));
        WriteResult updated = await Store.UpdateAsync("/registry/pods/a", Bytes("v2"), created.Revision);
        WriteResult deleted = await Store.DeleteAsync("/registry/pods/a", 0);

        WatchResult watch = await Store.WatchAsync("/registry/pods/", start);

        List<WatchEvent> events = await ReadEventsAsync(watch.Events!, 3);
        AssertEvents(events, created, updated, deleted);
    }

    [Fact]
    public async Task Watch_FiltersByPrefix()
    {
        WatchResult watch = await Store.WatchAsync("/registry/pods/", R0);

        await Store.CreateAsync("/registry/podsx/a", Bytes("no"));
        await Store.CreateAsync("/registry/pod/a", Bytes("no"));
        WriteResult mine = await Store.CreateAsync("/registry/pods/a", Bytes("yes"));
        await Store.CreateAsync("/registry/services/a", Bytes("no"));
        WriteResult last = await Store.CreateAsync("/registry/pods/b", Bytes("yes"));

        List<WatchEvent> events = await ReadEventsAsync(watch.Events!, 2);
        Assert.Equal([mine.Revision, last.Revision], events.Select(e => e.Revision));
        Assert.Equal(["/registry/pods/a", "/registry/pods/b"], events.Select(e => e.Value.Key));
        Assert.False(TryReadChange(watch.Events!));
    }

    [Fact]
    public async Task Watch_ManyKeysFromManyWriters_ArrivesInRevisionOrder()
    {
        WatchResult watch = await Store.WatchAsync("/registry/", await Store.GetRevisionAsync());
        const int Writers = 8;
        const int PerWriter = 25;

        await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            for (int i = 0; i < PerWriter; i++)
            {
                Assert.Equal(WriteStatus.Ok, (await Store.CreateAsync($"/registry/w{w}/k{i}", Bytes("v"))).Status);
            }
        })));

        List<WatchEvent> events = await ReadEventsAsync(watch.Events!, Writers * PerWriter);
        Assert.Equal(Enumerable.Range(1, Writers * PerWriter).Select(i => Rev(i)), events.Select(e => e.Revision));
    }

    [Fact]
    public async Task Watch_FromOldRevisionWhileWriting_HasNoGapsOrDuplicates()
    {
        for (int i = 0; i < 50; i++)
        {
            await Store.CreateAsync($"/registry/pods/p{i}", Bytes("v"));
        }

        // Writes keep landing while the watch reads its history and switches to live events.
        Task writer = Task.Run(async () =>
        {
            for (int i = 0; i < 150; i++)
            {
                await Store.CreateAsync($"/registry/pods/q{i}", Bytes("v"));
            }
        });

        WatchResult watch = await Store.WatchAsync("/registry/pods/", Rev(10));
        await writer;

        List<WatchEvent> events = await ReadEventsAsync(watch.Events!, 190);
        Assert.Equal(Enumerable.Range(11, 190).Select(i => Rev(i)), events.Select(e => e.Revision));
        Assert.False(TryReadChange(watch.Events!));
    }

    [Fact]
    public async Task Watch_FromCompactedRevision_ReturnsExpired()
    {
        WriteResult a = await Store.CreateAsync("/registry/a", Bytes("1"));
        WriteResult b = await Store.UpdateAsync("/registry/a", Bytes("2"), a.Revision);
        WriteResult c = await Store.UpdateAsync("/registry/a", Bytes("3"), b.Revision);
        await Store.CompactAsync(b.Revision);

        WatchResult expired = await Store.WatchAsync("/registry/", a.Revision);
        Assert.Equal(ReadStatus.Expired, expired.Status);
        Assert.Null(expired.Events);
        Assert.Equal(b.Revision, expired.CompactedRevision);

        WatchResult ok = await Store.WatchAsync("/registry/", b.Revision);
        Assert.Equal(ReadStatus.Ok, ok.Status);
        WatchEvent only = (await ReadEventsAsync(ok.Events!, 1)).Single();
        Assert.Equal(c.Revision, only.Revision);
        Assert.Equal("2", Text(only.Previous!.Value));
    }

    [Fact]
    public async Task Watch_Cancelled_CompletesItsChannel()
    {
        using var cancel = new CancellationTokenSource();
        WatchResult watch = await Store.WatchAsync("/registry/", R0, cancel.Token);

        await cancel.CancelAsync();

        using var timeout = new CancellationTokenSource(EventTimeout);
        await watch.Events!.Completion.WaitAsync(timeout.Token);
        await Store.CreateAsync("/registry/after", Bytes("v"));
        Assert.False(TryReadChange(watch.Events));
    }

    [Fact]
    public async Task Dispose_CompletesWatchChannels()
    {
        WatchResult watch = await Store.WatchAsync("/registry/", R0);

        await Store.DisposeAsync();

        using var timeout = new CancellationTokenSource(EventTimeout);
        await watch.Events!.Completion.WaitAsync(timeout.Token);
    }

    /// <summary>The next <paramref name="count"/> changes, passing over Progress events (which only some backends send).</summary>
    protected static async Task<List<WatchEvent>> ReadEventsAsync(ChannelReader<WatchEvent> reader, int count)
    {
        using var timeout = new CancellationTokenSource(EventTimeout);
        var events = new List<WatchEvent>(count);
        long last = 0;
        while (events.Count < count)
        {
            WatchEvent e = await reader.ReadAsync(timeout.Token);
            Assert.True(e.Revision > last, $"revision {e.Revision} after {last}");
            last = e.Revision;
            if (e.Type != WatchEventType.Progress)
            {
                events.Add(e);
            }
        }

        return events;
    }

    /// <summary>Whether a change (not a Progress event) is waiting to be read.</summary>
    protected static bool TryReadChange(ChannelReader<WatchEvent> reader)
    {
        while (reader.TryRead(out WatchEvent? e))
        {
            if (e.Type != WatchEventType.Progress)
            {
                return true;
            }
        }

        return false;
    }

    private static void AssertEvents(List<WatchEvent> events, WriteResult created, WriteResult updated, WriteResult deleted)
    {
        Assert.Equal([WatchEventType.Created, WatchEventType.Updated, WatchEventType.Deleted], events.Select(e => e.Type));
        Assert.Equal([created.Revision, updated.Revision, deleted.Revision], events.Select(e => e.Revision));

        Assert.Equal("v1", Text(events[0].Value.Value));
        Assert.Null(events[0].Previous);

        Assert.Equal("v2", Text(events[1].Value.Value));
        Assert.Equal(created.Revision, events[1].Value.CreateRevision);
        Assert.Equal("v1", Text(events[1].Previous!.Value));
        Assert.Equal(created.Revision, events[1].Previous!.ModRevision);

        Assert.Equal("/registry/pods/a", events[2].Value.Key);
        Assert.Equal("v2", Text(events[2].Value.Value));
        Assert.Equal(deleted.Revision, events[2].Value.ModRevision);
        Assert.Equal(created.Revision, events[2].Value.CreateRevision);
        Assert.Equal("v2", Text(events[2].Previous!.Value));
        Assert.Equal(updated.Revision, events[2].Previous!.ModRevision);
    }
}
