using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using k8s;
using k8s.Models;
using KubeNet.ApiMachinery.Json;
using KubeNet.ApiMachinery.Kinds;

namespace KubeNet.ApiServer.Registry;

/// <summary>Typed access to any built-in object: metadata, spec and status by reflection, cached per type.</summary>
internal static class ObjectCodec
{
    private static readonly ConcurrentDictionary<Type, TypeShape> Shapes = new();

    internal sealed record TypeShape(PropertyInfo? Status, PropertyInfo[] Content);

    public static TypeShape ShapeOf(Type type) => Shapes.GetOrAdd(type, static t =>
    {
        var props = t.GetProperties(BindingFlags.Public | BindingFlags.Instance);
        var status = props.FirstOrDefault(p => p.Name == "Status" && p.CanWrite);
        var content = props.Where(p => p.CanWrite && p.Name is not ("Status" or "Metadata" or "ApiVersion" or "Kind")).ToArray();
        return new TypeShape(status, content);
    });

    public static IKubernetesObject<V1ObjectMeta> Decode(ReadOnlySpan<byte> json, Type type)
        => (IKubernetesObject<V1ObjectMeta>)(KubeJson.Deserialize(json, type) ?? throw new JsonException("null object"));

    public static byte[] Encode(IKubernetesObject<V1ObjectMeta> obj) => KubeJson.SerializeToUtf8Bytes(obj, obj.GetType());

    /// <summary>A deep copy through JSON; cached objects are shared and never mutated.</summary>
    public static IKubernetesObject<V1ObjectMeta> Clone(IKubernetesObject<V1ObjectMeta> obj) => Decode(Encode(obj), obj.GetType());

    /// <summary>A private copy of a cached object, decoded from the JSON the cache already holds for it.</summary>
    public static IKubernetesObject<V1ObjectMeta> Copy(StoredObject stored) => Decode(stored.Json, stored.Object.GetType());

    public static void SetTypeMeta(IKubernetesObject obj, ResourceInfo info)
    {
        obj.ApiVersion = info.GroupVersion;
        obj.Kind = info.Kind;
    }

    public static object? GetStatus(object obj) => ShapeOf(obj.GetType()).Status?.GetValue(obj);

    public static void SetStatus(object obj, object? status) => ShapeOf(obj.GetType()).Status?.SetValue(obj, status);

    /// <summary>Copies every top-level field except metadata, status and type meta from one object to another.</summary>
    public static void CopyContent(object from, object to)
    {
        foreach (var p in ShapeOf(from.GetType()).Content)
        {
            p.SetValue(to, p.GetValue(from));
        }
    }

    /// <summary>The JSON of everything but metadata and status: what a generation bump compares.</summary>
    public static byte[] ContentBytes(object obj)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var p in ShapeOf(obj.GetType()).Content)
            {
                writer.WritePropertyName(p.Name);
                JsonSerializer.Serialize(writer, p.GetValue(obj), p.PropertyType, KubeJson.Options);
            }

            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    // metadata's properties in the order the serializer writes them (declaration order, as System.Text.Json uses).
    private static readonly string[] MetadataOrder = typeof(V1ObjectMeta).GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Select(p => p.GetCustomAttribute<System.Text.Json.Serialization.JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(p.Name))
        .ToArray();

    private static readonly byte[][] MetadataOrderUtf8 = MetadataOrder.Select(System.Text.Encoding.UTF8.GetBytes).ToArray();

    /// <summary>
    /// The object's JSON <paramref name="json"/> (written by <see cref="Encode"/>, without <paramref name="name"/> in its
    /// metadata) with metadata.<paramref name="name"/> set to the JSON <paramref name="value"/>, byte for byte what
    /// encoding the object with that field set writes: a create's stored and served forms differ from its first
    /// encoding only by managedFields and resourceVersion, so neither needs the whole object encoded again. Null when
    /// the JSON is not of that shape (the caller then encodes).
    /// </summary>
    public static byte[]? WithMetadataProperty(ReadOnlySpan<byte> json, string name, ReadOnlySpan<byte> value)
    {
        var rank = Array.IndexOf(MetadataOrder, name);
        if (rank < 0)
        {
            return null;
        }

        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return null;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (!reader.ValueTextEquals("metadata"u8))
            {
                reader.Skip();
                continue;
            }

            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            var first = true;
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.EndObject)
                {
                    return Insert(json, (int)reader.TokenStartIndex, name, value, leadingComma: !first, trailingComma: false);
                }

                if (reader.TokenType != JsonTokenType.PropertyName || reader.ValueIsEscaped)
                {
                    return null;
                }

                var other = RankOf(reader.ValueSpan);
                if (other == rank || other < 0)
                {
                    return null;
                }

                if (other > rank)
                {
                    return Insert(json, (int)reader.TokenStartIndex, name, value, leadingComma: false, trailingComma: true);
                }

                first = false;
                reader.Skip();
            }

            return null;
        }

        return null;
    }

    private static int RankOf(ReadOnlySpan<byte> name)
    {
        for (var i = 0; i < MetadataOrderUtf8.Length; i++)
        {
            if (name.SequenceEqual(MetadataOrderUtf8[i]))
            {
                return i;
            }
        }

        return -1;
    }

    private static byte[] Insert(ReadOnlySpan<byte> json, int at, string name, ReadOnlySpan<byte> value, bool leadingComma, bool trailingComma)
    {
        // Property names of V1ObjectMeta are plain ASCII.
        var length = json.Length + name.Length + 3 + value.Length + (leadingComma ? 1 : 0) + (trailingComma ? 1 : 0);
        var result = new byte[length];
        json[..at].CopyTo(result);
        var i = at;
        if (leadingComma)
        {
            result[i++] = (byte)',';
        }

        result[i++] = (byte)'"';
        i += System.Text.Encoding.ASCII.GetBytes(name, result.AsSpan(i));
        result[i++] = (byte)'"';
        result[i++] = (byte)':';
        value.CopyTo(result.AsSpan(i));
        i += value.Length;
        if (trailingComma)
        {
            result[i++] = (byte)',';
        }

        json[at..].CopyTo(result.AsSpan(i));
        return result;
    }

    /// <summary>The JSON string of a resourceVersion, as the serializer writes it.</summary>
    public static byte[] RevisionJson(string revision) => JsonSerializer.SerializeToUtf8Bytes(revision, KubeJson.Options);

    /// <summary>
    /// <paramref name="obj"/>'s JSON with its resourceVersion, from <paramref name="stored"/>, its JSON without one:
    /// metadata.resourceVersion set in place of encoding the whole object again.
    /// </summary>
    public static byte[] EncodeWithRevision(IKubernetesObject<V1ObjectMeta> obj, ReadOnlySpan<byte> stored)
    {
        var json = obj.Metadata.ResourceVersion is { Length: > 0 } rv ? WithMetadataProperty(stored, "resourceVersion", RevisionJson(rv)) ?? Encode(obj) : Encode(obj);
        System.Diagnostics.Debug.Assert(json.AsSpan().SequenceEqual(Encode(obj)), "metadata spliced into the stored JSON differs from the encoded object");
        return json;
    }

    public static string FormatRevision(long revision) => revision.ToString(CultureInfo.InvariantCulture);

    public static bool TryParseRevision(string? value, out long revision)
        => long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out revision);
}
