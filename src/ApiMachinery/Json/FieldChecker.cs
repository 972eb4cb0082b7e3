using System.Collections;
using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using k8s.Models;

namespace KubeNet.ApiMachinery.Json;

/// <summary>
/// Finds the fields of a JSON body that the target type does not have, and fields given twice, with the paths
/// kube-apiserver's strict decoder reports ("spec.template.spec.containers[0].imagePullPolic"). One pass over the
/// bytes; maps accept any key; free-form values (RawExtension, JSON schema defaults) are not descended into.
/// </summary>
public static class FieldChecker
{
    private static readonly ConcurrentDictionary<Type, Shape> Shapes = new();

    public sealed record Finding(string Kind, string Path)
    {
        /// <summary>The text upstream puts in errors and warnings: unknown field "x" / duplicate field "x".</summary>
        public override string ToString() => $"{Kind} field \"{Path}\"";
    }

    public static IReadOnlyList<Finding> Check(ReadOnlySpan<byte> json, Type type)
    {
        var findings = new List<Finding>();
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow });
        try
        {
            if (reader.Read())
            {
                Walk(ref reader, ShapeOf(type), new StringBuilder(), findings);
            }
        }
        catch (JsonException)
        {
            // Malformed JSON is reported by the decoder itself.
        }

        return findings;
    }

    private enum NodeKind
    {
        Object,
        Map,
        List,
        Leaf,
    }

    private sealed class Shape
    {
        public NodeKind Kind { get; init; }

        public Dictionary<string, Type>? Properties { get; init; }

        public Type? Element { get; init; }
    }

    private static Shape ShapeOf(Type type) => Shapes.GetOrAdd(type, static t =>
    {
        t = Nullable.GetUnderlyingType(t) ?? t;
        if (t == typeof(string) || t.IsPrimitive || t == typeof(decimal) || t == typeof(DateTime) || t == typeof(DateTimeOffset)
            || t == typeof(object) || t == typeof(byte[]) || t == typeof(IntOrString) || t == typeof(ResourceQuantity) || t.IsEnum)
        {
            return new Shape { Kind = NodeKind.Leaf };
        }

        var dictionary = t.GetInterfaces().Append(t).FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>));
        if (dictionary is not null)
        {
            return new Shape { Kind = NodeKind.Map, Element = dictionary.GetGenericArguments()[1] };
        }

        var list = t.GetInterfaces().Append(t).FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IList<>));
        if (list is not null || typeof(IEnumerable).IsAssignableFrom(t))
        {
            return new Shape { Kind = NodeKind.List, Element = list?.GetGenericArguments()[0] ?? typeof(object) };
        }

        var props = new Dictionary<string, Type>(StringComparer.Ordinal);
        foreach (var p in t.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var name = p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name;
            if (name is not null)
            {
                props[name] = p.PropertyType;
            }
        }

        return props.Count == 0 ? new Shape { Kind = NodeKind.Leaf } : new Shape { Kind = NodeKind.Object, Properties = props };
    });

    private static void Walk(ref Utf8JsonReader reader, Shape shape, StringBuilder path, List<Finding> findings)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject when shape.Kind is NodeKind.Object or NodeKind.Map:
                var seen = new HashSet<string>(StringComparer.Ordinal);
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var name = reader.GetString()!;
                    var mark = path.Length;
                    if (path.Length > 0)
                    {
                        path.Append('.');
                    }

                    path.Append(name);
                    if (!seen.Add(name))
                    {
                        findings.Add(new Finding("duplicate", path.ToString()));
                    }

                    reader.Read();
                    Type? child = shape.Kind == NodeKind.Map ? shape.Element : shape.Properties!.GetValueOrDefault(name);
                    if (child is null && shape.Kind == NodeKind.Object)
                    {
                        findings.Add(new Finding("unknown", path.ToString()));
                        reader.Skip();
                    }
                    else
                    {
                        Walk(ref reader, ShapeOf(child ?? typeof(object)), path, findings);
                    }

                    path.Length = mark;
                }

                break;
            case JsonTokenType.StartArray when shape.Kind == NodeKind.List:
                var index = 0;
                var element = ShapeOf(shape.Element ?? typeof(object));
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    var mark = path.Length;
                    path.Append('[').Append(index.ToString(CultureInfo.InvariantCulture)).Append(']');
                    Walk(ref reader, element, path, findings);
                    path.Length = mark;
                    index++;
                }

                break;
            default:
                reader.Skip();
                break;
        }
    }
}
