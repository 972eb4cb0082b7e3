using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using KubeNet.ApiMachinery.Apply;
using KubeNet.ApiMachinery.Json;
using KubeNet.ApiMachinery.Kinds;

namespace KubeNet.ApiServer.Registry;

/// <summary>
/// metadata.managedFields on ordinary writes: the fields a create, update or patch sets belong to its field manager
/// (operation Update), as kube-apiserver's field manager records them. Apply writes bring their own.
/// </summary>
internal static class ManagedFields
{
    // A create's field set depends only on the object's shape: its field names, which values are null, strings,
    // numbers or booleans, and everything inside lists (whose items are keyed by their values). Creates of one shape,
    // such as a controller's pods or a client's ConfigMaps, share one computed fieldsV1.
    private const int MaxShapes = 4096;
    private const int MaxShapeBytes = 16 * 1024;
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<byte[], JsonElement?> FieldsByShape = new(ShapeComparer.Instance);

    /// <summary>
    /// The managedFields of an ordinary create from <paramref name="encoded"/>, the object's JSON without any: the
    /// create's manager owns every field it sets, so the one entry is built from that field set directly.
    /// </summary>
    public static IList<V1ManagedFieldsEntry>? ForCreate(ResourceInfo storageInfo, ReadOnlySpan<byte> encoded, WriteOptions options, DateTime now)
    {
        var shape = Shape(storageInfo, encoded);
        if (shape is null || !FieldsByShape.TryGetValue(shape, out var fields))
        {
            fields = CreatedFields(storageInfo, encoded);
            if (shape is not null)
            {
                if (FieldsByShape.Count >= MaxShapes)
                {
                    FieldsByShape.Clear();
                }

                FieldsByShape[shape] = fields;
            }
        }

        return fields is not { } element ? null :
        [
            new V1ManagedFieldsEntry
            {
                Manager = string.IsNullOrEmpty(options.FieldManager) ? "unknown" : options.FieldManager,
                Operation = "Update",
                ApiVersion = storageInfo.GroupVersion,
                Time = KubeJson.TruncateToSeconds(now),
                FieldsType = "FieldsV1",
                FieldsV1 = element,
            },
        ];
    }

    private static JsonElement? CreatedFields(ResourceInfo storageInfo, ReadOnlySpan<byte> encoded)
    {
        if (JsonNode.Parse(encoded) is not JsonObject created)
        {
            return null;
        }

        try
        {
            var fields = ServerSideApply.CreatedFields(created, storageInfo.GroupVersion, ServerSideApply.DefinitionFor(storageInfo.Group, storageInfo.Version, storageInfo.Kind));
            return fields is null ? null : JsonSerializer.SerializeToElement(fields);
        }
        catch (Exception ex) when (ex is FormatException or InvalidOperationException)
        {
            // Ownership that cannot be computed leaves none, as the general tracking does.
            return null;
        }
    }

    /// <summary>
    /// The shape of <paramref name="json"/> as a key: the storage kind, then the JSON with every scalar outside lists
    /// replaced by its kind (null, true and false stay; strings become "", numbers 0); lists are kept whole. Null
    /// when the JSON is too large to be worth keeping.
    /// </summary>
    internal static byte[]? Shape(ResourceInfo storageInfo, ReadOnlySpan<byte> json)
    {
        if (json.Length > MaxShapeBytes * 4)
        {
            return null;
        }

        var buffer = new System.Buffers.ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true }))
        {
            writer.WriteStartArray();
            writer.WriteStringValue(storageInfo.GroupVersion);
            writer.WriteStringValue(storageInfo.Kind);
            var reader = new Utf8JsonReader(json);
            var inList = 0;
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartArray when inList > 0:
                        inList++;
                        writer.WriteStartArray();
                        break;
                    case JsonTokenType.StartArray:
                        inList = 1;
                        writer.WriteStartArray();
                        break;
                    case JsonTokenType.EndArray:
                        inList--;
                        writer.WriteEndArray();
                        break;
                    case JsonTokenType.StartObject:
                        writer.WriteStartObject();
                        break;
                    case JsonTokenType.EndObject:
                        writer.WriteEndObject();
                        break;
                    case JsonTokenType.PropertyName:
                        writer.WritePropertyName(reader.ValueSpan);
                        break;
                    case JsonTokenType.String when inList > 0:
                        writer.WriteStringValue(reader.ValueSpan);
                        break;
                    case JsonTokenType.String:
                        writer.WriteStringValue(""u8);
                        break;
                    case JsonTokenType.Number when inList > 0:
                        writer.WriteRawValue(reader.ValueSpan, skipInputValidation: true);
                        break;
                    case JsonTokenType.Number:
                        writer.WriteNumberValue(0);
                        break;
                    case JsonTokenType.True:
                        writer.WriteBooleanValue(true);
                        break;
                    case JsonTokenType.False:
                        writer.WriteBooleanValue(false);
                        break;
                    case JsonTokenType.Null:
                        writer.WriteNullValue();
                        break;
                }

                if (buffer.WrittenCount > MaxShapeBytes)
                {
                    return null;
                }
            }

            writer.WriteEndArray();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private sealed class ShapeComparer : IEqualityComparer<byte[]>
    {
        public static readonly ShapeComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj)
        {
            var hash = new HashCode();
            hash.AddBytes(obj);
            return hash.ToHashCode();
        }
    }

    /// <summary>Ownership after an update of <paramref name="oldJson"/> (the cached object's JSON) to <paramref name="obj"/>.</summary>
    public static IKubernetesObject<V1ObjectMeta> Track(ResourceInfo storageInfo, ReadOnlySpan<byte> oldJson, IKubernetesObject<V1ObjectMeta> obj, WriteOptions options, string? subresource, DateTime now)
    {
        if (options.IsApply)
        {
            return obj;
        }

        var type = obj.GetType();
        var manager = string.IsNullOrEmpty(options.FieldManager) ? "unknown" : options.FieldManager;
        var definition = ServerSideApply.DefinitionFor(storageInfo.Group, storageInfo.Version, storageInfo.Kind);
        if (KubeJson.ToNode(obj, type) is not JsonObject newNode)
        {
            return obj;
        }

        var oldNode = JsonNode.Parse(oldJson) as JsonObject;
        var tracked = ServerSideApply.TrackUpdate(
            oldNode,
            newNode,
            manager,
            "Update",
            storageInfo.GroupVersion,
            now,
            subresource is "status" or "scale" ? subresource : null,
            definition: definition);
        // Tracking changes only metadata.managedFields, and the object is the update's own copy: it takes them in place
        // instead of being decoded again from the whole tree.
        obj.Metadata.ManagedFields = tracked["metadata"]?["managedFields"] is JsonArray entries
            ? entries.Deserialize<IList<V1ManagedFieldsEntry>>(KubeJson.Options)
            : null;
        return obj;
    }
}
