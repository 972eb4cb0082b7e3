using System.Text.Json.Nodes;

namespace KubeNet.ApiMachinery.Patch;

// Why a strategic merge patch does not apply. Thrown only inside the merger and caught by
// StrategicMergePatch.Apply, so that the recursive code reads like upstream's.
internal sealed class StrategicPatchException(PatchError error, string message) : Exception(message)
{
    internal PatchError Error { get; } = error;
}

// The server side of k8s.io/apimachinery/pkg/util/strategicpatch (mergeMap with
// MergeParallelList and IgnoreUnmatchedNulls, as StrategicMergeMapPatch runs it). Works on
// documents it owns: the caller passes copies. Upstream visits patch keys in Go's random map
// order; here they are visited in document order, after $retainKeys and $setElementOrder as
// upstream does.
// Departures, all on input upstream would store or reject later anyway: keys beginning with '$'
// that are no directive and no declared field are rejected, and directive keys inside values
// taken whole from the patch are dropped instead of reaching the stored object.
internal sealed partial class StrategicMerger(PatchSchema schema)
{
    internal const string DirectiveMarker = "$patch";
    internal const string DeleteDirective = "delete";
    internal const string ReplaceDirective = "replace";
    internal const string MergeDirective = "merge";
    internal const string RetainKeysDirective = "$retainKeys";
    internal const string DeleteFromPrimitiveListPrefix = "$deleteFromPrimitiveList";
    internal const string SetElementOrderPrefix = "$setElementOrder";

    // mergepatch's sentinel errors and how kube-apiserver's interpretStrategicMergePatchError answers them.
    internal const string BadPatchFormatForPrimitiveList = "invalid patch format of primitive list";
    internal const string BadPatchFormatForRetainKeys = "invalid patch format of retainKeys";
    internal const string BadPatchFormatForSetElementOrderList = "invalid patch format of setElementOrder list";
    internal const string NoListOfLists = "lists of lists are not supported";

    internal JsonObject MergeMap(JsonObject original, JsonObject patch, SchemaNode node)
    {
        if (patch.TryGetPropertyValue(DirectiveMarker, out var directive))
        {
            return HandleDirectiveInMergeMap(directive, patch);
        }
        ApplyRetainKeysDirective(original, patch);
        MergePatchIntoOriginal(original, patch, node);

        foreach (var (patchKey, patchValue) in patch.ToList())
        {
            var key = patchKey;
            var isDeleteList = false;
            if (key.StartsWith(DeleteFromPrimitiveListPrefix, StringComparison.Ordinal))
            {
                key = ExtractKey(key, DeleteFromPrimitiveListPrefix, BadPatchFormatForPrimitiveList);
                isDeleteList = true;
            }
            else if (key.StartsWith('$') && node.TreatsAsDirective(key))
            {
                throw BadRequest($"unknown patch directive {key} in map: {GoValues.Format(patch)}");
            }

            if (patchValue is null)
            {
                original.Remove(key);
                continue;
            }
            if (!original.TryGetPropertyValue(key, out var current) || GoValues.KindOf(current) != GoValues.KindOf(patchValue))
            {
                if (!isDeleteList)
                {
                    SetFromPatch(original, key, patchValue);
                }
                continue;
            }

            switch (current)
            {
                case JsonObject currentObject:
                {
                    var (child, meta) = node.Lookup(key, schema);
                    var merged = meta.Strategy == ReplaceDirective
                        ? (JsonObject)Adopt(RemoveDirectives(patchValue.DeepClone()))!
                        : MergeMap(currentObject, (JsonObject)patchValue, child);
                    Replace(original, key, currentObject, merged);
                    break;
                }
                case JsonArray currentArray:
                {
                    var (child, meta) = node.Lookup(key, schema);
                    var merged = MergeSliceHandler(currentArray, (JsonArray)patchValue, child, meta, isDeleteList);
                    original[key] = merged;
                    break;
                }
                default:
                    original[key] = patchValue.DeepClone();
                    break;
            }
        }
        return original;
    }

    private static JsonObject HandleDirectiveInMergeMap(JsonNode? directive, JsonObject patch)
    {
        switch (GoValues.KindOf(directive) == GoValues.Kind.String ? directive!.GetValue<string>() : null)
        {
            case ReplaceDirective:
                patch.Remove(DirectiveMarker);
                return (JsonObject)Adopt(RemoveDirectives(patch))!;
            case DeleteDirective:
                return [];
            default:
                throw Failed($"unknown patch type: {GoValues.Format(directive)} in map: {GoValues.Format(patch)}");
        }
    }

