using System.Collections.Concurrent;
using System.Collections.Immutable;
using k8s;
using k8s.Models;
using KubeNet.ApiMachinery.Kinds;
using KubeNet.Storage;
using Microsoft.Extensions.Logging;

namespace KubeNet.ApiServer.Registry;

/// <summary>
/// The watch cache: one storage watch over /registry/ feeds a <see cref="ResourceCache"/> per storage resource. The
/// feed's revision is global, so a read that waits until the feed reaches the store's revision is consistent for
/// every resource, and each object is decoded and encoded once for all readers and watchers.
/// </summary>
internal sealed partial class StorageCache : IAsyncDisposable
{
    private const string Root = "/registry/";
    private readonly IKeyValueStore _store;
    private readonly ILogger _logger;
    private readonly Dictionary<string, ResourceCache> _byResource = new(StringComparer.Ordinal);
    private readonly Lock _sync = new();
    private readonly CancellationTokenSource _stop = new();

    // Reads waiting for the feed to reach a revision, woken only once it has: waking every waiter on every batch
    // made each wait cost a thread-pool round trip per batch until its revision arrived.
    private readonly List<(long Target, TaskCompletionSource Done)> _waiters = [];
    private readonly Lock _waitersSync = new();
    private volatile bool _feedEnded;
    private Task? _feed;
    private long _revision;

    // Creates of this server in flight, by key: the storage event of a create and the create's own response need the
    // same object and JSON, so whichever comes first builds them once for both, instead of the cache decoding and
    // encoding the stored bytes again (a third of a create's JSON work).
    private readonly ConcurrentDictionary<string, PendingCreate> _pending = new(StringComparer.Ordinal);

    public StorageCache(IKeyValueStore store, int ringCapacity, ILogger logger)
    {
        _store = store;
        _logger = logger;
        foreach (var info in KindCatalog.AllResources.Where(r => !r.Virtual))
        {
            if (!_byResource.ContainsKey(info.StoredResource))
            {
                var storageInfo = KindCatalog.AllResources.First(r => r.StoredResource == info.StoredResource && r.ClrType == r.StoredType);
                _byResource[info.StoredResource] = new ResourceCache(storageInfo, ringCapacity);
            }
        }
    }

    public IKeyValueStore Store => _store;

    /// <summary>The newest revision the cache reflects.</summary>
    public long Revision => Volatile.Read(ref _revision);

