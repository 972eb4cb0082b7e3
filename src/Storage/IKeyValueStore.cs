namespace KubeNet.Storage;

/// <summary>
/// A revisioned key-value store with etcd semantics: one global, strictly increasing int64 revision
/// that every write bumps; per key a create revision, a mod revision and the value bytes. Expected
/// outcomes (already exists, not found, conflict, compacted) are returned, never thrown.
/// </summary>
public interface IKeyValueStore : IAsyncDisposable
{
    /// <summary>The newest committed revision (0 for an empty SQLite store; a fresh etcd starts at 1).</summary>
    ValueTask<long> GetRevisionAsync(CancellationToken cancellationToken = default);

    /// <summary>The current value of <paramref name="key"/>, or null with the store's revision.</summary>
    ValueTask<GetResult> GetAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Keys that start with <paramref name="prefix"/>, in byte order of the key, as they were at
    /// <see cref="ListRequest.Revision"/> (0 = now). Returns Expired when that revision is compacted
    /// and TooLarge when it is newer than the store.
    /// </summary>
    ValueTask<ListResult> ListAsync(string prefix, ListRequest request, CancellationToken cancellationToken = default);

    /// <summary>Writes <paramref name="key"/> only when it does not exist.</summary>
    ValueTask<WriteResult> CreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default);

    /// <summary>Writes <paramref name="key"/> only when its mod revision equals <paramref name="expectedModRevision"/>.</summary>
    ValueTask<WriteResult> UpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedModRevision, CancellationToken cancellationToken = default);

    /// <summary>Deletes <paramref name="key"/>; when <paramref name="expectedModRevision"/> is not 0 only if it matches.</summary>
    ValueTask<WriteResult> DeleteAsync(string key, long expectedModRevision, CancellationToken cancellationToken = default);

    /// <summary>
    /// Events for keys under <paramref name="prefix"/> with revision greater than <paramref name="afterRevision"/>,
    /// in revision order, each with the previous value. Expired when afterRevision is older than the compacted revision.
    /// The reader completes when the store is disposed or the token is cancelled; it completes with a
    /// <see cref="StorageWatchExpiredException"/> when the store can no longer continue the stream without a gap
    /// (a reconnect found the history compacted), after which the reader must list again.
    /// </summary>
    ValueTask<WatchResult> WatchAsync(string prefix, long afterRevision, CancellationToken cancellationToken = default);

    /// <summary>Drops history at and below <paramref name="revision"/>; reads and watches of older revisions answer Expired.</summary>
    ValueTask<CompactResult> CompactAsync(long revision, CancellationToken cancellationToken = default);
}

public sealed record KeyValue(string Key, ReadOnlyMemory<byte> Value, long CreateRevision, long ModRevision);

public readonly record struct GetResult(KeyValue? Value, long Revision);

public sealed record ListRequest
{
    /// <summary>0 = the newest revision.</summary>
    public long Revision { get; init; }

    /// <summary>0 = no limit.</summary>
    public int Limit { get; init; }

    /// <summary>List keys strictly greater than this one (continue tokens); null = from the prefix.</summary>
    public string? StartAfterKey { get; init; }
}

public enum ReadStatus
{
    Ok,
    Expired,
    TooLarge,
}

public sealed record ListResult(ReadStatus Status, IReadOnlyList<KeyValue> Items, long Revision, bool More, long RemainingCount, long CompactedRevision)
{
    public static ListResult Expired(long compactedRevision) => new(ReadStatus.Expired, [], 0, false, 0, compactedRevision);
}

public enum WriteStatus
{
    Ok,
    AlreadyExists,
    NotFound,
    Conflict,
}

/// <summary>
/// Ok: <see cref="Revision"/> is the new revision and <see cref="Current"/> the stored value (for a delete, the value that
/// was deleted). Conflict / AlreadyExists: <see cref="Current"/> is the value now stored.
/// </summary>
public readonly record struct WriteResult(WriteStatus Status, long Revision, KeyValue? Current);

public enum WatchEventType
{
    Created,
    Updated,
    Deleted,

    /// <summary>
    /// No change under the prefix: every event up to <see cref="WatchEvent.Revision"/> has been delivered. A backend whose
    /// revision also moves for keys outside the watched prefix sends it, so a reader that waits for the store's revision
    /// (a consistent read from a cache) sees that revision reached. The key is empty and there is no value.
    /// </summary>
    Progress,
}

/// <summary>For Deleted, <see cref="Value"/> holds the key with the delete's revision and the last value before it.</summary>
public sealed record WatchEvent(WatchEventType Type, KeyValue Value, KeyValue? Previous)
{
    public long Revision => Value.ModRevision;
}

public sealed record WatchResult(ReadStatus Status, System.Threading.Channels.ChannelReader<WatchEvent>? Events, long CompactedRevision);

public readonly record struct CompactResult(ReadStatus Status, long CompactedRevision);

/// <summary>The backend could not be reached within its retry budget; nothing is known about the outcome of a write.</summary>
public sealed class StorageUnavailableException : Exception
{
    public StorageUnavailableException()
    {
    }

    public StorageUnavailableException(string message)
        : base(message)
    {
    }

    public StorageUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A watch stream broke and could not resume: the history it needed is compacted. List again, then watch.</summary>
public sealed class StorageWatchExpiredException : Exception
{
    public StorageWatchExpiredException()
    {
    }

    public StorageWatchExpiredException(string message)
        : base(message)
    {
    }

    public StorageWatchExpiredException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public StorageWatchExpiredException(long resumeRevision, long compactedRevision)
        : base($"the watch cannot resume at revision {resumeRevision}: history up to {compactedRevision} is compacted")
    {
        ResumeRevision = resumeRevision;
        CompactedRevision = compactedRevision;
    }

    public long ResumeRevision { get; }

    public long CompactedRevision { get; }
}
