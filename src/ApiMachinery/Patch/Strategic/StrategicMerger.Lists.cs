using System.Text.Json.Nodes;

namespace KubeNet.ApiMachinery.Patch;

// Lists: merged by key or as a set of scalars when the field's strategy is merge, replaced
// otherwise; the order follows upstream's normalizeElementOrder.
internal sealed partial class StrategicMerger
{
    // Always returns a new parentless array; the items of original are moved into it.
    private JsonArray MergeSliceHandler(JsonArray original, JsonArray patch, SchemaNode child, PatchMeta meta, bool isDeleteList) =>
        MergeSliceHandler(new GoSlice(Detach(original)), patch, child, meta, isDeleteList);

    private JsonArray MergeSliceHandler(GoSlice original, JsonArray patch, SchemaNode child, PatchMeta meta, bool isDeleteList)
    {
        if (meta.Strategy == MergeDirective || isDeleteList)
        {
            var merged = MergeSlice(original, [.. patch.Select(n => n?.DeepClone())], child, meta.MergeKey, isDeleteList);
            return new JsonArray([.. merged]);
        }
        // Replaced as upstream does, with the patch list taken as it is.
        return (JsonArray)patch.DeepClone();
    }

    private List<JsonNode?> MergeSlice(GoSlice originalSlice, List<JsonNode?> patch, SchemaNode child, string mergeKey, bool isDeleteList)
    {
        var original = originalSlice.ToList();
        if (original.Count == 0 && patch.Count == 0)
        {
            return original;
        }
        var kind = SliceElementKind(original, patch);
        List<JsonNode?> merged;
        if (kind != GoValues.Kind.Map)
        {
            if (isDeleteList)
            {
                return [.. original.Where(v => !patch.Any(d => GoValues.ScalarEquals(v, d)))];
            }
            merged = DeduplicateScalars([.. original, .. patch]);
        }
        else
        {
            if (mergeKey.Length == 0)
            {
                throw Failed($"cannot merge lists without merge key for {child.KindName}");
            }
            (originalSlice, patch) = MergeSliceWithSpecialElements(originalSlice, patch, mergeKey);
            original = originalSlice.ToList();
            merged = MergeSliceWithoutSpecialElements(originalSlice, patch, mergeKey, child);
        }

        var (patchItems, serverOnly) = mergeKey.Length == 0
            ? PartitionPrimitives(merged, patch)
            : PartitionMaps(merged, patch, mergeKey);
        return NormalizeElementOrder(patchItems, serverOnly, patch, original, mergeKey, kind);
    }

    // Applies $patch elements: delete removes the entries with that key, replace makes the rest of
    // the patch list the whole list.
    private static (GoSlice Original, List<JsonNode?> Patch) MergeSliceWithSpecialElements(
        GoSlice original, List<JsonNode?> patch, string mergeKey)
    {
        var withoutSpecial = new List<JsonNode?>();
        var replace = false;
        foreach (var element in patch)
        {
            var item = (JsonObject)element!;
            if (!item.TryGetPropertyValue(DirectiveMarker, out var directive))
            {
                withoutSpecial.Add(item);
                continue;
            }
            switch (GoValues.KindOf(directive) == GoValues.Kind.String ? directive!.GetValue<string>() : null)
            {
                case DeleteDirective:
                    if (!item.TryGetPropertyValue(mergeKey, out var mergeValue))
                    {
                        throw Failed(NoMergeKey(item, mergeKey));
                    }
                    DeleteMatchingEntries(original, mergeKey, mergeValue);
                    break;
                case ReplaceDirective:
                    // Keep going: the other $patch elements are pruned all the same.
                    replace = true;
                    break;
                case MergeDirective:
                    throw Failed("merging lists cannot yet be specified in the patch");
                default:
                    throw Failed($"unknown patch type: {GoValues.Format(directive)} in map: {GoValues.Format(item)}");
            }
        }
        return replace ? (new GoSlice(withoutSpecial), []) : (original, withoutSpecial);
    }

    private static void DeleteMatchingEntries(GoSlice original, string mergeKey, JsonNode? mergeValue)
    {
        int index;
        while ((index = FindMapByKey(original.ToList(), mergeKey, mergeValue)) >= 0)
        {
            original.RemoveAt(index);
        }
    }

