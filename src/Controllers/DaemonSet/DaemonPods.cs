using System.Buffers.Binary;
using System.Globalization;
using k8s.Models;
using KubeNet.Controllers.History;
using KubeNet.Controllers.Workloads;

namespace KubeNet.Controllers.DaemonSet;

/// <summary>pkg/controller/daemon/util: the template of daemon pods, their placement on one node, and update counts.</summary>
internal static class DaemonPods
{
    public const string TemplateGenerationLabel = "pod-template-generation";
    public const string TemplateGenerationAnnotation = "deprecated.daemonset.template.generation";

    /// <summary>The tolerations every daemon pod gets (AddOrUpdateDaemonPodTolerations), after the template's own.</summary>
    public static List<V1Toleration> WithDaemonTolerations(V1PodSpec spec)
    {
        var tolerations = new List<V1Toleration>((spec.Tolerations ?? []).Select(Objects.DeepCopy));
        AddOrUpdate(tolerations, new V1Toleration { Key = "node.kubernetes.io/not-ready", OperatorProperty = "Exists", Effect = "NoExecute" });
        AddOrUpdate(tolerations, new V1Toleration { Key = "node.kubernetes.io/unreachable", OperatorProperty = "Exists", Effect = "NoExecute" });
        AddOrUpdate(tolerations, new V1Toleration { Key = "node.kubernetes.io/disk-pressure", OperatorProperty = "Exists", Effect = "NoSchedule" });
        AddOrUpdate(tolerations, new V1Toleration { Key = "node.kubernetes.io/memory-pressure", OperatorProperty = "Exists", Effect = "NoSchedule" });
        AddOrUpdate(tolerations, new V1Toleration { Key = "node.kubernetes.io/pid-pressure", OperatorProperty = "Exists", Effect = "NoSchedule" });
        AddOrUpdate(tolerations, new V1Toleration { Key = "node.kubernetes.io/unschedulable", OperatorProperty = "Exists", Effect = "NoSchedule" });
        if (spec.HostNetwork == true)
        {
            AddOrUpdate(tolerations, new V1Toleration { Key = "node.kubernetes.io/network-unavailable", OperatorProperty = "Exists", Effect = "NoSchedule" });
        }

        return tolerations;
    }

    // AddOrUpdateTolerationInPodSpec: a toleration with the same key, operator, value and effect is replaced.
    private static void AddOrUpdate(List<V1Toleration> tolerations, V1Toleration toleration)
    {
        for (var i = 0; i < tolerations.Count; i++)
        {
            var t = tolerations[i];
            if (t.Key == toleration.Key && t.Effect == toleration.Effect && t.OperatorProperty == toleration.OperatorProperty && t.Value == toleration.Value)
            {
                tolerations[i] = toleration;
                return;
            }
        }

        tolerations.Add(toleration);
    }

    /// <summary>CreatePodTemplate: daemon tolerations plus the generation and revision-hash labels.</summary>
    public static V1PodTemplateSpec PodTemplate(V1PodTemplateSpec template, long? generation, string hash)
    {
        var copy = Objects.DeepCopy(template);
        copy.Spec ??= new V1PodSpec();
        copy.Spec.Tolerations = WithDaemonTolerations(copy.Spec);
        copy.Metadata ??= new V1ObjectMeta();
        var labels = copy.Metadata.Labels ??= new Dictionary<string, string>();
        if (generation is { } value)
        {
            labels[TemplateGenerationLabel] = value.ToString(CultureInfo.InvariantCulture);
        }

        if (hash.Length > 0)
        {
            labels[Revisions.PodRevisionLabel] = hash;
        }

        return copy;
    }

    /// <summary>
    /// ReplaceDaemonSetPodNodeNameNodeAffinity: the required node affinity becomes exactly "metadata.name In [node]",
    /// which pins the pod to its node through the scheduler.
    /// </summary>
    public static V1Affinity PinToNode(V1Affinity? affinity, string nodeName)
    {
        var term = new V1NodeSelectorTerm
        {
            MatchFields = [new V1NodeSelectorRequirement { Key = "metadata.name", OperatorProperty = "In", Values = [nodeName] }],
        };
        affinity ??= new V1Affinity();
        affinity.NodeAffinity ??= new V1NodeAffinity();
        affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution ??= new V1NodeSelector();
        affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms = [term];
        return affinity;
    }

