using System.Diagnostics.CodeAnalysis;
using k8s.Models;

namespace KubeNet.ApiMachinery.Selectors;

// A parsed label selector: the AND of its requirements, sorted by key as labels.Parse sorts them.
// Parse once per request; Matches allocates nothing and runs for every object of a list or watch.
public sealed class LabelSelector
{
    private readonly LabelRequirement[] _requirements;
    private readonly bool _matchesNothing;

    private LabelSelector(LabelRequirement[] requirements, bool matchesNothing)
    {
        _requirements = requirements;
        _matchesNothing = matchesNothing;
    }

    // Matches every label set (an empty selector string, or an empty metav1.LabelSelector).
    public static LabelSelector Everything { get; } = new([], matchesNothing: false);

    // Matches no label set (a nil metav1.LabelSelector).
    public static LabelSelector Nothing { get; } = new([], matchesNothing: true);

    public IReadOnlyList<LabelRequirement> Requirements => _requirements;

    // True when the selector does not restrict anything (upstream Empty()).
    public bool IsEmpty => !_matchesNothing && _requirements.Length == 0;

    public bool MatchesNothing => _matchesNothing;

    // labels.Parse. On failure error holds the upstream message, which the API server returns
    // as 400 BadRequest.
    public static bool TryParse(
        string? text,
        [NotNullWhen(true)] out LabelSelector? selector,
        [NotNullWhen(false)] out string? error)
    {
        if (string.IsNullOrEmpty(text))
        {
            selector = Everything;
            error = null;
            return true;
        }
        if (!LabelSelectorParser.TryParse(text, out var requirements, out error))
        {
            selector = null;
            return false;
        }
        selector = requirements.Count == 0 ? Everything : new LabelSelector(SortByKey(requirements), matchesNothing: false);
        return true;
    }

    public static LabelSelector Parse(string? text) =>
        TryParse(text, out var selector, out var error) ? selector : throw new FormatException(error);

    // labels.SelectorFromValidatedSet: key=value for every entry, without validation.
    public static LabelSelector FromSet(IReadOnlyDictionary<string, string>? set)
    {
        if (set is null || set.Count == 0)
        {
            return Everything;
        }
        var requirements = new List<LabelRequirement>(set.Count);
        foreach (var (key, value) in set)
        {
            requirements.Add(LabelRequirement.CreateUnchecked(key, LabelOperator.Equals, [value]));
        }
        return new LabelSelector(SortByKey(requirements), matchesNothing: false);
    }

    // metav1.LabelSelectorAsSelector: null matches nothing, empty matches everything.
    public static bool TryFromLabelSelector(
        V1LabelSelector? labelSelector,
        [NotNullWhen(true)] out LabelSelector? selector,
        [NotNullWhen(false)] out string? error)
    {
        if (labelSelector is null)
        {
            selector = Nothing;
            error = null;
            return true;
        }
        var expressions = labelSelector.MatchExpressions?
            .Select(e => new LabelSelectorExpression(e.Key, e.OperatorProperty, e.Values?.ToArray()))
            .ToList();
        return TryFromLabelSelector(labelSelector.MatchLabels?.AsReadOnly(), expressions, out selector, out error);
    }

    // The same from plain data: matchLabels plus matchExpressions with operators In, NotIn, Exists
    // and DoesNotExist spelt as in the API.
    public static bool TryFromLabelSelector(
        IReadOnlyDictionary<string, string>? matchLabels,
        IReadOnlyList<LabelSelectorExpression>? matchExpressions,
        [NotNullWhen(true)] out LabelSelector? selector,
        [NotNullWhen(false)] out string? error)
    {
        var labelCount = matchLabels?.Count ?? 0;
        var expressionCount = matchExpressions?.Count ?? 0;
        if (labelCount + expressionCount == 0)
        {
            selector = Everything;
            error = null;
            return true;
        }

        var requirements = new List<LabelRequirement>(labelCount + expressionCount);
        if (matchLabels is not null)
        {
            // Upstream walks a Go map (random order) and stops at the first bad entry; sorting keeps
            // our error deterministic.
            foreach (var (key, value) in matchLabels.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                if (!LabelRequirement.TryCreate(key, LabelOperator.Equals, [value], out var requirement, out error))
                {
                    selector = null;
                    return false;
                }
                requirements.Add(requirement);
            }
        }
        if (matchExpressions is not null)
        {
            foreach (var expression in matchExpressions)
            {
                LabelOperator op;
                switch (expression.Operator)
                {
                    case "In": op = LabelOperator.In; break;
                    case "NotIn": op = LabelOperator.NotIn; break;
                    case "Exists": op = LabelOperator.Exists; break;
                    case "DoesNotExist": op = LabelOperator.DoesNotExist; break;
                    default:
                        selector = null;
                        error = $"{Validation.GoText.Quote(expression.Operator ?? "")} is not a valid label selector operator";
                        return false;
                }
                if (!LabelRequirement.TryCreate(expression.Key ?? "", op, expression.Values, out var requirement, out error))
                {
                    selector = null;
                    return false;
                }
                requirements.Add(requirement);
            }
        }
        selector = new LabelSelector(SortByKey(requirements), matchesNothing: false);
        error = null;
        return true;
    }

    public bool Matches(IReadOnlyDictionary<string, string>? labels)
    {
        if (_matchesNothing)
        {
            return false;
        }
        foreach (var requirement in _requirements)
        {
            if (!requirement.Matches(labels))
            {
                return false;
            }
        }
        return true;
    }

    // RequiresExactMatch: the value a label must have when the selector pins it to one value
    // (key=v, key==v, key in (v)); lets the API server narrow a list by an indexed label.
    public bool TryGetExactMatch(string label, [NotNullWhen(true)] out string? value)
    {
        foreach (var requirement in _requirements)
        {
            if (requirement.Key != label)
            {
                continue;
            }
            if (requirement.Operator is LabelOperator.Equals or LabelOperator.DoubleEquals or LabelOperator.In &&
                requirement.Values.Count == 1)
            {
                value = requirement.Values[0];
                return true;
            }
            break;
        }
        value = null;
        return false;
    }

    public override string ToString() => string.Join(",", _requirements.Select(r => r.ToString()));

    private static LabelRequirement[] SortByKey(List<LabelRequirement> requirements)
    {
        var array = requirements.ToArray();
        // Stable, so requirements on the same key keep their written order.
        var sorted = array.Select((r, i) => (r, i))
            .OrderBy(p => p.r.Key, StringComparer.Ordinal)
            .ThenBy(p => p.i)
            .Select(p => p.r)
            .ToArray();
        return sorted;
    }
}

// One matchExpressions entry of a metav1.LabelSelector.
public sealed record LabelSelectorExpression(string? Key, string? Operator, IReadOnlyList<string>? Values);
