using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace KubeNet.Client;

/// <summary>
/// Hands out one informer per (kind, namespace, label selector, field selector) and starts them together, as
/// client-go's SharedInformerFactory: controllers that ask for the same thing share one cache and one watch.
/// </summary>
public sealed class SharedInformerFactory(IKubernetes client, TimeSpan defaultResync = default, ILoggerFactory? loggerFactory = null)
    : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<InformerKey, IStartable> _informers = [];
    private readonly ILoggerFactory _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
    private CancellationToken _startedWith;
    private bool _started;

    public IKubernetes Client { get; } = client;

    /// <summary>The shared informer of <typeparamref name="T"/>; null namespace watches all namespaces.</summary>
    public SharedInformer<T> GetInformer<T>(string? ns = null, string? labelSelector = null, string? fieldSelector = null, TimeSpan? resync = null)
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        GetInformer(ns, labelSelector, fieldSelector, resync, () => ListWatch.For<T>(Client, ns, labelSelector, fieldSelector));

    /// <summary>
    /// The shared informer of <typeparamref name="T"/> built from a custom <see cref="ListWatch{T}"/>; the first
    /// caller's list-watch wins for a given key.
    /// </summary>
    public SharedInformer<T> GetInformer<T>(string? ns, string? labelSelector, string? fieldSelector, TimeSpan? resync, Func<ListWatch<T>> listWatch)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var key = new InformerKey(typeof(T), ns ?? string.Empty, labelSelector ?? string.Empty, fieldSelector ?? string.Empty);
        lock (_lock)
        {
            if (_informers.TryGetValue(key, out var existing))
            {
                return (SharedInformer<T>)existing;
            }

            var informer = new SharedInformer<T>(
                listWatch(),
                new SharedInformerOptions { ResyncPeriod = resync ?? defaultResync },
                _loggerFactory.CreateLogger("KubeNet.Client.SharedInformer." + typeof(T).Name));
            _informers[key] = informer;

            // Informers asked for after Start begin at once, as client-go's factory does on its next Start call.
            if (_started)
            {
                informer.Start(_startedWith);
            }

            return informer;
        }
    }

    public Lister<T> GetLister<T>(string? ns = null)
        where T : class, IKubernetesObject<V1ObjectMeta> => GetInformer<T>(ns).Lister;

    /// <summary>Starts every informer handed out so far and every one handed out later.</summary>
    public void Start(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            _started = true;
            _startedWith = cancellationToken;
            foreach (var informer in _informers.Values)
            {
                informer.Start(cancellationToken);
            }
        }
    }

    /// <summary>True when every informer handed out has synced before <paramref name="cancellationToken"/> fires.</summary>
    public async Task<bool> WaitForCacheSyncAsync(CancellationToken cancellationToken = default)
    {
        IStartable[] informers;
        lock (_lock)
        {
            informers = [.. _informers.Values];
        }

        foreach (var informer in informers)
        {
            if (!await informer.WaitForCacheSyncAsync(cancellationToken))
            {
                return false;
            }
        }

        return true;
    }

    public async ValueTask DisposeAsync()
    {
        IAsyncDisposable[] informers;
        lock (_lock)
        {
            informers = [.. _informers.Values];
            _informers.Clear();
        }

        foreach (var informer in informers)
        {
            await informer.DisposeAsync();
        }
    }

    private readonly record struct InformerKey(Type Type, string Namespace, string LabelSelector, string FieldSelector);
}

/// <summary>What the factory needs from an informer regardless of its kind.</summary>
internal interface IStartable : IAsyncDisposable
{
    void Start(CancellationToken cancellationToken);

    Task<bool> WaitForCacheSyncAsync(CancellationToken cancellationToken);
}
