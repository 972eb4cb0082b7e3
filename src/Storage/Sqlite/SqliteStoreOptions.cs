namespace KubeNet.Storage.Sqlite;

/// <summary>How hard SQLite pushes each commit to disk.</summary>
public enum SqliteSynchronousMode
{
    /// <summary>Every commit is fsynced: an acknowledged write survives process kill and power loss.</summary>
    Full,

    /// <summary>Commits survive a process kill; the last ones may be lost on power loss.</summary>
    Normal,
}

/// <summary>Settings of <see cref="SqliteStore"/>. Each setter rejects values out of range; defaults are noted per property.</summary>
public sealed class SqliteStoreOptions
{
    private TimeSpan _compactionInterval = TimeSpan.FromMinutes(5);
    private TimeSpan _checkpointInterval = TimeSpan.FromSeconds(30);
    private TimeSpan _busyTimeout = TimeSpan.FromSeconds(5);
    private int _maxBatchSize = 1000;
    private int _maxIdleReadConnections = 8;

    /// <summary>The database file; its directory is created when missing. Required.</summary>
    public string Path { get; set; } = "";

    /// <summary>Defaults to <see cref="SqliteSynchronousMode.Full"/>.</summary>
    public SqliteSynchronousMode Synchronous { get; set; } = SqliteSynchronousMode.Full;

    /// <summary>
    /// Defaults to 5 minutes, as kube-apiserver's compactor: each tick compacts to the revision recorded at the
    /// previous tick, so history older than one to two intervals is dropped. <see cref="TimeSpan.Zero"/> turns it off.
    /// </summary>
    public TimeSpan CompactionInterval
    {
        get => _compactionInterval;
        set => _compactionInterval = NonNegative(value);
    }

    /// <summary>
    /// Defaults to 30 seconds: how often the WAL is checkpointed and truncated so it stays bounded.
    /// SQLite's own passive checkpoints still run in between. <see cref="TimeSpan.Zero"/> turns it off.
    /// </summary>
    public TimeSpan CheckpointInterval
    {
        get => _checkpointInterval;
        set => _checkpointInterval = NonNegative(value);
    }

    /// <summary>Defaults to 5 seconds: how long a reader waits on a locked database before failing.</summary>
    public TimeSpan BusyTimeout
    {
        get => _busyTimeout;
        set => _busyTimeout = value > TimeSpan.Zero && value.TotalMilliseconds <= int.MaxValue
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "Must be positive.");
    }

    /// <summary>Defaults to 1000: the most writes committed in one transaction.</summary>
    public int MaxBatchSize
    {
        get => _maxBatchSize;
        set => _maxBatchSize = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "Must be positive.");
    }

    /// <summary>Defaults to 8: read connections kept open between reads; more are opened under load and closed after.</summary>
    public int MaxIdleReadConnections
    {
        get => _maxIdleReadConnections;
        set => _maxIdleReadConnections = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "Must not be negative.");
    }

    /// <summary>
    /// Called with failures of background compaction and checkpoints, which have no caller to throw to.
    /// Defaults to null: such failures are dropped and retried at the next tick.
    /// </summary>
    public Action<Exception>? BackgroundError { get; set; }

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(Path))
        {
            throw new ArgumentException("SqliteStoreOptions.Path is required.", nameof(Path));
        }

        if (!Enum.IsDefined(Synchronous))
        {
            throw new ArgumentOutOfRangeException(nameof(Synchronous), Synchronous, "Unknown synchronous mode.");
        }
    }

    private static TimeSpan NonNegative(TimeSpan value) =>
        value >= TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "Must not be negative.");
}
