using System.Collections.Immutable;
using System.Threading.Channels;
using KubeNet.ApiMachinery.Kinds;

namespace KubeNet.ApiServer.Registry;

/// <summary>
/// The current objects of one storage resource, sorted by key, plus a ring of recent events for watches. Written only
/// by <see cref="StorageCache"/>'s feed under its lock; read lock-free through immutable snapshots.
/// </summary>
internal sealed class ResourceCache
{
    private static readonly IComparer<StoredObject> ByKey = Comparer<StoredObject>.Create((a, b) => string.CompareOrdinal(a.Key, b.Key));

    private readonly CacheEvent?[] _ring;
    private readonly List<CacheWatcher> _watchers = [];
    private int _ringHead;
    private int _ringCount;

    public ResourceCache(ResourceInfo storageInfo, int ringCapacity)
    {
        Info = storageInfo;
        _ring = new CacheEvent?[ringCapacity];
        Items = ImmutableSortedSet.Create(ByKey);
    }

    public ResourceInfo Info { get; }

    public string Prefix => KindCatalog.KeyPrefix(Info);

    /// <summary>Current objects; replaced, never changed in place.</summary>
    public ImmutableSortedSet<StoredObject> Items { get; private set; }

    /// <summary>Watches may start at any revision at or after this one: every later event is in the ring.</summary>
    public long OldestWatchableRevision { get; private set; }

    public int WatcherCount => _watchers.Count;

    public static StoredObject Probe(string key) => new() { Key = key, ModRevision = 0, Object = null!, Json = [] };

    public static StoredObject? Get(ImmutableSortedSet<StoredObject> items, string key)
        => items.TryGetValue(Probe(key), out var found) ? found : null;

    /// <summary>Objects with keys in [prefix, prefix+\xffff) strictly after <paramref name="startAfter"/>, in key order.</summary>
    public static IEnumerable<StoredObject> Range(ImmutableSortedSet<StoredObject> items, string prefix, string? startAfter)
    {
        var start = startAfter is not null && string.CompareOrdinal(startAfter, prefix) >= 0 ? startAfter : prefix;
        var index = items.IndexOf(Probe(start));
        if (index < 0)
        {
            index = ~index;
        }
        else if (startAfter is not null && start == startAfter)
        {
            index++;
        }

        for (var i = index; i < items.Count; i++)
        {
            var item = items[i];
            if (!item.Key.StartsWith(prefix, StringComparison.Ordinal))
            {
                yield break;
            }

            yield return item;
        }
    }

    /// <summary>How many keys under <paramref name="prefix"/> sort after <paramref name="afterKey"/>.</summary>
    public static long CountInRange(ImmutableSortedSet<StoredObject> items, string prefix, string afterKey)
    {
        var after = items.IndexOf(Probe(afterKey));
        after = after < 0 ? ~after : after + 1;

        // The first key past the prefix range: the prefix with its last character incremented.
        var end = items.IndexOf(Probe(prefix[..^1] + (char)(prefix[^1] + 1)));
        end = end < 0 ? ~end : end;
        return Math.Max(0, end - after);
    }

    // Called by the feed under the hub lock.
    internal void Load(IEnumerable<StoredObject> objects, long revision)
    {
        Items = ImmutableSortedSet.CreateRange(ByKey, objects);
        OldestWatchableRevision = revision;

        // After a relist the events before it may have a gap: none of them may be replayed.
        Array.Clear(_ring);
        _ringHead = 0;
        _ringCount = 0;
    }

    // Called by the feed under the hub lock.
    internal void Apply(CacheEvent e)
    {
        Items = e.Type == CacheEventType.Deleted ? Items.Remove(Probe(e.Object.Key)) : Items.Remove(Probe(e.Object.Key)).Add(e.Object);
        if (_ringCount == _ring.Length)
        {
            var evicted = _ring[_ringHead]!;
            OldestWatchableRevision = evicted.Revision;
            _ring[_ringHead] = e;
            _ringHead = (_ringHead + 1) % _ring.Length;
        }
        else
        {
            _ring[(_ringHead + _ringCount) % _ring.Length] = e;
            _ringCount++;
        }

        for (var i = _watchers.Count - 1; i >= 0; i--)
        {
            if (!_watchers[i].Deliver(e))
            {
                _watchers.RemoveAt(i);
            }
        }
    }

    // Called under the hub lock: replays ring events after `afterRevision` into the watcher and registers it.
    internal void AddWatcher(CacheWatcher watcher, long afterRevision)
    {
        for (var i = 0; i < _ringCount; i++)
        {
            var e = _ring[(_ringHead + i) % _ring.Length]!;
            if (e.Revision > afterRevision && !watcher.Deliver(e))
            {
                return;
            }
        }

        _watchers.Add(watcher);
    }

    internal void RemoveWatcher(CacheWatcher watcher) => _watchers.Remove(watcher);

    internal void CompleteWatchers()
    {
        foreach (var w in _watchers)
        {
            w.Complete();
        }

        _watchers.Clear();
    }
}

/// <summary>A watch event as one watcher sees it, after its filter turned transitions into ADDED or DELETED.</summary>
internal readonly record struct WatchItem(CacheEventType Type, StoredObject Object);

/// <summary>
/// One client watch on the cache. Events pass through a bounded queue; a watcher that falls that far behind is closed,
/// as kube-apiserver closes slow watchers, and the client re-watches from its last resourceVersion.
/// </summary>
internal sealed class CacheWatcher
{
    private readonly Channel<WatchItem> _channel;
    private readonly Func<StoredObject, bool> _matches;

    public CacheWatcher(Func<StoredObject, bool> matches, int capacity)
    {
        _matches = matches;
        _channel = Channel.CreateBounded<WatchItem>(new BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = true });
    }

    public ChannelReader<WatchItem> Reader => _channel.Reader;

    /// <summary>True while the watcher wants more events.</summary>
    public bool Deliver(CacheEvent e)
    {
        var now = e.Type != CacheEventType.Deleted && _matches(e.Object);
        var before = e.Previous is not null && _matches(e.Previous);
        if (e.Type == CacheEventType.Deleted)
        {
            now = false;
            before = _matches(e.Object);
        }

        WatchItem? item = (before, now) switch
        {
            (false, true) => new WatchItem(CacheEventType.Added, e.Object),
            (true, true) => new WatchItem(CacheEventType.Modified, e.Object),
            (true, false) => new WatchItem(CacheEventType.Deleted, e.Object),
            _ => null,
        };
        if (item is null)
        {
            return true;
        }

        if (_channel.Writer.TryWrite(item.Value))
        {
            return true;
        }

        _channel.Writer.TryComplete();
        return false;
    }

    /// <summary>Queues an initial ADDED event; false when the queue is full.</summary>
    public bool DeliverInitial(StoredObject obj) => _channel.Writer.TryWrite(new WatchItem(CacheEventType.Added, obj));

    public void Complete() => _channel.Writer.TryComplete();
}
