using k8s;
using k8s.Models;

namespace KubeNet.Client;

/// <summary>
/// Store keys as client-go's MetaNamespaceKeyFunc writes them: "namespace/name" for namespaced objects and "name" for
/// cluster-scoped ones. Work queues carry these keys, so a controller can always split them back.
/// </summary>
public static class ObjectKeys
{
    public static string For(IMetadata<V1ObjectMeta> obj)
    {
        var meta = obj.Metadata ?? throw new ArgumentException("object has no metadata", nameof(obj));
        return For(meta.NamespaceProperty, meta.Name);
    }

    public static string For(string? ns, string? name) =>
        string.IsNullOrEmpty(ns) ? name ?? string.Empty : ns + "/" + name;

    /// <summary>Splits a key into namespace (empty for cluster-scoped) and name.</summary>
    public static (string Namespace, string Name) Split(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            return (string.Empty, key);
        }

        if (key.IndexOf('/', slash + 1) >= 0)
        {
            throw new FormatException($"unexpected key format: \"{key}\"");
        }

        return (key[..slash], key[(slash + 1)..]);
    }
}
