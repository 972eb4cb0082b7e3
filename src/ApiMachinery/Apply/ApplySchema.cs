using System.Globalization;
using System.Resources;
using System.Text.Json.Nodes;

namespace KubeNet.ApiMachinery.Apply;

internal enum ScalarKind
{
    String,
    Numeric,
    Boolean,
    Untyped,
}

// One structured-merge-diff "atom": a value may be a scalar, a list or a map, and a type may allow
// several of them (untyped values); the value decides which one applies.
internal sealed class SchemaType
{
    public string? Name { get; init; }
    public ScalarKind? Scalar { get; set; }
    public ListSchema? List { get; set; }
    public MapSchema? Map { get; set; }

    public override string ToString() => Name ?? "inlined type";
}

internal sealed class ListSchema
{
    public required SchemaType Element { get; set; }

    // Associative lists are merged per item: by key fields, or by value for sets of scalars.
    public bool Associative { get; init; }
    public IReadOnlyList<string> Keys { get; init; } = [];
}

internal sealed class MapSchema
{
    public Dictionary<string, SchemaType> Fields { get; } = new(StringComparer.Ordinal);

    // Field defaults: key defaults build the key of a list item that omits them; {} marks a
    // non-pointer struct, which a zero Go object holds as an empty object.
    public Dictionary<string, JsonNode?> Defaults { get; } = new(StringComparer.Ordinal);

    // Fields a zero Go object holds as null (nil-able and not omitempty).
    public HashSet<string> NullFields { get; } = new(StringComparer.Ordinal);

    // Type of keys that are not named fields; null means such keys are not declared in the schema.
    public SchemaType? Element { get; set; }
    public bool Atomic { get; init; }

    public SchemaType? FieldType(string key) => Fields.TryGetValue(key, out var t) ? t : Element;
}

// The schema of the built-in kinds, read once from the embedded ApplySchemaData.resx (named apart
// from this file so the SDK does not name the resource after the first type declared here).
internal sealed class ApplySchema
{
    private static readonly Lazy<ApplySchema> Loaded = new(Load);

    private readonly Dictionary<string, SchemaType> _types;
    private readonly Dictionary<string, string> _kinds;

    private ApplySchema(Dictionary<string, SchemaType> types, Dictionary<string, string> kinds)
    {
        _types = types;
        _kinds = kinds;
    }

    public static ApplySchema Instance => Loaded.Value;

    // Values of kinds without a schema (custom resources) are typed like upstream's deduced type:
    // maps merge granularly, lists are atomic.
    public SchemaType Deduced => _types["__untyped_deduced_"];

    public SchemaType? Find(string? definition) =>
        definition is not null && _types.TryGetValue(definition, out var t) ? t : null;

    public string? DefinitionFor(string group, string version, string kind) =>
        _kinds.TryGetValue($"{group}/{version}/{kind}", out var d) ? d : null;

    public string? DefinitionForApiVersion(string? apiVersion, string? kind)
    {
        if (string.IsNullOrEmpty(apiVersion) || string.IsNullOrEmpty(kind))
        {
            return null;
        }
        var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
        return slash < 0
            ? DefinitionFor("", apiVersion, kind)
            : DefinitionFor(apiVersion[..slash], apiVersion[(slash + 1)..], kind);
    }

    // The group/version/kind a definition is served as, for the apply version check.
    public (string Group, string Version, string Kind)? KindOf(string definition)
    {
        foreach (var (gvk, def) in _kinds)
        {
            if (def == definition)
            {
                var parts = gvk.Split('/');
                return (parts[0], parts[1], parts[2]);
            }
        }
        return null;
    }

