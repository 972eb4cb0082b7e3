using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using KubeNet.ApiMachinery.Validation;

namespace KubeNet.ApiMachinery.Patch;

// RFC 6902 JSON patch (application/json-patch+json) as kube-apiserver applies it: with
// gopkg.in/evanphx/json-patch.v4, whose behaviour is kept where it departs from the RFC:
//  - "replace" of a missing object member adds it (only array indexes must exist);
//  - negative array indexes count from the end;
//  - "copy" from a missing object member copies null;
//  - the whole document ("" path) cannot be the target of an operation.
// The input document is never modified: operations run on a copy.
public static class JsonPatch
{
    // maxJSONPatchOperations in endpoints/handlers/patch.go.
    public const int MaxOperations = 10000;

    // What the client sees for PatchError.ApplyFailed (422, reason Invalid, no causes).
    public const string ApplyFailedMessage = "the server rejected our request due to an error in our request";

    public static PatchResult Apply(JsonNode? document, string patchJson) =>
        Apply(document, Encoding.UTF8.GetBytes(patchJson));

    public static PatchResult Apply(JsonNode? document, ReadOnlySpan<byte> patchUtf8)
    {
        JsonNode? patch;
        try
        {
            patch = JsonNode.Parse(patchUtf8);
        }
        catch (JsonException e)
        {
            return PatchResult.Fail(PatchError.BadRequest, DescribeSyntaxError(patchUtf8, e));
        }
        return Apply(document, patch);
    }

    public static PatchResult Apply(JsonNode? document, JsonNode? patch)
    {
        // A JSON null patch decodes to an empty list, as Go's json.Unmarshal into a slice does.
        var operations = new List<JsonObject?>();
        if (patch is not null)
        {
            if (patch is not JsonArray array)
            {
                return PatchResult.Fail(PatchError.BadRequest, $"json: cannot unmarshal {GoKind(patch)} into Go value of type jsonpatch.Patch");
            }
            foreach (var element in array)
            {
                if (element is not null and not JsonObject)
                {
                    return PatchResult.Fail(PatchError.BadRequest, $"json: cannot unmarshal {GoKind(element)} into Go value of type jsonpatch.Operation");
                }
                operations.Add((JsonObject?)element);
            }
        }
        if (operations.Count > MaxOperations)
        {
            return PatchResult.Fail(PatchError.TooManyOperations,
                $"The allowed maximum operations in a JSON patch is {MaxOperations}, got {operations.Count}");
        }

        if (document is null)
        {
            return PatchResult.Fail(PatchError.InvalidDocument, "Invalid JSON Document");
        }
        if (document is not (JsonObject or JsonArray))
        {
            return PatchResult.Fail(PatchError.ApplyFailed, $"json: cannot unmarshal {GoKind(document)} into Go value of type jsonpatch.partialDoc");
        }

        var root = document.DeepClone();
        foreach (var operation in operations)
        {
            var kind = ReadString(operation, "op") ?? "unknown";
            var error = kind switch
            {
                "add" => Add(root, operation!),
                "remove" => Remove(root, operation!),
                "replace" => Replace(root, operation!),
                "move" => Move(root, operation!),
                "test" => Test(root, operation!),
                "copy" => Copy(root, operation!),
                _ => $"Unexpected kind: {kind}",
            };
            if (error is not null)
            {
                return PatchResult.Fail(PatchError.ApplyFailed, error);
            }
        }
        return PatchResult.Ok(root);
    }

    private static string? Add(JsonNode root, JsonObject operation)
    {
        var path = ReadString(operation, "path");
        if (path is null)
        {
            return "add operation failed to decode path: missing value";
        }
        var (container, key) = FindContainer(root, path);
        if (container is null)
        {
            return $"add operation does not apply: doc is missing path: \"{path}\": missing value";
        }
        var error = AddTo(container, key, ValueOf(operation));
        return error is null ? null : $"error in add for path: '{path}': {error}";
    }

    private static string? Remove(JsonNode root, JsonObject operation)
    {
        var path = ReadString(operation, "path");
        if (path is null)
        {
            return "remove operation failed to decode path: missing value";
        }
        var (container, key) = FindContainer(root, path);
        if (container is null)
        {
            return $"remove operation does not apply: doc is missing path: \"{path}\": missing value";
        }
        var error = RemoveFrom(container, key, out _);
        return error is null ? null : $"error in remove for path: '{path}': {error}";
    }