    private List<JsonNode?> MergeSliceWithoutSpecialElements(GoSlice original, List<JsonNode?> patch, string mergeKey, SchemaNode child)
    {
        foreach (var element in patch)
        {
            var item = (JsonObject)element!;
            if (!item.TryGetPropertyValue(mergeKey, out var mergeValue))
            {
                throw Failed(NoMergeKey(item, mergeKey));
            }
            var index = FindMapByKey(original.ToList(), mergeKey, mergeValue);
            if (index >= 0)
            {
                original.Array[index] = MergeMap((JsonObject)original.Array[index]!, item, child);
            }
            else
            {
                // A new element, as SetFromPatch takes new fields: without nulls or directives.
                JsonNode? added = item.DeepClone();
                DiscardNullValues(added);
                original.Append(RemoveDirectives(added));
            }
        }
        return original.ToList();
    }

    private static int FindMapByKey(List<JsonNode?> list, string mergeKey, JsonNode? value)
    {
        for (var i = 0; i < list.Count; i++)
        {
            var item = list[i] as JsonObject ?? throw Failed($"value for key {i} is not a map");
            if (item.TryGetPropertyValue(mergeKey, out var candidate) && GoValues.ScalarEquals(candidate, value))
            {
                return i;
            }
        }
        return -1;
    }

    private static List<JsonNode?> DeduplicateScalars(List<JsonNode?> items)
    {
        var unique = new List<JsonNode?>(items.Count);
        foreach (var item in items)
        {
            if (!unique.Any(u => GoValues.ScalarEquals(u, item)))
            {
                unique.Add(item);
            }
        }
        return unique;
    }

    // All elements of both lists must have one Go type, and not be lists.
    internal static GoValues.Kind SliceElementKind(List<JsonNode?> first, List<JsonNode?> second)
    {
        GoValues.Kind? previous = null;
        foreach (var item in first.Concat(second))
        {
            var kind = GoValues.KindOf(item);
            if (previous is null)
            {
                if (kind == GoValues.Kind.Slice)
                {
                    throw Failed(NoListOfLists);
                }
                previous = kind;
            }
            else if (previous != kind)
            {
                throw Failed($"list element types are not identical: [{GoValues.Format(new JsonArray([.. first.Select(n => n?.DeepClone())]))} {GoValues.Format(new JsonArray([.. second.Select(n => n?.DeepClone())]))}]");
            }
        }
        return previous ?? throw Failed("no elements in any of the given slices");
    }

    private static (List<JsonNode?> InPatch, List<JsonNode?> ServerOnly) PartitionPrimitives(List<JsonNode?> items, List<JsonNode?> partitionBy)
    {
        var inPatch = new List<JsonNode?>();
        var serverOnly = new List<JsonNode?>();
        foreach (var item in items)
        {
            (partitionBy.Any(p => GoValues.ScalarEquals(p, item)) ? inPatch : serverOnly).Add(item);
        }
        return (inPatch, serverOnly);
    }

    private static (List<JsonNode?> InPatch, List<JsonNode?> ServerOnly) PartitionMaps(List<JsonNode?> items, List<JsonNode?> partitionBy, string mergeKey)
    {
        var inPatch = new List<JsonNode?>();
        var serverOnly = new List<JsonNode?>();
        foreach (var item in items)
        {
            var map = item as JsonObject ?? throw Failed(BadArgType("map[string]interface {}", item));
            if (!map.TryGetPropertyValue(mergeKey, out var value))
            {
                throw Failed(NoMergeKey(map, mergeKey));
            }
            (FindMapByKey(partitionBy, mergeKey, value) >= 0 ? inPatch : serverOnly).Add(item);
        }
        return (inPatch, serverOnly);
    }

    // Sorts the patch items by patchOrder and the server-only items by serverOrder, then
    // interleaves them keeping both relative orders (upstream normalizeElementOrder).
    private static List<JsonNode?> NormalizeElementOrder(List<JsonNode?> patchItems, List<JsonNode?> serverOnly,
        List<JsonNode?> patchOrder, List<JsonNode?> serverOrder, string mergeKey, GoValues.Kind kind)
    {
        var sortedPatch = NormalizeSliceOrder(patchItems, patchOrder, mergeKey, kind);
        var sortedServer = NormalizeSliceOrder(serverOnly, serverOrder, mergeKey, kind);
        return MergeSortedSlice(sortedServer, sortedPatch, serverOrder, mergeKey, kind);
    }

