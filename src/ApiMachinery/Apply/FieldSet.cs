using System.Text.Json.Nodes;

namespace KubeNet.ApiMachinery.Apply;

// A set of field paths stored as a trie, like upstream fieldpath.Set: Members are the path elements
// that are themselves in the set; Children hold the subsets below an element. Being a child does not
// make an element a member ("parent" entries exist only to reach their children).
internal sealed class FieldSet
{
    private readonly List<PathElement> _members = [];
    private readonly List<(PathElement Element, FieldSet Set)> _children = [];

    public IReadOnlyList<PathElement> Members => _members;
    public IReadOnlyList<(PathElement Element, FieldSet Set)> Children => _children;

    public bool IsEmpty => _members.Count == 0 && _children.TrueForAll(c => c.Set.IsEmpty);

    public static FieldSet Of(params IReadOnlyList<PathElement>[] paths)
    {
        var set = new FieldSet();
        foreach (var p in paths)
        {
            set.Insert(p);
        }
        return set;
    }

    // Inserting the empty path does nothing: upstream never tracks ownership of the whole object.
    public void Insert(IReadOnlyList<PathElement> path)
    {
        var set = this;
        for (var i = 0; i < path.Count; i++)
        {
            if (i == path.Count - 1)
            {
                set.AddMember(path[i]);
                return;
            }
            set = set.Descend(path[i]);
        }
    }

    public bool Has(IReadOnlyList<PathElement> path)
    {
        var set = this;
        for (var i = 0; i < path.Count; i++)
        {
            if (i == path.Count - 1)
            {
                return set.HasMember(path[i]);
            }
            set = set.ChildOrNull(path[i]);
            if (set is null)
            {
                return false;
            }
        }
        return false;
    }

    public bool HasMember(PathElement pe) => _members.BinarySearch(pe) >= 0;

    public FieldSet? ChildOrNull(PathElement pe)
    {
        var i = FindChild(pe);
        return i >= 0 ? _children[i].Set : null;
    }

    public FieldSet WithPrefix(PathElement pe) => ChildOrNull(pe) ?? new FieldSet();

    public FieldSet Union(FieldSet other)
    {
        var result = new FieldSet();
        result._members.AddRange(MergeSorted(_members, other._members));
        int i = 0, j = 0;
        while (i < _children.Count || j < other._children.Count)
        {
            var c = i >= _children.Count ? 1 : j >= other._children.Count ? -1 : _children[i].Element.CompareTo(other._children[j].Element);
            if (c < 0)
            {
                result.AddChild(_children[i].Element, _children[i].Set.Copy());
                i++;
            }
            else if (c > 0)
            {
                result.AddChild(other._children[j].Element, other._children[j].Set.Copy());
                j++;
            }
            else
            {
                result.AddChild(_children[i].Element, _children[i].Set.Union(other._children[j].Set));
                i++;
                j++;
            }
        }
        return result;
    }

    public FieldSet Intersection(FieldSet other)
    {
        var result = new FieldSet();
        result._members.AddRange(_members.Where(other.HasMember));
        foreach (var (pe, set) in _children)
        {
            if (other.ChildOrNull(pe) is { } o)
            {
                result.AddChild(pe, set.Intersection(o));
            }
        }
        return result;
    }

    // Leaf-wise difference: removing a parent path does not remove the paths below it.
    public FieldSet Difference(FieldSet other)
    {
        var result = new FieldSet();
        result._members.AddRange(_members.Where(m => !other.HasMember(m)));
        foreach (var (pe, set) in _children)
        {
            result.AddChild(pe, other.ChildOrNull(pe) is { } o ? set.Difference(o) : set.Copy());
        }
        return result;
    }

    // Removes every path of other together with everything below it.
    public FieldSet RecursiveDifference(FieldSet other)
    {
        var result = new FieldSet();
        result._members.AddRange(_members.Where(m => !other.HasMember(m)));
        foreach (var (pe, set) in _children)
        {
            if (other.HasMember(pe))
            {
                continue;
            }
            result.AddChild(pe, other.ChildOrNull(pe) is { } o ? set.RecursiveDifference(o) : set.Copy());
        }
        return result;
    }

    // Adds the named fields of structs that only appear as parents, so that removing items
    // (prune) also removes struct fields whose children were all owned.
    public FieldSet EnsureNamedFieldsAreMembers(SchemaType? type)
    {
        var result = new FieldSet();
        result._members.AddRange(_members);
        var map = type?.Map;
        foreach (var (pe, set) in _children)
        {
            if (pe.Kind == PathElementKind.Field && map is not null && map.Fields.ContainsKey(pe.FieldName!))
            {
                result.AddMember(pe);
            }
            SchemaType? childType = pe.Kind switch
            {
                PathElementKind.Field => map?.FieldType(pe.FieldName!),
                PathElementKind.Key => type?.List?.Element,
                _ => null,
            };
            result.AddChild(pe, set.EnsureNamedFieldsAreMembers(childType));
        }
        return result;
    }

