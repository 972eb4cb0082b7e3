namespace KubeNet.Storage.Sqlite;

/// <summary>Work queued for the single writer thread.</summary>
internal abstract class WriterOperation
{
    public abstract void Fail(Exception error);
}

internal enum WriteKind
{
    Create,
    Update,
    Delete,
}

internal sealed class WriteOperation : WriterOperation
{
    private const int Queued = 0;
    private const int Taken = 1;
    private const int Cancelled = 2;

    private int _state;
    private CancellationTokenRegistration _cancellation;

    public WriteOperation(WriteKind kind, string key, byte[] value, long expectedModRevision)
    {
        Kind = kind;
        Key = key;
        KeyBytes = SqliteSchema.KeyBytes(key);
        Value = value;
        ExpectedModRevision = expectedModRevision;
    }

    public WriteKind Kind { get; }

    public string Key { get; }

    public byte[] KeyBytes { get; }

    public byte[] Value { get; }

    public long ExpectedModRevision { get; }

    public TaskCompletionSource<WriteResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // A caller may cancel only while the write still waits in the queue; once the writer takes it the
    // outcome is decided by the commit and reported as a result, so a cancelled write never half-happens.
    public void AttachCancellation(CancellationToken cancellationToken)
    {
        if (cancellationToken.CanBeCanceled)
        {
            _cancellation = cancellationToken.Register(static (state, token) => ((WriteOperation)state!).Cancel(token), this);
        }
    }

    public bool TryTake() => Interlocked.CompareExchange(ref _state, Taken, Queued) == Queued;

    public void Complete(WriteResult result)
    {
        _cancellation.Unregister();
        Completion.TrySetResult(result);
    }

    public override void Fail(Exception error)
    {
        _cancellation.Unregister();
        Completion.TrySetException(error);
    }

    private void Cancel(CancellationToken token)
    {
        if (Interlocked.CompareExchange(ref _state, Cancelled, Queued) == Queued)
        {
            Completion.TrySetCanceled(token);
        }
    }
}

internal sealed class CompactOperation(long revision) : WriterOperation
{
    public long Revision { get; } = revision;

    public TaskCompletionSource<CompactResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Rows at or below NextRevision have been dealt with; deletion walks up in chunks so writes interleave.
    public long NextRevision { get; set; }

    public override void Fail(Exception error) => Completion.TrySetException(error);
}

internal sealed class CheckpointOperation : WriterOperation
{
    public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override void Fail(Exception error) => Completion.TrySetException(error);
}