    /// <summary>GetTargetNodeName: the bound node, else the node the affinity pins the pod to.</summary>
    public static string? TargetNodeName(V1Pod pod)
    {
        if (!string.IsNullOrEmpty(pod.Spec?.NodeName))
        {
            return pod.Spec.NodeName;
        }

        var terms = pod.Spec?.Affinity?.NodeAffinity?.RequiredDuringSchedulingIgnoredDuringExecution?.NodeSelectorTerms;
        if (terms is not { Count: 1 })
        {
            return null;
        }

        foreach (var requirement in terms[0].MatchFields ?? [])
        {
            if (requirement.Key == "metadata.name" && requirement.OperatorProperty == "In" && requirement.Values is { Count: 1 } values)
            {
                return values[0];
            }
        }

        return null;
    }

    public static long? TemplateGeneration(V1DaemonSet ds) =>
        ds.Metadata.Annotations is { } annotations && annotations.TryGetValue(TemplateGenerationAnnotation, out var text)
            && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) ? value : null;

    /// <summary>IsPodUpdated: the pod carries the current revision hash or template generation.</summary>
    public static bool IsUpdated(V1Pod pod, string hash, long? generation)
    {
        var labels = pod.Metadata.Labels;
        var templateMatches = generation is { } g && labels is not null && labels.TryGetValue(TemplateGenerationLabel, out var gen)
            && gen == g.ToString(CultureInfo.InvariantCulture);
        var hashMatches = hash.Length > 0 && labels is not null && labels.TryGetValue(Revisions.PodRevisionLabel, out var h) && h == hash;
        return hashMatches || templateMatches;
    }

    /// <summary>SurgeCount: maxSurge scaled to the nodes to schedule, rounding up; 0 unless RollingUpdate.</summary>
    public static int SurgeCount(V1DaemonSet ds, int numberToSchedule) =>
        ds.Spec.UpdateStrategy?.Type == "RollingUpdate" && ds.Spec.UpdateStrategy.RollingUpdate?.MaxSurge is { } surge
            ? Scaled(surge, numberToSchedule) : 0;

    /// <summary>UnavailableCount: maxUnavailable scaled, rounding up; 0 unless RollingUpdate.</summary>
    public static int UnavailableCount(V1DaemonSet ds, int numberToSchedule) =>
        ds.Spec.UpdateStrategy?.Type == "RollingUpdate" && ds.Spec.UpdateStrategy.RollingUpdate is { } rolling
            ? Scaled(rolling.MaxUnavailable, numberToSchedule) : 0;

    public static bool AllowsSurge(V1DaemonSet ds) => SurgeCount(ds, 1) != 0;

    // intstr.GetScaledValueFromIntOrPercent with roundUp.
    private static int Scaled(IntOrString? value, int total)
    {
        var text = value?.Value ?? "0";
        if (text.EndsWith('%'))
        {
            return (int)Math.Ceiling(int.Parse(text.AsSpan(0, text.Length - 1), CultureInfo.InvariantCulture) * total / 100.0);
        }

        return int.Parse(text, CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// controller.ComputeHash: FNV-1a of the template (Go's spew dump upstream, its canonical JSON here) and the
    /// collision count, safe-encoded.
    /// </summary>
    public static string ComputeHash(V1PodTemplateSpec template, int? collisionCount)
    {
        var hash = Revisions.Fnv1a(GoJson.Encode(GoJson.TemplateNode(template)));
        if (collisionCount is { } count)
        {
            Span<byte> bytes = stackalloc byte[8];
            BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)count);
            hash = Revisions.Fnv1a(bytes, hash);
        }

        return Revisions.SafeEncode(hash.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>podByCreationTimestampAndPhase: scheduled first, then oldest, then by name.</summary>
    public static int ByCreationTimestampAndPhase(V1Pod a, V1Pod b)
    {
        var aScheduled = !string.IsNullOrEmpty(a.Spec?.NodeName);
        var bScheduled = !string.IsNullOrEmpty(b.Spec?.NodeName);
        if (aScheduled != bScheduled)
        {
            return aScheduled ? -1 : 1;
        }

        var aCreated = a.Metadata.CreationTimestamp ?? DateTime.MinValue;
        var bCreated = b.Metadata.CreationTimestamp ?? DateTime.MinValue;
        return aCreated == bCreated ? string.CompareOrdinal(a.Metadata.Name, b.Metadata.Name) : aCreated.CompareTo(bCreated);
    }
}
