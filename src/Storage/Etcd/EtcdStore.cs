using System.Collections.Concurrent;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace KubeNet.Storage.Etcd;

/// <summary>
/// The distributed backend: etcd v3 over gRPC, as kube-apiserver uses it. Revisions are etcd's revisions; creates,
/// updates and deletes are transactions that compare the key's create or mod revision; lists read one revision page
/// by page; watches follow etcd's watch stream and resume after a broken connection from the next revision.
/// </summary>
public sealed partial class EtcdStore : IKeyValueStore, IStorageHealth
{
    private const string CompactKeyName = "compact_rev_key";

    private readonly EtcdStoreOptions _options;
    private readonly EtcdConnection _etcd;
    private readonly ILogger _logger;
    private readonly EtcdKeys _keys;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<EtcdWatcher, byte> _watchers = new();
    private readonly Task _compactor;
    private long _compacted;
    private int _disposed;

    private EtcdStore(EtcdStoreOptions options, EtcdConnection etcd, ILogger logger)
    {
        _options = options;
        _etcd = etcd;
        _logger = logger;
        _keys = new EtcdKeys(options.KeyPrefix);
        _compactor = CompactPeriodicallyAsync(_stopping.Token);
    }

    /// <summary>Connects to the members and proves one answers (retrying for up to <see cref="EtcdStoreOptions.RetryTimeout"/>).</summary>
    public static async Task<EtcdStore> ConnectAsync(EtcdStoreOptions options, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        logger ??= NullLogger.Instance;
        var store = new EtcdStore(options, EtcdConnection.Create(options, logger), logger);
        try
        {
            long revision = await store.GetRevisionAsync(cancellationToken).ConfigureAwait(false);
            store.LogConnected(string.Join(',', options.Endpoints), revision);
            return store;
        }
        catch
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask<long> GetRevisionAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();

        // A linearizable read of one key: its header carries the cluster's newest revision.
        var request = new RangeRequest { Key = _keys.CompactKey, CountOnly = true };
        RangeResponse response = await _etcd.CallAsync("get revision", (_, deadline, ct) => _etcd.Kv.RangeAsync(request, EtcdConnection.Headers, deadline, ct).ResponseAsync, cancellationToken).ConfigureAwait(false);
        return response.Header.Revision;
    }

    public string HealthCheckName => "etcd";

