using System.Globalization;
using System.Text.RegularExpressions;
using k8s.Models;
using KubeNet.ApiMachinery.Json;
using KubeNet.ApiMachinery.Patch;
using KubeNet.Controllers.History;
using KubeNet.Controllers.Workloads;

namespace KubeNet.Controllers.StatefulSet;

/// <summary>stateful_set_utils.go: stable identities, storage, revisions and readiness of a StatefulSet's pods.</summary>
internal static partial class StatefulPods
{
    public const string PodNameLabel = "statefulset.kubernetes.io/pod-name";
    public const string PodIndexLabel = "apps.kubernetes.io/pod-index";
    private const string PatchDefinition = "io.k8s.api.apps.v1.StatefulSet";

    [GeneratedRegex("^(.*)-([0-9]+)$", RegexOptions.CultureInvariant)]
    private static partial Regex ParentAndOrdinal();

    /// <summary>getParentNameAndOrdinal: "web-2" is ordinal 2 of "web"; anything else has ordinal -1.</summary>
    public static (string Parent, int Ordinal) ParentNameAndOrdinal(string name)
    {
        var match = ParentAndOrdinal().Match(name);
        if (!match.Success)
        {
            return (string.Empty, -1);
        }

        return (match.Groups[1].Value,
            int.TryParse(match.Groups[2].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var ordinal) ? ordinal : -1);
    }

    public static int Ordinal(V1Pod pod) => ParentNameAndOrdinal(pod.Metadata.Name).Ordinal;

    public static int StartOrdinal(V1StatefulSet set) => set.Spec.Ordinals?.Start ?? 0;

    public static int EndOrdinal(V1StatefulSet set) => StartOrdinal(set) + (set.Spec.Replicas ?? 1) - 1;

    public static bool InOrdinalRange(V1Pod pod, V1StatefulSet set)
    {
        var ordinal = Ordinal(pod);
        return ordinal >= StartOrdinal(set) && ordinal <= EndOrdinal(set);
    }

    public static string PodName(V1StatefulSet set, int ordinal) => set.Metadata.Name + "-" + ordinal.ToString(CultureInfo.InvariantCulture);

    /// <summary>getPersistentVolumeClaimName: "template-set-ordinal".</summary>
    public static string ClaimName(V1StatefulSet set, V1PersistentVolumeClaim template, int ordinal) =>
        template.Metadata.Name + "-" + set.Metadata.Name + "-" + ordinal.ToString(CultureInfo.InvariantCulture);

    public static bool IsMemberOf(V1StatefulSet set, V1Pod pod) => ParentNameAndOrdinal(pod.Metadata.Name).Parent == set.Metadata.Name;

    /// <summary>identityMatches: name, namespace and the pod-name label fit the ordinal.</summary>
    public static bool IdentityMatches(V1StatefulSet set, V1Pod pod)
    {
        var (parent, ordinal) = ParentNameAndOrdinal(pod.Metadata.Name);
        return ordinal >= 0 && parent == set.Metadata.Name && pod.Metadata.Name == PodName(set, ordinal)
            && pod.Metadata.NamespaceProperty == set.Metadata.NamespaceProperty
            && pod.Metadata.Labels is { } labels && labels.TryGetValue(PodNameLabel, out var label) && label == pod.Metadata.Name;
    }