    private static string? Replace(JsonNode root, JsonObject operation)
    {
        var path = ReadString(operation, "path");
        if (path is null)
        {
            return "replace operation failed to decode path: operation missing path field: missing value";
        }
        var (container, key) = FindContainer(root, path);
        if (container is null)
        {
            return $"replace operation does not apply: doc is missing path: {path}: missing value";
        }
        if (Get(container, key, out _) is not null)
        {
            return $"replace operation does not apply: doc is missing key: {path}: missing value";
        }
        var value = ValueOf(operation);
        if (container is JsonObject obj)
        {
            obj[key] = value;
        }
        else
        {
            var array = (JsonArray)container;
            var index = ParseIndex(key);
            array[index] = value;
        }
        return null;
    }

    private static string? Move(JsonNode root, JsonObject operation)
    {
        var from = ReadString(operation, "from");
        if (from is null)
        {
            return "move operation failed to decode from: operation, missing from field: missing value";
        }
        var (source, fromKey) = FindContainer(root, from);
        if (source is null)
        {
            return $"move operation does not apply: doc is missing from path: {from}: missing value";
        }
        JsonNode? value = null;
        var error = Get(source, fromKey, out _) ?? RemoveFrom(source, fromKey, out value);
        if (error is not null)
        {
            return $"error in move for path: '{fromKey}': {error}";
        }
        var path = ReadString(operation, "path");
        if (path is null)
        {
            return "move operation failed to decode path: operation missing path field: missing value";
        }
        var (target, key) = FindContainer(root, path);
        if (target is null)
        {
            return $"move operation does not apply: doc is missing destination path: {path}: missing value";
        }
        error = AddTo(target, key, value);
        return error is null ? null : $"error in move for path: '{path}': {error}";
    }

    private static string? Copy(JsonNode root, JsonObject operation)
    {
        var from = ReadString(operation, "from");
        if (from is null)
        {
            return "copy operation failed to decode from: operation, missing from field: missing value";
        }
        var (source, fromKey) = FindContainer(root, from);
        if (source is null)
        {
            return $"copy operation does not apply: doc is missing from path: {from}: missing value";
        }
        var error = Get(source, fromKey, out var value);
        if (error is not null)
        {
            return $"error in copy for from: '{from}': {error}";
        }
        var path = ReadString(operation, "path");
        if (path is null)
        {
            return "copy operation failed to decode path: missing value";
        }
        var (target, key) = FindContainer(root, path);
        if (target is null)
        {
            return $"copy operation does not apply: doc is missing destination path: {path}: missing value";
        }
        error = AddTo(target, key, value?.DeepClone());
        return error is null ? null : $"error while adding value during copy: {error}";
    }

    private static string? Test(JsonNode root, JsonObject operation)
    {
        var path = ReadString(operation, "path");
        if (path is null)
        {
            return "test operation failed to decode path: operation missing path field: missing value";
        }
        var (container, key) = FindContainer(root, path);
        if (container is null)
        {
            return $"test operation does not apply: is missing path: {path}: missing value";
        }
        var error = Get(container, key, out var actual);
        if (error is not null)
        {
            return $"error in test for path: '{path}': {error}";
        }
        var hasExpected = operation.TryGetPropertyValue("value", out var expected);
        var passed = actual is null
            ? expected is null
            : hasExpected && JsonNode.DeepEquals(actual, expected);
        return passed ? null : $"testing value {path} failed: test failed";
    }

    // Resolves every segment but the last; the last is the key the operation acts on. Like
    // upstream, the text before the first '/' is ignored and a path without '/' has no container.
    private static (JsonNode? Container, string Key) FindContainer(JsonNode root, string path)
    {
        var segments = path.Split('/');
        if (segments.Length < 2)
        {
            return (null, "");
        }
        var current = root;
        for (var i = 1; i < segments.Length - 1; i++)
        {
            if (Get(current, DecodeSegment(segments[i]), out var next) is not null || next is not (JsonObject or JsonArray))
            {
                return (null, "");
            }
            current = next;
        }
        return (current, DecodeSegment(segments[^1]));
    }

    // A missing object member reads as null without error, as upstream partialDoc.get does.
    private static string? Get(JsonNode container, string key, out JsonNode? value)
    {
        value = null;
        if (container is JsonObject obj)
        {
            obj.TryGetPropertyValue(key, out value);
            return null;
        }
        var array = (JsonArray)container;
        if (!TryParseIndex(key, out var index))
        {
            return AtoiError(key);
        }
        if (index >= array.Count || index < 0)
        {
            return InvalidIndex(index);
        }
        value = array[index];
        return null;
    }

