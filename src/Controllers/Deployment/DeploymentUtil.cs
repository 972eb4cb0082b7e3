using System.Globalization;
using k8s.Models;
using KubeNet.Controllers.Common;

namespace KubeNet.Controllers.Deployment;

/// <summary>
/// pkg/controller/deployment/util: revisions and annotations, surge and unavailability arithmetic, proportions for
/// scaling during a rollout, and the rollout state tests. Pure functions of the objects they are given.
/// </summary>
internal static class DeploymentUtil
{
    public const string RevisionAnnotation = "deployment.kubernetes.io/revision";
    public const string RevisionHistoryAnnotation = "deployment.kubernetes.io/revision-history";
    public const string DesiredReplicasAnnotation = "deployment.kubernetes.io/desired-replicas";
    public const string MaxReplicasAnnotation = "deployment.kubernetes.io/max-replicas";

    /// <summary>apps.DeprecatedRollbackTo: the extensions/v1beta1 rollbackTo field, kept as an annotation.</summary>
    public const string RollbackToAnnotation = "deprecated.deployment.rollback.to";

    public const string LastAppliedConfigAnnotation = "kubectl.kubernetes.io/last-applied-configuration";

    /// <summary>Revision history annotations stop growing past this many characters.</summary>
    public const int MaxRevisionHistoryLengthInChars = 2000;

    // Condition reasons, as kubectl and users read them.
    public const string FoundNewRSReason = "FoundNewReplicaSet";
    public const string NewReplicaSetReason = "NewReplicaSetCreated";
    public const string NewRSAvailableReason = "NewReplicaSetAvailable";
    public const string ReplicaSetUpdatedReason = "ReplicaSetUpdated";
    public const string FailedRSCreateReason = "ReplicaSetCreateError";
    public const string TimedOutReason = "ProgressDeadlineExceeded";
    public const string PausedDeployReason = "DeploymentPaused";
    public const string ResumedDeployReason = "DeploymentResumed";
    public const string MinimumReplicasAvailable = "MinimumReplicasAvailable";
    public const string MinimumReplicasUnavailable = "MinimumReplicasUnavailable";
    public const string RollbackRevisionNotFound = "DeploymentRollbackRevisionNotFound";
    public const string RollbackTemplateUnchanged = "DeploymentRollbackTemplateUnchanged";
    public const string RollbackDone = "DeploymentRollback";

    public const string Available = "Available";
    public const string Progressing = "Progressing";
    public const string ReplicaFailure = "ReplicaFailure";

    /// <summary>Annotations a Deployment does not copy to its ReplicaSets, nor a rollback back from them.</summary>
    private static readonly HashSet<string> AnnotationsToSkip = new(StringComparer.Ordinal)
    {
        LastAppliedConfigAnnotation, RevisionAnnotation, RevisionHistoryAnnotation, DesiredReplicasAnnotation, MaxReplicasAnnotation,
        RollbackToAnnotation,
    };

    public static int Replicas(V1Deployment d) => d.Spec?.Replicas ?? 1;

    public static int Replicas(V1ReplicaSet? rs) => rs?.Spec?.Replicas ?? 0;

    public static bool IsRollingUpdate(V1Deployment d) => d.Spec?.Strategy?.Type == "RollingUpdate";

    public static bool IsRecreate(V1Deployment d) => d.Spec?.Strategy?.Type == "Recreate";

    public static bool HasProgressDeadline(V1Deployment d) => d.Spec?.ProgressDeadlineSeconds is { } s && s != int.MaxValue;

    public static bool HasRevisionHistoryLimit(V1Deployment d) => d.Spec?.RevisionHistoryLimit is { } l && l != int.MaxValue;

    // ---- surge and unavailability ----