    // $retainKeys lists the fields to keep: the others are cleared from original before merging.
    private static void ApplyRetainKeysDirective(JsonObject original, JsonObject patch)
    {
        if (!patch.TryGetPropertyValue(RetainKeysDirective, out var retainKeys))
        {
            return;
        }
        patch.Remove(RetainKeysDirective);
        if (retainKeys is not JsonArray retainList)
        {
            throw BadRequest(BadPatchFormatForRetainKeys);
        }
        bool Retained(string key) => retainList.Any(v => GoValues.ScalarEquals(v, JsonValue.Create(key)));

        foreach (var (key, value) in patch)
        {
            if (value is null
                || key.StartsWith(DeleteFromPrimitiveListPrefix, StringComparison.Ordinal)
                || key.StartsWith(SetElementOrderPrefix, StringComparison.Ordinal))
            {
                continue;
            }
            if (!Retained(key))
            {
                throw BadRequest(BadPatchFormatForRetainKeys);
            }
        }
        foreach (var key in original.Select(p => p.Key).Where(k => !Retained(k)).ToList())
        {
            original.Remove(key);
        }
    }

    // Each $setElementOrder/<field> merges <field> now and orders the result: the order of the
    // directive first, then of the patch, then of the live list.
    private void MergePatchIntoOriginal(JsonObject original, JsonObject patch, SchemaNode node)
    {
        foreach (var (directiveKey, setOrderValue) in patch.ToList())
        {
            if (!directiveKey.StartsWith(SetElementOrderPrefix, StringComparison.Ordinal))
            {
                continue;
            }
            patch.Remove(directiveKey);
            if (setOrderValue is not JsonArray setOrder)
            {
                throw Failed(BadArgType("[]interface {}", setOrderValue));
            }
            var key = ExtractKey(directiveKey, SetElementOrderPrefix, BadPatchFormatForSetElementOrderList);

            var foundOriginal = original.TryGetPropertyValue(key, out var originalValue);
            var foundPatch = patch.TryGetPropertyValue(key, out var patchValue);
            var originalList = foundOriginal ? originalValue as JsonArray ?? throw Failed(BadArgType("[]interface {}", originalValue)) : null;
            var patchList = foundPatch ? patchValue as JsonArray ?? throw Failed(BadArgType("[]interface {}", patchValue)) : null;
            var (child, meta) = node.Lookup(key, schema);
            ValidatePatchWithSetOrderList(patchList?.ToList() ?? [], setOrder.ToList(), meta.MergeKey);

            // The live list as it was, for ordering the server-only items.
            var originalItems = originalList?.ToList() ?? [];
            var patchItemsRaw = patchList?.ToList() ?? [];
            JsonArray merged;
            if (foundOriginal && !foundPatch)
            {
                merged = originalList!;
            }
            else if (!foundOriginal && foundPatch)
            {
                merged = (JsonArray)RemoveDirectives(patchList!.DeepClone())!;
            }
            else if (foundOriginal && foundPatch)
            {
                var slice = new GoSlice(Detach(originalList!));
                var backing = slice.Array;
                merged = MergeSliceHandler(slice, patchList!, child, meta, isDeleteList: false);
                originalItems = [.. backing];
            }
            else
            {
                continue;
            }

            var mergedItems = Detach(merged);
            var order = setOrder.ToList();
            var (patchItems, serverOnly) = meta.MergeKey.Length == 0
                ? PartitionPrimitives(mergedItems, order)
                : PartitionMaps(mergedItems, order, meta.MergeKey);
            var kind = SliceElementKind(originalItems, patchItemsRaw);
            var both = NormalizeElementOrder(patchItems, serverOnly, order, originalItems, meta.MergeKey, kind);
            original[key] = new JsonArray([.. both]);
            patch.Remove(key);
        }
    }

    private static void ValidatePatchWithSetOrderList(List<JsonNode?> patchList, List<JsonNode?> setOrder, string mergeKey)
    {
        if (setOrder.Count == 0 || patchList.Count == 0)
        {
            return;
        }
        var nonDelete = mergeKey.Length > 0 ? ExtractToDeleteItems(patchList).Keep : patchList;
        int patchIndex = 0, setOrderIndex = 0;
        while (patchIndex < nonDelete.Count && setOrderIndex < setOrder.Count)
        {
            if (nonDelete[patchIndex] is JsonObject item && item.ContainsKey(DirectiveMarker))
            {
                patchIndex++;
                continue;
            }
            if (MergeKeyValueEqual(nonDelete[patchIndex], setOrder[setOrderIndex], mergeKey))
            {
                patchIndex++;
            }
            setOrderIndex++;
        }
        if (patchIndex < nonDelete.Count && setOrderIndex >= setOrder.Count)
        {
            throw Failed($"The order in patch list:\n{GoValues.Format(new JsonArray([.. patchList.Select(n => n?.DeepClone())]))}\n doesn't match {SetElementOrderPrefix} list:\n{GoValues.Format(new JsonArray([.. setOrder.Select(n => n?.DeepClone())]))}\n");
        }
    }

