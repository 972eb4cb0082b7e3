using System.Collections;
using System.Collections.Frozen;
using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Xml.Linq;
using k8s.Models;
using KubeNet.ApiMachinery.Kinds;

namespace KubeNet.ApiServer.OpenApi;

/// <summary>
/// OpenAPI v3 schemas generated from the KubernetesClient model types, with descriptions from the package's XML
/// documentation: no hand-written per-kind schemas. Schema names follow upstream (io.k8s.api.core.v1.PodSpec); the package
/// of a nested type is the group of the first kind, in discovery order, that reaches it.
/// </summary>
internal sealed class SchemaCatalog
{
    private const string MetaPackage = "io.k8s.apimachinery.pkg.apis.meta.v1";
    private static readonly FrozenSet<string> MetaTypes = FrozenSet.ToFrozenSet(
    [
        "ObjectMeta", "ListMeta", "LabelSelector", "LabelSelectorRequirement", "OwnerReference", "ManagedFieldsEntry", "Condition",
        "Status", "StatusDetails", "StatusCause", "DeleteOptions", "Preconditions", "APIResource", "APIResourceList", "APIGroup",
        "APIGroupList", "APIVersions", "GroupVersionForDiscovery", "ServerAddressByClientCIDR", "WatchEvent",
    ]);

    private readonly Dictionary<Type, string> _names = [];
    private readonly Dictionary<string, string> _docs;

    public SchemaCatalog()
    {
        _docs = LoadDocs();
        foreach (var info in KindCatalog.AllResources)
        {
            var package = info.Group.Length == 0 ? "io.k8s.api.core." + info.Version
                : info.Group == "apiextensions.k8s.io" ? "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions." + info.Version
                : info.Group == "apiregistration.k8s.io" ? "io.k8s.kube-aggregator.pkg.apis.apiregistration." + info.Version
                : "io.k8s.api." + info.Group.Replace(".k8s.io", string.Empty, StringComparison.Ordinal).Replace(".authorization", string.Empty, StringComparison.Ordinal).Replace(".apiserver", string.Empty, StringComparison.Ordinal) + "." + info.Version;
            Name(info.ClrType, package);
        }
    }

    /// <summary>The schema name of a model type ("io.k8s.api.apps.v1.Deployment").</summary>
    public string NameOf(Type type) => _names[type];

    private void Name(Type type, string package)
    {
        if (_names.ContainsKey(type) || !IsModel(type))
        {
            return;
        }

        var shortName = ShortName(type);
        _names[type] = type == typeof(IntOrString) ? "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
            : type == typeof(ResourceQuantity) ? "io.k8s.apimachinery.pkg.api.resource.Quantity"
            : MetaTypes.Contains(shortName) ? MetaPackage + "." + shortName
            : package + "." + shortName;
        foreach (var p in Properties(type))
        {
            Name(ElementType(p.PropertyType), package);
        }
    }

    /// <summary>"V1PodSpec" → "PodSpec", "Corev1EventSeries" → "EventSeries".</summary>
    public static string ShortName(Type type)
    {
        var n = type.Name;
        var versioned = System.Text.RegularExpressions.Regex.Match(n, "^(?:[A-Z][a-z]+)?[Vv]\\d+(?:(?:alpha|beta)\\d+)?(?<rest>[A-Z].*)$");
        return versioned.Success ? versioned.Groups["rest"].Value : n;
    }

    private static bool IsModel(Type t) => t.Namespace == "k8s.Models" && (t.IsClass || t == typeof(IntOrString) || t == typeof(ResourceQuantity));

