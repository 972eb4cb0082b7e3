using System.Diagnostics;
using System.Threading.Channels;

namespace KubeNet.Kubelet.Simulation;

/// <summary>
/// Holds items until they are due and then writes them to a channel. One loop and one priority queue serve every
/// pending pod, so thousands of delayed pods cost a heap entry each instead of a timer each.
/// </summary>
internal sealed class DelayQueue<T>(ChannelWriter<T> output) : IDisposable
{
    private readonly PriorityQueue<T, long> pending = new();
    private readonly SemaphoreSlim wake = new(0);

    public int Count
    {
        get
        {
            lock (pending)
            {
                return pending.Count;
            }
        }
    }

    public void Add(T item, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            output.TryWrite(item);
            return;
        }

        var due = Stopwatch.GetTimestamp() + (long)(delay.TotalSeconds * Stopwatch.Frequency);
        bool earliest;
        lock (pending)
        {
            earliest = !pending.TryPeek(out _, out var first) || due < first;
            pending.Enqueue(item, due);
        }

        // Only a new earliest item changes how long the loop sleeps.
        if (earliest)
        {
            wake.Release();
        }
    }

    public async Task RunAsync(CancellationToken ct)
    {
        while (true)
        {
            TimeSpan wait;
            lock (pending)
            {
                var now = Stopwatch.GetTimestamp();
                while (pending.TryPeek(out var item, out var due) && due <= now)
                {
                    pending.Dequeue();
                    output.TryWrite(item);
                }

                wait = pending.TryPeek(out _, out var next) ? Stopwatch.GetElapsedTime(now, next) : Timeout.InfiniteTimeSpan;
            }

            await wake.WaitAsync(wait, ct);
        }
    }

    public void Dispose() => wake.Dispose();
}
