using k8s;
using k8s.Models;

namespace KubeNet.Client;

/// <summary>
/// The informer's local store: objects by key plus secondary indices, as client-go's threadSafeMap. Index functions
/// map an object to zero or more index values; every index is kept current on each write so lookups never scan.
/// Objects handed out are the cached instances and must be treated as read-only.
/// </summary>
public sealed class Indexer<T>
    where T : class, IMetadata<V1ObjectMeta>
{
    /// <summary>The index every informer has: objects by metadata.namespace.</summary>
    public const string NamespaceIndex = "namespace";

    private readonly Lock _lock = new();
    private readonly Dictionary<string, T> _items = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Func<T, IEnumerable<string>>> _indexers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, HashSet<string>>> _indices = new(StringComparer.Ordinal);

    public Indexer()
    {
        _indexers[NamespaceIndex] = NamespaceIndexFunc;
        _indices[NamespaceIndex] = new(StringComparer.Ordinal);
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _items.Count;
            }
        }
    }

    /// <summary>Adds an index; existing objects are indexed at once, so it may be called after the informer started.</summary>
    public void AddIndexer(string name, Func<T, IEnumerable<string>> indexFunc)
    {
        lock (_lock)
        {
            if (_indexers.ContainsKey(name))
            {
                throw new InvalidOperationException($"indexer \"{name}\" already exists");
            }

            _indexers[name] = indexFunc;
            var index = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
            _indices[name] = index;
            foreach (var (key, obj) in _items)
            {
                AddToIndex(index, indexFunc(obj), key);
            }
        }
    }

    public bool TryGet(string key, out T? obj)
    {
        lock (_lock)
        {
            return _items.TryGetValue(key, out obj);
        }
    }

    public T? Get(string key)
    {
        lock (_lock)
        {
            return _items.GetValueOrDefault(key);
        }
    }

    public IReadOnlyList<T> List()
    {
        lock (_lock)
        {
            return [.. _items.Values];
        }
    }

    public IReadOnlyList<string> ListKeys()
    {
        lock (_lock)
        {
            return [.. _items.Keys];
        }
    }

    /// <summary>Objects whose index function returned <paramref name="value"/> for index <paramref name="indexName"/>.</summary>
    public IReadOnlyList<T> ByIndex(string indexName, string value)
    {
        lock (_lock)
        {
            if (!_indices.TryGetValue(indexName, out var index))
            {
                throw new ArgumentException($"index \"{indexName}\" does not exist", nameof(indexName));
            }

            if (!index.TryGetValue(value, out var keys))
            {
                return [];
            }

            var result = new List<T>(keys.Count);
            foreach (var key in keys)
            {
                result.Add(_items[key]);
            }

            return result;
        }
    }

    public IReadOnlyList<string> IndexKeys(string indexName, string value)
    {
        lock (_lock)
        {
            if (!_indices.TryGetValue(indexName, out var index))
            {
                throw new ArgumentException($"index \"{indexName}\" does not exist", nameof(indexName));
            }

            return index.TryGetValue(value, out var keys) ? [.. keys] : [];
        }
    }

    /// <summary>Adds or replaces the object under its key; returns the previous object, if any.</summary>
    internal T? Upsert(string key, T obj)
    {
        lock (_lock)
        {
            _items.TryGetValue(key, out var old);
            _items[key] = obj;
            UpdateIndices(old, obj, key);
            return old;
        }
    }

    internal T? Remove(string key)
    {
        lock (_lock)
        {
            if (!_items.Remove(key, out var old))
            {
                return null;
            }

            UpdateIndices(old, null, key);
            return old;
        }
    }

    /// <summary>Swaps the whole content for a fresh list; returns what was there before.</summary>
    internal Dictionary<string, T> Replace(Dictionary<string, T> items)
    {
        lock (_lock)
        {
            var previous = new Dictionary<string, T>(_items, StringComparer.Ordinal);
            _items.Clear();
            foreach (var index in _indices.Values)
            {
                index.Clear();
            }

            foreach (var (key, obj) in items)
            {
                _items[key] = obj;
                UpdateIndices(null, obj, key);
            }

            return previous;
        }
    }

    private void UpdateIndices(T? oldObj, T? newObj, string key)
    {
        foreach (var (name, indexFunc) in _indexers)
        {
            var index = _indices[name];
            if (oldObj is not null)
            {
                foreach (var value in indexFunc(oldObj))
                {
                    if (index.TryGetValue(value, out var set))
                    {
                        set.Remove(key);
                        if (set.Count == 0)
                        {
                            index.Remove(value);
                        }
                    }
                }
            }

            if (newObj is not null)
            {
                AddToIndex(index, indexFunc(newObj), key);
            }
        }
    }

    private static void AddToIndex(Dictionary<string, HashSet<string>> index, IEnumerable<string> values, string key)
    {
        foreach (var value in values)
        {
            if (!index.TryGetValue(value, out var set))
            {
                set = new HashSet<string>(StringComparer.Ordinal);
                index[value] = set;
            }

            set.Add(key);
        }
    }

    private static IEnumerable<string> NamespaceIndexFunc(T obj) => [obj.Metadata?.NamespaceProperty ?? string.Empty];
}