    /// <summary>storageMatches: every claim template is mounted from the claim of this ordinal.</summary>
    public static bool StorageMatches(V1StatefulSet set, V1Pod pod)
    {
        var ordinal = Ordinal(pod);
        if (ordinal < 0)
        {
            return false;
        }

        var volumes = (pod.Spec.Volumes ?? []).GroupBy(v => v.Name).ToDictionary(g => g.Key, g => g.Last());
        foreach (var template in set.Spec.VolumeClaimTemplates ?? [])
        {
            if (!volumes.TryGetValue(template.Metadata.Name, out var volume)
                || volume.PersistentVolumeClaim?.ClaimName != ClaimName(set, template, ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>getPersistentVolumeClaims: the claims of one pod by template name, labelled with the set's selector.</summary>
    public static Dictionary<string, V1PersistentVolumeClaim> Claims(V1StatefulSet set, V1Pod pod)
    {
        var ordinal = Ordinal(pod);
        var claims = new Dictionary<string, V1PersistentVolumeClaim>(StringComparer.Ordinal);
        foreach (var template in set.Spec.VolumeClaimTemplates ?? [])
        {
            var claim = Objects.DeepCopy(template);
            claim.ApiVersion = "v1";
            claim.Kind = "PersistentVolumeClaim";
            claim.Metadata.Name = ClaimName(set, template, ordinal);
            claim.Metadata.NamespaceProperty = set.Metadata.NamespaceProperty;
            claim.Status = null;
            var labels = claim.Metadata.Labels ?? new Dictionary<string, string>();
            foreach (var (key, value) in set.Spec.Selector?.MatchLabels ?? new Dictionary<string, string>())
            {
                labels[key] = value;
            }

            claim.Metadata.Labels = labels;
            claims[template.Metadata.Name] = claim;
        }

        return claims;
    }

    /// <summary>updateStorage: claim volumes replace same-named volumes of the template.</summary>
    public static void UpdateStorage(V1StatefulSet set, V1Pod pod)
    {
        var claims = Claims(set, pod);
        var volumes = claims.Select(c => new V1Volume
        {
            Name = c.Key,
            PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = c.Value.Metadata.Name, ReadOnlyProperty = false },
        }).ToList();
        volumes.AddRange((pod.Spec.Volumes ?? []).Where(v => !claims.ContainsKey(v.Name)));
        pod.Spec.Volumes = volumes;
    }

    /// <summary>updateIdentity: name, namespace, the pod-name label and the pod-index label.</summary>
    public static void UpdateIdentity(V1StatefulSet set, V1Pod pod)
    {
        var ordinal = Ordinal(pod);
        pod.Metadata.Name = PodName(set, ordinal);
        pod.Metadata.NamespaceProperty = set.Metadata.NamespaceProperty;
        var labels = pod.Metadata.Labels ??= new Dictionary<string, string>();
        labels[PodNameLabel] = pod.Metadata.Name;
        labels[PodIndexLabel] = ordinal.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>newStatefulSetPod: the template under the set's controller reference, with identity and storage.</summary>
    public static V1Pod NewPod(V1StatefulSet set, int ordinal)
    {
        var pod = PodControl.PodFromTemplate(set.Spec.Template, set.Metadata,
            Objects.NewControllerRef(set.Metadata, StatefulSetController.ApiVersion, StatefulSetController.Kind));
        pod.Metadata.GenerateName = null;
        pod.Metadata.Name = PodName(set, ordinal);
        UpdateIdentity(set, pod);

        // Hostname and subdomain are set once, at creation.
        pod.Spec.Hostname = pod.Metadata.Name;
        pod.Spec.Subdomain = set.Spec.ServiceName;
        UpdateStorage(set, pod);
        return pod;
    }

    /// <summary>
    /// newVersionedStatefulSetPod: ordinals below the partition (or below the current replica count while a rolling
    /// update without partition is under way) are made at the current revision, the rest at the update revision.
    /// </summary>
    public static V1Pod NewVersionedPod(V1StatefulSet currentSet, V1StatefulSet updateSet, string currentRevision, string updateRevision, int ordinal)
    {
        var strategy = currentSet.Spec.UpdateStrategy;
        var rolling = strategy?.Type == "RollingUpdate";
        var start = StartOrdinal(currentSet);
        if ((rolling && strategy!.RollingUpdate is null && ordinal < start + (currentSet.Status?.CurrentReplicas ?? 0))
            || (strategy?.RollingUpdate is { } update && ordinal < start + (update.Partition ?? 0)))
        {
            var current = NewPod(currentSet, ordinal);
            SetRevision(current, currentRevision);
            return current;
        }

        var pod = NewPod(updateSet, ordinal);
        SetRevision(pod, updateRevision);
        return pod;
    }

    public static void SetRevision(V1Pod pod, string revision) =>
        (pod.Metadata.Labels ??= new Dictionary<string, string>())[Revisions.PodRevisionLabel] = revision;

    public static string Revision(V1Pod pod) =>
        pod.Metadata.Labels is { } labels && labels.TryGetValue(Revisions.PodRevisionLabel, out var revision) ? revision : string.Empty;

    public static bool IsCreated(V1Pod pod) => !string.IsNullOrEmpty(pod.Status?.Phase);

    public static bool IsPending(V1Pod pod) => pod.Status?.Phase == "Pending";

    public static bool IsFailed(V1Pod pod) => pod.Status?.Phase == "Failed";

    public static bool IsSucceeded(V1Pod pod) => pod.Status?.Phase == "Succeeded";

    public static bool IsTerminating(V1Pod pod) => pod.Metadata.DeletionTimestamp is not null;

    public static bool IsRunningAndReady(V1Pod pod) => pod.Status?.Phase == "Running" && Pods.IsReady(pod);

    public static bool IsRunningAndAvailable(V1Pod pod, int minReadySeconds, DateTime now) => Pods.IsAvailable(pod, minReadySeconds, now);

    public static bool IsHealthy(V1Pod pod) => IsRunningAndReady(pod) && !IsTerminating(pod);

    /// <summary>isUnavailable: not available, or being deleted.</summary>
    public static bool IsUnavailable(V1Pod pod, int minReadySeconds, DateTime now) =>
        !IsRunningAndAvailable(pod, minReadySeconds, now) || IsTerminating(pod);

    public static bool AllowsBurst(V1StatefulSet set) => set.Spec.PodManagementPolicy == "Parallel";

    /// <summary>getPatch: the revision data restoring the set's template.</summary>
    public static byte[] Patch(V1StatefulSet set) => GoJson.TemplatePatch(set.Spec.Template);

    /// <summary>newRevision: a ControllerRevision of the set's template, carrying the set's annotations.</summary>
    public static V1ControllerRevision NewRevision(V1StatefulSet set, long revision, int collisionCount)
    {
        var result = Revisions.New(set.Metadata, StatefulSetController.ApiVersion, StatefulSetController.Kind,
            set.Spec.Template?.Metadata?.Labels, Patch(set), revision, collisionCount);
        var annotations = result.Metadata.Annotations ?? new Dictionary<string, string>();
        foreach (var (key, value) in set.Metadata.Annotations ?? new Dictionary<string, string>())
        {
            annotations[key] = value;
        }

        result.Metadata.Annotations = annotations.Count > 0 ? annotations : null;
        return result;
    }

    /// <summary>ApplyRevision: the set with the revision's patch applied, as the set looked at that revision.</summary>
    public static V1StatefulSet ApplyRevision(V1StatefulSet set, V1ControllerRevision revision)
    {
        var original = KubeJson.ToNode(set, typeof(V1StatefulSet));
        var result = StrategicMergePatch.Apply(original, Revisions.Data(revision), PatchDefinition);
        if (!result.Succeeded || result.Document is null)
        {
            throw new InvalidOperationException($"applying revision {revision.Metadata.Name}: {result.Message}");
        }

        return (V1StatefulSet)KubeJson.FromNode(result.Document, typeof(V1StatefulSet))!;
    }

    /// <summary>nextRevision: one past the highest revision number (revisions sorted).</summary>
    public static long NextRevision(List<V1ControllerRevision> sorted) => sorted.Count == 0 ? 1 : (sorted[^1].Revision ?? 0) + 1;

    /// <summary>getStatefulSetMaxUnavailable: an int or a percentage rounded down, at least 1.</summary>
    public static int MaxUnavailable(IntOrString? value, int replicas)
    {
        var text = value?.Value ?? "1";
        int result;
        if (text.EndsWith('%'))
        {
            result = (int)Math.Floor(int.Parse(text.AsSpan(0, text.Length - 1), CultureInfo.InvariantCulture) * replicas / 100.0);
        }
        else
        {
            result = int.Parse(text, CultureInfo.InvariantCulture);
        }

        return Math.Max(1, result);
    }

    public static bool SameStatus(V1StatefulSetStatus? a, V1StatefulSetStatus b) =>
        a is not null && (a.ObservedGeneration ?? 0) >= (b.ObservedGeneration ?? 0) && a.Replicas == b.Replicas
        && (a.CurrentReplicas ?? 0) == (b.CurrentReplicas ?? 0) && (a.ReadyReplicas ?? 0) == (b.ReadyReplicas ?? 0)
        && (a.UpdatedReplicas ?? 0) == (b.UpdatedReplicas ?? 0) && a.CurrentRevision == b.CurrentRevision
        && (a.AvailableReplicas ?? 0) == (b.AvailableReplicas ?? 0) && a.UpdateRevision == b.UpdateRevision;
}
