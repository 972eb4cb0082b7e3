using System.Threading.Channels;
using KubeNet.Storage.Sqlite;
using Microsoft.Data.Sqlite;

namespace KubeNet.LoadGen;

/// <summary>
/// Storage baselines: the same payloads written with the same durability (WAL, synchronous=FULL, every acknowledged
/// insert committed), first straight through Microsoft.Data.Sqlite, then through our SqliteStore.
/// </summary>
internal static class SqliteBaselines
{
    /// <summary>
    /// SQLite has one writer at a time, so 16 writers share one connection the simple way: each hands its row to a
    /// queue and waits; one thread takes everything queued (up to 1,000 rows), inserts it in one transaction and
    /// acknowledges after COMMIT. One table, key and value, nothing else.
    /// </summary>
    public static async Task<PhaseResult> RawAsync(string path, BenchOptions options)
    {
        var queue = Channel.CreateUnbounded<(string Key, byte[] Value, TaskCompletionSource Done)>(new UnboundedChannelOptions { SingleReader = true });
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        Execute(connection, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; CREATE TABLE kv (key TEXT PRIMARY KEY, value BLOB NOT NULL);");

        var writer = new Thread(() =>
        {
            using var begin = Command(connection, "BEGIN IMMEDIATE");
            using var commit = Command(connection, "COMMIT");
            using var insert = Command(connection, "INSERT INTO kv (key, value) VALUES ($k, $v)");
            var k = insert.Parameters.Add("$k", SqliteType.Text);
            var v = insert.Parameters.Add("$v", SqliteType.Blob);
            var batch = new List<(string Key, byte[] Value, TaskCompletionSource Done)>(1000);
            while (queue.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
            {
                while (batch.Count < 1000 && queue.Reader.TryRead(out var item))
                {
                    batch.Add(item);
                }

                try
                {
                    begin.ExecuteNonQuery();
                    foreach (var item in batch)
                    {
                        k.Value = item.Key;
                        v.Value = item.Value;
                        insert.ExecuteNonQuery();
                    }

                    commit.ExecuteNonQuery();
                    batch.ForEach(i => i.Done.TrySetResult());
                }
                catch (SqliteException ex)
                {
                    batch.ForEach(i => i.Done.TrySetException(ex));
                }

                batch.Clear();
            }
        })
        { IsBackground = true, Name = "raw-sqlite-writer" };
        writer.Start();

        var payloads = Payloads(options.BaselineWrites);
        try
        {
            return await LoadRunner.RunAsync("raw SQLite insert", options.Clients, options.BaselineWrites, options.BaselineDuration, async i =>
            {
                var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                queue.Writer.TryWrite((Payload.StorageKey(i), payloads[i], done));
                await done.Task;
                return 0;
            });
        }
        finally
        {
            queue.Writer.TryComplete();
            writer.Join();
        }
    }

    /// <summary>Our storage layer alone: the same inserts through <see cref="SqliteStore.CreateAsync"/>.</summary>
    public static async Task<PhaseResult> StoreAsync(string path, BenchOptions options)
    {
        var payloads = Payloads(options.BaselineWrites);
        await using var store = await SqliteStore.OpenAsync(new SqliteStoreOptions { Path = path, Synchronous = SqliteSynchronousMode.Full });
        return await LoadRunner.RunAsync("SqliteStore.CreateAsync", options.Clients, options.BaselineWrites, options.BaselineDuration, async i =>
        {
            var result = await store.CreateAsync(Payload.StorageKey(i), payloads[i]);
            return result.Status == KubeNet.Storage.WriteStatus.Ok
                ? 0
                : throw new InvalidOperationException($"create {Payload.StorageKey(i)}: {result.Status}");
        });
    }

    private static byte[][] Payloads(int count)
    {
        var payloads = new byte[count][];
        for (var i = 0; i < count; i++)
        {
            payloads[i] = Payload.ConfigMap(Payload.Namespace, Payload.Name(i));
        }

        return payloads;
    }

    private static SqliteCommand Command(SqliteConnection connection, string sql)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Prepare();
        return command;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
