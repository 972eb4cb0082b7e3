using KubeNet.ApiMachinery.Validation;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace KubeNet.ApiMachinery.Apply;

// Value semantics of structured-merge-diff over System.Text.Json nodes. A C# null node is JSON null;
// absence is tracked by callers. Integers and floats compare numerically, like upstream.
internal static class JsonValues
{
    public static bool IsScalar(JsonNode? node) => node is JsonValue;

    public static bool IsString(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.String;

    public static bool IsNumber(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.Number;

    public static bool IsBool(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False;

    // Go decodes integral JSON numbers as int64 and the rest as float64; the raw text tells which.
    public static bool TryInt(JsonNode? node, out long value)
    {
        value = 0;
        if (!IsNumber(node))
        {
            return false;
        }
        var text = node!.ToJsonString();
        return text.IndexOfAny(['.', 'e', 'E']) < 0 && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }

    public static double AsDouble(JsonNode node) => double.Parse(node.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);

    public static bool Equal(JsonNode? a, JsonNode? b)
    {
        if (IsNumber(a) || IsNumber(b))
        {
            if (!IsNumber(a) || !IsNumber(b))
            {
                return false;
            }
            if (TryInt(a, out var ia) && TryInt(b, out var ib))
            {
                return ia == ib;
            }
            return AsDouble(a!) == AsDouble(b!);
        }
        switch (a)
        {
            case null:
                return b is null;
            case JsonValue when b is JsonValue:
                return a.GetValueKind() == b.GetValueKind() && (!IsString(a) || a.GetValue<string>() == b.GetValue<string>());
            case JsonArray la when b is JsonArray lb:
                if (la.Count != lb.Count)
                {
                    return false;
                }
                for (var i = 0; i < la.Count; i++)
                {
                    if (!Equal(la[i], lb[i]))
                    {
                        return false;
                    }
                }
                return true;
            case JsonObject ma when b is JsonObject mb:
                if (ma.Count != mb.Count)
                {
                    return false;
                }
                foreach (var (key, value) in ma)
                {
                    if (!mb.TryGetPropertyValue(key, out var other) || !Equal(value, other))
                    {
                        return false;
                    }
                }
                return true;
            default:
                return false;
        }
    }

    // Upstream's total order: numbers < strings < booleans < lists < maps < null.
    public static int Compare(JsonNode? a, JsonNode? b)
    {
        var ra = Rank(a);
        var rb = Rank(b);
        if (ra != rb)
        {
            return ra.CompareTo(rb);
        }
        switch (ra)
        {
            case 0:
                if (TryInt(a, out var ia) && TryInt(b, out var ib))
                {
                    return ia.CompareTo(ib);
                }
                return AsDouble(a!).CompareTo(AsDouble(b!));
            case 1:
                return string.CompareOrdinal(a!.GetValue<string>(), b!.GetValue<string>());
            case 2:
                return (a!.GetValueKind() == JsonValueKind.True).CompareTo(b!.GetValueKind() == JsonValueKind.True);
            case 3:
                {
                    var la = a!.AsArray();
                    var lb = b!.AsArray();
                    for (var i = 0; ; i++)
                    {
                        if (i >= la.Count && i >= lb.Count)
                        {
                            return 0;
                        }
                        if (i >= la.Count)
                        {
                            return -1;
                        }
                        if (i >= lb.Count)
                        {
                            return 1;
                        }
                        var c = Compare(la[i], lb[i]);
                        if (c != 0)
                        {
                            return c;
                        }
                    }
                }
            case 4:
                {
                    var ka = a!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal).ToList();
                    var kb = b!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal).ToList();
                    for (var i = 0; ; i++)
                    {
                        if (i >= ka.Count && i >= kb.Count)
                        {
                            return 0;
                        }
                        if (i >= ka.Count)
                        {
                            return -1;
                        }
                        if (i >= kb.Count)
                        {
                            return 1;
                        }
                        var c = string.CompareOrdinal(ka[i], kb[i]);
                        if (c != 0)
                        {
                            return c;
                        }
                        c = Compare(a![ka[i]], b![kb[i]]);
                        if (c != 0)
                        {
                            return c;
                        }
                    }
                }
            default:
                return 0;
        }
    }

    private static int Rank(JsonNode? n) => n switch
    {
        null => 5,
        JsonArray => 3,
        JsonObject => 4,
        _ when IsNumber(n) => 0,
        _ when IsString(n) => 1,
        _ => 2,
    };

    // value.ToString of upstream, used when printing paths: strings Go-quoted, numbers plain.
    public static string ToGoString(JsonNode? node)
    {
        switch (node)
        {
            case null:
                return "null";
            case JsonArray list:
                return "[" + string.Join(",", list.Select(ToGoString)) + "]";
            case JsonObject map:
                return string.Concat(map.Select(p => p.Key + "=" + ToGoString(p.Value)));
            default:
                if (IsString(node))
                {
                    return GoText.Quote(node.GetValue<string>());
                }
                if (IsNumber(node) && !TryInt(node, out _))
                {
                    return AsDouble(node).ToString("R", CultureInfo.InvariantCulture);
                }
                return node.ToJsonString();
        }
    }

    // JSON as Go's encoding/json writes it: compact, object keys sorted, <, > and & escaped.
    public static string ToGoJson(JsonNode? node)
    {
        var sb = new StringBuilder();
        WriteGoJson(sb, node);
        return sb.ToString();
    }

    public static void WriteGoJson(StringBuilder sb, JsonNode? node)
    {
        switch (node)
        {
            case null:
                sb.Append("null");
                break;
            case JsonArray list:
                sb.Append('[');
                for (var i = 0; i < list.Count; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(',');
                    }
                    WriteGoJson(sb, list[i]);
                }
                sb.Append(']');
                break;
            case JsonObject map:
                sb.Append('{');
                var first = true;
                foreach (var (key, value) in map.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    if (!first)
                    {
                        sb.Append(',');
                    }
                    first = false;
                    WriteGoString(sb, key);
                    sb.Append(':');
                    WriteGoJson(sb, value);
                }
                sb.Append('}');
                break;
            default:
                if (IsString(node))
                {
                    WriteGoString(sb, node.GetValue<string>());
                }
                else
                {
                    sb.Append(node.ToJsonString());
                }
                break;
        }
    }

    public static void WriteGoString(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '<' or '>' or '&' or '\u2028' or '\u2029':
                    sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default:
                    if (c < 0x20)
                    {
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }
                    break;
            }
        }
        sb.Append('"');
    }
}
