using System.Globalization;
using k8s.Models;
using KubeNet.Scheduler.Cache;

namespace KubeNet.Scheduler.Framework;

/// <summary>
/// A pod's hard node constraints, as component-helpers' RequiredNodeAffinity: every nodeSelector label must be on the
/// node, and at least one required node affinity term must match (terms are ORed, requirements within a term ANDed;
/// an empty term matches nothing).
/// </summary>
internal sealed class RequiredNodeAffinity
{
    private static readonly RequiredNodeAffinity None = new(null, null);

    private readonly KeyValuePair<string, string>[]? _nodeSelector;
    private readonly NodeSelectorTerm[]? _terms;

    private RequiredNodeAffinity(KeyValuePair<string, string>[]? nodeSelector, NodeSelectorTerm[]? terms)
    {
        _nodeSelector = nodeSelector;
        _terms = terms;
    }

    public bool IsEmpty => _nodeSelector is null && _terms is null;

    public static RequiredNodeAffinity For(V1Pod pod)
    {
        var selector = pod.Spec?.NodeSelector is { Count: > 0 } s ? s.ToArray() : null;
        var required = pod.Spec?.Affinity?.NodeAffinity?.RequiredDuringSchedulingIgnoredDuringExecution;
        var terms = required?.NodeSelectorTerms is { } t ? t.Select(NodeSelectorTerm.Compile).ToArray() : null;
        return selector is null && terms is null ? None : new RequiredNodeAffinity(selector, terms);
    }

    public bool Match(NodeInfo node) => Match(node.Labels, node.Name);

    public bool Match(IReadOnlyDictionary<string, string> labels, string nodeName)
    {
        if (_nodeSelector is not null)
        {
            foreach (var (key, value) in _nodeSelector)
            {
                if (!labels.TryGetValue(key, out var actual) || !string.Equals(actual, value, StringComparison.Ordinal))
                {
                    return false;
                }
            }
        }

        if (_terms is null)
        {
            return true;
        }

        foreach (var term in _terms)
        {
            if (term.Match(labels, nodeName))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>A compiled NodeSelectorTerm: label requirements and metadata.name field requirements.</summary>
internal sealed class NodeSelectorTerm
{
    private readonly Requirement[] _expressions;
    private readonly Requirement[] _fields;
    private readonly bool _valid;

    private NodeSelectorTerm(Requirement[] expressions, Requirement[] fields, bool valid)
    {
        _expressions = expressions;
        _fields = fields;
        _valid = valid;
    }

    public bool IsEmpty => _expressions.Length == 0 && _fields.Length == 0;

    public static NodeSelectorTerm Compile(V1NodeSelectorTerm term)
    {
        var valid = true;
        var expressions = (term.MatchExpressions ?? []).Select(r => Requirement.Compile(r, ref valid)).ToArray();
        var fields = (term.MatchFields ?? []).Select(r =>
        {
            // Only metadata.name with In/NotIn is a supported field requirement.
            if (r.Key != "metadata.name" || r.OperatorProperty is not ("In" or "NotIn"))
            {
                valid = false;
            }

            return Requirement.Compile(r, ref valid);
        }).ToArray();
        return new NodeSelectorTerm(expressions, fields, valid);
    }

    public bool Match(IReadOnlyDictionary<string, string> labels, string nodeName)
    {
        if (!_valid || IsEmpty)
        {
            return false;
        }

        foreach (var r in _expressions)
        {
            labels.TryGetValue(r.Key, out var value);
            if (!r.Matches(value))
            {
                return false;
            }
        }

        foreach (var r in _fields)
        {
            if (!r.Matches(nodeName))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The node names a metadata.name In requirement pins the term to, or null when the term does not pin any.</summary>
    public static HashSet<string>? PinnedNodeNames(V1NodeSelectorTerm term)
    {
        HashSet<string>? names = null;
        foreach (var r in term.MatchFields ?? [])
        {
            if (r.Key == "metadata.name" && r.OperatorProperty == "In")
            {
                var set = new HashSet<string>(r.Values ?? [], StringComparer.Ordinal);
                if (names is null)
                {
                    names = set;
                }
                else
                {
                    names.IntersectWith(set);
                }
            }
        }

        return names;
    }

    private sealed class Requirement
    {
        private Requirement(string key, string op, HashSet<string> values, long bound)
        {
            Key = key;
            Op = op;
            Values = values;
            Bound = bound;
        }

        public string Key { get; }

        private string Op { get; }

        private HashSet<string> Values { get; }

        private long Bound { get; }

        public static Requirement Compile(V1NodeSelectorRequirement r, ref bool valid)
        {
            var values = new HashSet<string>(r.Values ?? [], StringComparer.Ordinal);
            long bound = 0;
            switch (r.OperatorProperty)
            {
                case "In" or "NotIn":
                    valid &= values.Count > 0;
                    break;
                case "Exists" or "DoesNotExist":
                    valid &= values.Count == 0;
                    break;
                case "Gt" or "Lt":
                    valid &= r.Values is { Count: 1 } && long.TryParse(r.Values[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out bound);
                    break;
                default:
                    valid = false;
                    break;
            }

            return new Requirement(r.Key ?? string.Empty, r.OperatorProperty ?? string.Empty, values, bound);
        }

        /// <summary>Matches the label value (null when the label is absent).</summary>
        public bool Matches(string? value) => Op switch
        {
            "In" => value is not null && Values.Contains(value),
            "NotIn" => value is null || !Values.Contains(value),
            "Exists" => value is not null,
            "DoesNotExist" => value is null,
            "Gt" => value is not null && long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v > Bound,
            "Lt" => value is not null && long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var w) && w < Bound,
            _ => false,
        };
    }
}

/// <summary>Helpers on tolerations and taints (v1helper.TolerationsTolerateTaint and friends).</summary>
internal static class Taints
{
    /// <summary>Toleration.ToleratesTaint: effect and key match when set; Exists matches any value, Equal (or empty) the same value.</summary>
    public static bool Tolerates(V1Toleration toleration, V1Taint taint)
    {
        if (!string.IsNullOrEmpty(toleration.Effect) && toleration.Effect != taint.Effect)
        {
            return false;
        }

        if (!string.IsNullOrEmpty(toleration.Key) && toleration.Key != taint.Key)
        {
            return false;
        }

        return toleration.OperatorProperty switch
        {
            null or "" or "Equal" => (toleration.Value ?? string.Empty) == (taint.Value ?? string.Empty),
            "Exists" => true,
            _ => false,
        };
    }

    public static bool TolerationsTolerate(IList<V1Toleration>? tolerations, V1Taint taint)
    {
        if (tolerations is null)
        {
            return false;
        }

        foreach (var t in tolerations)
        {
            if (Tolerates(t, taint))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The first NoSchedule or NoExecute taint the pod does not tolerate, or null.</summary>
    public static V1Taint? FirstUntoleratedNoSchedule(IReadOnlyList<V1Taint> taints, IList<V1Toleration>? tolerations)
    {
        foreach (var taint in taints)
        {
            if (taint.Effect is "NoSchedule" or "NoExecute" && !TolerationsTolerate(tolerations, taint))
            {
                return taint;
            }
        }

        return null;
    }
}