    private static string? AddTo(JsonNode container, string key, JsonNode? value)
    {
        if (container is JsonObject obj)
        {
            obj[key] = value;
            return null;
        }
        var array = (JsonArray)container;
        if (key == "-")
        {
            array.Add(value);
            return null;
        }
        if (!TryParseIndex(key, out var index))
        {
            return $"value was not a proper array index: '{key}': {AtoiError(key)}";
        }
        var size = array.Count + 1;
        if (index >= size || index < -size)
        {
            return InvalidIndex(index);
        }
        if (index < 0)
        {
            index += size;
        }
        array.Insert(index, value);
        return null;
    }

    private static string? RemoveFrom(JsonNode container, string key, out JsonNode? removed)
    {
        removed = null;
        if (container is JsonObject obj)
        {
            if (!obj.TryGetPropertyValue(key, out removed))
            {
                return $"Unable to remove nonexistent key: {key}: missing value";
            }
            obj.Remove(key);
            return null;
        }
        var array = (JsonArray)container;
        if (!TryParseIndex(key, out var index))
        {
            return AtoiError(key);
        }
        if (index >= array.Count || index < -array.Count)
        {
            return InvalidIndex(index);
        }
        if (index < 0)
        {
            index += array.Count;
        }
        removed = array[index];
        array.RemoveAt(index);
        return null;
    }

    // RFC 6901: "~1" is '/', "~0" is '~', decoded left to right in one pass.
    private static string DecodeSegment(string segment)
    {
        if (!segment.Contains('~', StringComparison.Ordinal))
        {
            return segment;
        }
        var sb = new StringBuilder(segment.Length);
        for (var i = 0; i < segment.Length; i++)
        {
            if (segment[i] == '~' && i + 1 < segment.Length && segment[i + 1] is '0' or '1')
            {
                sb.Append(segment[i + 1] == '0' ? '~' : '/');
                i++;
            }
            else
            {
                sb.Append(segment[i]);
            }
        }
        return sb.ToString();
    }

    // strconv.Atoi: optional sign and decimal digits.
    private static bool TryParseIndex(string key, out int index) =>
        int.TryParse(key, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out index);

    private static int ParseIndex(string key) =>
        int.Parse(key, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);

    private static string AtoiError(string key) => $"strconv.Atoi: parsing {GoText.Quote(key)}: invalid syntax";

    private static string InvalidIndex(int index) => $"Unable to access invalid index: {index}: invalid index referenced";

    // The operation's value, copied so the patch document keeps its own nodes; absent means null.
    private static JsonNode? ValueOf(JsonObject operation) =>
        operation.TryGetPropertyValue("value", out var value) ? value?.DeepClone() : null;

    private static string? ReadString(JsonObject? operation, string name) =>
        operation is not null &&
        operation.TryGetPropertyValue(name, out var node) &&
        node is JsonValue value &&
        value.TryGetValue<string>(out var text)
            ? text
            : null;

    // The names Go's encoding/json uses in "cannot unmarshal X" errors.
    internal static string GoKind(JsonNode node) => node.GetValueKind() switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "bool",
        _ => "null",
    };

    // Approximates Go's json.SyntaxError text; the offending character is found from the
    // reader's position, but the tail after "invalid character" may differ from Go's.
    internal static string DescribeSyntaxError(ReadOnlySpan<byte> json, JsonException exception)
    {
        var offset = OffsetOf(json, exception.LineNumber ?? 0, exception.BytePositionInLine ?? 0);
        if (offset < 0 || offset >= json.Length || json.Trim(" \t\r\n"u8).Length == 0)
        {
            return "unexpected end of JSON input";
        }
        var c = (char)json[(int)offset];
        return c < 0x80 && !char.IsControl(c)
            ? $"invalid character '{c}' looking for beginning of value"
            : "invalid character looking for beginning of value";
    }

    private static long OffsetOf(ReadOnlySpan<byte> json, long line, long bytePosition)
    {
        var offset = 0;
        for (long l = 0; l < line; l++)
        {
            var next = json[offset..].IndexOf((byte)'\n');
            if (next < 0)
            {
                return -1;
            }
            offset += next + 1;
        }
        return offset + bytePosition;
    }
}
