using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace KubeNet.ApiMachinery.Apply;

internal enum PathElementKind
{
    Field,
    Key,
    Value,
    Index,
}

// One step of a field path: a map field (f:), an associative list item by its key fields (k:),
// a set member by value (v:) or an index (i:). The order is upstream's: fields, keys, values, indexes.
internal sealed class PathElement : IComparable<PathElement>, IEquatable<PathElement>
{
    private PathElement(PathElementKind kind, string? field, IReadOnlyList<KeyValuePair<string, JsonNode?>>? key, JsonNode? value, int index)
    {
        Kind = kind;
        FieldName = field;
        Key = key;
        Value = value;
        Index = index;
    }

    public PathElementKind Kind { get; }
    public string? FieldName { get; }

    // Key fields sorted by name.
    public IReadOnlyList<KeyValuePair<string, JsonNode?>>? Key { get; }
    public JsonNode? Value { get; }
    public int Index { get; }

    public static PathElement Field(string name) => new(PathElementKind.Field, name, null, null, 0);

    public static PathElement OfKey(IEnumerable<KeyValuePair<string, JsonNode?>> fields) =>
        new(PathElementKind.Key, null, fields.OrderBy(f => f.Key, StringComparer.Ordinal).ToArray(), null, 0);

    public static PathElement OfValue(JsonNode? value) => new(PathElementKind.Value, null, null, value, 0);

    public static PathElement OfIndex(int index) => new(PathElementKind.Index, null, null, null, index);

    public int CompareTo(PathElement? other)
    {
        if (other is null)
        {
            return 1;
        }
        if (Kind != other.Kind)
        {
            return Kind.CompareTo(other.Kind);
        }
        switch (Kind)
        {
            case PathElementKind.Field:
                return string.CompareOrdinal(FieldName, other.FieldName);
            case PathElementKind.Key:
                for (var i = 0; ; i++)
                {
                    if (i >= Key!.Count && i >= other.Key!.Count)
                    {
                        return 0;
                    }
                    if (i >= Key.Count)
                    {
                        return -1;
                    }
                    if (i >= other.Key!.Count)
                    {
                        return 1;
                    }
                    var c = string.CompareOrdinal(Key[i].Key, other.Key[i].Key);
                    if (c != 0)
                    {
                        return c;
                    }
                    c = JsonValues.Compare(Key[i].Value, other.Key[i].Value);
                    if (c != 0)
                    {
                        return c;
                    }
                }
            case PathElementKind.Value:
                return JsonValues.Compare(Value, other.Value);
            default:
                return Index.CompareTo(other.Index);
        }
    }

    public bool Equals(PathElement? other) => other is not null && CompareTo(other) == 0;

    public override bool Equals(object? obj) => obj is PathElement pe && Equals(pe);

    public override int GetHashCode() => Kind switch
    {
        PathElementKind.Field => StringComparer.Ordinal.GetHashCode(FieldName!),
        PathElementKind.Index => Index,
        _ => StringComparer.Ordinal.GetHashCode(ToString()),
    };

    // The human form upstream prints in conflicts: .name, [name="web"], [="value"], [0].
    public override string ToString() => Kind switch
    {
        PathElementKind.Field => "." + FieldName,
        PathElementKind.Key => "[" + string.Join(",", Key!.Select(k => k.Key + "=" + JsonValues.ToGoString(k.Value))) + "]",
        PathElementKind.Value => "[=" + JsonValues.ToGoString(Value) + "]",
        _ => "[" + Index.ToString(CultureInfo.InvariantCulture) + "]",
    };

    // The FieldsV1 key form: f:name, k:{"name":"web"}, v:"value", i:0.
    public string Serialize()
    {
        switch (Kind)
        {
            case PathElementKind.Field:
                return "f:" + FieldName;
            case PathElementKind.Key:
                var sb = new StringBuilder("k:{");
                for (var i = 0; i < Key!.Count; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(',');
                    }
                    JsonValues.WriteGoString(sb, Key[i].Key);
                    sb.Append(':');
                    JsonValues.WriteGoJson(sb, Key[i].Value);
                }
                return sb.Append('}').ToString();
            case PathElementKind.Value:
                return "v:" + JsonValues.ToGoJson(Value);
            default:
                return "i:" + Index.ToString(CultureInfo.InvariantCulture);
        }
    }

    // Returns null for a prefix this version does not know: upstream drops those silently.
    public static PathElement? Deserialize(string s)
    {
        if (s.Length < 2)
        {
            throw new FormatException("key must be 2 characters long:");
        }
        if (s[1] != ':')
        {
            throw new FormatException($"missing colon: {s}");
        }
        var body = s[2..];
        switch (s[0])
        {
            case 'f':
                return Field(body);
            case 'v':
                return OfValue(ParseJson(body));
            case 'k':
                if (ParseJson(body) is not JsonObject obj)
                {
                    throw new FormatException($"expected a JSON object in {s}");
                }
                var fields = obj.Select(p => new KeyValuePair<string, JsonNode?>(p.Key, p.Value?.DeepClone())).ToList();
                return OfKey(fields);
            case 'i':
                return OfIndex(int.Parse(body, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture));
            default:
                return null;
        }
    }

    private static JsonNode? ParseJson(string text)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException e)
        {
            throw new FormatException(e.Message, e);
        }
    }
}

internal static class FieldPath
{
    public static string ToString(IEnumerable<PathElement> path) => string.Concat(path.Select(p => p.ToString()));
}
