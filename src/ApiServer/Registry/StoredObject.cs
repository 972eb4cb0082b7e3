using k8s;
using k8s.Models;

namespace KubeNet.ApiServer.Registry;

/// <summary>
/// An object as the cache holds it: decoded once, encoded once (with its resourceVersion), shared by every reader
/// and watcher. Never mutated; writers clone.
/// </summary>
internal sealed class StoredObject
{
    public required string Key { get; init; }

    public required long ModRevision { get; init; }

    public required IKubernetesObject<V1ObjectMeta> Object { get; init; }

    /// <summary>The object's JSON in its storage group-version, resourceVersion included.</summary>
    public required byte[] Json { get; init; }

    public V1ObjectMeta Metadata => Object.Metadata;

    public string? Namespace => Object.Metadata.NamespaceProperty;

    public string Name => Object.Metadata.Name;
}

internal enum CacheEventType
{
    Added,
    Modified,
    Deleted,
}

/// <summary>One change in a resource's event ring; Object is the state after it (for Deleted, the last state).</summary>
internal sealed record CacheEvent(CacheEventType Type, StoredObject Object, StoredObject? Previous, long Revision);
