using Microsoft.Data.Sqlite;

namespace KubeNet.Storage.Sqlite;

/// <summary>
/// The embedded backend: one SQLite file in WAL mode. Writes go through a single writer with group commit;
/// reads use a pool of read connections, each read one snapshot; watches are served in process.
/// </summary>
public sealed class SqliteStore : IKeyValueStore
{
    private static readonly string ListCurrentFrom = ListCurrent(">=");
    private static readonly string ListCurrentAfter = ListCurrent(">");
    private static readonly string ListAtRevisionFrom = ListAtRevision(">=");
    private static readonly string ListAtRevisionAfter = ListAtRevision(">");

    private const string CountCurrent = "SELECT COUNT(*) FROM kv WHERE key > $p0 AND key < $p1";

    // The keys live at an old revision are the live keys untouched since it (kv.mod_rev <= rev) plus, of the keys
    // written after it, those whose last write at or before it was not a delete. Only the writes since the revision
    // are visited, so a continuation page over a large range costs what changed since its first page, not the range.
    private const string CountAtRevision = """
        SELECT (SELECT COUNT(*) FROM kv WHERE key > $p0 AND key < $p1 AND mod_rev <= $p2)
             + (SELECT COUNT(*) FROM (SELECT DISTINCT key FROM log WHERE rev > $p2 AND key > $p0 AND key < $p1) AS c
                WHERE (SELECT o.deleted FROM log AS o INDEXED BY log_key_rev_deleted
                       WHERE o.key = c.key AND o.rev <= $p2 ORDER BY o.rev DESC LIMIT 1) = 0)
        """;

    private const string Get = """
        SELECT m.revision, kv.create_rev, kv.mod_rev, kv.value
        FROM meta AS m LEFT JOIN kv ON kv.key = $p0 WHERE m.id = 0
        """;

    // A delete row keeps no value; the deleted value is the one of the row it removed (prev_rev).
    private const string History = """
        SELECT l.rev, l.key, l.create_rev, l.deleted, l.prev_rev, l.value, p.create_rev, p.value
        FROM log AS l LEFT JOIN log AS p ON p.rev = l.prev_rev
        WHERE l.rev > $p0 AND l.key >= $p1 AND l.key < $p2
        ORDER BY l.rev
        """;

    private readonly SqliteStoreOptions _options;
    private readonly SqliteWriter _writer;
    private readonly ReadConnectionPool _readers;
    private readonly WatchHub _hub;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _background;
    private int _disposed;

    private SqliteStore(SqliteStoreOptions options, SqliteWriter writer, WatchHub hub)
    {
        _options = options;
        _writer = writer;
        _hub = hub;
        _readers = new ReadConnectionPool(options);
        _background = Task.WhenAll(
            RunPeriodicallyAsync(options.CompactionInterval, CompactTickAsync()),
            RunPeriodicallyAsync(options.CheckpointInterval, CheckpointTickAsync));
    }

