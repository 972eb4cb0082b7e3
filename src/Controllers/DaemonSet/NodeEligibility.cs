using System.Globalization;
using k8s.Models;

namespace KubeNet.Controllers.DaemonSet;

/// <summary>
/// Whether a DaemonSet's pod belongs on a node (daemon_controller.go NodeShouldRunDaemonPod and its predicates): the
/// template's nodeName, nodeSelector and required node affinity must match the node, and every NoSchedule or
/// NoExecute taint must be tolerated, counting the tolerations every daemon pod gets.
/// </summary>
internal static class NodeEligibility
{
    /// <summary>
    /// shouldRun: a pod should be started here; shouldContinueRunning: a pod already here may stay (it is only pushed
    /// out by untolerated NoExecute taints).
    /// </summary>
    public static (bool ShouldRun, bool ShouldContinueRunning) ShouldRunDaemonPod(V1Node node, V1DaemonSet ds)
    {
        var template = ds.Spec?.Template?.Spec ?? new V1PodSpec();
        if (!string.IsNullOrEmpty(template.NodeName) && template.NodeName != node.Metadata.Name)
        {
            return (false, false);
        }

        var tolerations = DaemonPods.WithDaemonTolerations(template);
        if (!MatchesNodeSelectorAndAffinity(template, node))
        {
            return (false, false);
        }

        var taints = node.Spec?.Taints ?? [];
        if (FindUntoleratedTaint(taints, tolerations, t => t.Effect is "NoExecute" or "NoSchedule") is null)
        {
            return (true, true);
        }

        // A pod already running stays unless a NoExecute taint it does not tolerate evicts it.
        return (false, FindUntoleratedTaint(taints, tolerations, t => t.Effect == "NoExecute") is null);
    }

    /// <summary>nodeaffinity.GetRequiredNodeAffinity(pod).Match(node): nodeSelector and the required terms.</summary>
    public static bool MatchesNodeSelectorAndAffinity(V1PodSpec spec, V1Node node)
    {
        var labels = node.Metadata.Labels ?? new Dictionary<string, string>();
        foreach (var (key, value) in spec.NodeSelector ?? new Dictionary<string, string>())
        {
            if (!labels.TryGetValue(key, out var actual) || actual != value)
            {
                return false;
            }
        }

        var required = spec.Affinity?.NodeAffinity?.RequiredDuringSchedulingIgnoredDuringExecution;
        return required is null || MatchesNodeSelectorTerms(required.NodeSelectorTerms ?? [], node);
    }

    /// <summary>Terms are ORed; a term ANDs its requirements and, empty, matches nothing.</summary>
    public static bool MatchesNodeSelectorTerms(IEnumerable<V1NodeSelectorTerm> terms, V1Node node)
    {
        var labels = node.Metadata.Labels ?? new Dictionary<string, string>();
        var fields = new Dictionary<string, string> { ["metadata.name"] = node.Metadata.Name };
        foreach (var term in terms)
        {
            var expressions = term.MatchExpressions ?? [];
            var matchFields = term.MatchFields ?? [];
            if (expressions.Count == 0 && matchFields.Count == 0)
            {
                continue;
            }

            if (expressions.All(r => Matches(r, labels)) && matchFields.All(r => r.Key == "metadata.name" && r.OperatorProperty is "In" or "NotIn" && Matches(r, fields)))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Matches(V1NodeSelectorRequirement requirement, IDictionary<string, string> values)
    {
        var present = values.TryGetValue(requirement.Key, out var value);
        var candidates = requirement.Values ?? [];
        switch (requirement.OperatorProperty)
        {
            case "In":
                return present && candidates.Contains(value!);
            case "NotIn":
                return !present || !candidates.Contains(value!);
            case "Exists":
                return present;
            case "DoesNotExist":
                return !present;
            case "Gt" or "Lt":
                if (!present || candidates.Count != 1
                    || !long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var actual)
                    || !long.TryParse(candidates[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var bound))
                {
                    return false;
                }

                return requirement.OperatorProperty == "Gt" ? actual > bound : actual < bound;
            default:
                return false;
        }
    }

    /// <summary>v1helper.FindMatchingUntoleratedTaint.</summary>
    public static V1Taint? FindUntoleratedTaint(IEnumerable<V1Taint> taints, IReadOnlyList<V1Toleration> tolerations, Func<V1Taint, bool> filter)
    {
        foreach (var taint in taints)
        {
            if (filter(taint) && !tolerations.Any(t => Tolerates(t, taint)))
            {
                return taint;
            }
        }

        return null;
    }

    /// <summary>Toleration.ToleratesTaint: an empty key with Exists tolerates every taint.</summary>
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
}
