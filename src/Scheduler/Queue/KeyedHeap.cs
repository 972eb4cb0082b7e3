namespace KubeNet.Scheduler.Queue;

/// <summary>
/// A binary min-heap whose items can also be found, updated and removed by key in O(log n), as upstream's
/// internal/heap: the active and backoff queues need both order and removal of a pod that was deleted or updated.
/// </summary>
internal sealed class KeyedHeap<T>(Func<T, string> keyOf, Comparison<T> lessFirst)
    where T : class
{
    private readonly List<T> _items = [];
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);

    public int Count => _items.Count;

    public bool Contains(string key) => _index.ContainsKey(key);

    public T? Get(string key) => _index.TryGetValue(key, out var i) ? _items[i] : null;

    public T? Peek() => _items.Count == 0 ? null : _items[0];

    public IEnumerable<T> Items => _items;

    /// <summary>Adds the item, or replaces the one with the same key and restores order.</summary>
    public void AddOrUpdate(T item)
    {
        var key = keyOf(item);
        if (_index.TryGetValue(key, out var i))
        {
            _items[i] = item;
            if (!Up(i))
            {
                Down(i);
            }

            return;
        }

        _items.Add(item);
        _index[key] = _items.Count - 1;
        Up(_items.Count - 1);
    }

    public T? Pop()
    {
        if (_items.Count == 0)
        {
            return null;
        }

        var top = _items[0];
        RemoveAt(0);
        return top;
    }

    public T? Remove(string key)
    {
        if (!_index.TryGetValue(key, out var i))
        {
            return null;
        }

        var item = _items[i];
        RemoveAt(i);
        return item;
    }

    private void RemoveAt(int i)
    {
        var last = _items.Count - 1;
        _index.Remove(keyOf(_items[i]));
        if (i != last)
        {
            _items[i] = _items[last];
            _index[keyOf(_items[i])] = i;
        }

        _items.RemoveAt(last);
        if (i < _items.Count && !Up(i))
        {
            Down(i);
        }
    }

    private bool Up(int i)
    {
        var moved = false;
        while (i > 0)
        {
            var parent = (i - 1) / 2;
            if (lessFirst(_items[i], _items[parent]) >= 0)
            {
                break;
            }

            Swap(i, parent);
            i = parent;
            moved = true;
        }

        return moved;
    }

    private void Down(int i)
    {
        while (true)
        {
            var left = (2 * i) + 1;
            if (left >= _items.Count)
            {
                return;
            }

            var smallest = left;
            var right = left + 1;
            if (right < _items.Count && lessFirst(_items[right], _items[left]) < 0)
            {
                smallest = right;
            }

            if (lessFirst(_items[smallest], _items[i]) >= 0)
            {
                return;
            }

            Swap(i, smallest);
            i = smallest;
        }
    }

    private void Swap(int a, int b)
    {
        (_items[a], _items[b]) = (_items[b], _items[a]);
        _index[keyOf(_items[a])] = a;
        _index[keyOf(_items[b])] = b;
    }
}