    public FieldSet Copy()
    {
        var result = new FieldSet();
        result._members.AddRange(_members);
        foreach (var (pe, set) in _children)
        {
            result._children.Add((pe, set.Copy()));
        }
        return result;
    }

    // Paths in upstream's iteration order: the members of a level, then each child's paths.
    public IEnumerable<PathElement[]> Paths()
    {
        foreach (var m in _members)
        {
            yield return [m];
        }
        foreach (var (pe, set) in _children)
        {
            foreach (var p in set.Paths())
            {
                yield return [pe, .. p];
            }
        }
    }

    public bool SetEquals(FieldSet other) => Difference(other).IsEmpty && other.Difference(this).IsEmpty;

    public override string ToString() => string.Join("\n", Paths().Select(FieldPath.ToString));

    public JsonObject ToFieldsV1()
    {
        var obj = new JsonObject();
        EmitContents(obj, includeSelf: false);
        return obj;
    }

    private void EmitContents(JsonObject obj, bool includeSelf)
    {
        if (includeSelf && !IsEmpty)
        {
            obj["."] = new JsonObject();
        }
        int mi = 0, ci = 0;
        while (mi < _members.Count || ci < _children.Count)
        {
            var c = mi >= _members.Count ? 1 : ci >= _children.Count ? -1 : _members[mi].CompareTo(_children[ci].Element);
            if (c < 0)
            {
                obj[_members[mi].Serialize()] = new JsonObject();
                mi++;
                continue;
            }
            var (pe, set) = _children[ci];
            var child = new JsonObject();
            set.EmitContents(child, includeSelf: c == 0);
            obj[pe.Serialize()] = child;
            ci++;
            if (c == 0)
            {
                mi++;
            }
        }
    }

    public static FieldSet FromFieldsV1(JsonNode? node)
    {
        if (node is null)
        {
            return new FieldSet();
        }
        if (node is not JsonObject obj)
        {
            throw new FormatException("fieldsV1 must be a JSON object");
        }
        return Read(obj, out _) ?? new FieldSet();
    }

    private static FieldSet? Read(JsonObject obj, out bool isMember)
    {
        isMember = false;
        FieldSet? children = null;
        foreach (var (key, value) in obj)
        {
            if (key == ".")
            {
                isMember = true;
                continue;
            }
            var pe = PathElement.Deserialize(key);
            if (pe is null)
            {
                continue;
            }
            if (value is not JsonObject childObj)
            {
                throw new FormatException($"expected an object at {key}");
            }
            var grandchildren = Read(childObj, out var childIsMember);
            if (childIsMember)
            {
                children ??= new FieldSet();
                children.AddMember(pe);
            }
            if (grandchildren is not null)
            {
                children ??= new FieldSet();
                children.Descend(pe).AddAll(grandchildren);
            }
        }
        if (children is null)
        {
            isMember = true;
        }
        return children;
    }

    private void AddAll(FieldSet other)
    {
        foreach (var m in other._members)
        {
            AddMember(m);
        }
        foreach (var (pe, set) in other._children)
        {
            Descend(pe).AddAll(set);
        }
    }

    private void AddMember(PathElement pe)
    {
        var i = _members.BinarySearch(pe);
        if (i < 0)
        {
            _members.Insert(~i, pe);
        }
    }

    private FieldSet Descend(PathElement pe)
    {
        var i = FindChild(pe);
        if (i >= 0)
        {
            return _children[i].Set;
        }
        var set = new FieldSet();
        _children.Insert(~i, (pe, set));
        return set;
    }

    // Operations never keep empty child nodes: serialized, an empty node would read back as a member.
    private void AddChild(PathElement pe, FieldSet set)
    {
        if (!set.IsEmpty)
        {
            _children.Add((pe, set));
        }
    }

    private int FindChild(PathElement pe)
    {
        int lo = 0, hi = _children.Count - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var c = _children[mid].Element.CompareTo(pe);
            if (c == 0)
            {
                return mid;
            }
            if (c < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return ~lo;
    }

    private static IEnumerable<PathElement> MergeSorted(List<PathElement> a, List<PathElement> b)
    {
        int i = 0, j = 0;
        while (i < a.Count || j < b.Count)
        {
            var c = i >= a.Count ? 1 : j >= b.Count ? -1 : a[i].CompareTo(b[j]);
            if (c <= 0)
            {
                yield return a[i++];
                if (c == 0)
                {
                    j++;
                }
            }
            else
            {
                yield return b[j++];
            }
        }
    }
}
