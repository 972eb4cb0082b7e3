using System.Collections;
using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using System.Text.Json.Serialization;
using KubeNet.ApiMachinery.Kinds;

namespace KubeNet.ApiServer.Registry;

/// <summary>
/// Field-selector values of stored objects: metadata.name and metadata.namespace for every kind, plus the field labels
/// of the catalogue, read by JSON path from the typed object. Absent values read as the Go zero value ("", "false", "0").
/// </summary>
internal static class FieldLabels
{
    private static readonly ConcurrentDictionary<(Type, string), Func<object, string>> Getters = new();

    public static bool IsSupported(ResourceInfo info, string field)
        => field is "metadata.name" or "metadata.namespace" || info.FieldLabels.Contains(field);

    public static string? Get(ResourceInfo info, StoredObject obj, string field)
    {
        switch (field)
        {
            case "metadata.name":
                return obj.Name;
            case "metadata.namespace":
                return obj.Namespace ?? string.Empty;
        }

        if (!info.FieldLabels.Contains(field))
        {
            return null;
        }

        var storagePath = MapToStorage(info, field);
        return Getters.GetOrAdd((obj.Object.GetType(), storagePath), static key => Compile(key.Item1, key.Item2))(obj.Object);
    }

    // events.k8s.io names core Event fields differently; storage holds core Events.
    private static string MapToStorage(ResourceInfo info, string field)
    {
        if (info.Group == "events.k8s.io")
        {
            if (field.StartsWith("regarding.", StringComparison.Ordinal))
            {
                return "involvedObject." + field["regarding.".Length..];
            }

            if (field == "reportingController")
            {
                return "reportingComponent";
            }
        }

        return field == "source" && info.Kind == "Event" ? "source.component" : field;
    }

    private static Func<object, string> Compile(Type type, string path)
    {
        var chain = new List<PropertyInfo>();
        var current = type;
        foreach (var segment in path.Split('.'))
        {
            var prop = current.GetProperties().FirstOrDefault(p => p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name == segment);
            if (prop is null)
            {
                return static _ => string.Empty;
            }

            chain.Add(prop);
            current = Nullable.GetUnderlyingType(prop.PropertyType) ?? prop.PropertyType;
        }

        var leaf = current;
        return obj =>
        {
            object? value = obj;
            foreach (var p in chain)
            {
                value = value is null ? null : p.GetValue(value);
            }

            return Format(value, leaf);
        };
    }

    private static string Format(object? value, Type leaf)
    {
        if (value is null)
        {
            return leaf == typeof(bool) ? "false" : leaf == typeof(int) || leaf == typeof(long) ? "0" : string.Empty;
        }

        return value switch
        {
            bool b => b ? "true" : "false",
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            string s => s,
            IEnumerable list => string.Join(',', list.Cast<object>().Select(o => o.GetType().GetProperty("Ip")?.GetValue(o)?.ToString() ?? o.ToString())),
            _ => value.ToString() ?? string.Empty,
        };
    }
}