    /// <summary>
    /// kube-apiserver's etcd check: a read of the health key that a member with a leader answers within the timeout.
    /// A refused permission still proves the cluster answers.
    /// </summary>
    public async Task<string?> CheckHealthAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return "the etcd client is closed";
        }

        var request = new RangeRequest { Key = _keys.HealthKey, CountOnly = true };
        try
        {
            await _etcd.Client.GetAsync(request, EtcdConnection.Headers, DateTime.UtcNow + timeout, cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.PermissionDenied)
        {
            return null;
        }
        catch (RpcException ex)
        {
            return $"error getting data from etcd: {ex.Status.StatusCode}: {ex.Status.Detail}";
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"etcd did not answer within {timeout.TotalSeconds:0.#}s";
        }
    }

    public async ValueTask<GetResult> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ThrowIfDisposed();
        var request = new RangeRequest { Key = _keys.Key(key) };
        RangeResponse response = await _etcd.CallAsync("get", (_, deadline, ct) => _etcd.Kv.RangeAsync(request, EtcdConnection.Headers, deadline, ct).ResponseAsync, cancellationToken).ConfigureAwait(false);
        return new GetResult(response.Kvs.Count == 0 ? null : _keys.ToKeyValue(response.Kvs[0]), response.Header.Revision);
    }

    public async ValueTask<ListResult> ListAsync(string prefix, ListRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentOutOfRangeException.ThrowIfNegative(request.Revision);
        ArgumentOutOfRangeException.ThrowIfNegative(request.Limit);
        ThrowIfDisposed();

        (ByteString start, ByteString end) = _keys.Range(prefix);
        if (request.StartAfterKey is not null)
        {
            ByteString after = _keys.Key(request.StartAfterKey);
            if (after.Span.SequenceCompareTo(start.Span) >= 0)
            {
                // The smallest key greater than the continue key.
                start = ByteString.CopyFrom([.. after.Span, 0]);
            }
        }

        var range = new RangeRequest { Key = start, RangeEnd = end, Revision = request.Revision, Limit = request.Limit };
        RangeResponse response;
        try
        {
            response = await _etcd.CallAsync("list", (_, deadline, ct) => _etcd.Kv.RangeAsync(range, EtcdConnection.Headers, deadline, ct).ResponseAsync, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex) when (IsCompacted(ex))
        {
            return ListResult.Expired(await FindCompactedRevisionAsync(request.Revision, cancellationToken).ConfigureAwait(false));
        }
        catch (RpcException ex) when (IsFutureRevision(ex))
        {
            return new ListResult(ReadStatus.TooLarge, [], await GetRevisionAsync(cancellationToken).ConfigureAwait(false), false, 0, Volatile.Read(ref _compacted));
        }

        var items = new KeyValue[response.Kvs.Count];
        for (int i = 0; i < items.Length; i++)
        {
            items[i] = _keys.ToKeyValue(response.Kvs[i]);
        }

        long at = request.Revision == 0 ? response.Header.Revision : request.Revision;
        long remaining = response.More ? response.Count - items.Length : 0;
        return new ListResult(ReadStatus.Ok, items, at, response.More, remaining, Volatile.Read(ref _compacted));
    }

    public async ValueTask<WriteResult> CreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ThrowIfDisposed();
        ByteString k = _keys.Key(key);
        ByteString v = ByteString.CopyFrom(value.Span);
        var txn = new TxnRequest
        {
            Compare = { new Compare { Key = k, Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = 0 } },
            Success = { new RequestOp { RequestPut = new PutRequest { Key = k, Value = v } } },
            Failure = { new RequestOp { RequestRange = new RangeRequest { Key = k } } },
        };

        (TxnResponse response, bool retried) = await TransactAsync("create", txn, cancellationToken).ConfigureAwait(false);
        long revision = response.Header.Revision;
        if (response.Succeeded)
        {
            return new WriteResult(WriteStatus.Ok, revision, new KeyValue(key, v.Memory, revision, revision));
        }

        KeyValue current = _keys.ToKeyValue(response.Responses[0].ResponseRange.Kvs[0]);

        // An attempt that failed in transit may have landed: the value now stored is then our own.
        return retried && current.Value.Span.SequenceEqual(v.Span) && current.CreateRevision == current.ModRevision
            ? new WriteResult(WriteStatus.Ok, current.ModRevision, current)
            : new WriteResult(WriteStatus.AlreadyExists, revision, current);
    }

    public async ValueTask<WriteResult> UpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedModRevision, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentOutOfRangeException.ThrowIfNegative(expectedModRevision);
        ThrowIfDisposed();
        ByteString k = _keys.Key(key);
        ByteString v = ByteString.CopyFrom(value.Span);
        var txn = new TxnRequest
        {
            Compare = { Exists(k), new Compare { Key = k, Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.Equal, ModRevision = expectedModRevision } },
            Success = { new RequestOp { RequestPut = new PutRequest { Key = k, Value = v, PrevKv = true } } },
            Failure = { new RequestOp { RequestRange = new RangeRequest { Key = k } } },
        };

        (TxnResponse response, bool retried) = await TransactAsync("update", txn, cancellationToken).ConfigureAwait(false);
        long revision = response.Header.Revision;
        if (response.Succeeded)
        {
            long createRevision = response.Responses[0].ResponsePut.PrevKv.CreateRevision;
            return new WriteResult(WriteStatus.Ok, revision, new KeyValue(key, v.Memory, createRevision, revision));
        }

        var kvs = response.Responses[0].ResponseRange.Kvs;
        if (kvs.Count == 0)
        {
            return new WriteResult(WriteStatus.NotFound, revision, null);
        }

        KeyValue current = _keys.ToKeyValue(kvs[0]);
        return retried && current.ModRevision > expectedModRevision && current.Value.Span.SequenceEqual(v.Span)
            ? new WriteResult(WriteStatus.Ok, current.ModRevision, current)
            : new WriteResult(WriteStatus.Conflict, revision, current);
    }

    public async ValueTask<WriteResult> DeleteAsync(string key, long expectedModRevision, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentOutOfRangeException.ThrowIfNegative(expectedModRevision);
        ThrowIfDisposed();
        ByteString k = _keys.Key(key);
        var txn = new TxnRequest
        {
            Compare = { Exists(k) },
            Success = { new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = k, PrevKv = true } } },
            Failure = { new RequestOp { RequestRange = new RangeRequest { Key = k } } },
        };
        if (expectedModRevision != 0)
        {
            txn.Compare.Add(new Compare { Key = k, Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.Equal, ModRevision = expectedModRevision });
        }

        (TxnResponse response, _) = await TransactAsync("delete", txn, cancellationToken).ConfigureAwait(false);
        long revision = response.Header.Revision;
        if (response.Succeeded)
        {
            return new WriteResult(WriteStatus.Ok, revision, _keys.ToKeyValue(response.Responses[0].ResponseDeleteRange.PrevKvs[0]));
        }

        var kvs = response.Responses[0].ResponseRange.Kvs;
        return kvs.Count == 0
            ? new WriteResult(WriteStatus.NotFound, revision, null)
            : new WriteResult(WriteStatus.Conflict, revision, _keys.ToKeyValue(kvs[0]));
    }

    public async ValueTask<WatchResult> WatchAsync(string prefix, long afterRevision, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentOutOfRangeException.ThrowIfNegative(afterRevision);
        ThrowIfDisposed();

        // etcd accepts a watch from the compacted revision itself, whose event is gone: ask whether afterRevision can still be read.
        long probe = Math.Max(afterRevision, 1);
        try
        {
            var range = new RangeRequest { Key = _keys.CompactKey, CountOnly = true, Revision = probe };
            await _etcd.CallAsync("watch", (_, deadline, ct) => _etcd.Kv.RangeAsync(range, EtcdConnection.Headers, deadline, ct).ResponseAsync, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex) when (IsCompacted(ex))
        {
            return new WatchResult(ReadStatus.Expired, null, await FindCompactedRevisionAsync(probe, cancellationToken).ConfigureAwait(false));
        }
        catch (RpcException ex) when (IsFutureRevision(ex))
        {
            // Watching from a revision not yet written is allowed: its events arrive when it is.
        }

        var watcher = new EtcdWatcher(_etcd, _keys, prefix, afterRevision + 1, _options.RetryTimeout, _logger);
        _watchers.TryAdd(watcher, 0);
        if (Volatile.Read(ref _disposed) != 0)
        {
            _watchers.TryRemove(watcher, out _);
            throw new ObjectDisposedException(nameof(EtcdStore));
        }

        watcher.Start(() => _watchers.TryRemove(watcher, out _), _stopping.Token, cancellationToken);
        long? compactedAtStart = await watcher.Established.ConfigureAwait(false);
        return compactedAtStart is { } compacted
            ? new WatchResult(ReadStatus.Expired, null, compacted)
            : new WatchResult(ReadStatus.Ok, watcher.Events, Volatile.Read(ref _compacted));
    }

    public async ValueTask<CompactResult> CompactAsync(long revision, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(revision);
        ThrowIfDisposed();
        try
        {
            var request = new CompactionRequest { Revision = revision };
            await _etcd.CallAsync("compact", (_, deadline, ct) => _etcd.Client.CompactAsync(request, EtcdConnection.Headers, deadline, ct), cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex) when (IsCompacted(ex))
        {
            return new CompactResult(ReadStatus.Expired, await FindCompactedRevisionAsync(revision, cancellationToken).ConfigureAwait(false));
        }
        catch (RpcException ex) when (IsFutureRevision(ex))
        {
            return new CompactResult(ReadStatus.TooLarge, Volatile.Read(ref _compacted));
        }

        NoteCompacted(revision);
        return new CompactResult(ReadStatus.Ok, revision);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        foreach (EtcdWatcher watcher in _watchers.Keys)
        {
            await watcher.StopAsync().ConfigureAwait(false);
        }

        try
        {
            await _compactor.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The compactor ends by cancellation.
        }

        _etcd.Dispose();
        _stopping.Dispose();
    }

    private static Compare Exists(ByteString key) =>
        new() { Key = key, Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Greater, CreateRevision = 0 };

    internal static bool IsCompacted(RpcException ex) =>
        ex.StatusCode == StatusCode.OutOfRange && ex.Status.Detail.Contains("compacted", StringComparison.Ordinal);

    private static bool IsFutureRevision(RpcException ex) =>
        ex.StatusCode == StatusCode.OutOfRange && ex.Status.Detail.Contains("future revision", StringComparison.Ordinal);

    private async Task<(TxnResponse Response, bool Retried)> TransactAsync(string operation, TxnRequest txn, CancellationToken cancellationToken)
    {
        bool retried = false;
        TxnResponse response = await _etcd.CallAsync(
            operation,
            (attempt, deadline, ct) =>
            {
                retried |= attempt > 0;
                return _etcd.Kv.TxnAsync(txn, EtcdConnection.Headers, deadline, ct).ResponseAsync;
            },
            cancellationToken).ConfigureAwait(false);
        return (response, retried);
    }

    /// <summary>
    /// etcd reports that a revision is compacted but not how far: the compacted revision is the oldest readable one,
    /// found by bisecting with cheap reads between the refused revision and the newest.
    /// </summary>
    private async Task<long> FindCompactedRevisionAsync(long refused, CancellationToken cancellationToken)
    {
        long low = Math.Max(refused + 1, Volatile.Read(ref _compacted));
        long high = await GetRevisionAsync(cancellationToken).ConfigureAwait(false);
        while (low < high)
        {
            long middle = low + ((high - low) / 2);
            if (await IsReadableAsync(middle, cancellationToken).ConfigureAwait(false))
            {
                high = middle;
            }
            else
            {
                low = middle + 1;
            }
        }

        NoteCompacted(low);
        return low;
    }

    private async Task<bool> IsReadableAsync(long revision, CancellationToken cancellationToken)
    {
        try
        {
            var range = new RangeRequest { Key = _keys.CompactKey, CountOnly = true, Revision = revision };
            await _etcd.CallAsync("find compacted revision", (_, deadline, ct) => _etcd.Kv.RangeAsync(range, EtcdConnection.Headers, deadline, ct).ResponseAsync, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RpcException ex) when (IsCompacted(ex))
        {
            return false;
        }
    }

    private void NoteCompacted(long revision)
    {
        long seen = Volatile.Read(ref _compacted);
        while (revision > seen)
        {
            long previous = Interlocked.CompareExchange(ref _compacted, revision, seen);
            if (previous == seen)
            {
                return;
            }

            seen = previous;
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    [LoggerMessage(EventId = 1200, Level = LogLevel.Information, Message = "Connected to etcd at {Endpoints} (revision {Revision})")]
    private partial void LogConnected(string endpoints, long revision);
}
