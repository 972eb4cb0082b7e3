using System.Threading.Channels;
using k8s;
using k8s.Autorest;

namespace KubeNet.Conformance.Framework;

/// <summary>
/// A watch of one kind whose events are read in order, as the e2e framework reads a watch.Interface:
/// <see cref="UntilAsync"/> is watchtools.UntilWithoutRetry — it consumes events until one satisfies the condition.
/// Opened from a list's resourceVersion it replays what happened since, as watchtools.Until(ctx, rv, ...) does.
/// </summary>
public sealed class ObjectWatch<T, TList> : IAsyncDisposable
    where T : IKubernetesObject
{
    private readonly Channel<(WatchEventType Type, T Object)> _events = Channel.CreateUnbounded<(WatchEventType, T)>();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _pump;

    /// <param name="open">Starts the watch request (watch=true) at the given resourceVersion.</param>
    /// <param name="resourceVersion">Where the watch starts.</param>
    public ObjectWatch(Func<string, CancellationToken, Task<HttpOperationResponse<TList>>> open, string resourceVersion)
    {
        _pump = Task.Run(async () =>
        {
            var rv = resourceVersion;
            try
            {
                // A watch the server ends is resumed from the last event seen, as the RetryWatcher upstream scenarios use.
                while (!_stop.IsCancellationRequested)
                {
#pragma warning disable CS0618 // The generic watch extension over a raw response is how a kind-independent watch is read.
                    await foreach (var (type, obj) in open(rv, _stop.Token).WatchAsync<T, TList>(cancellationToken: _stop.Token))
#pragma warning restore CS0618
                    {
                        if (obj is k8s.Models.IMetadata<k8s.Models.V1ObjectMeta> { Metadata.ResourceVersion: { Length: > 0 } seen })
                        {
                            rv = seen;
                        }

                        await _events.Writer.WriteAsync((type, obj));
                    }
                }
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                // Closed by DisposeAsync.
            }
            finally
            {
                _events.Writer.TryComplete();
            }
        });
    }

    /// <summary>Reads events until <paramref name="condition"/> holds for one; fails after <paramref name="timeout"/>.</summary>
    public async Task<(WatchEventType Type, T Object)> UntilAsync(Func<WatchEventType, T, bool> condition, TimeSpan timeout, string what)
    {
        using var cts = new CancellationTokenSource(timeout);
        var seen = 0;
        try
        {
            while (true)
            {
                var e = await _events.Reader.ReadAsync(cts.Token);
                seen++;
                if (condition(e.Type, e.Object))
                {
                    return e;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException)
        {
            throw new Xunit.Sdk.XunitException($"timed out after {timeout.TotalSeconds:0}s waiting for {what} ({seen} events seen)");
        }
    }

    /// <summary>The events delivered so far and not yet read, without waiting for more.</summary>
    public List<(WatchEventType Type, T Object)> Drain()
    {
        var events = new List<(WatchEventType, T)>();
        while (_events.Reader.TryRead(out var e))
        {
            events.Add(e);
        }

        return events;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _pump;
        }
        catch (Exception) when (_stop.IsCancellationRequested)
        {
        }

        _stop.Dispose();
    }
}