    private static bool MergeKeyValueEqual(JsonNode? left, JsonNode? right, string mergeKey)
    {
        if (mergeKey.Length == 0)
        {
            return GoValues.ScalarEquals(left, right);
        }
        var leftMap = left as JsonObject ?? throw Failed(BadArgType("map[string]interface {}", left));
        var rightMap = right as JsonObject ?? throw Failed(BadArgType("map[string]interface {}", right));
        if (!leftMap.TryGetPropertyValue(mergeKey, out var leftKey))
        {
            throw Failed(NoMergeKey(leftMap, mergeKey));
        }
        if (!rightMap.TryGetPropertyValue(mergeKey, out var rightKey))
        {
            throw Failed(NoMergeKey(rightMap, mergeKey));
        }
        return GoValues.ScalarEquals(leftKey, rightKey);
    }

    private static string ExtractKey(string key, string prefix, string badFormatMessage)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || key[..slash] != prefix)
        {
            throw BadRequest(badFormatMessage);
        }
        return key[(slash + 1)..];
    }

    // A value the patch brings whole: nulls inside are dropped, directives removed.
    private static void SetFromPatch(JsonObject original, string key, JsonNode patchValue)
    {
        var value = patchValue.DeepClone();
        DiscardNullValues(value);
        if (KeepWithoutDirectives(ref value))
        {
            original[key] = value;
        }
        else
        {
            original.Remove(key);
        }
    }

    private static void Replace(JsonObject parent, string key, JsonObject current, JsonObject merged)
    {
        if (!ReferenceEquals(current, merged))
        {
            parent[key] = merged;
        }
    }

    // A node from another tree is copied; a parentless one is taken as it is.
    private static JsonNode? Adopt(JsonNode? node) => node?.Parent is null ? node : node.DeepClone();

    private static List<JsonNode?> Detach(JsonArray array)
    {
        var items = array.ToList();
        array.Clear();
        return items;
    }

    private static void DiscardNullValues(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var key in obj.Where(p => p.Value is null).Select(p => p.Key).ToList())
                {
                    obj.Remove(key);
                }
                foreach (var (_, value) in obj)
                {
                    DiscardNullValues(value);
                }
                break;
            case JsonArray array:
                foreach (var element in array)
                {
                    DiscardNullValues(element);
                }
                break;
        }
    }

    // upstream removeDirectives: a map holding $patch disappears; here the other directive keys go too.
    internal static JsonNode? RemoveDirectives(JsonNode? node) => KeepWithoutDirectives(ref node) ? node : null;

    private static bool KeepWithoutDirectives(ref JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                if (obj.ContainsKey(DirectiveMarker))
                {
                    return false;
                }
                foreach (var (key, value) in obj.ToList())
                {
                    var child = value;
                    if (IsDirectiveKey(key) || !KeepWithoutDirectives(ref child))
                    {
                        obj.Remove(key);
                    }
                }
                return true;
            case JsonArray array:
                var items = Detach(array);
                foreach (var item in items)
                {
                    var child = item;
                    if (KeepWithoutDirectives(ref child))
                    {
                        array.Add(child);
                    }
                }
                return true;
            default:
                return true;
        }
    }

    private static bool IsDirectiveKey(string key) =>
        key == RetainKeysDirective
        || key.StartsWith(SetElementOrderPrefix + "/", StringComparison.Ordinal)
        || key.StartsWith(DeleteFromPrimitiveListPrefix + "/", StringComparison.Ordinal);

    internal static StrategicPatchException BadRequest(string message) => new(PatchError.BadRequest, message);

    internal static StrategicPatchException Failed(string message) => new(PatchError.ApplyFailed, message);

    internal static string BadArgType(string expected, JsonNode? actual) => $"expected a {expected}, but received a {GoValues.TypeName(actual)}";

    internal static string NoMergeKey(JsonObject map, string mergeKey) => $"map: {GoValues.Format(map)} does not contain declared merge key: {mergeKey}";
}
