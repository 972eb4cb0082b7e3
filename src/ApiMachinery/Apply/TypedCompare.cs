using System.Text.Json.Nodes;

namespace KubeNet.ApiMachinery.Apply;

// The fields a write removed, modified and added. No path is in more than one of the sets.
internal sealed class Comparison
{
    public FieldSet Removed { get; private set; } = new();
    public FieldSet Modified { get; private set; } = new();
    public FieldSet Added { get; private set; } = new();

    public bool IsSame => Removed.IsEmpty && Modified.IsEmpty && Added.IsEmpty;

    public Comparison ExcludeFields(FieldSet? fields)
    {
        if (fields is null || fields.IsEmpty)
        {
            return this;
        }
        Removed = Removed.RecursiveDifference(fields);
        Modified = Modified.RecursiveDifference(fields);
        Added = Added.RecursiveDifference(fields);
        return this;
    }

    // Compares lhs (before) with rhs (after); atomic values and scalars are leaves, granular maps and
    // associative lists are compared per entry, and a granular node that appears or disappears as a
    // whole is recorded itself too.
    public static Comparison Of(SchemaType type, JsonNode? lhs, JsonNode? rhs)
    {
        var cmp = new Comparison();
        Walk(type, lhs, true, rhs, true, [], cmp);
        return cmp;
    }

    private static void Walk(SchemaType type, JsonNode? lhs, bool lPresent, JsonNode? rhs, bool rPresent, List<PathElement> path, Comparison cmp)
    {
        var la = Typed.Deduce(type, lhs, lPresent);
        var ra = Typed.Deduce(type, rhs, rPresent);
        var atom = rPresent ? ra : la;
        if (lPresent && rPresent && la != ra)
        {
            Leaf(lhs, lPresent, rhs, rPresent, path, cmp);
            return;
        }
        var leaf = false;
        switch (atom)
        {
            case AtomKind.Scalar:
                Leaf(lhs, lPresent, rhs, rPresent, path, cmp);
                leaf = true;
                break;
            case AtomKind.List:
                {
                    var l = lhs as JsonArray;
                    var r = rhs as JsonArray;
                    if (!type.List!.Associative || ((l is null || l.Count == 0) && (r is null || r.Count == 0)))
                    {
                        Leaf(lhs, lPresent, rhs, rPresent, path, cmp);
                        leaf = true;
                        break;
                    }
                    Items(type.List, l, r, path, cmp);
                    break;
                }
            case AtomKind.Map:
                {
                    var l = lhs as JsonObject;
                    var r = rhs as JsonObject;
                    if (type.Map!.Atomic || ((l is null || l.Count == 0) && (r is null || r.Count == 0)))
                    {
                        Leaf(lhs, lPresent, rhs, rPresent, path, cmp);
                        leaf = true;
                        break;
                    }
                    var keys = new List<string>();
                    if (l is not null)
                    {
                        keys.AddRange(l.Select(p => p.Key));
                    }
                    if (r is not null)
                    {
                        keys.AddRange(r.Select(p => p.Key).Where(k => l is null || !l.ContainsKey(k)));
                    }
                    foreach (var key in keys)
                    {
                        JsonNode? lv = null, rv = null;
                        var lp = l is not null && l.TryGetPropertyValue(key, out lv);
                        var rp = r is not null && r.TryGetPropertyValue(key, out rv);
                        path.Add(PathElement.Field(key));
                        Walk(Typed.ChildType(type.Map, key), lv, lp, rv, rp, path, cmp);
                        path.RemoveAt(path.Count - 1);
                    }
                    break;
                }
        }
        if (!leaf)
        {
            if (!lPresent)
            {
                cmp.Added.Insert(path);
            }
            else if (!rPresent)
            {
                cmp.Removed.Insert(path);
            }
        }
    }

    private static void Leaf(JsonNode? lhs, bool lPresent, JsonNode? rhs, bool rPresent, List<PathElement> path, Comparison cmp)
    {
        if (!lPresent)
        {
            cmp.Added.Insert(path);
        }
        else if (!rPresent)
        {
            cmp.Removed.Insert(path);
        }
        else if (!JsonValues.Equal(lhs, rhs))
        {
            cmp.Modified.Insert(path);
        }
    }

    private static void Items(ListSchema list, JsonArray? lhs, JsonArray? rhs, List<PathElement> path, Comparison cmp)
    {
        var order = new List<PathElement>();
        var lValues = Index(list, lhs, order, null);
        var rValues = Index(list, rhs, order, lValues);
        foreach (var pe in order)
        {
            var lList = lValues.TryGetValue(pe, out var a) ? a : [];
            var rList = rValues.TryGetValue(pe, out var b) ? b : [];
            path.Add(pe);
            if (lList.Count <= 1 && rList.Count <= 1)
            {
                Walk(list.Element, lList.Count == 1 ? lList[0] : null, lList.Count == 1, rList.Count == 1 ? rList[0] : null, rList.Count == 1, path, cmp);
            }
            else if (lList.Count >= 2 && rList.Count >= 2)
            {
                // Duplicated items before and after compare as one atomic value.
                if (lList.Count != rList.Count || lList.Where((v, i) => !JsonValues.Equal(v, rList[i])).Any())
                {
                    cmp.Modified.Insert(path);
                }
            }
            else if (lList.Count >= 2)
            {
                if (rList.Count != 0)
                {
                    Walk(list.Element, null, false, rList[0], true, path, cmp);
                }
                cmp.Removed.Insert(path);
            }
            else
            {
                if (lList.Count != 0)
                {
                    Walk(list.Element, lList[0], true, null, false, path, cmp);
                }
                cmp.Added.Insert(path);
            }
            path.RemoveAt(path.Count - 1);
        }
    }

    private static Dictionary<PathElement, List<JsonNode?>> Index(ListSchema list, JsonArray? items, List<PathElement> order, Dictionary<PathElement, List<JsonNode?>>? seenBefore)
    {
        var values = new Dictionary<PathElement, List<JsonNode?>>();
        if (items is null)
        {
            return values;
        }
        foreach (var item in items)
        {
            if (Typed.ItemPathElement(list, item, out _) is not { } pe)
            {
                continue;
            }
            if (values.TryGetValue(pe, out var existing))
            {
                existing.Add(item);
                continue;
            }
            values[pe] = [item];
            if (seenBefore is null || !seenBefore.ContainsKey(pe))
            {
                order.Add(pe);
            }
        }
        return values;
    }
}
