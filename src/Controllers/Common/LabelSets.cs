using k8s.Models;
using KubeNet.ApiMachinery.Selectors;

namespace KubeNet.Controllers.Common;

/// <summary>labels.Set and metav1.LabelSelectorAsSelector for the client's models.</summary>
internal static class LabelSets
{
    /// <summary>A model's label map as the read-only view selectors match against, without copying a Dictionary.</summary>
    public static IReadOnlyDictionary<string, string>? Of(IDictionary<string, string>? labels) => labels switch
    {
        null => null,
        IReadOnlyDictionary<string, string> ready => ready,
        var other => other.AsReadOnly(),
    };

    /// <summary>A V1LabelSelector as a selector: null matches nothing, empty matches everything; null result when invalid.</summary>
    public static LabelSelector? Selector(V1LabelSelector? selector) =>
        LabelSelector.TryFromLabelSelector(selector, out var parsed, out _) ? parsed : null;

    public static bool Matches(LabelSelector selector, V1ObjectMeta? meta) => selector.Matches(Of(meta?.Labels));
}

/// <summary>Lookups on the IDictionary maps of the client's models (labels, annotations).</summary>
internal static class MapExtensions
{
    public static string? ValueOrNull(this IDictionary<string, string>? map, string key) =>
        map is not null && map.TryGetValue(key, out var value) ? value : null;
}
