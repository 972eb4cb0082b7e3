using System.Threading.Channels;

namespace KubeNet.Storage.Sqlite;

/// <summary>In-process fan-out of committed events to watchers; the writer thread publishes in revision order.</summary>
internal sealed class WatchHub
{
    private readonly Lock _gate = new();
    private Watcher[] _watchers = [];
    private bool _closed;

    public bool TryAdd(Watcher watcher)
    {
        lock (_gate)
        {
            if (_closed)
            {
                return false;
            }

            _watchers = [.. _watchers, watcher];
            return true;
        }
    }

    public void Remove(Watcher watcher)
    {
        lock (_gate)
        {
            _watchers = Array.FindAll(_watchers, w => !ReferenceEquals(w, watcher));
        }
    }

    public void Publish(List<WatchEvent> events)
    {
        Watcher[] watchers = Volatile.Read(ref _watchers);
        if (watchers.Length == 0)
        {
            return;
        }

        foreach (WatchEvent e in events)
        {
            foreach (Watcher watcher in watchers)
            {
                if (watcher.Matches(e.Value.Key))
                {
                    watcher.Deliver(e);
                }
            }
        }
    }

    public void CloseAll()
    {
        Watcher[] watchers;
        lock (_gate)
        {
            _closed = true;
            watchers = _watchers;
            _watchers = [];
        }

        foreach (Watcher watcher in watchers)
        {
            watcher.Complete();
        }
    }
}

/// <summary>
/// One watch. It is registered before its history is read, so every event is either in that history or
/// delivered live; live events that arrive during the history read wait in a buffer, and the ones the
/// history already holds are dropped by revision.
/// </summary>
internal sealed class Watcher(string prefix)
{
    private readonly Channel<WatchEvent> _channel = Channel.CreateUnbounded<WatchEvent>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });
    private readonly Lock _gate = new();
    private List<WatchEvent>? _pending = [];
    private long _lastRevision;
    private CancellationTokenRegistration _cancellation;

    public ChannelReader<WatchEvent> Reader => _channel.Reader;

    public bool Matches(string key) => key.StartsWith(prefix, StringComparison.Ordinal);

    public void Deliver(WatchEvent e)
    {
        lock (_gate)
        {
            if (_pending is not null)
            {
                _pending.Add(e);
            }
            else if (e.Revision > _lastRevision)
            {
                _lastRevision = e.Revision;
                _channel.Writer.TryWrite(e);
            }
        }
    }

    /// <summary>Writes one history event; only called before <see cref="GoLive"/>.</summary>
    public void WriteHistory(WatchEvent e) => _channel.Writer.TryWrite(e);

    /// <summary>Switches to live delivery once history up to <paramref name="lastRevision"/> is written.</summary>
    public void GoLive(long lastRevision)
    {
        lock (_gate)
        {
            _lastRevision = lastRevision;
            foreach (WatchEvent e in _pending!)
            {
                if (e.Revision > _lastRevision)
                {
                    _lastRevision = e.Revision;
                    _channel.Writer.TryWrite(e);
                }
            }

            _pending = null;
        }
    }

    public void EndOn(WatchHub hub, CancellationToken cancellationToken)
    {
        if (cancellationToken.CanBeCanceled)
        {
            _cancellation = cancellationToken.Register(() =>
            {
                hub.Remove(this);
                Complete();
            });
        }
    }

    public void Complete()
    {
        _cancellation.Unregister();
        _channel.Writer.TryComplete();
    }
}