    private static IEnumerable<PropertyInfo> Properties(Type t)
        => t.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetCustomAttribute<JsonPropertyNameAttribute>() is not null);

    private static Type ElementType(Type t)
    {
        t = Nullable.GetUnderlyingType(t) ?? t;
        var dict = t.GetInterfaces().Append(t).FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>));
        if (dict is not null)
        {
            return ElementType(dict.GetGenericArguments()[1]);
        }

        var list = t.GetInterfaces().Append(t).FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IList<>));
        return list is not null && t != typeof(string) ? ElementType(list.GetGenericArguments()[0]) : t;
    }

    /// <summary>Every schema reachable from <paramref name="roots"/>, with GVK extensions on the kinds.</summary>
    public JsonObject SchemasFor(IEnumerable<ResourceInfo> roots)
    {
        var schemas = new JsonObject();
        var gvks = new Dictionary<Type, List<ResourceInfo>>();
        foreach (var r in roots)
        {
            if (!gvks.TryGetValue(r.ClrType, out var list))
            {
                gvks[r.ClrType] = list = [];
            }

            list.Add(r);
        }

        var pending = new Queue<Type>(gvks.Keys);
        var done = new HashSet<Type>();
        while (pending.Count > 0)
        {
            var type = pending.Dequeue();
            if (!done.Add(type) || !_names.TryGetValue(type, out var name))
            {
                continue;
            }

            var schema = Build(type, pending);
            if (gvks.TryGetValue(type, out var kinds))
            {
                var ext = new JsonArray();
                foreach (var k in kinds.DistinctBy(k => (k.Group, k.Version, k.Kind)))
                {
                    ext.Add(new JsonObject { ["group"] = k.Group, ["kind"] = k.Kind, ["version"] = k.Version });
                }

                schema["x-kubernetes-group-version-kind"] = ext;
            }

            schemas[name] = schema;
        }

        return schemas;
    }

    private JsonObject Build(Type type, Queue<Type> pending)
    {
        // OpenAPI v3 describes these two as oneOf without a type (their OpenAPIV3OneOfTypes upstream); kubectl explain
        // prints a typeless reference by its name, so fields show as <IntOrString> and <map[string]Quantity>.
        if (type == typeof(IntOrString))
        {
            return new JsonObject
            {
                ["description"] = "IntOrString is a type that can hold an int32 or a string.  When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type.  This allows you to have, for example, a JSON field that can accept a name or number.",
                ["format"] = "int-or-string",
                ["oneOf"] = new JsonArray(new JsonObject { ["type"] = "integer" }, new JsonObject { ["type"] = "string" }),
            };
        }

        if (type == typeof(ResourceQuantity))
        {
            return new JsonObject
            {
                ["description"] = "Quantity is a fixed-point representation of a number. It provides convenient marshaling/unmarshaling in JSON and YAML, in addition to String() and AsInt64() accessors.",
                ["oneOf"] = new JsonArray(new JsonObject { ["type"] = "string" }, new JsonObject { ["type"] = "number" }),
            };
        }

        var properties = new JsonObject();
        foreach (var p in Properties(type).OrderBy(p => p.GetCustomAttribute<JsonPropertyNameAttribute>()!.Name, StringComparer.Ordinal))
        {
            var prop = Reference(p.PropertyType, pending);
            if (_docs.TryGetValue("P:" + type.FullName + "." + p.Name, out var doc))
            {
                if (prop.ContainsKey("allOf") || !prop.ContainsKey("description"))
                {
                    prop["description"] = doc;
                }
            }

            properties[p.GetCustomAttribute<JsonPropertyNameAttribute>()!.Name] = prop;
        }

        var schema = new JsonObject { ["type"] = "object" };
        if (_docs.TryGetValue("T:" + type.FullName, out var typeDoc))
        {
            schema["description"] = typeDoc;
        }

        schema["properties"] = properties;
        var required = KubeNet.ApiMachinery.Protobuf.GoStructTags.RequiredFields(_names[type]).Where(properties.ContainsKey).ToArray();
        if (required.Length > 0)
        {
            schema["required"] = new JsonArray(required.Select(r => (JsonNode?)JsonValue.Create(r)).ToArray());
        }

        return schema;
    }

    private JsonObject Reference(Type t, Queue<Type> pending)
    {
        t = Nullable.GetUnderlyingType(t) ?? t;
        if (t == typeof(string))
        {
            return new JsonObject { ["type"] = "string", ["default"] = string.Empty };
        }

        if (t == typeof(bool))
        {
            return new JsonObject { ["type"] = "boolean" };
        }

        if (t == typeof(int) || t == typeof(long))
        {
            return new JsonObject { ["type"] = "integer", ["format"] = t == typeof(int) ? "int32" : "int64" };
        }

        if (t == typeof(double) || t == typeof(float))
        {
            return new JsonObject { ["type"] = "number", ["format"] = "double" };
        }

        if (t == typeof(DateTime) || t == typeof(DateTimeOffset))
        {
            return new JsonObject { ["type"] = "string", ["format"] = "date-time" };
        }

        if (t == typeof(byte[]))
        {
            return new JsonObject { ["type"] = "string", ["format"] = "byte" };
        }

        var dict = t.GetInterfaces().Append(t).FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>));
        if (dict is not null)
        {
            return new JsonObject { ["type"] = "object", ["additionalProperties"] = Reference(dict.GetGenericArguments()[1], pending) };
        }

        var list = t.GetInterfaces().Append(t).FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IList<>));
        if (list is not null || (t != typeof(string) && typeof(IEnumerable).IsAssignableFrom(t) && t.IsGenericType))
        {
            return new JsonObject { ["type"] = "array", ["items"] = Reference(list?.GetGenericArguments()[0] ?? typeof(object), pending) };
        }

        if (_names.TryGetValue(t, out var name))
        {
            pending.Enqueue(t);
            var reference = new JsonObject { ["allOf"] = new JsonArray(new JsonObject { ["$ref"] = "#/components/schemas/" + name }) };
            if (t.IsClass && t != typeof(IntOrString) && t != typeof(ResourceQuantity))
            {
                reference["default"] = new JsonObject();
            }

            return reference;
        }

        return new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true };
    }

    // The package's XML documentation sits beside its assembly (CopyDocumentationFilesFromPackages).
    private static Dictionary<string, string> LoadDocs()
    {
        var docs = new Dictionary<string, string>(StringComparer.Ordinal);
        var path = Path.ChangeExtension(typeof(V1Pod).Assembly.Location, ".xml");
        if (!File.Exists(path))
        {
            return docs;
        }

        foreach (var member in XDocument.Load(path).Descendants("member"))
        {
            var name = member.Attribute("name")?.Value;
            var summary = member.Element("summary")?.Value;
            if (name is not null && summary is not null)
            {
                docs[name] = Unwrap(summary);
            }
        }

        return docs;
    }

    // The XML wraps upstream's text at a fixed width; blank lines are paragraph breaks.
    private static string Unwrap(string text)
    {
        var sb = new StringBuilder();
        var paragraph = new List<string>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0)
            {
                if (paragraph.Count > 0)
                {
                    sb.Append(sb.Length > 0 ? "\n\n" : string.Empty).Append(string.Join(' ', paragraph));
                    paragraph.Clear();
                }

                continue;
            }

            paragraph.Add(line);
        }

        if (paragraph.Count > 0)
        {
            sb.Append(sb.Length > 0 ? "\n\n" : string.Empty).Append(string.Join(' ', paragraph));
        }

        return sb.ToString();
    }
}