    /// <summary>intstr.GetScaledValueFromIntOrPercent: a number, or a percentage of <paramref name="total"/> rounded up or down.</summary>
    public static int ScaledValue(IntOrString? value, int total, bool roundUp)
    {
        var text = value?.Value;
        if (string.IsNullOrEmpty(text))
        {
            return 0;
        }

        if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
        {
            return number;
        }

        if (text.EndsWith('%') && int.TryParse(text[..^1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var percent))
        {
            var scaled = percent * (double)total / 100;
            return (int)(roundUp ? Math.Ceiling(scaled) : Math.Floor(scaled));
        }

        throw new FormatException($"invalid value for IntOrString: invalid value \"{text}\"");
    }

    /// <summary>
    /// ResolveFenceposts: maxSurge rounds up, maxUnavailable rounds down, and when both come to 0 one pod may be
    /// unavailable, since a surge may be impossible (quota).
    /// </summary>
    public static (int Surge, int Unavailable) ResolveFenceposts(IntOrString? maxSurge, IntOrString? maxUnavailable, int desired)
    {
        var surge = ScaledValue(maxSurge, desired, roundUp: true);
        var unavailable = ScaledValue(maxUnavailable, desired, roundUp: false);
        if (surge == 0 && unavailable == 0)
        {
            unavailable = 1;
        }

        return (surge, unavailable);
    }

    public static int MaxSurge(V1Deployment d)
    {
        if (!IsRollingUpdate(d))
        {
            return 0;
        }

        var rolling = d.Spec.Strategy.RollingUpdate;
        return ResolveFenceposts(rolling?.MaxSurge, rolling?.MaxUnavailable, Replicas(d)).Surge;
    }

    public static int MaxUnavailable(V1Deployment d)
    {
        if (!IsRollingUpdate(d) || Replicas(d) == 0)
        {
            return 0;
        }

        var rolling = d.Spec.Strategy.RollingUpdate;
        var unavailable = ResolveFenceposts(rolling?.MaxSurge, rolling?.MaxUnavailable, Replicas(d)).Unavailable;
        return Math.Min(unavailable, Replicas(d));
    }

    /// <summary>
    /// NewRSNewReplicas: how big the new ReplicaSet may be now. Rolling: up to replicas + maxSurge pods in all,
    /// never past spec.replicas; Recreate: spec.replicas at once.
    /// </summary>
    public static int NewRSNewReplicas(V1Deployment d, IEnumerable<V1ReplicaSet?> allRSs, V1ReplicaSet newRS)
    {
        switch (d.Spec?.Strategy?.Type)
        {
            case "RollingUpdate":
                var maxSurge = ScaledValue(d.Spec.Strategy.RollingUpdate?.MaxSurge, Replicas(d), roundUp: true);
                var current = ReplicaCount(allRSs);
                var maxTotal = Replicas(d) + maxSurge;
                if (current >= maxTotal)
                {
                    return Replicas(newRS);
                }

                var scaleUp = Math.Min(maxTotal - current, Replicas(d) - Replicas(newRS));
                return Replicas(newRS) + scaleUp;
            case "Recreate":
                return Replicas(d);
            default:
                throw new InvalidOperationException($"deployment type {d.Spec?.Strategy?.Type} isn't supported");
        }
    }

    // ---- counts over ReplicaSets ----

    public static int ReplicaCount(IEnumerable<V1ReplicaSet?> sets) => sets.Sum(rs => rs?.Spec?.Replicas ?? 0);

    public static int ActualReplicaCount(IEnumerable<V1ReplicaSet?> sets) => sets.Sum(rs => rs?.Status?.Replicas ?? 0);

    public static int ReadyReplicaCount(IEnumerable<V1ReplicaSet?> sets) => sets.Sum(rs => rs?.Status?.ReadyReplicas ?? 0);

    public static int AvailableReplicaCount(IEnumerable<V1ReplicaSet?> sets) => sets.Sum(rs => rs?.Status?.AvailableReplicas ?? 0);

    /// <summary>controller.FilterActiveReplicaSets: those that have (or ought to have) pods.</summary>
    public static List<V1ReplicaSet> FilterActive(IEnumerable<V1ReplicaSet?> sets) => [.. sets.Where(rs => Replicas(rs) > 0).Select(rs => rs!)];

    // ---- proportional scaling ----

    /// <summary>
    /// GetProportion: the share of <paramref name="toAdd"/> a ReplicaSet gets, bounded so the running total
    /// (<paramref name="added"/>) never passes it.
    /// </summary>
    public static int GetProportion(V1ReplicaSet? rs, V1Deployment d, int toAdd, int added)
    {
        if (rs is null || Replicas(rs) == 0 || toAdd == 0 || toAdd == added)
        {
            return 0;
        }

        var fraction = ReplicaSetFraction(rs, d);
        var allowed = toAdd - added;
        return toAdd > 0 ? Math.Min(fraction, allowed) : Math.Max(fraction, allowed);
    }

    /// <summary>
    /// getReplicaSetFraction: the ReplicaSet scaled by the deployment's new size over the size it was last scaled for
    /// (its max-replicas annotation), minus what it has.
    /// </summary>
    private static int ReplicaSetFraction(V1ReplicaSet rs, V1Deployment d)
    {
        if (Replicas(d) == 0)
        {
            return -Replicas(rs);
        }

        var deploymentReplicas = Replicas(d) + MaxSurge(d);
        if (GetIntAnnotation(rs, MaxReplicasAnnotation) is not { } annotated)
        {
            // Without the annotation the current size stands in: not exact, but the bounds in GetProportion hold.
            annotated = d.Status?.Replicas ?? 0;
        }

        var newSize = (double)Replicas(rs) * deploymentReplicas / annotated;
        return RoundToInt32(newSize) - Replicas(rs);
    }

    // integer.RoundToInt32: halves away from zero.
    private static int RoundToInt32(double a) => a < 0 ? (int)(a - 0.5) : (int)(a + 0.5);

    public static int? GetIntAnnotation(V1ReplicaSet rs, string key) =>
        rs.Metadata?.Annotations?.TryGetValue(key, out var text) == true && int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : null;

    /// <summary>True when the desired-replicas and max-replicas annotations do not say these numbers.</summary>
    public static bool ReplicasAnnotationsNeedUpdate(V1ReplicaSet rs, int desired, int max)
    {
        var annotations = rs.Metadata?.Annotations;
        return annotations is null
            || annotations.ValueOrNull(DesiredReplicasAnnotation) != desired.ToString(CultureInfo.InvariantCulture)
            || annotations.ValueOrNull(MaxReplicasAnnotation) != max.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Writes desired-replicas and max-replicas; true when something changed.</summary>
    public static bool SetReplicasAnnotations(V1ReplicaSet rs, int desired, int max)
    {
        var annotations = rs.Metadata.Annotations ??= new Dictionary<string, string>();
        var updated = false;
        foreach (var (key, value) in new[] { (DesiredReplicasAnnotation, desired), (MaxReplicasAnnotation, max) })
        {
            var text = value.ToString(CultureInfo.InvariantCulture);
            if (annotations.ValueOrNull(key) != text)
            {
                annotations[key] = text;
                updated = true;
            }
        }

        return updated;
    }

    /// <summary>IsSaturated: the ReplicaSet has, wants and runs available exactly the deployment's replicas.</summary>
    public static bool IsSaturated(V1Deployment d, V1ReplicaSet? rs)
    {
        if (rs is null || GetIntAnnotation(rs, DesiredReplicasAnnotation) is not { } desired)
        {
            return false;
        }

        return Replicas(rs) == Replicas(d) && desired == Replicas(d) && (rs.Status?.AvailableReplicas ?? 0) == Replicas(d);
    }

    /// <summary>
    /// FindActiveOrLatest: the one ReplicaSet with replicas, or the newest when none has any; null when several have.
    /// </summary>
    public static V1ReplicaSet? FindActiveOrLatest(V1ReplicaSet? newRS, IReadOnlyList<V1ReplicaSet> oldRSs)
    {
        if (newRS is null && oldRSs.Count == 0)
        {
            return null;
        }

        var newestFirst = oldRSs.Order(ReplicaSetOrder.ByCreationTimestamp).Reverse().ToList();
        var active = FilterActive(newestFirst.Append(newRS));
        return active.Count switch
        {
            0 => newRS ?? newestFirst[0],
            1 => active[0],
            _ => null,
        };
    }

    // ---- revisions ----

    /// <summary>The revision annotation as a number; 0 when absent, null when unparsable.</summary>
    public static long? Revision(V1ObjectMeta? meta)
    {
        if (meta?.Annotations?.TryGetValue(RevisionAnnotation, out var text) != true)
        {
            return 0;
        }

        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) ? value : null;
    }

    public static long MaxRevision(IEnumerable<V1ReplicaSet?> sets) =>
        sets.Select(rs => Revision(rs?.Metadata) ?? 0).DefaultIfEmpty(0).Max();

    /// <summary>LastRevision: the second highest revision, the one `rollout undo` goes back to.</summary>
    public static long LastRevision(IEnumerable<V1ReplicaSet?> sets)
    {
        long max = 0, second = 0;
        foreach (var rs in sets)
        {
            if (Revision(rs?.Metadata) is not { } v)
            {
                continue;
            }

            if (v >= max)
            {
                second = max;
                max = v;
            }
            else if (v > second)
            {
                second = v;
            }
        }

        return second;
    }

    /// <summary>Sets the deployment's revision annotation; true when it changed.</summary>
    public static bool SetDeploymentRevision(V1Deployment d, string revision)
    {
        var annotations = d.Metadata.Annotations ??= new Dictionary<string, string>();
        if (annotations.ValueOrNull(RevisionAnnotation) == revision)
        {
            return false;
        }

        annotations[RevisionAnnotation] = revision;
        return true;
    }

    /// <summary>
    /// SetNewReplicaSetAnnotations: copies the deployment's annotations (but the skipped ones), raises the revision to
    /// <paramref name="newRevision"/> keeping the old one in revision-history (a rollback to this ReplicaSet), and on a
    /// ReplicaSet about to be created sets the replicas annotations. True when something changed.
    /// </summary>
    public static bool SetNewReplicaSetAnnotations(V1Deployment d, V1ReplicaSet newRS, string newRevision, bool exists, int historyLimitInChars)
    {
        var changed = CopyDeploymentAnnotationsToReplicaSet(d, newRS);
        var annotations = newRS.Metadata.Annotations ??= new Dictionary<string, string>();
        var hadRevision = annotations.TryGetValue(RevisionAnnotation, out var oldRevision);
        long oldValue = 0;
        if (hadRevision && !long.TryParse(oldRevision, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out oldValue))
        {
            if (!string.IsNullOrEmpty(oldRevision))
            {
                return false;
            }

            oldValue = 0;
        }

        if (!long.TryParse(newRevision, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var newValue))
        {
            return false;
        }

        if (oldValue < newValue)
        {
            annotations[RevisionAnnotation] = newRevision;
            changed = true;
        }

        if (hadRevision && oldValue < newValue)
        {
            var history = annotations.ValueOrNull(RevisionHistoryAnnotation) ?? string.Empty;
            if (history.Length == 0)
            {
                annotations[RevisionHistoryAnnotation] = oldRevision!;
            }
            else
            {
                var revisions = history.Split(',').ToList();
                var total = history.Length + oldRevision!.Length + 1;
                var start = 0;
                while (total > historyLimitInChars && start < revisions.Count)
                {
                    total -= revisions[start].Length + 1;
                    start++;
                }

                if (total <= historyLimitInChars)
                {
                    annotations[RevisionHistoryAnnotation] = string.Join(',', revisions.Skip(start).Append(oldRevision));
                }
            }
        }

        if (!exists && SetReplicasAnnotations(newRS, Replicas(d), Replicas(d) + MaxSurge(d)))
        {
            changed = true;
        }

        return changed;
    }

    private static bool CopyDeploymentAnnotationsToReplicaSet(V1Deployment d, V1ReplicaSet rs)
    {
        var changed = false;
        var target = rs.Metadata.Annotations ??= new Dictionary<string, string>();
        foreach (var (key, value) in d.Metadata.Annotations ?? new Dictionary<string, string>())
        {
            // The ReplicaSet's revision is the trustworthy one: the deployment's copy of it may be stale.
            if (AnnotationsToSkip.Contains(key) || (target.TryGetValue(key, out var existing) && existing == value))
            {
                continue;
            }

            target[key] = value;
            changed = true;
        }

        return changed;
    }

    /// <summary>SetDeploymentAnnotationsTo: a rollback takes the ReplicaSet's annotations, keeping the deployment's skipped ones.</summary>
    public static void SetDeploymentAnnotationsTo(V1Deployment d, V1ReplicaSet rollbackTo)
    {
        var kept = (d.Metadata.Annotations ?? new Dictionary<string, string>()).Where(kv => AnnotationsToSkip.Contains(kv.Key))
            .ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        foreach (var (key, value) in rollbackTo.Metadata.Annotations ?? new Dictionary<string, string>())
        {
            if (!AnnotationsToSkip.Contains(key))
            {
                kept[key] = value;
            }
        }

        d.Metadata.Annotations = kept;
    }

    /// <summary>SetFromReplicaSetTemplate: the deployment's template becomes the ReplicaSet's, without the hash label.</summary>
    public static void SetFromReplicaSetTemplate(V1Deployment d, V1PodTemplateSpec template)
    {
        var copy = Common.ObjectCopy.DeepCopy(template);
        copy.Metadata?.Labels?.Remove(PodTemplates.HashLabel);
        d.Spec.Template = copy;
    }

    /// <summary>The revision a rollback was asked for through the deprecated annotation; null when none (or invalid).</summary>
    public static long? GetRollbackTo(V1Deployment d) =>
        d.Metadata.Annotations?.TryGetValue(RollbackToAnnotation, out var text) == true && !string.IsNullOrEmpty(text)
        && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var revision)
            ? revision
            : null;

