using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace KubeNet.Storage.Sqlite;

/// <summary>
/// The only connection that writes. One thread drains the queue, runs every pending write in one transaction
/// (group commit), and only after COMMIT returns publishes the events and completes the callers.
/// </summary>
internal sealed class SqliteWriter : IDisposable
{
    // Compaction deletes history in slices of this many revisions, one transaction each, so that writes
    // queued meanwhile wait for one slice and not for the whole compaction.
    private const long CompactionSlice = 20_000;

    private readonly Channel<WriterOperation> _queue = Channel.CreateUnbounded<WriterOperation>(
        new UnboundedChannelOptions { SingleReader = true });
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Queue<CompactOperation> _compactions = new();
    private readonly SqliteConnection _connection;
    private readonly WatchHub _hub;
    private readonly int _maxBatchSize;
    private readonly Thread _thread;

    private readonly SqliteCommand _begin;
    private readonly SqliteCommand _commit;
    private readonly SqliteCommand _rollback;
    private readonly SqliteCommand _selectCurrent;
    private readonly SqliteCommand _insertLog;
    private readonly SqliteCommand _insertKv;
    private readonly SqliteCommand _updateKv;
    private readonly SqliteCommand _deleteKv;
    private readonly SqliteCommand _setRevision;

    private long _revision;
    private long _compacted;
    private volatile bool _stopping;

    public SqliteWriter(SqliteConnection connection, WatchHub hub, int maxBatchSize)
    {
        _connection = connection;
        _hub = hub;
        _maxBatchSize = maxBatchSize;

        using (SqliteCommand meta = Command("SELECT revision, compacted FROM meta WHERE id = 0"))
        using (SqliteDataReader reader = meta.ExecuteReader())
        {
            reader.Read();
            _revision = reader.GetInt64(0);
            _compacted = reader.GetInt64(1);
        }

        _begin = Command("BEGIN IMMEDIATE");
        _commit = Command("COMMIT");
        _rollback = Command("ROLLBACK");
        _selectCurrent = Command("SELECT create_rev, mod_rev, value FROM kv WHERE key = $key", "$key");
        _insertLog = Command(
            "INSERT INTO log (rev, key, create_rev, deleted, prev_rev, value) VALUES ($rev, $key, $create, $deleted, $prev, $value)",
            "$rev", "$key", "$create", "$deleted", "$prev", "$value");
        _insertKv = Command("INSERT INTO kv (key, create_rev, mod_rev, value) VALUES ($key, $create, $mod, $value)", "$key", "$create", "$mod", "$value");
        _updateKv = Command("UPDATE kv SET mod_rev = $mod, value = $value WHERE key = $key", "$key", "$mod", "$value");
        _deleteKv = Command("DELETE FROM kv WHERE key = $key", "$key");
        _setRevision = Command("UPDATE meta SET revision = $rev WHERE id = 0", "$rev");

        _thread = new Thread(Run) { IsBackground = true, Name = "KubeNet.Storage.SqliteWriter" };
        _thread.Start();
    }

    /// <summary>The newest committed revision.</summary>
    public long Revision => Volatile.Read(ref _revision);

    public long CompactedRevision => Volatile.Read(ref _compacted);

    public void Enqueue(WriterOperation operation)
    {
        ObjectDisposedException.ThrowIf(!_queue.Writer.TryWrite(operation), typeof(SqliteStore));
    }

    /// <summary>Finishes the batch in progress, fails everything still queued and closes the connection.</summary>
    public Task StopAsync()
    {
        _stopping = true;
        _queue.Writer.TryComplete();
        return _stopped.Task;
    }

    public void Dispose() => StopAsync().GetAwaiter().GetResult();

