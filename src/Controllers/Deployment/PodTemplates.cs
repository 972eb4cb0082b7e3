using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace KubeNet.Controllers.Deployment;

/// <summary>
/// The pod-template-hash label (controller.ComputeHash) and template comparison that ignores it
/// (deploymentutil.EqualIgnoreHash). Both work on a canonical JSON form: keys sorted, nulls and empty lists or maps
/// dropped, which is what apimachinery's semantic equality treats as equal (nil and empty are the same).
/// </summary>
internal static class PodTemplates
{
    /// <summary>apps.DefaultDeploymentUniqueLabelKey.</summary>
    public const string HashLabel = "pod-template-hash";

    // k8s.io/apimachinery/pkg/util/rand alphanums: no vowels and no confusable characters, so no words form.
    private const string Alphanums = "bcdfghjklmnpqrstvwxz2456789";

    /// <summary>
    /// A short, stable label value for a template: FNV-32a of its canonical form (plus the collision count, when there
    /// is one), its decimal digits spelt with rand.SafeEncodeString's alphabet.
    /// </summary>
    public static string ComputeHash(V1PodTemplateSpec template, int? collisionCount)
    {
        var bytes = Encoding.UTF8.GetBytes(Canonical(template, removeHashLabel: false));
        var hash = Fnv32a(2166136261u, bytes);
        if (collisionCount is { } count)
        {
            Span<byte> buffer = stackalloc byte[8];
            BinaryPrimitives.WriteUInt32LittleEndian(buffer, unchecked((uint)count));
            hash = Fnv32a(hash, buffer);
        }

        return SafeEncodeString(hash.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>True when the templates are the same apart from the pod-template-hash label.</summary>
    public static bool EqualIgnoreHash(V1PodTemplateSpec? a, V1PodTemplateSpec? b) =>
        Canonical(a, removeHashLabel: true) == Canonical(b, removeHashLabel: true);

    /// <summary>rand.SafeEncodeString: each character mapped into the alphabet by its code.</summary>
    public static string SafeEncodeString(string s)
    {
        var chars = new char[s.Length];
        for (var i = 0; i < s.Length; i++)
        {
            chars[i] = Alphanums[s[i] % Alphanums.Length];
        }

        return new string(chars);
    }

    private static uint Fnv32a(uint hash, ReadOnlySpan<byte> data)
    {
        foreach (var b in data)
        {
            hash ^= b;
            hash = unchecked(hash * 16777619u);
        }

        return hash;
    }

    private static string Canonical(V1PodTemplateSpec? template, bool removeHashLabel)
    {
        var node = template is null ? null : JsonNode.Parse(KubernetesJson.Serialize(template));
        if (removeHashLabel && node?["metadata"]?["labels"] is JsonObject labels)
        {
            labels.Remove(HashLabel);
        }

        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            if (Prune(node) is { } pruned)
            {
                Write(writer, pruned);
            }
            else
            {
                writer.WriteStartObject();
                writer.WriteEndObject();
            }
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    // Drops nulls and empty containers bottom-up; returns null when nothing is left.
    private static JsonNode? Prune(JsonNode? node)
    {
        switch (node)
        {
            case null:
                return null;
            case JsonObject obj:
                foreach (var (name, value) in obj.ToList())
                {
                    var pruned = Prune(value);
                    if (pruned is null)
                    {
                        obj.Remove(name);
                    }
                }

                return obj.Count == 0 ? null : obj;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    if (array[i] is not null && Prune(array[i]) is null)
                    {
                        array[i] = null;
                    }
                }

                return array.Count == 0 ? null : array;
            default:
                return node;
        }
    }

    private static void Write(Utf8JsonWriter writer, JsonNode? node)
    {
        switch (node)
        {
            case null:
                writer.WriteNullValue();
                break;
            case JsonObject obj:
                writer.WriteStartObject();
                foreach (var (name, value) in obj.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(name);
                    Write(writer, value);
                }

                writer.WriteEndObject();
                break;
            case JsonArray array:
                writer.WriteStartArray();
                foreach (var item in array)
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            default:
                node.WriteTo(writer);
                break;
        }
    }
}
