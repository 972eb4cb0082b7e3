using System.Runtime.CompilerServices;
using k8s;

namespace KubeNet.Client.Tests;

/// <summary>
/// Wraps a real list-watch so a test can count calls, cut the open watch (as a dropped connection does) and hold or
/// redirect the next watch.
/// </summary>
internal sealed class InterceptingListWatch<T>
{
    private readonly ListWatch<T> _inner;
    private CancellationTokenSource? _current;
    private int _listCalls;
    private int _watchCalls;

    public InterceptingListWatch(ListWatch<T> inner)
    {
        _inner = inner;
        ListWatch = new ListWatch<T>(ListAsync, Watch);
    }

    public ListWatch<T> ListWatch { get; }

    public int ListCalls => Volatile.Read(ref _listCalls);

    public int WatchCalls => Volatile.Read(ref _watchCalls);

    public List<ListRequest> ListRequests { get; } = [];

    /// <summary>Applied to the next watch only: wait for the gate, then watch from this resourceVersion instead.</summary>
    public (Task Gate, string ResourceVersion)? NextWatch { get; set; }

    public void BreakCurrentWatch() => _current?.Cancel();

    private Task<ListPage<T>> ListAsync(ListRequest request, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _listCalls);
        lock (ListRequests)
        {
            ListRequests.Add(request);
        }

        return _inner.List(request, cancellationToken);
    }

    private async IAsyncEnumerable<(WatchEventType, T)> Watch(WatchRequest request, Action<Exception> onError, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var redirect = NextWatch;
        NextWatch = null;
        using var cut = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _current = cut;
        Interlocked.Increment(ref _watchCalls);
        if (redirect is { } r)
        {
            await r.Gate.WaitAsync(cancellationToken);
            request = request with { ResourceVersion = r.ResourceVersion };
        }

        var events = _inner.Watch(request, onError, cut.Token).GetAsyncEnumerator(cut.Token);
        try
        {
            while (true)
            {
                bool more;
                try
                {
                    more = await events.MoveNextAsync();
                }
                catch (OperationCanceledException) when (cut.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    // A cut connection looks like the server closing the stream.
                    yield break;
                }

                if (!more)
                {
                    yield break;
                }

                yield return events.Current;
            }
        }
        finally
        {
            await events.DisposeAsync();
        }
    }
}
