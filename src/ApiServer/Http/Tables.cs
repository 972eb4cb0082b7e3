using System.Text.Json;
using System.Text.Json.Nodes;
using k8s.Models;
using KubeNet.ApiMachinery.Json;
using KubeNet.ApiMachinery.Kinds;
using KubeNet.ApiServer.Registry;

namespace KubeNet.ApiServer.Http;

/// <summary>A column of a server-side Table.</summary>
internal sealed record TableColumn(string Name, string Type, string Format, string Description, int Priority, Func<StoredObject, DateTime, object?> Cell);

/// <summary>
/// Server-side printing (meta.k8s.io Table). Kinds without printer columns of their own get upstream's default
/// convertor: Name and Created At.
/// </summary>
internal static class Tables
{
    private static readonly TableColumn[] DefaultColumns =
    [
        new("Name", "string", "name", "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names", 0, (o, _) => o.Name),
        new("Created At", "date", string.Empty, "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata", 0, (o, _) => o.Metadata.CreationTimestamp is DateTime t ? t.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture) : null),
    ];

    public static IReadOnlyList<TableColumn> ColumnsFor(ResourceInfo info) => Printers.PrinterCatalog.ColumnsFor(info) ?? DefaultColumns;

    /// <summary>Writes a Table of <paramref name="items"/>; rows carry the object as includeObject asks (Metadata by default).</summary>
    public static byte[] Build(ResourceInfo info, ResponseShape shape, IEnumerable<StoredObject> items, string? resourceVersion, string? continueToken, long? remaining, string? includeObject, bool withColumns)
    {
        var columns = ColumnsFor(info);
        var now = DateTime.UtcNow;
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = KubeJson.Options.Encoder }))
        {
            w.WriteStartObject();
            w.WriteString("kind", "Table");
            w.WriteString("apiVersion", shape == ResponseShape.TableV1Beta1 ? "meta.k8s.io/v1beta1" : "meta.k8s.io/v1");
            Wire.WriteListMeta(w, resourceVersion, continueToken, remaining);
            w.WriteStartArray("columnDefinitions");
            if (withColumns)
            {
                foreach (var c in columns)
                {
                    w.WriteStartObject();
                    w.WriteString("name", c.Name);
                    w.WriteString("type", c.Type);
                    w.WriteString("format", c.Format);
                    w.WriteString("description", c.Description);
                    w.WriteNumber("priority", c.Priority);
                    w.WriteEndObject();
                }
            }

            w.WriteEndArray();
            w.WriteStartArray("rows");
            foreach (var item in items)
            {
                w.WriteStartObject();
                w.WriteStartArray("cells");
                foreach (var c in columns)
                {
                    JsonSerializer.Serialize(w, c.Cell(item, now), KubeJson.Options);
                }

                w.WriteEndArray();
                switch (includeObject)
                {
                    case "None":
                        break;
                    case "Object":
                        w.WritePropertyName("object");
                        w.WriteRawValue(Served(info, item), skipInputValidation: true);
                        break;
                    default:
                        w.WritePropertyName("object");
                        WritePartialMetadata(w, item);
                        break;
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    public static void WritePartialMetadata(Utf8JsonWriter w, StoredObject item)
    {
        w.WriteStartObject();
        w.WriteString("kind", "PartialObjectMetadata");
        w.WriteString("apiVersion", "meta.k8s.io/v1");
        w.WritePropertyName("metadata");
        if (MetadataOf(item.Json) is { Length: > 0 } raw)
        {
            // The stored JSON already holds the metadata as the serializer writes it: copied, not encoded again.
            w.WriteRawValue(raw.Span, skipInputValidation: true);
        }
        else
        {
            JsonSerializer.Serialize(w, item.Metadata, KubeJson.Options);
        }

        w.WriteEndObject();
    }

    /// <summary>The bytes of the top-level "metadata" object of <paramref name="json"/>; empty when there is none.</summary>
    private static ReadOnlyMemory<byte> MetadataOf(byte[]? json)
    {
        if (json is not { Length: > 0 })
        {
            return ReadOnlyMemory<byte>.Empty;
        }

        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return ReadOnlyMemory<byte>.Empty;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isMetadata = reader.ValueTextEquals("metadata"u8);
                if (!reader.Read())
                {
                    break;
                }

                if (isMetadata && reader.TokenType == JsonTokenType.StartObject)
                {
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    return json.AsMemory(start, (int)reader.BytesConsumed - start);
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
            // Not the object's JSON (an object built in memory only): the serializer writes the metadata instead.
        }

        return ReadOnlyMemory<byte>.Empty;
    }

    /// <summary>The object's JSON in the group-version the request named.</summary>
    public static byte[] Served(ResourceInfo info, StoredObject item)
        => Conversion.NeedsConversion(info) ? ObjectCodec.Encode(Conversion.FromStorage(info, ObjectCodec.Clone(item.Object))) : item.Json;
}
