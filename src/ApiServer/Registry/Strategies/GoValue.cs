using System.Globalization;
using System.Text;
using k8s.Models;

namespace KubeNet.ApiServer.Registry.Strategies;

/// <summary>
/// A bad value already rendered the way field.Error prints it with %#v (maps, structs) or with a String method
/// (IntOrString); FieldError prints a value through ToString when it is neither a string nor a number.
/// </summary>
internal sealed record GoValue(string Text)
{
    public override string ToString() => Text;

    public static GoValue StringMap(IDictionary<string, string>? map) => new(FormatStringMap(map));

    /// <summary>A *metav1.LabelSelector as kube-apiserver prints it in selector errors.</summary>
    public static GoValue Selector(V1LabelSelector? selector)
    {
        if (selector is null)
        {
            return new GoValue("null");
        }

        var sb = new StringBuilder("v1.LabelSelector{MatchLabels:").Append(FormatStringMap(selector.MatchLabels)).Append(", MatchExpressions:");
        if (selector.MatchExpressions is null)
        {
            sb.Append("[]v1.LabelSelectorRequirement(nil)");
        }
        else
        {
            sb.Append("[]v1.LabelSelectorRequirement{");
            sb.AppendJoin(", ", selector.MatchExpressions.Select(e =>
                $"v1.LabelSelectorRequirement{{Key:{Quote(e.Key ?? "")}, Operator:{Quote(e.OperatorProperty ?? "")}, Values:{StringSlice(e.Values)}}}"));
            sb.Append('}');
        }

        return new GoValue(sb.Append('}').ToString());
    }

    /// <summary>intstr.IntOrString prints through its String method: the number or the text, unquoted.</summary>
    public static GoValue IntOrString(IntOrString? value) => new(value?.Value ?? "0");

    public static string StringSlice(IList<string>? values) =>
        values is null ? "[]string(nil)" : "[]string{" + string.Join(", ", values.Select(Quote)) + "}";

    private static string FormatStringMap(IDictionary<string, string>? map)
    {
        if (map is null)
        {
            return "map[string]string(nil)";
        }

        // fmt sorts map keys.
        var pairs = map.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => Quote(p.Key) + ":" + Quote(p.Value));
        return "map[string]string{" + string.Join(", ", pairs) + "}";
    }

    /// <summary>Go's %q for the strings that reach these messages.</summary>
    public static string Quote(string s)
    {
        var sb = new StringBuilder(s.Length + 2).Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c < 0x20 || c == 0x7f)
                    {
                        sb.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        return sb.Append('"').ToString();
    }
}
