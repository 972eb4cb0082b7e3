using System.Text.Json;
using System.Text.Json.Nodes;

namespace KubeNet.ApiMachinery.Patch;

// Strategic merge patch (application/strategic-merge-patch+json) for the built-in types, as
// kube-apiserver applies it with strategicpatch.StrategicMergeMapPatch and the struct tags of the
// versioned type. Error classes follow handlers/patch.go interpretStrategicMergePatchError:
// undecodable patches and malformed $retainKeys / $setElementOrder / $deleteFromPrimitiveList
// directives are BadRequest (400); everything else that stops the merge is ApplyFailed with
// upstream's message (upstream answers 422 for "lists of lists are not supported" and 500 for the
// rest). The inputs are never modified.
public static class StrategicMergePatch
{
    // mergepatch.ErrUnsupportedStrategicMergePatchFormat: the definition has no patch metadata
    // here (custom resources).
    public const string UnsupportedMessage = "strategic merge patch format is not supported";

    // The OpenAPI definition name of a built-in kind, e.g. ("apps", "v1", "Deployment") gives
    // "io.k8s.api.apps.v1.Deployment"; the core group is "". Null for kinds without metadata here.
    public static string? DefinitionFor(string group, string version, string kind) =>
        PatchSchema.BuiltIn.DefinitionFor(group, version, kind);

    public static PatchResult Apply(JsonNode? original, ReadOnlySpan<byte> patchUtf8, string definition)
    {
        var schema = PatchSchema.BuiltIn;
        return schema.Contains(definition)
            ? Apply(original, patchUtf8, schema, definition)
            : PatchResult.Fail(PatchError.BadRequest, UnsupportedMessage);
    }

    internal static PatchResult Apply(JsonNode? original, ReadOnlySpan<byte> patchUtf8, PatchSchema schema, string definition)
    {
        JsonObject patch;
        try
        {
            switch (JsonNode.Parse(patchUtf8))
            {
                case null:
                    // Go decodes JSON null into the empty patch.
                    patch = [];
                    break;
                case JsonObject parsed:
                    patch = parsed;
                    // Objects read their properties lazily: reading them all now makes duplicate keys fail here.
                    Materialize(patch);
                    break;
                case var other:
                    return PatchResult.Fail(PatchError.BadRequest,
                        $"json: cannot unmarshal {JsonPatch.GoKind(other)} into Go value of type map[string]interface {{}}");
            }
        }
        catch (JsonException e)
        {
            return PatchResult.Fail(PatchError.BadRequest, JsonPatch.DescribeSyntaxError(patchUtf8, e));
        }
        catch (ArgumentException e)
        {
            return PatchResult.Fail(PatchError.BadRequest, $"duplicate field in patch: {e.Message}");
        }

        if (original is not JsonObject originalObject)
        {
            return PatchResult.Fail(PatchError.InvalidDocument, "Invalid JSON Document");
        }

        try
        {
            var merger = new StrategicMerger(schema);
            var result = merger.MergeMap((JsonObject)originalObject.DeepClone(), patch, schema.Node(definition));
            return PatchResult.Ok(result);
        }
        catch (StrategicPatchException e)
        {
            return PatchResult.Fail(e.Error, e.Message);
        }
        catch (ArgumentException e)
        {
            // Only a stored document with duplicate keys gets here: patches are read whole above.
            return PatchResult.Fail(PatchError.InvalidDocument, e.Message);
        }
    }

    private static void Materialize(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (_, value) in obj)
                {
                    Materialize(value);
                }
                break;
            case JsonArray array:
                foreach (var element in array)
                {
                    Materialize(element);
                }
                break;
        }
    }
}
