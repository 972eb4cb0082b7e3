using System.Resources;

namespace KubeNet.ApiMachinery.Patch;

// The patch strategy and merge key of one field, as the patchStrategy/patchMergeKey struct tags
// (and OpenAPI's x-kubernetes-patch-strategy/-merge-key) give them.
internal readonly record struct PatchMeta(string Strategy, bool RetainKeys, string MergeKey);

// Where a strategic merge is inside a document: a known definition (its fields carry metadata),
// a map whose values are one definition (keys are data), or a place with no metadata at all,
// where maps merge and lists are replaced.
internal sealed class SchemaNode
{
    internal static readonly SchemaNode Opaque = new(null, null, null);

    private readonly Dictionary<string, Field>? _fields;
    private readonly SchemaNode? _mapValues;

    private SchemaNode(string? name, Dictionary<string, Field>? fields, SchemaNode? mapValues)
    {
        Name = name;
        _fields = fields;
        _mapValues = mapValues;
    }

    internal string? Name { get; }

    // Field of a definition, resolved lazily so that recursive definitions (JSONSchemaProps) work.
    internal sealed record Field(string? Definition, bool IsMapOfDefinition, PatchMeta Meta);

    internal static SchemaNode ForDefinition(string name, Dictionary<string, Field> fields) => new(name, fields, null);

    internal static SchemaNode MapOf(SchemaNode values) => new(null, null, values);

    // Go's reflect.Kind name upstream puts in "cannot merge lists without merge key for %s".
    internal string KindName => _fields is not null ? "struct" : _mapValues is not null ? "map" : "interface";

    // A key beginning with '$' is a directive unless the definition declares it as a field
    // (JSONSchemaProps has $ref and $schema). Map keys and places without metadata hold data.
    internal bool TreatsAsDirective(string key) => _fields is not null && !_fields.ContainsKey(key);

    internal (SchemaNode Child, PatchMeta Meta) Lookup(string key, PatchSchema schema)
    {
        if (_mapValues is not null)
        {
            return (_mapValues, default);
        }
        if (_fields is null || !_fields.TryGetValue(key, out var field))
        {
            return (Opaque, default);
        }
        var child = field.Definition is null ? Opaque : schema.Node(field.Definition);
        return (field.IsMapOfDefinition ? MapOf(child) : child, field.Meta);
    }
}

// The metadata of the built-in types, read from PatchMetadata.txt (embedded through
// PatchMetadata.resx so the project file needs no entry). The text format is described at the
// top of that file; tests parse their own schemas in the same format.
internal sealed class PatchSchema
{
    private static readonly Lazy<PatchSchema> BuiltInSchema = new(LoadBuiltIn);

    private readonly Dictionary<string, Dictionary<string, SchemaNode.Field>> _definitions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SchemaNode> _nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Group, string Version, string Kind), string> _kinds = [];

    internal static PatchSchema BuiltIn => BuiltInSchema.Value;

    internal bool Contains(string definition) => _definitions.ContainsKey(definition);

    internal string? DefinitionFor(string group, string version, string kind) =>
        _kinds.TryGetValue((group, version, kind), out var definition) ? definition : null;

    internal SchemaNode Node(string definition)
    {
        lock (_nodes)
        {
            if (!_nodes.TryGetValue(definition, out var node))
            {
                node = _definitions.TryGetValue(definition, out var fields) ? SchemaNode.ForDefinition(definition, fields) : SchemaNode.Opaque;
                _nodes[definition] = node;
            }
            return node;
        }
    }

    internal static PatchSchema Parse(string text)
    {
        var schema = new PatchSchema();
        Dictionary<string, SchemaNode.Field>? current = null;
        foreach (var rawLine in text.Split('\n'))
        {
            var line = rawLine.TrimEnd('\r');
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (line[0] != ' ')
            {
                current = [];
                schema._definitions[parts[0]] = current;
                if (parts.Length > 1)
                {
                    var group = parts[1] == "-" ? "" : parts[1];
                    var lastDot = parts[0].LastIndexOf('.');
                    var version = parts[0][(parts[0].LastIndexOf('.', lastDot - 1) + 1)..lastDot];
                    schema._kinds[(group, version, parts[0][(lastDot + 1)..])] = parts[0];
                }
                continue;
            }
            if (current is null)
            {
                throw new FormatException($"field outside a definition: {line}");
            }
            current[parts[0]] = ParseField(parts);
        }
        return schema;
    }

    private static SchemaNode.Field ParseField(string[] parts)
    {
        var shape = parts[1];
        var isMap = shape.StartsWith("{}", StringComparison.Ordinal);
        if (isMap || shape.StartsWith("[]", StringComparison.Ordinal))
        {
            shape = shape[2..];
        }
        var definition = shape is "" or "." ? null : shape;
        var strategy = "";
        var retainKeys = false;
        if (parts.Length > 2 && parts[2] != "-")
        {
            foreach (var s in parts[2].Split(','))
            {
                if (s == "retainKeys")
                {
                    retainKeys = true;
                }
                else
                {
                    strategy = s;
                }
            }
        }
        var mergeKey = parts.Length > 3 ? parts[3] : "";
        return new SchemaNode.Field(definition, isMap, new PatchMeta(strategy, retainKeys, mergeKey));
    }

    private static PatchSchema LoadBuiltIn()
    {
        var resources = new ResourceManager("KubeNet.ApiMachinery.Patch.Strategic.PatchMetadata", typeof(PatchSchema).Assembly);
        var text = resources.GetString("PatchMetadata", System.Globalization.CultureInfo.InvariantCulture)
            ?? throw new InvalidOperationException("PatchMetadata resource is missing");
        return Parse(text);
    }
}
