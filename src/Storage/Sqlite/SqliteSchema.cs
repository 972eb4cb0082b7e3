using System.Text;
using Microsoft.Data.Sqlite;

namespace KubeNet.Storage.Sqlite;

/// <summary>
/// Tables and connection settings. Keys are stored as UTF-8 BLOBs so SQLite compares them with memcmp,
/// which is etcd's byte order.
/// </summary>
internal static class SqliteSchema
{
    public const int Version = 1;

    // The log holds every write; deletes are rows with deleted = 1, an empty value and, in prev_rev, the row
    // they removed (the deleted value is read from there). kv holds only live keys so that reads at the newest
    // revision never touch history. meta has exactly one row.
    private const string CreateTables = """
        CREATE TABLE IF NOT EXISTS log (
            rev INTEGER PRIMARY KEY,
            key BLOB NOT NULL,
            create_rev INTEGER NOT NULL,
            deleted INTEGER NOT NULL,
            prev_rev INTEGER NOT NULL,
            value BLOB);
        DROP INDEX IF EXISTS log_key_rev;
        CREATE INDEX IF NOT EXISTS log_key_rev_deleted ON log (key, rev, deleted);
        CREATE TABLE IF NOT EXISTS kv (
            key BLOB PRIMARY KEY,
            create_rev INTEGER NOT NULL,
            mod_rev INTEGER NOT NULL,
            value BLOB) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS meta (
            id INTEGER PRIMARY KEY CHECK (id = 0),
            revision INTEGER NOT NULL,
            compacted INTEGER NOT NULL);
        INSERT OR IGNORE INTO meta (id, revision, compacted) VALUES (0, 0, 0);
        """;

    public static string ConnectionString(string path) => new SqliteConnectionStringBuilder
    {
        DataSource = path,
        Mode = SqliteOpenMode.ReadWriteCreate,
        Cache = SqliteCacheMode.Private,
        // The store keeps its own connections open; the provider's pool would keep the file open after dispose.
        Pooling = false,
    }.ToString();

    public static SqliteConnection OpenWriter(SqliteStoreOptions options)
    {
        var connection = new SqliteConnection(ConnectionString(options.Path));
        try
        {
            connection.Open();
            string synchronous = options.Synchronous == SqliteSynchronousMode.Full ? "FULL" : "NORMAL";
            // The writer is the only writer, so it never waits on locks except for a TRUNCATE checkpoint, which
            // should give up quickly rather than hold up writes behind a slow reader.
            Execute(connection, $"""
                PRAGMA journal_mode = WAL;
                PRAGMA synchronous = {synchronous};
                PRAGMA busy_timeout = 250;
                PRAGMA temp_store = MEMORY;
                PRAGMA journal_size_limit = 67108864;
                """);
            string mode = Scalar<string>(connection, "PRAGMA journal_mode;");
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"SQLite refused WAL mode for '{options.Path}' (got '{mode}').");
            }

            long version = Scalar<long>(connection, "PRAGMA user_version;");
            if (version > Version)
            {
                throw new InvalidOperationException($"'{options.Path}' has schema version {version}; this build knows {Version}.");
            }

            Execute(connection, $"BEGIN IMMEDIATE; {CreateTables} PRAGMA user_version = {Version}; COMMIT;");
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public static SqliteConnection OpenReader(SqliteStoreOptions options)
    {
        var connection = new SqliteConnection(ConnectionString(options.Path));
        try
        {
            connection.Open();
            Execute(connection, $"""
                PRAGMA busy_timeout = {(int)options.BusyTimeout.TotalMilliseconds};
                PRAGMA query_only = 1;
                PRAGMA temp_store = MEMORY;
                """);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public static void Execute(SqliteConnection connection, string sql)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public static T Scalar<T>(SqliteConnection connection, string sql)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        return (T)Convert.ChangeType(command.ExecuteScalar()!, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    public static byte[] KeyBytes(string key) => Encoding.UTF8.GetBytes(key);

    public static string KeyString(byte[] key) => Encoding.UTF8.GetString(key);

    // Valid UTF-8 never contains 0xFF, so prefix + 0xFF is greater than every key under the prefix and
    // smaller than every key after them; for the empty prefix it bounds all keys.
    public static byte[] PrefixEnd(byte[] prefix)
    {
        byte[] end = new byte[prefix.Length + 1];
        prefix.CopyTo(end, 0);
        end[^1] = 0xFF;
        return end;
    }

    public static byte[] ReadBlob(SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? [] : reader.GetFieldValue<byte[]>(ordinal);
}
