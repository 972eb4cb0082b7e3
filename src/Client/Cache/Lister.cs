using k8s;
using k8s.Models;
using KubeNet.ApiMachinery.Selectors;

namespace KubeNet.Client;

/// <summary>
/// Reads of an informer's cache, as client-go's generated listers: by key, by namespace, filtered by a label selector.
/// Controllers read through listers and write through the API; returned objects are shared and must not be mutated.
/// </summary>
public sealed class Lister<T>(Indexer<T> indexer)
    where T : class, IMetadata<V1ObjectMeta>
{
    public Indexer<T> Indexer { get; } = indexer;

    /// <summary>The object under "namespace/name" (or "name" for cluster-scoped kinds), or null.</summary>
    public T? Get(string key) => Indexer.Get(key);

    public T? Get(string? ns, string name) => Indexer.Get(ObjectKeys.For(ns, name));

    /// <summary>Every cached object whose labels match; a null selector matches everything.</summary>
    public IReadOnlyList<T> List(LabelSelector? selector = null) => Filter(Indexer.List(), selector);

    /// <summary>The cached objects of one namespace whose labels match.</summary>
    public IReadOnlyList<T> List(string ns, LabelSelector? selector = null) =>
        Filter(Indexer.ByIndex(Indexer<T>.NamespaceIndex, ns), selector);

    private static IReadOnlyList<T> Filter(IReadOnlyList<T> items, LabelSelector? selector)
    {
        if (selector is null || selector.IsEmpty)
        {
            return items;
        }

        var result = new List<T>();
        foreach (var item in items)
        {
            if (selector.Matches(Labels(item)))
            {
                result.Add(item);
            }
        }

        return result;
    }

    // Deserialized labels are a Dictionary, which already is read-only-viewable; wrap only other implementations.
    private static IReadOnlyDictionary<string, string>? Labels(T item) => item.Metadata?.Labels switch
    {
        null => null,
        IReadOnlyDictionary<string, string> ready => ready,
        var other => other.AsReadOnly(),
    };
}