    private static List<JsonNode?> NormalizeSliceOrder(List<JsonNode?> toSort, List<JsonNode?> order, string mergeKey, GoValues.Kind kind)
    {
        var toDelete = new List<JsonNode?>();
        if (kind == GoValues.Kind.Map)
        {
            ValidateMergeKeyInLists(mergeKey, toSort, order);
            (toSort, toDelete) = ExtractToDeleteItems(toSort);
        }
        // Stable: items not in order (none in practice) keep their place at the front.
        var sorted = toSort.Select((item, position) => (item, position, index: IndexOf(order, item, mergeKey, kind)))
            .OrderBy(t => t.index < 0 ? -1 : t.index).ThenBy(t => t.position).Select(t => t.item).ToList();
        sorted.AddRange(toDelete);
        return sorted;
    }

    // Inserts the server-only items (left) into the patch items (right): a left item goes first
    // only when both are in the live list and it comes earlier there.
    private static List<JsonNode?> MergeSortedSlice(List<JsonNode?> left, List<JsonNode?> right, List<JsonNode?> serverOrder, string mergeKey, GoValues.Kind kind)
    {
        var result = new List<JsonNode?>(left.Count + right.Count);
        int i = 0, j = 0;
        while (i < left.Count || j < right.Count)
        {
            if (i >= left.Count)
            {
                result.Add(right[j++]);
            }
            else if (j >= right.Count)
            {
                result.Add(left[i++]);
            }
            else
            {
                var li = IndexOf(serverOrder, left[i], mergeKey, kind);
                var ri = IndexOf(serverOrder, right[j], mergeKey, kind);
                result.Add(li >= 0 && ri >= 0 && li < ri ? left[i++] : right[j++]);
            }
        }
        return result;
    }

    private static int IndexOf(List<JsonNode?> list, JsonNode? item, string mergeKey, GoValues.Kind kind)
    {
        var wanted = kind == GoValues.Kind.Map ? MergeKeyOf(item, mergeKey) : item;
        for (var i = 0; i < list.Count; i++)
        {
            var candidate = kind == GoValues.Kind.Map ? MergeKeyOf(list[i], mergeKey) : list[i];
            if (GoValues.ScalarEquals(candidate, wanted))
            {
                return i;
            }
        }
        return -1;
    }

    private static JsonNode? MergeKeyOf(JsonNode? item, string mergeKey) =>
        item is JsonObject map && map.TryGetPropertyValue(mergeKey, out var value) ? value : null;

    private static void ValidateMergeKeyInLists(string mergeKey, params List<JsonNode?>[] lists)
    {
        foreach (var list in lists)
        {
            foreach (var item in list)
            {
                var map = item as JsonObject ?? throw Failed(BadArgType("map[string]interface {}", item));
                if (!map.ContainsKey(mergeKey))
                {
                    throw Failed(NoMergeKey(map, mergeKey));
                }
            }
        }
    }

    private static (List<JsonNode?> Keep, List<JsonNode?> Delete) ExtractToDeleteItems(List<JsonNode?> items)
    {
        var keep = new List<JsonNode?>();
        var delete = new List<JsonNode?>();
        foreach (var item in items)
        {
            var map = item as JsonObject ?? throw Failed(BadArgType("map[string]interface {}", item));
            var isDelete = map.TryGetPropertyValue(DirectiveMarker, out var directive)
                && GoValues.ScalarEquals(directive, JsonValue.Create(DeleteDirective));
            (isDelete ? delete : keep).Add(item);
        }
        return (keep, delete);
    }

    // A Go slice header: upstream deletes from and appends to the live list in place, and the
    // $setElementOrder code orders server-only items by the header it took before merging, so it
    // sees those writes in the backing array. Kube-apiserver's live lists have len == cap.
    internal sealed class GoSlice(List<JsonNode?> items)
    {
        internal JsonNode?[] Array { get; private set; } = [.. items];

        internal int Length { get; private set; } = items.Count;

        internal List<JsonNode?> ToList() => [.. Array.Take(Length)];

        internal void RemoveAt(int index)
        {
            System.Array.Copy(Array, index + 1, Array, index, Length - index - 1);
            Length--;
        }

        internal void Append(JsonNode? item)
        {
            if (Length == Array.Length)
            {
                var grown = new JsonNode?[Math.Max(4, Array.Length * 2)];
                Array.CopyTo(grown, 0);
                Array = grown;
            }
            Array[Length++] = item;
        }
    }
}
