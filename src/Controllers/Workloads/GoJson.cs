using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s.Models;
using KubeNet.ApiMachinery.Json;

namespace KubeNet.Controllers.Workloads;

/// <summary>
/// JSON as Go's encoding/json writes a decoded map: keys sorted at every level, no whitespace, and &lt; &gt; &amp;
/// U+2028 U+2029 escaped. ControllerRevision data must be byte-identical to what upstream stores, because kubectl
/// rollout undo compares its own encoding of the template with the revision byte for byte.
/// </summary>
internal static class GoJson
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly JsonSerializerOptions StringOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// The template as a typed Go round trip writes it: fields a Go struct always emits are present even when the C#
    /// model left them null (metadata.creationTimestamp: null, containers[].resources: {}).
    /// </summary>
    public static JsonObject TemplateNode(V1PodTemplateSpec? template)
    {
        var node = KubeJson.ToNode(template ?? new V1PodTemplateSpec(), typeof(V1PodTemplateSpec)) as JsonObject ?? [];
        if (node["metadata"] is not JsonObject meta)
        {
            meta = [];
            node["metadata"] = meta;
        }

        if (!meta.ContainsKey("creationTimestamp"))
        {
            meta["creationTimestamp"] = null;
        }

        if (node["spec"] is not JsonObject spec)
        {
            spec = new JsonObject { ["containers"] = null };
            node["spec"] = spec;
        }

        DropEmpty(node);
        foreach (var list in new[] { "containers", "initContainers", "ephemeralContainers" })
        {
            if (spec[list] is JsonArray containers)
            {
                foreach (var container in containers.OfType<JsonObject>())
                {
                    if (!container.ContainsKey("resources"))
                    {
                        container["resources"] = new JsonObject();
                    }
                }
            }
        }

        return node;
    }

    // Map-typed fields of a pod template; Go omits them when empty (omitempty), unlike empty structs such as resources.
    private static readonly HashSet<string> MapFields = ["labels", "annotations", "nodeSelector", "limits", "requests", "overhead", "matchLabels"];

    // Slices Go always writes, even empty (no omitempty).
    private static readonly HashSet<string> RequiredLists = ["containers", "nodeSelectorTerms"];

    /// <summary>What Go's omitempty leaves out: empty slices and empty maps.</summary>
    private static void DropEmpty(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj.ToList())
                {
                    DropEmpty(value);
                    if ((value is JsonArray { Count: 0 } && !RequiredLists.Contains(key)) || (value is JsonObject { Count: 0 } && MapFields.Contains(key)))
                    {
                        obj.Remove(key);
                    }
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    DropEmpty(item);
                }

                break;
        }
    }

    /// <summary>The upstream revision patch {"spec":{"template":{...,"$patch":"replace"}}}.</summary>
    public static byte[] TemplatePatch(V1PodTemplateSpec? template)
    {
        var node = TemplateNode(template);
        node["$patch"] = "replace";
        return Encode(new JsonObject { ["spec"] = new JsonObject { ["template"] = node } });
    }

    public static byte[] Encode(JsonNode? node)
    {
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            Write(writer, node);
        }

        return buffer.ToArray();
    }

    /// <summary>True when both documents hold the same JSON value (key order and encoding aside).</summary>
    public static bool SameValue(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        if (a.SequenceEqual(b))
        {
            return true;
        }

        try
        {
            return JsonNode.DeepEquals(JsonNode.Parse(a), JsonNode.Parse(b));
        }
        catch (JsonException)
        {
            return false;
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
                foreach (var (key, value) in obj.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    // Keys are field names, label and annotation keys: none holds a character Go would escape.
                    writer.WritePropertyName(key);
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
                var scalar = node.AsValue();
                if (scalar.GetValueKind() == JsonValueKind.String)
                {
                    writer.WriteRawValue(Quote(scalar.GetValue<string>()), skipInputValidation: true);
                }
                else
                {
                    scalar.WriteTo(writer);
                }

                break;
        }
    }

    // Go escapes the HTML-significant characters and the JavaScript line separators in every string.
    private static string Quote(string value)
    {
        var relaxed = JsonSerializer.Serialize(value, StringOptions);
        if (relaxed.AsSpan().IndexOfAny("<>&\u2028\u2029") < 0)
        {
            return relaxed;
        }

        var builder = new StringBuilder(relaxed.Length + 16);
        foreach (var c in relaxed)
        {
            builder.Append(c switch
            {
                '<' => "\\u003c",
                '>' => "\\u003e",
                '&' => "\\u0026",
                '\u2028' => "\\u2028",
                '\u2029' => "\\u2029",
                _ => c.ToString(),
            });
        }

        return builder.ToString();
    }
}