    // ---- finding the new and old ReplicaSets ----

    /// <summary>The oldest ReplicaSet whose template equals the deployment's (ignoring the hash label).</summary>
    public static V1ReplicaSet? FindNewReplicaSet(V1Deployment d, IEnumerable<V1ReplicaSet> sets) =>
        sets.Order(ReplicaSetOrder.ByCreationTimestamp).FirstOrDefault(rs => PodTemplates.EqualIgnoreHash(rs.Spec?.Template, d.Spec?.Template));

    /// <summary>Every ReplicaSet but the new one, oldest first; <c>Required</c> are those with replicas.</summary>
    public static (List<V1ReplicaSet> Required, List<V1ReplicaSet> All) FindOldReplicaSets(V1Deployment d, IEnumerable<V1ReplicaSet> sets)
    {
        var ordered = sets.Order(ReplicaSetOrder.ByCreationTimestamp).ToList();
        var newRS = FindNewReplicaSet(d, ordered);
        var all = ordered.Where(rs => newRS is null || rs.Metadata.Uid != newRS.Metadata.Uid).ToList();
        return ([.. all.Where(rs => Replicas(rs) != 0)], all);
    }

    // ---- rollout state ----

    /// <summary>DeploymentComplete: every replica updated and available, and the latest generation observed.</summary>
    public static bool DeploymentComplete(V1Deployment d, V1DeploymentStatus status) =>
        (status.UpdatedReplicas ?? 0) == Replicas(d)
        && (status.Replicas ?? 0) == Replicas(d)
        && (status.AvailableReplicas ?? 0) == Replicas(d)
        && (status.ObservedGeneration ?? 0) >= (d.Metadata.Generation ?? 0);

