using System.Globalization;
using System.Text;
using k8s.Models;
using KubeNet.ApiMachinery.Selectors;

namespace KubeNet.ApiServer.Printers;

/// <summary>The small text forms printers share: label sets, selectors, container lists, quantities, access modes.</summary>
internal static class Formats
{
    public const string None = "<none>";
    public const string Unset = "<unset>";

    /// <summary>labels.FormatLabels: "k=v" pairs sorted as strings, "&lt;none&gt;" when empty.</summary>
    public static string Labels(IDictionary<string, string>? labels)
    {
        var text = LabelSet(labels);
        return text.Length == 0 ? None : text;
    }

    /// <summary>labels.Set.String: the pairs sorted as whole "k=v" strings, as upstream sorts them.</summary>
    public static string LabelSet(IDictionary<string, string>? labels)
    {
        if (labels is null || labels.Count == 0)
        {
            return string.Empty;
        }

        var pairs = labels.Select(p => p.Key + "=" + p.Value).ToArray();
        Array.Sort(pairs, StringComparer.Ordinal);
        return string.Join(",", pairs);
    }

    /// <summary>metav1.FormatLabelSelector: the selector's string, "&lt;none&gt;" when it selects everything or nothing.</summary>
    public static string Selector(V1LabelSelector? selector)
    {
        if (!LabelSelector.TryFromLabelSelector(selector, out var parsed, out _))
        {
            return "<error>";
        }

        var text = parsed.ToString();
        return text.Length == 0 ? None : text;
    }

    /// <summary>LabelSelectorAsSelector(...).String() as printDeployment writes it: empty for an empty selector.</summary>
    public static string SelectorOrInvalid(V1LabelSelector? selector)
        => LabelSelector.TryFromLabelSelector(selector, out var parsed, out _) ? parsed.ToString() : "<invalid>";

    /// <summary>
    /// The Go String() of a metav1.LabelSelector struct, which the admission policy binding printer shows for a
    /// parameter selector.
    /// </summary>
    public static string SelectorStruct(V1LabelSelector selector)
    {
        var sb = new StringBuilder("&LabelSelector{MatchLabels:map[string]string{");
        foreach (var key in (selector.MatchLabels?.Keys ?? []).Order(StringComparer.Ordinal))
        {
            sb.Append(key).Append(": ").Append(selector.MatchLabels![key]).Append(',');
        }

        sb.Append("},MatchExpressions:[]LabelSelectorRequirement{");
        foreach (var e in selector.MatchExpressions ?? [])
        {
            sb.Append("LabelSelectorRequirement{Key:").Append(e.Key)
                .Append(",Operator:").Append(e.OperatorProperty)
                .Append(",Values:[").AppendJoin(' ', e.Values ?? []).Append("],},");
        }

        return sb.Append("},}").ToString();
    }

    /// <summary>layoutContainerCells: names and images, each joined with ",".</summary>
    public static (string Names, string Images) Containers(IList<V1Container>? containers)
    {
        if (containers is null || containers.Count == 0)
        {
            return (string.Empty, string.Empty);
        }

        return (string.Join(",", containers.Select(c => c.Name)), string.Join(",", containers.Select(c => c.Image)));
    }

    /// <summary>Quantity.String(): the canonical form; a missing quantity prints as Go's zero value, "0".</summary>
    public static string Quantity(ResourceQuantity? quantity) => quantity?.ToString() ?? "0";

    /// <summary>Quantity.String() on a pointer: Go prints "&lt;nil&gt;" for a nil one.</summary>
    public static string QuantityPointer(ResourceQuantity? quantity) => quantity?.ToString() ?? "<nil>";

    public static ResourceQuantity? Lookup(IDictionary<string, ResourceQuantity>? map, string key)
        => map is not null && map.TryGetValue(key, out var q) ? q : null;

    /// <summary>helper.GetAccessModesAsString: the short forms in a fixed order, duplicates dropped.</summary>
    public static string AccessModes(IList<string>? modes)
    {
        if (modes is null || modes.Count == 0)
        {
            return string.Empty;
        }

        var parts = new List<string>(4);
        foreach (var (mode, abbreviation) in AccessModeOrder)
        {
            if (modes.Contains(mode))
            {
                parts.Add(abbreviation);
            }
        }

        return string.Join(",", parts);
    }

    private static readonly (string Mode, string Abbreviation)[] AccessModeOrder =
    [
        ("ReadWriteOnce", "RWO"),
        ("ReadOnlyMany", "ROX"),
        ("ReadWriteMany", "RWX"),
        ("ReadWriteOncePod", "RWOP"),
    ];

    /// <summary>net.JoinHostPort: brackets around IPv6 hosts.</summary>
    public static string HostPort(string? host, int port)
    {
        host ??= string.Empty;
        var p = port.ToString(CultureInfo.InvariantCulture);
        return host.Contains(':', StringComparison.Ordinal) ? "[" + host + "]:" + p : host + ":" + p;
    }

    /// <summary>listWithMoreString: the first entries, then " + N more..." for the rest, "&lt;unset&gt;" when empty.</summary>
    public static string ListWithMore(List<string> list, bool more, int count, int max)
    {
        var text = string.Join(",", list);
        if (more)
        {
            return text + " + " + (count - max).ToString(CultureInfo.InvariantCulture) + " more...";
        }

        return text.Length == 0 ? Unset : text;
    }

    /// <summary>printBoolPtr: "True", "False" or "&lt;unset&gt;".</summary>
    public static string BoolPointer(bool? value) => value switch
    {
        true => "True",
        false => "False",
        null => Unset,
    };

    public static string OrNone(string? value) => string.IsNullOrEmpty(value) ? None : value;

    public static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>IntOrString.String(): the number or the text as written.</summary>
    public static string IntOrString(IntOrString? value) => value?.Value ?? "0";

    /// <summary>Load balancer ingress points: IPs, else host names, sorted and unique, clipped to 16 bytes unless wide.</summary>
    public static string LoadBalancer(IEnumerable<(string Ip, string Hostname)>? ingress, bool wide)
    {
        var set = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (ip, hostname) in ingress ?? [])
        {
            if (!string.IsNullOrEmpty(ip))
            {
                set.Add(ip);
            }
            else if (!string.IsNullOrEmpty(hostname))
            {
                set.Add(hostname);
            }
        }

        var text = string.Join(",", set);
        const int Width = 16;
        return !wide && text.Length > Width ? text[..(Width - 3)] + "..." : text;
    }
}
