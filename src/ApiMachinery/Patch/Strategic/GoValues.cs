using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace KubeNet.ApiMachinery.Patch;

// Upstream decodes JSON into Go interface{} values (integers as int64, other numbers as float64)
// and compares and prints them the Go way; error messages and equality follow that here.
internal static class GoValues
{
    internal enum Kind { Nil, Map, Slice, String, Int64, Float64, Bool }

    internal static Kind KindOf(JsonNode? node) => node switch
    {
        null => Kind.Nil,
        JsonObject => Kind.Map,
        JsonArray => Kind.Slice,
        _ => node.GetValueKind() switch
        {
            JsonValueKind.String => Kind.String,
            JsonValueKind.Number => IsInteger(node) ? Kind.Int64 : Kind.Float64,
            JsonValueKind.True or JsonValueKind.False => Kind.Bool,
            _ => Kind.Nil,
        },
    };

    // Go's == on two decoded values: int64(1) and float64(1) differ; maps and slices never match
    // (upstream would panic comparing them).
    internal static bool ScalarEquals(JsonNode? left, JsonNode? right)
    {
        var kind = KindOf(left);
        if (kind != KindOf(right))
        {
            return false;
        }
        return kind switch
        {
            Kind.Nil => true,
            Kind.String => left!.GetValue<string>() == right!.GetValue<string>(),
            Kind.Bool => left!.GetValue<bool>() == right!.GetValue<bool>(),
            Kind.Int64 => left!.ToJsonString() == right!.ToJsonString(),
            Kind.Float64 => ToDouble(left!) == ToDouble(right!),
            _ => false,
        };
    }

    // reflect.TypeOf(v).String() for a decoded value, as in mergepatch.ErrBadArgType.
    internal static string TypeName(JsonNode? node) => KindOf(node) switch
    {
        Kind.Nil => "%!s(<nil>)",
        Kind.Map => "map[string]interface {}",
        Kind.Slice => "[]interface {}",
        Kind.String => "string",
        Kind.Int64 => "int64",
        Kind.Float64 => "float64",
        _ => "bool",
    };

    // fmt's %v: maps print as map[k:v ...] with sorted keys, slices as [a b], nil as <nil>.
    internal static string Format(JsonNode? node)
    {
        var builder = new StringBuilder();
        Append(builder, node);
        return builder.ToString();
    }

    private static void Append(StringBuilder builder, JsonNode? node)
    {
        switch (node)
        {
            case null:
                builder.Append("<nil>");
                break;
            case JsonObject obj:
                builder.Append("map[");
                var first = true;
                foreach (var (key, value) in obj.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    if (!first)
                    {
                        builder.Append(' ');
                    }
                    first = false;
                    builder.Append(key).Append(':');
                    Append(builder, value);
                }
                builder.Append(']');
                break;
            case JsonArray array:
                builder.Append('[');
                for (var i = 0; i < array.Count; i++)
                {
                    if (i > 0)
                    {
                        builder.Append(' ');
                    }
                    Append(builder, array[i]);
                }
                builder.Append(']');
                break;
            default:
                builder.Append(KindOf(node) switch
                {
                    Kind.String => node.GetValue<string>(),
                    Kind.Bool => node.GetValue<bool>() ? "true" : "false",
                    Kind.Float64 => ToDouble(node).ToString("R", CultureInfo.InvariantCulture),
                    _ => node.ToJsonString(),
                });
                break;
        }
    }

    private static bool IsInteger(JsonNode node)
    {
        var text = node.ToJsonString();
        return text.AsSpan().IndexOfAny('.', 'e', 'E') < 0 && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _);
    }

    private static double ToDouble(JsonNode node) =>
        double.Parse(node.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);
}