    /// <summary>DeploymentProgressing: more updated, ready or available replicas than last time, or fewer old ones.</summary>
    public static bool DeploymentProgressing(V1Deployment d, V1DeploymentStatus status)
    {
        var old = d.Status ?? new V1DeploymentStatus();
        var oldOld = (old.Replicas ?? 0) - (old.UpdatedReplicas ?? 0);
        var newOld = (status.Replicas ?? 0) - (status.UpdatedReplicas ?? 0);
        return (status.UpdatedReplicas ?? 0) > (old.UpdatedReplicas ?? 0)
            || newOld < oldOld
            || (status.ReadyReplicas ?? 0) > (old.ReadyReplicas ?? 0)
            || (status.AvailableReplicas ?? 0) > (old.AvailableReplicas ?? 0);
    }

    /// <summary>
    /// DeploymentTimedOut: no progress recorded within progressDeadlineSeconds of the Progressing condition's last
    /// update. A completed rollout never times out; one already timed out stays so.
    /// </summary>
    public static bool DeploymentTimedOut(V1Deployment d, V1DeploymentStatus status, DateTime now)
    {
        if (!HasProgressDeadline(d) || GetCondition(status, Progressing) is not { } condition)
        {
            return false;
        }

        if (condition.Reason == NewRSAvailableReason)
        {
            return false;
        }

        if (condition.Reason == TimedOutReason)
        {
            return true;
        }

        var from = condition.LastUpdateTime?.ToUniversalTime() ?? DateTime.MinValue;
        return from.AddSeconds(d.Spec.ProgressDeadlineSeconds!.Value) < now;
    }

