using System.Text.Json.Nodes;

namespace KubeNet.ApiMachinery.Apply;

// Merges an applied configuration (rhs) into a live object (lhs): leaves and atomic values take the
// rhs value, granular maps merge per key, associative lists merge per item keeping upstream's order.
internal static class TypedMerge
{
    public static JsonNode? Merge(SchemaType type, JsonNode? lhs, JsonNode? rhs, out List<ValidationError> errors)
    {
        errors = [];
        return Walk(type, lhs, true, rhs, true, "", errors, out _);
    }

    private static JsonNode? Walk(SchemaType type, JsonNode? lhs, bool lPresent, JsonNode? rhs, bool rPresent, string path, List<ValidationError> errors, out bool present)
    {
        var la = Typed.Deduce(type, lhs, lPresent);
        var ra = Typed.Deduce(type, rhs, rPresent);
        var atom = rPresent ? ra : la;
        if (lPresent && rPresent && la != ra)
        {
            atom = AtomKind.Scalar;
        }
        switch (atom)
        {
            case AtomKind.List when type.List!.Associative:
                {
                    var l = lhs as JsonArray;
                    var r = rhs as JsonArray;
                    if ((l is null || l.Count == 0) && (r is null || r.Count == 0))
                    {
                        break;
                    }
                    var merged = Items(type.List, l, r, path, errors);
                    present = merged.Count > 0;
                    return present ? merged : null;
                }
            case AtomKind.Map when !type.Map!.Atomic:
                {
                    var l = lhs as JsonObject;
                    var r = rhs as JsonObject;
                    if ((l is null || l.Count == 0) && (r is null || r.Count == 0))
                    {
                        break;
                    }
                    var result = new JsonObject();
                    if (l is not null)
                    {
                        foreach (var (key, lv) in l)
                        {
                            JsonNode? rv = null;
                            var rp = r is not null && r.TryGetPropertyValue(key, out rv);
                            var child = Walk(Typed.ChildType(type.Map, key), lv, true, rv, rp, path + "." + key, errors, out var childPresent);
                            if (childPresent)
                            {
                                result[key] = child;
                            }
                        }
                    }
                    if (r is not null)
                    {
                        foreach (var (key, rv) in r)
                        {
                            if (l is not null && l.ContainsKey(key))
                            {
                                continue;
                            }
                            var child = Walk(Typed.ChildType(type.Map, key), null, false, rv, true, path + "." + key, errors, out var childPresent);
                            if (childPresent)
                            {
                                result[key] = child;
                            }
                        }
                    }
                    present = result.Count > 0;
                    return present ? result : null;
                }
        }
        // Leaves keep the applied value when there is one.
        present = rPresent || lPresent;
        return rPresent ? rhs?.DeepClone() : lhs?.DeepClone();
    }

    private static (List<PathElement> Order, Dictionary<PathElement, JsonNode?> Observed) IndexItems(ListSchema list, JsonArray? items, bool allowDuplicates, string path, List<ValidationError> errors)
    {
        var order = new List<PathElement>();
        var observed = new Dictionary<PathElement, JsonNode?>();
        if (items is null)
        {
            return (order, observed);
        }
        for (var i = 0; i < items.Count; i++)
        {
            if (Typed.ItemPathElement(list, items[i], out var error) is not { } pe)
            {
                errors.Add(new(path, $"element {i}: {error}"));
                continue;
            }
            if (observed.ContainsKey(pe))
            {
                if (!allowDuplicates)
                {
                    errors.Add(new(path, $"duplicate entries for key {pe}"));
                    continue;
                }
                // Duplicated live items are not merged with the applied item.
                observed[pe] = null;
            }
            else
            {
                observed[pe] = items[i];
            }
            order.Add(pe);
        }
        return (order, observed);
    }

    // A port of upstream's list merge: live items keep their places, applied items follow the
    // applied order, and items both sides share are emitted in the applied order.
    private static JsonArray Items(ListSchema list, JsonArray? lhs, JsonArray? rhs, string path, List<ValidationError> errors)
    {
        var output = new JsonArray();
        var (rhsPEs, observedRhs) = IndexItems(list, rhs, false, path, errors);
        var (lhsPEs, observedLhs) = IndexItems(list, lhs, true, path, errors);
        if (errors.Count > 0)
        {
            return output;
        }
        var sharedOrder = new Queue<PathElement>(rhsPEs.Where(observedLhs.ContainsKey));
        PathElement? nextShared = sharedOrder.Count > 0 ? sharedOrder.Dequeue() : null;
        var mergedRhs = new HashSet<PathElement>();
        int lI = 0, rI = 0;
        while (lI < lhsPEs.Count || rI < rhsPEs.Count)
        {
            if (lI < lhsPEs.Count && rI < rhsPEs.Count)
            {
                var pe = lhsPEs[lI];
                if (pe.Equals(rhsPEs[rI]))
                {
                    mergedRhs.Add(pe);
                    Emit(list, pe, observedLhs[pe], true, observedRhs[pe], path, errors, output);
                    lI++;
                    rI++;
                    nextShared = sharedOrder.Count > 0 ? sharedOrder.Dequeue() : null;
                    continue;
                }
                if (observedRhs.ContainsKey(pe) && nextShared is not null && !nextShared.Equals(lhsPEs[lI]))
                {
                    // A shared item, but not the one this round wants.
                    lI++;
                    continue;
                }
            }
            if (lI < lhsPEs.Count)
            {
                var pe = lhsPEs[lI];
                if (!observedRhs.ContainsKey(pe))
                {
                    Emit(list, pe, lhs![lI], true, null, path, errors, output, rPresent: false);
                    lI++;
                    continue;
                }
                if (mergedRhs.Contains(pe))
                {
                    lI++;
                }
            }
            if (rI < rhsPEs.Count)
            {
                var pe = rhsPEs[rI];
                mergedRhs.Add(pe);
                var lp = observedLhs.TryGetValue(pe, out var lChild);
                Emit(list, pe, lChild, lp, observedRhs[pe], path, errors, output);
                rI++;
                if (nextShared is not null && nextShared.Equals(pe))
                {
                    nextShared = sharedOrder.Count > 0 ? sharedOrder.Dequeue() : null;
                }
            }
        }
        return output;
    }

    private static void Emit(ListSchema list, PathElement pe, JsonNode? lChild, bool lPresent, JsonNode? rChild, string path, List<ValidationError> errors, JsonArray output, bool rPresent = true)
    {
        var merged = Walk(list.Element, lChild, lPresent, rChild, rPresent, path + pe, errors, out var present);
        if (present)
        {
            output.Add(merged);
        }
    }
}
