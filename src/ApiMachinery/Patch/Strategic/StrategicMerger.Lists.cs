using System.Text.Json.Nodes;

namespace KubeNet.ApiMachinery.Patch;

// Lists: merged by key or as a set of scalars when the field's strategy is merge, replaced
// otherwise; the order follows upstream's normalizeElementOrder.
internal sealed partial class StrategicMerger
{
    // Always returns a new parentless array; the items of original are moved into it.
    private JsonArray MergeSliceHandler(JsonArray original, JsonArray patch, SchemaNode child, PatchMeta meta, bool isDeleteList)
    {
        if (meta.Strategy == MergeDirective || isDeleteList)
        {
            var merged = MergeSlice(Detach(original), [.. patch.Select(n => n?.DeepClone())], child, meta.MergeKey, isDeleteList);
            return new JsonArray([.. merged]);
        }
        // Replaced as upstream does, with the patch list taken as it is.
        return (JsonArray)patch.DeepClone();
    }

    private List<JsonNode?> MergeSlice(List<JsonNode?> original, List<JsonNode?> patch, SchemaNode child, string mergeKey, bool isDeleteList)
    {
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
            (original, patch) = MergeSliceWithSpecialElements(original, patch, mergeKey);
            merged = MergeSliceWithoutSpecialElements(original, patch, mergeKey, child);
        }

        var (patchItems, serverOnly) = mergeKey.Length == 0
            ? PartitionPrimitives(merged, patch)
            : PartitionMaps(merged, patch, mergeKey);
        return NormalizeElementOrder(patchItems, serverOnly, patch, original, mergeKey, kind);
    }

    // Applies $patch elements: delete removes the entries with that key, replace makes the rest of
    // the patch list the whole list.
    private static (List<JsonNode?> Original, List<JsonNode?> Patch) MergeSliceWithSpecialElements(
        List<JsonNode?> original, List<JsonNode?> patch, string mergeKey)
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
                    original = DeleteMatchingEntries(original, mergeKey, mergeValue);
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
        return replace ? (withoutSpecial, []) : (original, withoutSpecial);
    }

    private static List<JsonNode?> DeleteMatchingEntries(List<JsonNode?> original, string mergeKey, JsonNode? mergeValue)
    {
        var kept = new List<JsonNode?>(original.Count);
        for (var i = 0; i < original.Count; i++)
        {
            var item = original[i] as JsonObject ?? throw Failed($"value for key {i} is not a map");
            if (!(item.TryGetPropertyValue(mergeKey, out var value) && GoValues.ScalarEquals(value, mergeValue)))
            {
                kept.Add(item);
            }
        }
        return kept;
    }

    private List<JsonNode?> MergeSliceWithoutSpecialElements(List<JsonNode?> original, List<JsonNode?> patch, string mergeKey, SchemaNode child)
    {
        var result = new List<JsonNode?>(original);
        foreach (var element in patch)
        {
            var item = (JsonObject)element!;
            if (!item.TryGetPropertyValue(mergeKey, out var mergeValue))
            {
                throw Failed(NoMergeKey(item, mergeKey));
            }
            var index = FindMapByKey(result, mergeKey, mergeValue);
            if (index >= 0)
            {
                result[index] = MergeMap((JsonObject)result[index]!, item, child);
            }
            else
            {
                // A new element, as SetFromPatch takes new fields: without nulls or directives.
                JsonNode? added = item.DeepClone();
                DiscardNullValues(added);
                result.Add(RemoveDirectives(added));
            }
        }
        return result;
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
}