    private void Run()
    {
        Exception? fatal = null;
        var batch = new List<WriterOperation>(Math.Min(_maxBatchSize, 1024));
        try
        {
            while (!_stopping)
            {
                while (batch.Count < _maxBatchSize && _queue.Reader.TryRead(out WriterOperation? operation))
                {
                    batch.Add(operation);
                }

                if (batch.Count > 0)
                {
                    Process(batch);
                    batch.Clear();
                }
                else if (_compactions.Count == 0 && !_queue.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
                {
                    break;
                }

                if (_compactions.Count > 0 && !_stopping)
                {
                    CompactSlice();
                }
            }
        }
        catch (Exception e)
        {
            fatal = e;
        }
        finally
        {
            _queue.Writer.TryComplete();
            Exception error = fatal is null
                ? new ObjectDisposedException(nameof(SqliteStore))
                : new InvalidOperationException("The SQLite writer stopped after an unexpected error.", fatal);
            foreach (WriterOperation left in batch)
            {
                left.Fail(error);
            }

            while (_queue.Reader.TryRead(out WriterOperation? left))
            {
                left.Fail(error);
            }

            // A compaction whose revision is recorded has taken effect for readers; the rows it has not yet
            // deleted are removed by the next compaction, which starts again from the oldest row.
            while (_compactions.TryDequeue(out CompactOperation? compaction))
            {
                compaction.Completion.TrySetResult(new CompactResult(ReadStatus.Ok, compaction.Revision));
            }

            DisposeCommands();
            _connection.Dispose();
            _stopped.TrySetResult();
        }
    }

    private void Process(List<WriterOperation> batch)
    {
        var writes = new List<WriteOperation>(batch.Count);
        foreach (WriterOperation operation in batch)
        {
            if (operation is WriteOperation write)
            {
                writes.Add(write);
                continue;
            }

            // Control operations see every write queued before them.
            CommitWrites(writes);
            writes.Clear();
            switch (operation)
            {
                case CompactOperation compact:
                    StartCompaction(compact);
                    break;
                case CheckpointOperation checkpoint:
                    Checkpoint(checkpoint);
                    break;
            }
        }

        CommitWrites(writes);
    }

    private void CommitWrites(List<WriteOperation> writes)
    {
        var taken = new List<WriteOperation>(writes.Count);
        foreach (WriteOperation write in writes)
        {
            if (write.TryTake())
            {
                taken.Add(write);
            }
        }

        if (taken.Count == 0)
        {
            return;
        }

        var results = new WriteResult[taken.Count];
        var events = new List<WatchEvent>(taken.Count);
        long committed = _revision;
        long revision = committed;
        try
        {
            _begin.ExecuteNonQuery();
            for (int i = 0; i < taken.Count; i++)
            {
                results[i] = Apply(taken[i], ref revision, events);
            }

            if (revision != committed)
            {
                _setRevision.Parameters[0].Value = revision;
                _setRevision.ExecuteNonQuery();
            }

            _commit.ExecuteNonQuery();
        }
        catch (Exception e)
        {
            TryRollback();
            foreach (WriteOperation write in taken)
            {
                write.Fail(e);
            }

            return;
        }

        Volatile.Write(ref _revision, revision);
        // Watchers get the events before callers get their results, so a caller that writes and then reads
        // its watch channel finds its own event there.
        _hub.Publish(events);
        for (int i = 0; i < taken.Count; i++)
        {
            taken[i].Complete(results[i]);
        }
    }

    private WriteResult Apply(WriteOperation write, ref long revision, List<WatchEvent> events)
    {
        KeyValue? current = SelectCurrent(write);
        switch (write.Kind)
        {
            case WriteKind.Create:
            {
                if (current is not null)
                {
                    return new WriteResult(WriteStatus.AlreadyExists, revision, current);
                }

                revision++;
                InsertLog(revision, write.KeyBytes, revision, deleted: false, previousRevision: 0, write.Value);
                Execute(_insertKv, write.KeyBytes, revision, revision, write.Value);
                var created = new KeyValue(write.Key, write.Value, revision, revision);
                events.Add(new WatchEvent(WatchEventType.Created, created, null));
                return new WriteResult(WriteStatus.Ok, revision, created);
            }

            case WriteKind.Update:
            {
                if (current is null)
                {
                    return new WriteResult(WriteStatus.NotFound, revision, null);
                }

                if (current.ModRevision != write.ExpectedModRevision)
                {
                    return new WriteResult(WriteStatus.Conflict, revision, current);
                }

                revision++;
                InsertLog(revision, write.KeyBytes, current.CreateRevision, deleted: false, current.ModRevision, write.Value);
                Execute(_updateKv, write.KeyBytes, revision, write.Value);
                var updated = new KeyValue(write.Key, write.Value, current.CreateRevision, revision);
                events.Add(new WatchEvent(WatchEventType.Updated, updated, current));
                return new WriteResult(WriteStatus.Ok, revision, updated);
            }

            default:
            {
                if (current is null)
                {
                    return new WriteResult(WriteStatus.NotFound, revision, null);
                }

                if (write.ExpectedModRevision != 0 && current.ModRevision != write.ExpectedModRevision)
                {
                    return new WriteResult(WriteStatus.Conflict, revision, current);
                }

                revision++;
                InsertLog(revision, write.KeyBytes, current.CreateRevision, deleted: true, current.ModRevision, null);
                Execute(_deleteKv, write.KeyBytes);
                var tombstone = current with { ModRevision = revision };
                events.Add(new WatchEvent(WatchEventType.Deleted, tombstone, current));
                return new WriteResult(WriteStatus.Ok, revision, current);
            }
        }
    }

    private KeyValue? SelectCurrent(WriteOperation write)
    {
        _selectCurrent.Parameters[0].Value = write.KeyBytes;
        using SqliteDataReader reader = _selectCurrent.ExecuteReader();
        return reader.Read()
            ? new KeyValue(write.Key, SqliteSchema.ReadBlob(reader, 2), reader.GetInt64(0), reader.GetInt64(1))
            : null;
    }

    private void InsertLog(long revision, byte[] key, long createRevision, bool deleted, long previousRevision, byte[]? value) =>
        Execute(_insertLog, revision, key, createRevision, deleted ? 1L : 0L, previousRevision, value);

    private static void Execute(SqliteCommand command, params object?[] values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i] ?? DBNull.Value;
        }

