using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace KubeNet.ApiMachinery.Json;

/// <summary>
/// Converts a YAML request body (application/yaml, application/apply-patch+yaml) to JSON, resolving plain scalars as
/// sigs.k8s.io/yaml does (YAML 1.1 as go-yaml reads it: true/false/yes/no, null/~, integers, floats); quoted scalars
/// stay strings.
/// </summary>
public static partial class YamlToJson
{
    public static bool TryConvert(ReadOnlySpan<byte> yaml, out JsonNode? json, out string? error)
    {
        json = null;
        error = null;
        try
        {
            var stream = new YamlStream();
            using var reader = new StringReader(System.Text.Encoding.UTF8.GetString(yaml));
            stream.Load(reader);
            if (stream.Documents.Count == 0)
            {
                return true;
            }

            if (stream.Documents.Count > 1)
            {
                error = "yaml: multiple documents are not allowed in one request body";
                return false;
            }

            json = Convert(stream.Documents[0].RootNode);
            return true;
        }
        catch (YamlException ex)
        {
            error = "error converting YAML to JSON: yaml: " + ex.Message;
            return false;
        }
    }

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode map => ConvertMap(map),
        YamlSequenceNode seq => new JsonArray(seq.Children.Select(Convert).ToArray()),
        YamlScalarNode scalar => ConvertScalar(scalar),
        _ => null,
    };

    private static JsonObject ConvertMap(YamlMappingNode map)
    {
        var obj = new JsonObject();
        foreach (var (key, value) in map.Children)
        {
            var name = key is YamlScalarNode s ? s.Value ?? string.Empty : key.ToString();
            obj[name] = Convert(value);
        }

        return obj;
    }

    private static JsonNode? ConvertScalar(YamlScalarNode scalar)
    {
        var value = scalar.Value ?? string.Empty;
        if (scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted or ScalarStyle.Literal or ScalarStyle.Folded)
        {
            return JsonValue.Create(value);
        }

        switch (value)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return null;
            case "true" or "True" or "TRUE" or "yes" or "Yes" or "YES" or "on" or "On" or "ON":
                return JsonValue.Create(true);
            case "false" or "False" or "FALSE" or "no" or "No" or "NO" or "off" or "Off" or "OFF":
                return JsonValue.Create(false);
        }

        if (IntegerPattern().IsMatch(value) && long.TryParse(value.Replace("_", string.Empty, StringComparison.Ordinal), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
        {
            return JsonValue.Create(l);
        }

        if (FloatPattern().IsMatch(value) && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
        {
            return JsonValue.Create(d);
        }

        return JsonValue.Create(value);
    }

    [GeneratedRegex("^[-+]?(0|[1-9][0-9_]*)$")]
    private static partial Regex IntegerPattern();

    [GeneratedRegex("^[-+]?([0-9][0-9_]*)?\\.[0-9.]*([eE][-+][0-9]+)?$")]
    private static partial Regex FloatPattern();
}
