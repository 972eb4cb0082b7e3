using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace KubeNet.ApiMachinery.Patch;

// RFC 7386 JSON merge patch (application/merge-patch+json) as kube-apiserver applies it with
// evanphx/json-patch.v4 MergePatch: null deletes a member, objects merge recursively, anything
// else (arrays included) replaces. Where v4 departs from the RFC it is followed:
//  - nulls are pruned from objects nested anywhere in a replacing value, arrays included;
//  - a patch that is JSON null, a string, a number or a boolean is rejected ("Invalid JSON Patch",
//    400 BadRequest) instead of replacing the document.
// The input document is never modified.
public static class MergePatch
{
    public const string InvalidPatchMessage = "Invalid JSON Patch";
    public const string InvalidDocumentMessage = "Invalid JSON Document";

    public static PatchResult Apply(JsonNode? document, string patchJson) =>
        Apply(document, Encoding.UTF8.GetBytes(patchJson));

    public static PatchResult Apply(JsonNode? document, ReadOnlySpan<byte> patchUtf8)
    {
        JsonNode? patch;
        try
        {
            patch = JsonNode.Parse(patchUtf8);
        }
        catch (JsonException)
        {
            return PatchResult.Fail(PatchError.BadRequest, InvalidPatchMessage);
        }
        return Apply(document, patch);
    }

    public static PatchResult Apply(JsonNode? document, JsonNode? patch)
    {
        if (patch is null)
        {
            return PatchResult.Fail(PatchError.BadRequest, InvalidPatchMessage);
        }
        if (document is null)
        {
            return PatchResult.Fail(PatchError.InvalidDocument, InvalidDocumentMessage);
        }
        switch (patch)
        {
            case JsonObject patchObject when document is JsonObject documentObject:
                var result = (JsonObject)documentObject.DeepClone();
                MergeObjects(result, patchObject);
                return PatchResult.Ok(result);
            case JsonObject or JsonArray:
                // Not two objects: the (pruned) patch becomes the document.
                var replacement = patch.DeepClone();
                PruneNulls(replacement);
                return PatchResult.Ok(replacement);
            default:
                return PatchResult.Fail(PatchError.BadRequest, InvalidPatchMessage);
        }
    }

    private static void MergeObjects(JsonObject target, JsonObject patch)
    {
        foreach (var (key, patchValue) in patch)
        {
            if (patchValue is null)
            {
                target.Remove(key);
                continue;
            }
            if (!target.TryGetPropertyValue(key, out var current) || current is null)
            {
                var added = patchValue.DeepClone();
                PruneNulls(added);
                target[key] = added;
                continue;
            }
            if (current is not JsonObject currentObject)
            {
                var replacement = patchValue.DeepClone();
                PruneNulls(replacement);
                target[key] = replacement;
                continue;
            }
            if (patchValue is JsonObject patchObject)
            {
                MergeObjects(currentObject, patchObject);
            }
            else
            {
                // Upstream replaces an object by a non-object without pruning it.
                target[key] = patchValue.DeepClone();
            }
        }
    }

    // Removes null members from every object inside node; null array elements stay.
    private static void PruneNulls(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                var nullKeys = obj.Where(p => p.Value is null).Select(p => p.Key).ToList();
                foreach (var key in nullKeys)
                {
                    obj.Remove(key);
                }
                foreach (var (_, value) in obj)
                {
                    PruneNulls(value);
                }
                break;
            case JsonArray array:
                foreach (var element in array)
                {
                    PruneNulls(element);
                }
                break;
        }
    }
}
