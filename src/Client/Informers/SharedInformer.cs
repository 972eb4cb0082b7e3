using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace KubeNet.Client;

/// <summary>
/// A list+watch mirror of one kind (in one namespace, under one selector) kept in an indexed local store, with
/// handlers notified of every change, as client-go's sharedIndexInformer. One informer serves every controller that
/// needs the kind, so the API server sees one watch instead of one per consumer.
/// </summary>
public sealed partial class SharedInformer<T> : IStartable
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly ListWatch<T> _listWatch;
    private readonly SharedInformerOptions _options;
    private readonly ILogger _logger;
    private readonly string _kind;

    // Store writes and handler calls happen under this lock, so a handler added late replays a consistent snapshot and
    // then sees every later change exactly once.
    private readonly Lock _dispatchLock = new();
    private readonly List<IResourceEventHandler<T>> _handlers = [];
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopping = new();
    private Task? _run;
    private volatile string _lastSyncResourceVersion = string.Empty;

    public SharedInformer(ListWatch<T> listWatch, SharedInformerOptions? options = null, ILogger? logger = null)
    {
        _options = options ?? new SharedInformerOptions();
        _options.Validate();
        _listWatch = listWatch;
        _logger = logger ?? NullLogger.Instance;
        _kind = typeof(T).Name;
        Indexer = new Indexer<T>();
        Lister = new Lister<T>(Indexer);
    }

    public Indexer<T> Indexer { get; }

    public Lister<T> Lister { get; }

    /// <summary>True once the first list is in the store and every handler has seen it.</summary>
    public bool HasSynced => _synced.Task.IsCompleted;

    /// <summary>The resourceVersion of the last list, watch event or bookmark applied.</summary>
    public string LastSyncResourceVersion => _lastSyncResourceVersion;

    public bool IsStarted => _run is not null;

    /// <summary>Adds a secondary index; safe before or after start.</summary>
    public void AddIndexer(string name, Func<T, IEnumerable<string>> indexFunc) => Indexer.AddIndexer(name, indexFunc);

    /// <summary>
    /// Registers a handler. If objects are already cached, the handler first gets an OnAdd for each, as client-go
    /// does for handlers added to a running informer. Disposing the result removes the handler.
    /// </summary>
    public IDisposable AddEventHandler(IResourceEventHandler<T> handler)
    {
        lock (_dispatchLock)
        {
            _handlers.Add(handler);
            var initial = !HasSynced;
            foreach (var obj in Indexer.List())
            {
                Invoke(handler, h => h.OnAdd(obj, initial));
            }
        }

        return new Registration(this, handler);
    }

    /// <summary>Starts listing and watching in the background; a second call does nothing.</summary>
    public void Start(CancellationToken cancellationToken = default)
    {
        lock (_dispatchLock)
        {
            if (_run is not null)
            {
                return;
            }

            var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
            _run = Task.Run(async () =>
            {
                using (linked)
                {
                    await RunAsync(linked.Token);
                }
            }, CancellationToken.None);
        }
    }

    /// <summary>Completes with true once synced, or false if <paramref name="cancellationToken"/> fires first.</summary>
    public async Task<bool> WaitForCacheSyncAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await _synced.Task.WaitAsync(cancellationToken);
            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        if (_run is not null)
        {
            try
            {
                await _run;
            }
            catch (OperationCanceledException)
            {
            }
        }

        _stopping.Dispose();
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var resync = _options.ResyncPeriod > TimeSpan.Zero ? ResyncLoopAsync(cancellationToken) : Task.CompletedTask;
        try
        {
            await ListAndWatchLoopAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        try
        {
            await resync;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        LogStopped(_logger, _kind);
    }

    private async Task ResyncLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_options.ResyncPeriod);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            if (!HasSynced)
            {
                continue;
            }

            lock (_dispatchLock)
            {
                foreach (var obj in Indexer.List())
                {
                    Dispatch(h => h.OnUpdate(obj, obj));
                }
            }
        }
    }

    // Replace semantics of client-go's DeltaFIFO: listed objects become adds or updates, cached objects missing from
    // the list become deletions whose final state is unknown.
    private void ApplyList(List<T> items, string resourceVersion)
    {
        var fresh = new Dictionary<string, T>(items.Count, StringComparer.Ordinal);
        foreach (var item in items)
        {
            fresh[ObjectKeys.For(item)] = item;
        }

        lock (_dispatchLock)
        {
            var initial = !HasSynced;
            var previous = Indexer.Replace(fresh);
            foreach (var (key, obj) in fresh)
            {
                if (previous.Remove(key, out var old))
                {
                    Dispatch(h => h.OnUpdate(old, obj));
                }
                else
                {
                    Dispatch(h => h.OnAdd(obj, initial));
                }
            }

            foreach (var gone in previous.Values)
            {
                Dispatch(h => h.OnDelete(gone, true));
            }

            _lastSyncResourceVersion = resourceVersion;
            _synced.TrySetResult();
        }
    }

    private void ApplyEvent(WatchEventType type, T obj)
    {
        var key = ObjectKeys.For(obj);
        lock (_dispatchLock)
        {
            switch (type)
            {
                case WatchEventType.Added:
                case WatchEventType.Modified:
                    var old = Indexer.Upsert(key, obj);
                    if (old is null)
                    {
                        Dispatch(h => h.OnAdd(obj, false));
                    }
                    else
                    {
                        Dispatch(h => h.OnUpdate(old, obj));
                    }

                    break;
                case WatchEventType.Deleted:
                    // A deletion of an object the cache never held carries nothing a handler could act on.
                    if (Indexer.Remove(key) is not null)
                    {
                        Dispatch(h => h.OnDelete(obj, false));
                    }

                    break;
            }

            if (obj.Metadata?.ResourceVersion is { Length: > 0 } rv)
            {
                _lastSyncResourceVersion = rv;
            }
        }
    }

    private void Dispatch(Action<IResourceEventHandler<T>> call)
    {
        foreach (var handler in _handlers)
        {
            Invoke(handler, call);
        }
    }

    private void Invoke(IResourceEventHandler<T> handler, Action<IResourceEventHandler<T>> call)
    {
        try
        {
            call(handler);
        }
        catch (Exception ex)
        {
            // One broken handler must not starve the others or stop the watch.
            LogHandlerFailed(_logger, _kind, ex);
        }
    }

    private sealed class Registration(SharedInformer<T> informer, IResourceEventHandler<T> handler) : IDisposable
    {
        public void Dispose()
        {
            lock (informer._dispatchLock)
            {
                informer._handlers.Remove(handler);
            }
        }
    }
}
