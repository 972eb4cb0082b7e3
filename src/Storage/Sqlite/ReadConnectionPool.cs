using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace KubeNet.Storage.Sqlite;

/// <summary>A read-only connection with its prepared statements; used by one read at a time.</summary>
internal sealed class ReadConnection : IDisposable
{
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

    public ReadConnection(SqliteConnection connection) => Connection = connection;

    public SqliteConnection Connection { get; }

    /// <summary>The cached command for <paramref name="sql"/> with its parameters bound in order.</summary>
    public SqliteCommand Command(string sql, params object[] values)
    {
        if (!_commands.TryGetValue(sql, out SqliteCommand? command))
        {
            command = Connection.CreateCommand();
            command.CommandText = sql;
            for (int i = 0; i < values.Length; i++)
            {
                command.Parameters.Add(new SqliteParameter { ParameterName = "$p" + i });
            }

            _commands.Add(sql, command);
        }

        for (int i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i];
        }

        return command;
    }

    // WAL gives each read transaction one snapshot, so several statements in it agree with each other.
    public void Begin() => Command("BEGIN").ExecuteNonQuery();

    public void Commit() => Command("COMMIT").ExecuteNonQuery();

    public (long Revision, long Compacted) ReadMeta()
    {
        using SqliteDataReader reader = Command("SELECT revision, compacted FROM meta WHERE id = 0").ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    public void Dispose()
    {
        foreach (SqliteCommand command in _commands.Values)
        {
            command.Dispose();
        }

        Connection.Dispose();
    }
}

internal sealed class ReadConnectionPool(SqliteStoreOptions options) : IDisposable
{
    private readonly ConcurrentQueue<ReadConnection> _idle = new();
    private int _idleCount;
    private volatile bool _disposed;

    public ReadConnection Rent()
    {
        ObjectDisposedException.ThrowIf(_disposed, typeof(SqliteStore));
        if (_idle.TryDequeue(out ReadConnection? connection))
        {
            Interlocked.Decrement(ref _idleCount);
            return connection;
        }

        return new ReadConnection(SqliteSchema.OpenReader(options));
    }

    public void Return(ReadConnection connection)
    {
        if (_disposed || Interlocked.Increment(ref _idleCount) > options.MaxIdleReadConnections)
        {
            if (!_disposed)
            {
                Interlocked.Decrement(ref _idleCount);
            }

            connection.Dispose();
            return;
        }

        _idle.Enqueue(connection);
        // Dispose may have drained the queue between the check and the enqueue.
        if (_disposed && _idle.TryDequeue(out ReadConnection? late))
        {
            late.Dispose();
        }
    }

    public void Dispose()
    {
        _disposed = true;
        while (_idle.TryDequeue(out ReadConnection? connection))
        {
            connection.Dispose();
        }
    }
}