    // ---- conditions ----

    public static V1DeploymentCondition NewCondition(string type, string status, string reason, string message, DateTime now) => new()
    {
        Type = type,
        Status = status,
        Reason = reason,
        Message = message,
        LastUpdateTime = now,
        LastTransitionTime = now,
    };

    public static V1DeploymentCondition? GetCondition(V1DeploymentStatus? status, string type) =>
        status?.Conditions?.FirstOrDefault(c => c.Type == type);

    /// <summary>
    /// SetDeploymentCondition: same status and reason leaves the condition alone; same status keeps its transition time.
    /// </summary>
    public static void SetCondition(V1DeploymentStatus status, V1DeploymentCondition condition)
    {
        var current = GetCondition(status, condition.Type);
        if (current is not null && current.Status == condition.Status && current.Reason == condition.Reason)
        {
            return;
        }

        if (current is not null && current.Status == condition.Status)
        {
            condition.LastTransitionTime = current.LastTransitionTime;
        }

        var conditions = status.Conditions?.Where(c => c.Type != condition.Type).ToList() ?? [];
        conditions.Add(condition);
        status.Conditions = conditions;
    }

    public static void RemoveCondition(V1DeploymentStatus status, string type)
    {
        var kept = status.Conditions?.Where(c => c.Type != type).ToList();
        status.Conditions = kept is { Count: > 0 } ? kept : null;
    }

    /// <summary>ReplicaSetToDeploymentCondition: a ReplicaSet's failure, reported on its deployment.</summary>
    public static V1DeploymentCondition FromReplicaSetCondition(V1ReplicaSetCondition c) => new()
    {
        Type = c.Type,
        Status = c.Status,
        Reason = c.Reason,
        Message = c.Message,
        LastTransitionTime = c.LastTransitionTime,
        LastUpdateTime = c.LastTransitionTime,
    };
}
