using KubeNet.Client;

namespace KubeNet.Controllers.Workloads;

/// <summary>
/// The worker loop every controller of upstream runs: Get a key, sync it, Forget it (or requeue it after the delay the
/// sync asked for) on success and AddRateLimited on failure, then Done. A key is never synced by two workers at once.
/// </summary>
internal sealed class Workers : IAsyncDisposable
{
    private readonly WorkQueue<string> _queue;
    private readonly Func<string, CancellationToken, Task<TimeSpan?>> _sync;
    private readonly Action<string, Exception> _failed;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _running = [];

    public Workers(WorkQueue<string> queue, Func<string, CancellationToken, Task<TimeSpan?>> sync, Action<string, Exception> failed)
    {
        _queue = queue;
        _sync = sync;
        _failed = failed;
    }

    public void Start(int count)
    {
        for (var i = 0; i < count; i++)
        {
            _running.Add(Task.Run(() => RunAsync(_stop.Token)));
        }
    }

    private async Task RunAsync(CancellationToken ct)
    {
        while (true)
        {
            var (key, shutdown) = await _queue.GetAsync(ct);
            if (shutdown)
            {
                return;
            }

            try
            {
                var requeueAfter = await _sync(key, ct);
                _queue.Forget(key);
                if (requeueAfter is { } delay)
                {
                    _queue.AddAfter(key, delay);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // A failed sync, whatever the cause, is retried with backoff; it must not take the worker down.
                _failed(key, ex);
                _queue.AddRateLimited(key);
            }
            finally
            {
                _queue.Done(key);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _queue.ShutDown();
        try
        {
            await Task.WhenAll(_running);
        }
        catch (OperationCanceledException)
        {
        }

        _queue.Dispose();
        _stop.Dispose();
    }
}
