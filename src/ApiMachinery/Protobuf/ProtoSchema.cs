using System.Collections.Frozen;
using System.Text;
using System.Text.Json;

namespace KubeNet.ApiMachinery.Protobuf;

/// <summary>How a message appears in JSON. Most are objects; a few apimachinery types marshal themselves.</summary>
internal enum MessageShape
{
    Object,
    /// <summary>metav1.Time: RFC 3339, whole seconds, empty message = zero time = null.</summary>
    Time,
    /// <summary>metav1.MicroTime: RFC 3339 with six fractional digits.</summary>
    MicroTime,
    /// <summary>metav1.Duration: Go duration string ("1h2m3s").</summary>
    Duration,
    /// <summary>resource.Quantity: its canonical string, field 1.</summary>
    Quantity,
    /// <summary>intstr.IntOrString: a number (type 0, field 2) or a string (type 1, field 3).</summary>
    IntOrString,
    /// <summary>RawExtension, FieldsV1, apiextensions JSON: field 1 holds JSON bytes embedded as they are.</summary>
    RawJson,
    /// <summary>A Go named slice (ExtraValue, Verbs): field 1 "items" is the JSON array.</summary>
    List,
    /// <summary>apiextensions JSONSchemaPropsOrArray: the schema array (2) if any, else the schema (1).</summary>
    SchemaOrArray,
    /// <summary>apiextensions JSONSchemaPropsOrBool: the schema (2) if present, else the bool (1).</summary>
    SchemaOrBool,
    /// <summary>apiextensions JSONSchemaPropsOrStringArray: the strings (2) if any, else the schema (1).</summary>
    SchemaOrStringArray,
}

internal enum ScalarKind
{
    Message,
    String,
    Bytes,
    Bool,
    Int32,
    Int64,
    Double,
    Float,
}

internal enum Cardinality
{
    Single,
    Repeated,
    Map,
}

internal sealed class ProtoField
{
    public required int Number { get; init; }
    public required string JsonName { get; init; }
    public required JsonEncodedText EncodedName { get; init; }
    public required Cardinality Cardinality { get; init; }
    /// <summary>The value's kind; for maps, the map value's kind.</summary>
    public required ScalarKind Kind { get; init; }
    public string? MessageName { get; init; }
    public ProtoMessage? Message { get; set; }
    /// <summary>The Go field is a pointer: present on the wire means present in JSON, zero or not.</summary>
    public bool Pointer { get; init; }
    /// <summary>The Go JSON tag says omitempty: a zero scalar stays out of the JSON.</summary>
    public bool OmitEmpty { get; init; }
    /// <summary>An embedded Go struct whose fields JSON flattens into the parent (Probe's handler, Volume's source).</summary>
    public bool Inline { get; init; }
}

internal sealed class ProtoMessage
{
    public required string Name { get; init; }
    public required MessageShape Shape { get; init; }
    /// <summary>Fields in Go struct order, which is the order upstream JSON writes them.</summary>
    public List<ProtoField> Fields { get; } = [];
    /// <summary>Field by number; index 0 unused, gaps null.</summary>
    public ProtoField?[] ByNumber { get; set; } = [];

    public ProtoField? Field(int number) => (uint)number < (uint)ByNumber.Length ? ByNumber[number] : null;
}

/// <summary>
/// The wire schema of the served kinds, read once from <see cref="ProtoSchemaData"/>. The data is line based:
/// <c>k apiVersion kind message</c> maps an envelope's type to a message (apiVersion <c>*</c> matches any group
/// version, for the meta/v1 options kinds every group registers); <c>m name [shape]</c> starts a message; the lines
/// after it are <c>number jsonName type [flags]</c>, type being a scalar, a message name, <c>[]type</c> or
/// <c>map&lt;key,value&gt;</c>, flags <c>p</c> (Go pointer), <c>o</c> (omitempty), <c>i</c> (inlined embedded struct).
/// </summary>
internal sealed class ProtoSchema
{
    private static readonly Lazy<ProtoSchema> LazyDefault = new(() => Parse(Encoding.UTF8.GetString(ProtoSchemaData.Text)));

    public static ProtoSchema Default => LazyDefault.Value;

    private readonly FrozenDictionary<string, ProtoMessage> messages;
    private readonly FrozenDictionary<string, ProtoMessage> kinds;

    private ProtoSchema(Dictionary<string, ProtoMessage> messages, Dictionary<string, ProtoMessage> kinds)
    {
        this.messages = messages.ToFrozenDictionary(StringComparer.Ordinal);
        this.kinds = kinds.ToFrozenDictionary(StringComparer.Ordinal);
    }

    public int MessageCount => messages.Count;

    public ProtoMessage? Message(string name) => messages.GetValueOrDefault(name);