    public ResourceCache For(ResourceInfo info) => _byResource[info.StoredResource];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var events = await LoadAndWatchAsync(cancellationToken);
        _feed = Task.Run(() => FeedAsync(events, _stop.Token), CancellationToken.None);
    }

    /// <summary>Lists everything at the store's revision into the caches and opens the storage watch after it.</summary>
    private async Task<System.Threading.Channels.ChannelReader<WatchEvent>> LoadAndWatchAsync(CancellationToken cancellationToken)
    {
        var revision = await _store.GetRevisionAsync(cancellationToken);
        var loaded = new Dictionary<ResourceCache, List<StoredObject>>();
        string? after = null;
        while (true)
        {
            var page = await _store.ListAsync(Root, new ListRequest { Revision = revision, Limit = 10_000, StartAfterKey = after }, cancellationToken);
            if (page.Status != ReadStatus.Ok)
            {
                throw new InvalidOperationException($"initial list failed: {page.Status}");
            }

            foreach (var kv in page.Items)
            {
                var cache = Route(kv.Key);
                if (cache is null)
                {
                    continue;
                }

                if (!loaded.TryGetValue(cache, out var list))
                {
                    loaded[cache] = list = [];
                }

                list.Add(Materialize(cache, kv.Key, kv.Value.Span, kv.ModRevision));
            }

            if (!page.More || page.Items.Count == 0)
            {
                break;
            }

            after = page.Items[^1].Key;
        }

        lock (_sync)
        {
            foreach (var cache in _byResource.Values)
            {
                cache.Load(loaded.TryGetValue(cache, out var list) ? list : [], revision);
            }

            _revision = revision;
        }

        var watch = await _store.WatchAsync(Root, revision, cancellationToken);
        if (watch.Status != ReadStatus.Ok || watch.Events is null)
        {
            throw new InvalidOperationException($"storage watch failed: {watch.Status}");
        }

        return watch.Events;
    }

    private ResourceCache? Route(string key)
    {
        var end = key.IndexOf('/', Root.Length);
        return end < 0 ? null : _byResource.GetValueOrDefault(key[Root.Length..end]);
    }

    private static StoredObject Materialize(ResourceCache cache, string key, ReadOnlySpan<byte> value, long revision)
    {
        var obj = ObjectCodec.Decode(value, cache.Info.StoredType);
        obj.Metadata ??= new V1ObjectMeta();
        obj.Metadata.ResourceVersion = ObjectCodec.FormatRevision(revision);
        ObjectCodec.SetTypeMeta(obj, cache.Info);
        return new StoredObject { Key = key, ModRevision = revision, Object = obj, Json = ObjectCodec.Encode(obj) };
    }

    /// <summary>
    /// Applies storage events until the cache stops. When the storage watch breaks for good (its history compacted
    /// while it reconnected), every client watch ends, as kube-apiserver's cacher ends them on a relist, and the
    /// cache lists again; clients re-watch and get 410 Expired for revisions before the new list.
    /// </summary>
    private async Task FeedAsync(System.Threading.Channels.ChannelReader<WatchEvent> events, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                try
                {
                    await ApplyAsync(events, cancellationToken);
                    return;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogFeedBroken(ex.Message);
                    CompleteAllWatchers();
                    events = await RelistAsync(cancellationToken);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            CompleteAllWatchers();
            _feedEnded = true;
            WakeWaiters(long.MaxValue);
        }
    }

    private async Task<System.Threading.Channels.ChannelReader<WatchEvent>> RelistAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                var events = await LoadAndWatchAsync(cancellationToken);
                if (_pending.Count > 1024)
                {
                    SweepPending(Volatile.Read(ref _revision));
                }

                WakeWaiters(Revision);
                LogRelisted(Revision);
                return events;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFeedBroken(ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }
    }

    private async Task ApplyAsync(System.Threading.Channels.ChannelReader<WatchEvent> events, CancellationToken cancellationToken)
    {
        while (await events.WaitToReadAsync(cancellationToken))
        {
            while (events.TryRead(out var e))
            {
                // Progress carries no key: only the revision moves (a write outside /registry/, e.g. etcd's compaction bookkeeping).
                var cache = e.Type == KubeNet.Storage.WatchEventType.Progress ? null : Route(e.Value.Key);
                CacheEvent? change = null;
                if (cache is not null)
                {
                    try
                    {
                        change = ToCacheEvent(cache, e);
                    }
                    catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidCastException)
                    {
                        LogUndecodable(e.Value.Key, ex.Message);
                    }
                }

                lock (_sync)
                {
                    if (change is not null)
                    {
                        cache!.Apply(change);
                    }

                    _revision = e.Revision;
                }
            }

            if (_pending.Count > 1024)
            {
                SweepPending(Volatile.Read(ref _revision));
            }

            WakeWaiters(Volatile.Read(ref _revision));
        }
    }

    /// <summary>Wakes the waiters whose revision the feed has reached (all of them when the feed ends).</summary>
    private void WakeWaiters(long revision)
    {
        List<TaskCompletionSource>? due = null;
        lock (_waitersSync)
        {
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Target <= revision)
                {
                    (due ??= []).Add(_waiters[i].Done);
                    _waiters[i] = _waiters[^1];
                    _waiters.RemoveAt(_waiters.Count - 1);
                }
            }
        }

        if (due is not null)
        {
            foreach (var done in due)
            {
                done.TrySetResult();
            }
        }
    }

    private CacheEvent ToCacheEvent(ResourceCache cache, WatchEvent e)
    {
        var previous = ResourceCache.Get(cache.Items, e.Value.Key);
        switch (e.Type)
        {
            case KubeNet.Storage.WatchEventType.Deleted:
                var last = Materialize(cache, e.Value.Key, e.Value.Value.Span, e.Revision);
                return new CacheEvent(CacheEventType.Deleted, last, previous, e.Revision);
            default:
                var obj = TakeCreated(cache, e) ?? Materialize(cache, e.Value.Key, e.Value.Value.Span, e.Revision);
                return new CacheEvent(previous is null ? CacheEventType.Added : CacheEventType.Modified, obj, previous, e.Revision);
        }
    }

    /// <summary>
    /// Announces a create of <paramref name="obj"/> (storage type, type meta set, never mutated again) whose stored
    /// bytes are <paramref name="bytes"/>. Its fresh UID makes those bytes unique, so an event with the same bytes is
    /// this create's. The caller ends with <see cref="CompleteCreate"/> or <see cref="AbandonCreate"/>.
    /// </summary>
    public PendingCreate ExpectCreate(string key, IKubernetesObject<V1ObjectMeta> obj, byte[] bytes)
    {
        var pending = new PendingCreate(key, obj, bytes);
        _pending[key] = pending;
        return pending;
    }

    /// <summary>The stored object of a create that storage committed at <paramref name="revision"/>, built once.</summary>
    public StoredObject CompleteCreate(PendingCreate pending, long revision, Func<StoredObject> build)
    {
        if (Volatile.Read(ref pending.Stored) is { } early && early.ModRevision == revision)
        {
            return early;
        }

        var built = build();
        return Interlocked.CompareExchange(ref pending.Stored, built, null) is { } other && other.ModRevision == revision ? other : built;
    }

    /// <summary>The create failed or was refused: nothing will take its note.</summary>
    public void AbandonCreate(PendingCreate pending) => _pending.TryRemove(KeyValuePair.Create(pending.Key, pending));

    private StoredObject? TakeCreated(ResourceCache cache, WatchEvent e)
    {
        if (e.Value.CreateRevision != e.Revision || !_pending.TryGetValue(e.Value.Key, out var pending))
        {
            return null;
        }

        var obj = pending.Object;
        if (obj.GetType() != cache.Info.StoredType || obj.ApiVersion != cache.Info.GroupVersion || obj.Kind != cache.Info.Kind)
        {
            return null;
        }

        var stored = Volatile.Read(ref pending.Stored);
        if (stored is null)
        {
            if (!e.Value.Value.Span.SequenceEqual(pending.Bytes))
            {
                return null;
            }

            // The writer sets the same resourceVersion when its response arrives; nothing else changes the object.
            obj.Metadata.ResourceVersion = ObjectCodec.FormatRevision(e.Revision);
            var built = new StoredObject { Key = e.Value.Key, ModRevision = e.Revision, Object = obj, Json = ObjectCodec.EncodeWithRevision(obj, pending.Bytes) };
            stored = Interlocked.CompareExchange(ref pending.Stored, built, null) ?? built;
        }

        if (stored.ModRevision != e.Revision)
        {
            return null;
        }

        _pending.TryRemove(KeyValuePair.Create(e.Value.Key, pending));
        return stored;
    }

    /// <summary>Drops notes of creates whose events have passed without taking them (a relist in between).</summary>
    private void SweepPending(long revision)
    {
        foreach (var (key, pending) in _pending)
        {
            if (Volatile.Read(ref pending.Stored) is { } stored && stored.ModRevision <= revision)
            {
                _pending.TryRemove(KeyValuePair.Create(key, pending));
            }
        }
    }

    /// <summary>Waits until the cache reflects every write the store has committed so far.</summary>
    public async ValueTask<long> WaitUntilFreshAsync(CancellationToken cancellationToken)
    {
        var target = await _store.GetRevisionAsync(cancellationToken);
        await WaitForRevisionAsync(target, cancellationToken);
        return target;
    }

    public async ValueTask WaitForRevisionAsync(long target, CancellationToken cancellationToken)
    {
        while (Volatile.Read(ref _revision) < target)
        {
            if (_feedEnded || _feed is { IsCompleted: true })
            {
                throw new InvalidOperationException("the storage watch has stopped");
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_waitersSync)
            {
                // Checked again under the lock the feed wakes waiters under, so no advance is missed.
                if (Volatile.Read(ref _revision) >= target)
                {
                    return;
                }

                if (_feedEnded)
                {
                    throw new InvalidOperationException("the storage watch has stopped");
                }

                _waiters.Add((target, done));
            }

            try
            {
                await done.Task.WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
            }
            finally
            {
                if (!done.Task.IsCompleted)
                {
                    lock (_waitersSync)
                    {
                        _waiters.Remove((target, done));
                    }
                }
            }
        }
    }

    /// <summary>A consistent (items, revision) pair.</summary>
    public (ImmutableSortedSet<StoredObject> Items, long Revision) Snapshot(ResourceInfo info)
    {
        var cache = For(info);
        lock (_sync)
        {
            return (cache.Items, _revision);
        }
    }

    /// <summary>
    /// Registers a watcher. With <paramref name="afterRevision"/> null it starts at the current snapshot, returned for the
    /// initial ADDED events; otherwise the ring replays events after that revision. Null when that revision is too old.
    /// </summary>
    public WatchStart? Watch(ResourceInfo info, long? afterRevision, CacheWatcher watcher)
    {
        var cache = For(info);
        lock (_sync)
        {
            if (afterRevision is null)
            {
                cache.AddWatcher(watcher, _revision);
                return new WatchStart(cache.Items, _revision, 0);
            }

            if (afterRevision.Value < cache.OldestWatchableRevision)
            {
                return null;
            }

            cache.AddWatcher(watcher, afterRevision.Value);
            return new WatchStart(null, Math.Max(afterRevision.Value, _revision), 0);
        }
    }

    public void CompleteAllWatchers()
    {
        lock (_sync)
        {
            foreach (var cache in _byResource.Values)
            {
                cache.CompleteWatchers();
            }
        }
    }

    public long OldestWatchableRevision(ResourceInfo info) => For(info).OldestWatchableRevision;

    public void StopWatch(ResourceInfo info, CacheWatcher watcher)
    {
        var cache = For(info);
        lock (_sync)
        {
            cache.RemoveWatcher(watcher);
        }

        watcher.Complete();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_feed is not null)
        {
            await _feed;
        }

        _stop.Dispose();
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Error, Message = "Stored value at {Key} does not decode: {Error}")]
    private partial void LogUndecodable(string key, string error);

    [LoggerMessage(EventId = 2900, Level = LogLevel.Warning, Message = "The storage watch broke ({Error}); ending client watches and listing again")]
    private partial void LogFeedBroken(string error);

    [LoggerMessage(EventId = 2901, Level = LogLevel.Information, Message = "The watch cache listed again at revision {Revision}")]
    private partial void LogRelisted(long revision);
}

internal sealed record WatchStart(ImmutableSortedSet<StoredObject>? Initial, long Revision, int Unused);

/// <summary>A create in flight: what it stores, and the stored object once either its response or its event built it.</summary>
internal sealed class PendingCreate(string key, IKubernetesObject<V1ObjectMeta> obj, byte[] bytes)
{
    public StoredObject? Stored;

    public string Key { get; } = key;

    public IKubernetesObject<V1ObjectMeta> Object { get; } = obj;

    public byte[] Bytes { get; } = bytes;
}