        command.ExecuteNonQuery();
    }

    private void StartCompaction(CompactOperation compact)
    {
        if (compact.Revision > _revision)
        {
            compact.Completion.TrySetResult(new CompactResult(ReadStatus.TooLarge, _compacted));
            return;
        }

        if (compact.Revision <= _compacted)
        {
            compact.Completion.TrySetResult(new CompactResult(ReadStatus.Expired, _compacted));
            return;
        }

        try
        {
            // Recording the revision first makes older reads answer Expired at once; the rows go in slices after.
            using (SqliteCommand record = Command("UPDATE meta SET compacted = $rev WHERE id = 0", "$rev"))
            {
                record.Parameters[0].Value = compact.Revision;
                record.ExecuteNonQuery();
            }

            Volatile.Write(ref _compacted, compact.Revision);
            using SqliteCommand oldest = Command("SELECT COALESCE(MIN(rev), 1) - 1 FROM log");
            compact.NextRevision = (long)oldest.ExecuteScalar()!;
            _compactions.Enqueue(compact);
        }
        catch (Exception e)
        {
            compact.Fail(e);
        }
    }

    // Slices go upwards: a delete row is removed only after (or with) the rows it superseded, so readers at
    // revisions above the compaction never see a key come back while the slices run.
    private void CompactSlice()
    {
        CompactOperation compact = _compactions.Peek();
        long upper = Math.Min(compact.NextRevision + CompactionSlice, compact.Revision);
        try
        {
            using SqliteCommand delete = Command(
                """
                DELETE FROM log WHERE rev > $lower AND rev <= $upper
                  AND (deleted = 1 OR EXISTS (
                    SELECT 1 FROM log AS newer WHERE newer.key = log.key AND newer.rev > log.rev AND newer.rev <= $compacted))
                """,
                "$lower", "$upper", "$compacted");
            Execute(delete, compact.NextRevision, upper, compact.Revision);
        }
        catch (Exception e)
        {
            _compactions.Dequeue();
            compact.Fail(e);
            return;
        }

        compact.NextRevision = upper;
        if (upper >= compact.Revision)
        {
            _compactions.Dequeue();
            compact.Completion.TrySetResult(new CompactResult(ReadStatus.Ok, compact.Revision));
        }
    }

    private void Checkpoint(CheckpointOperation checkpoint)
    {
        try
        {
            // A busy result (a reader still on old frames) is fine: the next checkpoint catches up.
            using SqliteCommand command = Command("PRAGMA wal_checkpoint(TRUNCATE)");
            command.ExecuteNonQuery();
            checkpoint.Completion.TrySetResult();
        }
        catch (Exception e)
        {
            checkpoint.Fail(e);
        }
    }

    private void TryRollback()
    {
        if (_connection.Handle is not null && SQLitePCL.raw.sqlite3_get_autocommit(_connection.Handle) == 0)
        {
            try
            {
                _rollback.ExecuteNonQuery();
            }
            catch (SqliteException)
            {
                // The connection is already outside a transaction.
            }
        }
    }

    private SqliteCommand Command(string sql, params string[] parameters)
    {
        SqliteCommand command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (string name in parameters)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        return command;
    }

    private void DisposeCommands()
    {
        foreach (SqliteCommand command in new[] { _begin, _commit, _rollback, _selectCurrent, _insertLog, _insertKv, _updateKv, _deleteKv, _setRevision })
        {
            command.Dispose();
        }
    }
}
