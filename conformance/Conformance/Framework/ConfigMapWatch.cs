using System.Threading.Channels;
using k8s;
using k8s.Models;

namespace KubeNet.Conformance.Framework;

/// <summary>
/// A configmap watch whose events are read one at a time, like the e2e framework's expectEvent/expectNoEvent over a
/// watch.Interface: reading skips events until one matches, and what is read is consumed.
/// </summary>
public sealed class ConfigMapWatch : IAsyncDisposable
{
    private readonly Channel<(WatchEventType Type, V1ConfigMap Object)> _events = Channel.CreateUnbounded<(WatchEventType, V1ConfigMap)>();
    private readonly CancellationTokenSource _stop;
    private readonly Task _pump;

    private ConfigMapWatch(Task<k8s.Autorest.HttpOperationResponse<V1ConfigMapList>> response, CancellationTokenSource stop)
    {
        _stop = stop;
        _pump = Task.Run(async () =>
        {
            try
            {
                // The older entry point is obsolete in the client, but programs written against it still use it.
#pragma warning disable CS0618
                await foreach (var (type, cm) in response.WatchAsync<V1ConfigMap, V1ConfigMapList>(cancellationToken: _stop.Token))
#pragma warning restore CS0618
                {
                    await _events.Writer.WriteAsync((type, cm));
                }
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                // closed by DisposeAsync
            }
            finally
            {
                _events.Writer.TryComplete();
            }
        });
    }

    /// <summary>
    /// Opens a watch on configmaps whose label watch-this-configmap is one of <paramref name="values"/>. Without a
    /// resourceVersion, the watch starts at the revision of a list made now: the client only hands back the response
    /// once the stream ends, so "established before the next write" cannot be awaited, and starting at a known
    /// revision gives the same events an unset resourceVersion gives in an empty namespace.
    /// </summary>
    public static async Task<ConfigMapWatch> StartAsync(IKubernetes client, string ns, string? resourceVersion, params string[] values)
    {
        var selector = $"watch-this-configmap in ({string.Join(',', values)})";
        if (string.IsNullOrEmpty(resourceVersion))
        {
            resourceVersion = (await client.CoreV1.ListNamespacedConfigMapAsync(ns, labelSelector: selector)).Metadata.ResourceVersion;
        }

        var stop = new CancellationTokenSource();
        var response = client.CoreV1.ListNamespacedConfigMapWithHttpMessagesAsync(
            ns, watch: true, resourceVersion: resourceVersion, labelSelector: selector, cancellationToken: stop.Token);
        return new ConfigMapWatch(response, stop);
    }

    private static bool Matches((WatchEventType Type, V1ConfigMap Object) e, WatchEventType type, V1ConfigMap? expected)
        => e.Type == type && (expected is null || (e.Object.Metadata.Name == expected.Metadata.Name
            && e.Object.Metadata.ResourceVersion == expected.Metadata.ResourceVersion
            && DataEqual(e.Object.Data, expected.Data)));

    private static bool DataEqual(IDictionary<string, string>? a, IDictionary<string, string>? b)
        => (a is null || a.Count == 0) ? (b is null || b.Count == 0) : b is not null && a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);

    /// <summary>Reads events until one of this type (and object, when given) arrives; fails after a minute as upstream.</summary>
    public async Task<V1ConfigMap> ExpectEventAsync(WatchEventType type, V1ConfigMap? expected)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var seen = new List<string>();
        try
        {
            while (true)
            {
                var e = await _events.Reader.ReadAsync(timeout.Token);
                if (Matches(e, type, expected))
                {
                    return e.Object;
                }

                seen.Add($"{e.Type} {e.Object.Metadata.Name}@{e.Object.Metadata.ResourceVersion}");
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException)
        {
            throw new Xunit.Sdk.XunitException(
                $"no {type} event for {expected?.Metadata.Name}@{expected?.Metadata.ResourceVersion}; other events: [{string.Join(", ", seen)}]");
        }
    }

    /// <summary>Fails if an event of this type (and object) arrives within the wait.</summary>
    public async Task ExpectNoEventAsync(WatchEventType type, V1ConfigMap? unexpected, TimeSpan wait)
    {
        using var timeout = new CancellationTokenSource(wait);
        try
        {
            while (true)
            {
                var e = await _events.Reader.ReadAsync(timeout.Token);
                Assert.False(Matches(e, type, unexpected), $"unexpected {e.Type} event for {e.Object.Metadata.Name}@{e.Object.Metadata.ResourceVersion}");
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _pump.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception)
        {
            // the stream ends with the cancellation
        }

        _stop.Dispose();
    }
}
