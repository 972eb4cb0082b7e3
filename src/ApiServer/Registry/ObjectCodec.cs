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

    public static string FormatRevision(long revision) => revision.ToString(CultureInfo.InvariantCulture);

    public static bool TryParseRevision(string? value, out long revision)
        => long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out revision);
}
