using KubeNet.ApiMachinery.Validation;
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
                $"v1.LabelSelectorRequirement{{Key:{GoText.Quote(e.Key ?? "")}, Operator:{GoText.Quote(e.OperatorProperty ?? "")}, Values:{StringSlice(e.Values)}}}"));
            sb.Append('}');
        }

        return new GoValue(sb.Append('}').ToString());
    }

    /// <summary>intstr.IntOrString prints through its String method: the number or the text, unquoted.</summary>
    public static GoValue IntOrString(IntOrString? value) => new(value?.Value ?? "0");

    public static string StringSlice(IList<string>? values) =>
        values is null ? "[]string(nil)" : "[]string{" + string.Join(", ", values.Select(GoText.Quote)) + "}";

    private static string FormatStringMap(IDictionary<string, string>? map)
    {
        if (map is null)
        {
            return "map[string]string(nil)";
        }

        // fmt sorts map keys.
        var pairs = map.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => GoText.Quote(p.Key) + ":" + GoText.Quote(p.Value));
        return "map[string]string{" + string.Join(", ", pairs) + "}";
    }

}
