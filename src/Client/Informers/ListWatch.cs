using System.Reflection;
using k8s;
using k8s.Models;

namespace KubeNet.Client;

/// <summary>One list call: a page of <see cref="Limit"/> items at <see cref="ResourceVersion"/>, or the page after <see cref="Continue"/>.</summary>
public sealed record ListRequest(string? ResourceVersion, int Limit, string? Continue);

/// <summary>One page of a list: its items, the list's resourceVersion and the continue token of the next page.</summary>
public sealed record ListPage<T>(IList<T> Items, string ResourceVersion, string? Continue);

/// <summary>One watch call, resumed after <see cref="ResourceVersion"/>; the server ends it after <see cref="TimeoutSeconds"/>.</summary>
public sealed record WatchRequest(string ResourceVersion, int TimeoutSeconds, bool AllowWatchBookmarks);

public delegate Task<ListPage<T>> ListFunc<T>(ListRequest request, CancellationToken cancellationToken);

/// <summary>
/// A watch stream. ERROR events that carry a Status (410 Expired above all) reach <c>onError</c> as a
/// <see cref="KubernetesException"/>, which is how the C# client reports them; the stream ends when the server closes it.
/// </summary>
public delegate IAsyncEnumerable<(WatchEventType Type, T Object)> WatchFunc<T>(WatchRequest request, Action<Exception> onError, CancellationToken cancellationToken);

/// <summary>The list and watch calls of one kind, namespace and selector: all an informer needs from the API.</summary>
public sealed class ListWatch<T>(ListFunc<T> list, WatchFunc<T> watch)
{
    public ListFunc<T> List { get; } = list;

    public WatchFunc<T> Watch { get; } = watch;
}

/// <summary>
/// Builds <see cref="ListWatch{T}"/> for any typed kind from its <see cref="KubernetesEntityAttribute"/>: the generic
/// list operation of the C# client reaches /api/v1 and /apis/group/version alike, so one line serves every kind.
/// </summary>
public static class ListWatch
{
    /// <summary>List and watch <typeparamref name="T"/> in <paramref name="ns"/> (null: all namespaces, or a cluster-scoped kind).</summary>
    public static ListWatch<T> For<T>(IKubernetes client, string? ns = null, string? labelSelector = null, string? fieldSelector = null)
        where T : IKubernetesObject
    {
        var entity = typeof(T).GetCustomAttribute<KubernetesEntityAttribute>()
            ?? throw new ArgumentException($"{typeof(T).Name} carries no [KubernetesEntity] attribute", nameof(T));
        var group = entity.Group ?? string.Empty;
        var version = entity.ApiVersion;
        var plural = entity.PluralName;
        var labels = string.IsNullOrEmpty(labelSelector) ? null : labelSelector;
        var fields = string.IsNullOrEmpty(fieldSelector) ? null : fieldSelector;
        var objects = client.CustomObjects;

        Task<k8s.Autorest.HttpOperationResponse<KubernetesList<T>>> Call(
            string? resourceVersion, int? limit, string? continueToken, bool? bookmarks, int? timeoutSeconds, bool? watch, CancellationToken ct) =>
            ns is null
                ? objects.ListClusterCustomObjectWithHttpMessagesAsync<KubernetesList<T>>(
                    group, version, plural, allowWatchBookmarks: bookmarks, continueParameter: continueToken, fieldSelector: fields,
                    labelSelector: labels, limit: limit, resourceVersion: resourceVersion, timeoutSeconds: timeoutSeconds, watch: watch,
                    cancellationToken: ct)
                : objects.ListNamespacedCustomObjectWithHttpMessagesAsync<KubernetesList<T>>(
                    group, version, ns, plural, allowWatchBookmarks: bookmarks, continueParameter: continueToken, fieldSelector: fields,
                    labelSelector: labels, limit: limit, resourceVersion: resourceVersion, timeoutSeconds: timeoutSeconds, watch: watch,
                    cancellationToken: ct);

        return new ListWatch<T>(
            async (request, ct) =>
            {
                using var response = await Call(
                    request.Continue is null ? request.ResourceVersion : null, request.Limit, request.Continue, null, null, null, ct);
                var body = response.Body;
                return new ListPage<T>(
                    body.Items ?? [],
                    body.Metadata?.ResourceVersion ?? string.Empty,
                    string.IsNullOrEmpty(body.Metadata?.ContinueProperty) ? null : body.Metadata.ContinueProperty);
            },
            (request, onError, ct) =>
            {
                var response = Call(request.ResourceVersion, null, null, request.AllowWatchBookmarks, request.TimeoutSeconds, true, ct);
#pragma warning disable CS0618 // The generated Watch*Async methods wrap this same call; the typed ones are not generic over kinds.
                return response.WatchAsync<T, KubernetesList<T>>(onError, ct);
#pragma warning restore CS0618
            });
    }
}