    // The object kube-apiserver compares against on create: a zero Go value of the kind, which holds
    // empty objects for struct fields and nulls for nil-able fields that are not omitempty. It decides
    // which parents a creator owns as nodes of their own (".").
    public static JsonObject ZeroObject(SchemaType type)
    {
        var obj = new JsonObject();
        if (type.Map is not { } map)
        {
            return obj;
        }
        foreach (var (name, fieldType) in map.Fields)
        {
            if (map.Defaults.TryGetValue(name, out var d) && d is JsonObject { Count: 0 } && fieldType.Map is { Fields.Count: > 0 })
            {
                obj[name] = ZeroObject(fieldType);
            }
            else if (map.NullFields.Contains(name))
            {
                obj[name] = null;
            }
        }
        return obj;
    }

    private static ApplySchema Load()
    {
        var manager = new ResourceManager("KubeNet.ApiMachinery.Apply.ApplySchemaData", typeof(ApplySchema).Assembly);
        var text = manager.GetString("Schema", CultureInfo.InvariantCulture)
            ?? throw new InvalidOperationException("The embedded apply schema is missing.");
        var doc = JsonNode.Parse(text)!.AsObject();
        var types = new Dictionary<string, SchemaType>(StringComparer.Ordinal);
        var raw = doc["types"]!.AsObject();
        foreach (var (name, _) in raw)
        {
            types[name] = new SchemaType { Name = name };
        }
        foreach (var (name, atom) in raw)
        {
            Fill(types[name], atom!.AsObject(), types);
        }
        var kinds = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (gvk, def) in doc["kinds"]!.AsObject())
        {
            kinds[gvk] = def!.GetValue<string>();
        }
        return new ApplySchema(types, kinds);
    }

    private static readonly SchemaType StringType = new() { Name = "string", Scalar = ScalarKind.String };
    private static readonly SchemaType NumericType = new() { Name = "numeric", Scalar = ScalarKind.Numeric };
    private static readonly SchemaType BooleanType = new() { Name = "boolean", Scalar = ScalarKind.Boolean };
    private static readonly SchemaType UntypedType = new() { Name = "untyped", Scalar = ScalarKind.Untyped };

    private static ScalarKind ScalarOf(string code) => code switch
    {
        "s" => ScalarKind.String,
        "n" => ScalarKind.Numeric,
        "b" => ScalarKind.Boolean,
        _ => ScalarKind.Untyped,
    };

    private static SchemaType Ref(JsonNode node, Dictionary<string, SchemaType> types)
    {
        if (node is JsonObject inline)
        {
            var t = new SchemaType();
            Fill(t, inline, types);
            return t;
        }
        var name = node.GetValue<string>();
        return name switch
        {
            "s" => StringType,
            "n" => NumericType,
            "b" => BooleanType,
            "u" => UntypedType,
            _ => types[name],
        };
    }

    private static void Fill(SchemaType t, JsonObject atom, Dictionary<string, SchemaType> types)
    {
        if (atom["S"] is JsonNode s)
        {
            t.Scalar = ScalarOf(s.GetValue<string>());
        }
        if (atom["L"] is JsonObject l)
        {
            var keys = l["k"] is JsonArray k ? k.Select(x => x!.GetValue<string>()).ToArray() : [];
            t.List = new ListSchema
            {
                Element = Ref(l["e"]!, types),
                Associative = keys.Length > 0 || l.ContainsKey("set"),
                Keys = keys,
            };
        }
        if (atom["M"] is JsonObject m)
        {
            var map = new MapSchema { Atomic = m.ContainsKey("atomic") };
            if (m["f"] is JsonObject fields)
            {
                foreach (var (name, type) in fields)
                {
                    map.Fields[name] = Ref(type!, types);
                }
            }
            if (m["d"] is JsonObject defaults)
            {
                foreach (var (name, value) in defaults)
                {
                    map.Defaults[name] = value?.DeepClone();
                }
            }
            if (m["z"] is JsonArray nulls)
            {
                foreach (var name in nulls)
                {
                    map.NullFields.Add(name!.GetValue<string>());
                }
            }
            if (m["e"] is JsonNode e)
            {
                map.Element = Ref(e, types);
            }
            t.Map = map;
        }
    }
}