    public ProtoMessage? ForKind(string apiVersion, string kind) =>
        kinds.GetValueOrDefault(apiVersion + " " + kind) ?? kinds.GetValueOrDefault("* " + kind);

    /// <summary>Parses the table; malformed data is our bug, so it throws.</summary>
    internal static ProtoSchema Parse(string text)
    {
        var messages = new Dictionary<string, ProtoMessage>(StringComparer.Ordinal);
        var kindLines = new List<(string Key, string Message)>();
        ProtoMessage? current = null;
        var lineNumber = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNumber++;
            var line = raw.Trim();
            if (line.Length == 0)
            {
                continue;
            }
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            switch (parts[0])
            {
                case "k" when parts.Length == 4:
                    kindLines.Add((parts[1] + " " + parts[2], parts[3]));
                    break;
                case "m" when parts.Length is 2 or 3:
                    current = new ProtoMessage { Name = parts[1], Shape = parts.Length == 3 ? ParseShape(parts[2]) : MessageShape.Object };
                    if (!messages.TryAdd(current.Name, current))
                    {
                        throw new FormatException($"protobuf schema line {lineNumber}: duplicate message {current.Name}");
                    }
                    break;
                default:
                    if (current is null || parts.Length is < 3 or > 4 || !int.TryParse(parts[0], out var number) || number <= 0)
                    {
                        throw new FormatException($"protobuf schema line {lineNumber}: cannot read '{line}'");
                    }
                    current.Fields.Add(ParseField(number, parts[1], parts[2], parts.Length == 4 ? parts[3] : ""));
                    break;
            }
        }

        foreach (var message in messages.Values)
        {
            var max = message.Fields.Count == 0 ? 0 : message.Fields.Max(f => f.Number);
            message.ByNumber = new ProtoField?[max + 1];
            foreach (var field in message.Fields)
            {
                if (field.MessageName is not null)
                {
                    field.Message = messages.GetValueOrDefault(field.MessageName)
                        ?? throw new FormatException($"protobuf schema: {message.Name}.{field.JsonName} refers to unknown {field.MessageName}");
                }
                message.ByNumber[field.Number] = field;
            }
        }

        var kinds = new Dictionary<string, ProtoMessage>(StringComparer.Ordinal);
        foreach (var (key, name) in kindLines)
        {
            kinds[key] = messages.GetValueOrDefault(name) ?? throw new FormatException($"protobuf schema: kind {key} refers to unknown {name}");
        }
        return new ProtoSchema(messages, kinds);
    }

    private static ProtoField ParseField(int number, string jsonName, string type, string flags)
    {
        var cardinality = Cardinality.Single;
        if (type.StartsWith("[]", StringComparison.Ordinal))
        {
            cardinality = Cardinality.Repeated;
            type = type[2..];
        }
        else if (type.StartsWith("map<", StringComparison.Ordinal))
        {
            // Every map in the Kubernetes API has string keys (Go map[string]T or a named string type).
            if (!type.StartsWith("map<string,", StringComparison.Ordinal) || !type.EndsWith('>'))
            {
                throw new FormatException($"protobuf schema: unsupported map type {type}");
            }
            cardinality = Cardinality.Map;
            type = type["map<string,".Length..^1];
        }
        var kind = type switch
        {
            "string" => ScalarKind.String,
            "bytes" => ScalarKind.Bytes,
            "bool" => ScalarKind.Bool,
            "int32" => ScalarKind.Int32,
            "int64" => ScalarKind.Int64,
            "double" => ScalarKind.Double,
            "float" => ScalarKind.Float,
            _ when type.Contains('.', StringComparison.Ordinal) => ScalarKind.Message,
            _ => throw new FormatException($"protobuf schema: unsupported type {type}"),
        };
        return new ProtoField
        {
            Number = number,
            JsonName = jsonName,
            EncodedName = JsonEncodedText.Encode(jsonName),
            Cardinality = cardinality,
            Kind = kind,
            MessageName = kind == ScalarKind.Message ? type : null,
            Pointer = flags.Contains('p', StringComparison.Ordinal),
            OmitEmpty = flags.Contains('o', StringComparison.Ordinal),
            Inline = flags.Contains('i', StringComparison.Ordinal),
        };
    }

    private static MessageShape ParseShape(string shape) => shape switch
    {
        "time" => MessageShape.Time,
        "microtime" => MessageShape.MicroTime,
        "duration" => MessageShape.Duration,
        "quantity" => MessageShape.Quantity,
        "intorstring" => MessageShape.IntOrString,
        "rawjson" => MessageShape.RawJson,
        "list" => MessageShape.List,
        "schemaorarray" => MessageShape.SchemaOrArray,
        "schemaorbool" => MessageShape.SchemaOrBool,
        "schemaorstringarray" => MessageShape.SchemaOrStringArray,
        _ => throw new FormatException($"protobuf schema: unknown message shape {shape}"),
    };
}