    /// <summary>Opens (or creates) the database at <see cref="SqliteStoreOptions.Path"/>.</summary>
    public static async Task<SqliteStore> OpenAsync(SqliteStoreOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return await Task.Run(
            () =>
            {
                string? directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(options.Path));
                if (!string.IsNullOrEmpty(directory))
                {
                    Directory.CreateDirectory(directory);
                }

                SqliteConnection connection = SqliteSchema.OpenWriter(options);
                var hub = new WatchHub();
                return new SqliteStore(options, new SqliteWriter(connection, hub, options.MaxBatchSize), hub);
            },
            cancellationToken);
    }

    public ValueTask<long> GetRevisionAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        return ValueTask.FromResult(_writer.Revision);
    }

    public ValueTask<GetResult> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Read(
            key,
            static (connection, key) =>
            {
                using SqliteDataReader reader = connection.Command(Get, SqliteSchema.KeyBytes(key)).ExecuteReader();
                reader.Read();
                long revision = reader.GetInt64(0);
                KeyValue? value = reader.IsDBNull(1)
                    ? null
                    : new KeyValue(key, SqliteSchema.ReadBlob(reader, 3), reader.GetInt64(1), reader.GetInt64(2));
                return new GetResult(value, revision);
            },
            transaction: false));
    }

    public ValueTask<ListResult> ListAsync(string prefix, ListRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentOutOfRangeException.ThrowIfNegative(request.Revision);
        ArgumentOutOfRangeException.ThrowIfNegative(request.Limit);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Read((prefix, request), static (connection, state) => List(connection, state.prefix, state.request), transaction: true));
    }

    public ValueTask<WriteResult> CreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default) =>
        Submit(WriteKind.Create, key, value, 0, cancellationToken);

    public ValueTask<WriteResult> UpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedModRevision, CancellationToken cancellationToken = default) =>
        Submit(WriteKind.Update, key, value, expectedModRevision, cancellationToken);

    public ValueTask<WriteResult> DeleteAsync(string key, long expectedModRevision, CancellationToken cancellationToken = default) =>
        Submit(WriteKind.Delete, key, ReadOnlyMemory<byte>.Empty, expectedModRevision, cancellationToken);

    public ValueTask<WatchResult> WatchAsync(string prefix, long afterRevision, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentOutOfRangeException.ThrowIfNegative(afterRevision);
        cancellationToken.ThrowIfCancellationRequested();
        ThrowIfDisposed();

        // Registered before the history is read: see Watcher.
        var watcher = new Watcher(prefix);
        ObjectDisposedException.ThrowIf(!_hub.TryAdd(watcher), this);

        (bool Expired, long Revision) replay;
        try
        {
            replay = Read((prefix, afterRevision, watcher), static (connection, state) => ReplayHistory(connection, state.prefix, state.afterRevision, state.watcher), transaction: true);
        }
        catch
        {
            _hub.Remove(watcher);
            watcher.Complete();
            throw;
        }

        if (replay.Expired)
        {
            _hub.Remove(watcher);
            watcher.Complete();
            return ValueTask.FromResult(new WatchResult(ReadStatus.Expired, null, replay.Revision));
        }

        watcher.GoLive(Math.Max(replay.Revision, afterRevision));
        watcher.EndOn(_hub, cancellationToken);
        return ValueTask.FromResult(new WatchResult(ReadStatus.Ok, watcher.Reader, _writer.CompactedRevision));
    }

    public async ValueTask<CompactResult> CompactAsync(long revision, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(revision);
        ThrowIfDisposed();
        var operation = new CompactOperation(revision);
        _writer.Enqueue(operation);
        return await operation.Completion.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Checkpoints and truncates the WAL now; it also happens every <see cref="SqliteStoreOptions.CheckpointInterval"/>.</summary>
    public async Task CheckpointAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        var operation = new CheckpointOperation();
        _writer.Enqueue(operation);
        await operation.Completion.Task.WaitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync();
        await _writer.StopAsync();
        _hub.CloseAll();
        _readers.Dispose();
        try
        {
            await _background;
        }
        catch (OperationCanceledException)
        {
            // Background loops end by cancellation.
        }

        _stopping.Dispose();
    }

    private static string ListCurrent(string lowerBound) =>
        $"SELECT key, create_rev, mod_rev, value FROM kv WHERE key {lowerBound} $p0 AND key < $p1 ORDER BY key LIMIT $p2";

    // For each key the newest row at or below the revision, unless that row is a delete. The index covers key, rev
    // and deleted, so counting what a page leaves (remainingItemCount) never reads the stored values.
    private static string ListAtRevision(string lowerBound) => $"""
        SELECT l.key, l.create_rev, l.rev, l.value FROM log AS l INDEXED BY log_key_rev_deleted
        WHERE l.key {lowerBound} $p0 AND l.key < $p1 AND l.rev <= $p3 AND l.deleted = 0
          AND NOT EXISTS (SELECT 1 FROM log AS n WHERE n.key = l.key AND n.rev > l.rev AND n.rev <= $p3)
        ORDER BY l.key LIMIT $p2
        """;

    private static ListResult List(ReadConnection connection, string prefix, ListRequest request)
    {
        (long revision, long compacted) = connection.ReadMeta();
        long at = request.Revision == 0 ? revision : request.Revision;
        if (at > revision)
        {
            return new ListResult(ReadStatus.TooLarge, [], revision, false, 0, compacted);
        }

        if (at < compacted)
        {
            return ListResult.Expired(compacted);
        }

        // At the newest revision the current table answers without touching history.
        bool current = at == revision;
        byte[] prefixBytes = SqliteSchema.KeyBytes(prefix);
        byte[] end = SqliteSchema.PrefixEnd(prefixBytes);
        byte[] lower = prefixBytes;
        bool exclusive = false;
        if (request.StartAfterKey is not null)
        {
            byte[] after = SqliteSchema.KeyBytes(request.StartAfterKey);
            if (after.AsSpan().SequenceCompareTo(prefixBytes) >= 0)
            {
                lower = after;
                exclusive = true;
            }
        }

        long limit = request.Limit == 0 ? -1 : request.Limit + 1L;
        string sql = (current, exclusive) switch
        {
            (true, false) => ListCurrentFrom,
            (true, true) => ListCurrentAfter,
            (false, false) => ListAtRevisionFrom,
            (false, true) => ListAtRevisionAfter,
        };

        var items = new List<KeyValue>(request.Limit is > 0 and < 1024 ? request.Limit : 16);
        byte[]? lastKey = null;
        bool more = false;
        using (SqliteDataReader reader = current
            ? connection.Command(sql, lower, end, limit).ExecuteReader()
            : connection.Command(sql, lower, end, limit, at).ExecuteReader())
        {
            while (reader.Read())
            {
                // The query asks for one row past the limit only to learn whether there are more.
                if (request.Limit > 0 && items.Count == request.Limit)
                {
                    more = true;
                    break;
                }

                lastKey = reader.GetFieldValue<byte[]>(0);
                items.Add(new KeyValue(SqliteSchema.KeyString(lastKey), SqliteSchema.ReadBlob(reader, 3), reader.GetInt64(1), reader.GetInt64(2)));
            }
        }

        long remaining = 0;
        if (more)
        {
            remaining = current
                ? (long)connection.Command(CountCurrent, lastKey!, end).ExecuteScalar()!
                : (long)connection.Command(CountAtRevision, lastKey!, end, at).ExecuteScalar()!;
        }

        return new ListResult(ReadStatus.Ok, items, at, more, remaining, compacted);
    }

    /// <summary>Writes the history to the watcher; Expired when it is compacted, else the snapshot's revision.</summary>
    private static (bool Expired, long Revision) ReplayHistory(ReadConnection connection, string prefix, long afterRevision, Watcher watcher)
    {
        (long revision, long compacted) = connection.ReadMeta();
        if (afterRevision < compacted)
        {
            return (true, compacted);
        }

        byte[] prefixBytes = SqliteSchema.KeyBytes(prefix);
        using SqliteDataReader reader = connection.Command(History, afterRevision, prefixBytes, SqliteSchema.PrefixEnd(prefixBytes)).ExecuteReader();
        while (reader.Read())
        {
            long rev = reader.GetInt64(0);
            string key = SqliteSchema.KeyString(reader.GetFieldValue<byte[]>(1));
            long createRevision = reader.GetInt64(2);
            bool deleted = reader.GetInt64(3) != 0;
            long previousRevision = reader.GetInt64(4);
            KeyValue? previous = previousRevision == 0 || reader.IsDBNull(6)
                ? null
                : new KeyValue(key, SqliteSchema.ReadBlob(reader, 7), reader.GetInt64(6), previousRevision);
            WatchEvent e = deleted
                ? new WatchEvent(WatchEventType.Deleted, new KeyValue(key, previous?.Value ?? ReadOnlyMemory<byte>.Empty, createRevision, rev), previous)
                : previous is null
                    ? new WatchEvent(WatchEventType.Created, new KeyValue(key, SqliteSchema.ReadBlob(reader, 5), createRevision, rev), null)
                    : new WatchEvent(WatchEventType.Updated, new KeyValue(key, SqliteSchema.ReadBlob(reader, 5), createRevision, rev), previous);
            watcher.WriteHistory(e);
        }

        return (false, revision);
    }

    private T Read<TState, T>(TState state, Func<ReadConnection, TState, T> read, bool transaction)
    {
        ThrowIfDisposed();
        ReadConnection connection = _readers.Rent();
        T result;
        try
        {
            if (transaction)
            {
                connection.Begin();
                result = read(connection, state);
                connection.Commit();
            }
            else
            {
                result = read(connection, state);
            }
        }
        catch
        {
            // Its transaction state is unknown: close it rather than hand it to the next read.
            connection.Dispose();
            throw;
        }

        _readers.Return(connection);
        return result;
    }

    private ValueTask<WriteResult> Submit(WriteKind kind, string key, ReadOnlyMemory<byte> value, long expectedModRevision, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentOutOfRangeException.ThrowIfNegative(expectedModRevision);
        cancellationToken.ThrowIfCancellationRequested();
        ThrowIfDisposed();

        // The caller may reuse its buffer once the call returns; the store and watchers keep this copy.
        var operation = new WriteOperation(kind, key, value.ToArray(), expectedModRevision);
        operation.AttachCancellation(cancellationToken);
        _writer.Enqueue(operation);
        return new ValueTask<WriteResult>(operation.Completion.Task);
    }

    private Func<CancellationToken, Task> CompactTickAsync()
    {
        // kube-apiserver's compactor: each tick compacts to the revision seen at the previous tick, so
        // clients always have at least one interval to resume a list or watch.
        long previous = 0;
        return async cancellationToken =>
        {
            if (previous > _writer.CompactedRevision)
            {
                await CompactAsync(previous, cancellationToken);
            }

            previous = _writer.Revision;
        };
    }

    private Task CheckpointTickAsync(CancellationToken cancellationToken) => CheckpointAsync(cancellationToken);

    private async Task RunPeriodicallyAsync(TimeSpan interval, Func<CancellationToken, Task> tick)
    {
        if (interval <= TimeSpan.Zero)
        {
            return;
        }

        CancellationToken cancellationToken = _stopping.Token;
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                try
                {
                    await tick(cancellationToken);
                }
                catch (Exception e) when (e is not OperationCanceledException and not ObjectDisposedException)
                {
                    _options.BackgroundError?.Invoke(e);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
            // The store is closing.
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
}
