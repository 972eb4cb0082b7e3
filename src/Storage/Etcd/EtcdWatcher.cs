using System.Diagnostics;
using System.Text;
using System.Threading.Channels;
using Etcdserverpb;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace KubeNet.Storage.Etcd;

/// <summary>
/// One watch over etcd's watch stream. It watches the store's whole keyspace and passes on the events under its
/// prefix; for the others it passes a Progress event, so the reader's revision keeps up with the store's. When the
/// stream breaks (a member died, lost its leader, or the connection dropped) it opens a new one, on any member that
/// answers, from the revision after the last one delivered: nothing is missed and nothing repeated.
/// </summary>
internal sealed partial class EtcdWatcher
{
    private readonly EtcdConnection _etcd;
    private readonly EtcdKeys _keys;
    private readonly byte[] _prefix;
    private readonly TimeSpan _firstConnectTimeout;
    private readonly ILogger _logger;
    private readonly Channel<WatchEvent> _events = Channel.CreateUnbounded<WatchEvent>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = true });
    private readonly TaskCompletionSource<long?> _established = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationTokenSource? _stop;
    private Task _run = Task.CompletedTask;
    private long _next;

    public EtcdWatcher(EtcdConnection etcd, EtcdKeys keys, string prefix, long startRevision, TimeSpan firstConnectTimeout, ILogger logger)
    {
        _etcd = etcd;
        _keys = keys;
        _prefix = Encoding.UTF8.GetBytes(prefix);
        _next = startRevision;
        _firstConnectTimeout = firstConnectTimeout;
        _logger = logger;
    }

    public ChannelReader<WatchEvent> Events => _events.Reader;

    /// <summary>Completes once etcd has accepted the watch: null, or the compacted revision when the start is too old.</summary>
    public Task<long?> Established => _established.Task;

    public void Start(Action onEnd, CancellationToken storeStopping, CancellationToken caller)
    {
        _stop = CancellationTokenSource.CreateLinkedTokenSource(storeStopping, caller);
        _run = Task.Run(async () =>
        {
            try
            {
                await RunAsync(_stop.Token).ConfigureAwait(false);
            }
            finally
            {
                onEnd();
            }
        });
    }

    public async Task StopAsync()
    {
        if (_stop is null)
        {
            return;
        }

        try
        {
            await _stop.CancelAsync().ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            // Already ended.
        }

        await _run.ConfigureAwait(false);
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        TimeSpan backoff = TimeSpan.FromMilliseconds(50);
        Exception? failure = null;
        try
        {
            while (true)
            {
                try
                {
                    if (await WatchOnceAsync(cancellationToken).ConfigureAwait(false))
                    {
                        return;
                    }

                    LogStreamEnded(_next);
                }
                catch (RpcException ex) when (EtcdConnection.IsTransient(ex, cancellationToken) || ex.StatusCode == StatusCode.Cancelled && !cancellationToken.IsCancellationRequested)
                {
                    if (!_established.Task.IsCompleted && Stopwatch.GetElapsedTime(started) > _firstConnectTimeout)
                    {
                        throw new StorageUnavailableException($"etcd did not accept a watch within {_firstConnectTimeout.TotalSeconds:0.#}s: {ex.Status.Detail}", ex);
                    }

                    LogReconnecting(_next, ex.StatusCode, ex.Status.Detail);
                }
                catch (WatchCancelledException ex)
                {
                    LogReconnecting(_next, StatusCode.Cancelled, ex.Message);
                }

                await Task.Delay(backoff, cancellationToken).ConfigureAwait(false);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(1).Ticks));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The reader or the store ended the watch.
        }
        catch (Exception ex)
        {
            failure = ex;
        }
        finally
        {
            _stop?.Dispose();
            if (failure is not null && !_established.Task.IsCompleted)
            {
                _established.TrySetException(failure);
                _events.Writer.TryComplete();
            }
            else
            {
                _established.TrySetCanceled(cancellationToken);
                _events.Writer.TryComplete(failure);
            }
        }
    }

    /// <summary>Follows one stream. True when the watch is over for good (compacted); false or an exception to reconnect.</summary>
    private async Task<bool> WatchOnceAsync(CancellationToken cancellationToken)
    {
        using AsyncDuplexStreamingCall<WatchRequest, WatchResponse> call = _etcd.Watch.Watch(EtcdConnection.Headers, cancellationToken: cancellationToken);
        await call.RequestStream.WriteAsync(
            new WatchRequest
            {
                CreateRequest = new WatchCreateRequest
                {
                    Key = _keys.NamespaceStart,
                    RangeEnd = _keys.NamespaceEnd,
                    StartRevision = _next,
                    PrevKv = true,
                    ProgressNotify = true,
                },
            },
            cancellationToken).ConfigureAwait(false);

        while (await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            WatchResponse response = call.ResponseStream.Current;
            if (response.CompactRevision != 0)
            {
                if (_established.TrySetResult(response.CompactRevision))
                {
                    return true;
                }

                LogCompactedOnResume(_next, response.CompactRevision);
                throw new StorageWatchExpiredException(_next, response.CompactRevision);
            }

            if (response.Canceled)
            {
                throw new WatchCancelledException(response.CancelReason);
            }

            if (response.Created)
            {
                if (!_established.TrySetResult(null))
                {
                    LogResumed(_next);
                }

                continue;
            }

            Deliver(response);
        }

        return false;
    }

    private void Deliver(WatchResponse response)
    {
        if (response.Events.Count == 0)
        {
            // A progress notification: etcd sends it on a watcher's own queue once every event up to the header's
            // revision has been sent to it.
            long revision = response.Header.Revision;
            if (revision >= _next)
            {
                _next = revision + 1;
                _events.Writer.TryWrite(Progress(revision));
            }

            return;
        }

        long last = 0;
        bool lastDelivered = false;
        foreach (Mvccpb.Event e in response.Events)
        {
            long revision = e.Kv.ModRevision;
            if (revision < _next)
            {
                // Already delivered before the stream broke.
                continue;
            }

            last = revision;
            lastDelivered = _keys.IsUnder(e.Kv.Key, _prefix);
            if (lastDelivered)
            {
                _events.Writer.TryWrite(ToEvent(e));
            }
        }

        if (last == 0)
        {
            return;
        }

        if (!lastDelivered)
        {
            _events.Writer.TryWrite(Progress(last));
        }

        _next = last + 1;
    }

    private WatchEvent ToEvent(Mvccpb.Event e)
    {
        string key = _keys.Name(e.Kv.Key);
        KeyValue? previous = e.PrevKv is { } p ? new KeyValue(key, p.Value.Memory, p.CreateRevision, p.ModRevision) : null;
        if (e.Type == Mvccpb.Event.Types.EventType.Delete)
        {
            var tombstone = new KeyValue(key, previous?.Value ?? ReadOnlyMemory<byte>.Empty, previous?.CreateRevision ?? 0, e.Kv.ModRevision);
            return new WatchEvent(WatchEventType.Deleted, tombstone, previous);
        }

        var value = new KeyValue(key, e.Kv.Value.Memory, e.Kv.CreateRevision, e.Kv.ModRevision);

        // Version 1 is the first write since the key was (re)created.
        return e.Kv.Version == 1
            ? new WatchEvent(WatchEventType.Created, value, null)
            : new WatchEvent(WatchEventType.Updated, value, previous);
    }

    private static WatchEvent Progress(long revision) =>
        new(WatchEventType.Progress, new KeyValue("", ReadOnlyMemory<byte>.Empty, 0, revision), null);

    private sealed class WatchCancelledException(string reason) : Exception(string.IsNullOrEmpty(reason) ? "etcd cancelled the watch" : reason);

    [LoggerMessage(EventId = 1220, Level = LogLevel.Warning, Message = "etcd watch broke ({Code}: {Detail}); resuming from revision {Revision}")]
    private partial void LogReconnecting(long revision, StatusCode code, string detail);

    [LoggerMessage(EventId = 1221, Level = LogLevel.Information, Message = "etcd watch resumed from revision {Revision}")]
    private partial void LogResumed(long revision);

    [LoggerMessage(EventId = 1222, Level = LogLevel.Warning, Message = "etcd closed the watch stream; resuming from revision {Revision}")]
    private partial void LogStreamEnded(long revision);

    [LoggerMessage(EventId = 1223, Level = LogLevel.Error, Message = "etcd watch cannot resume from revision {Revision}: compacted up to {Compacted}; the reader must list again")]
    private partial void LogCompactedOnResume(long revision, long compacted);
}
