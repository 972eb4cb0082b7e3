using System.Globalization;
using k8s.Models;

namespace KubeNet.Controllers.Common;

/// <summary>
/// Which pods a controller gives up first: controller.ActivePods and controller.ActivePodsWithRanks, with the
/// PodDeletionCost and LogarithmicScaleDown gates on as in 1.32. Pods preferred for deletion sort first:
/// <list type="number">
/// <item>unassigned before assigned;</item>
/// <item>Pending before Unknown before Running;</item>
/// <item>not ready before ready;</item>
/// <item>lower controller.kubernetes.io/pod-deletion-cost first;</item>
/// <item>higher rank (more related pods on the same node) first;</item>
/// <item>both ready: ready more recently first, compared in log2 buckets of time since (ties by UID);</item>
/// <item>more container restarts first (then restartable init container restarts);</item>
/// <item>created more recently first, compared in log2 buckets (ties by UID).</item>
/// </list>
/// </summary>
internal static class PodDeletionOrder
{
    public const string DeletionCostAnnotation = "controller.kubernetes.io/pod-deletion-cost";

    /// <summary>
    /// The first <paramref name="count"/> pods to delete of <paramref name="pods"/>, ranked by how many active
    /// <paramref name="related"/> pods share each one's node (replica_set.go getPodsToDelete).
    /// </summary>
    public static List<V1Pod> PodsToDelete(IReadOnlyList<V1Pod> pods, IReadOnlyList<V1Pod> related, int count, DateTime now)
    {
        if (count >= pods.Count)
        {
            return [.. pods];
        }

        var onNode = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var pod in related)
        {
            if (PodUtil.IsPodActive(pod))
            {
                var node = pod.Spec?.NodeName ?? string.Empty;
                onNode[node] = onNode.GetValueOrDefault(node) + 1;
            }
        }

        var ranked = pods.Select(p => (Pod: p, Rank: onNode.GetValueOrDefault(p.Spec?.NodeName ?? string.Empty))).ToList();
        return [.. Sort(ranked, now).Take(count).Select(r => r.Pod)];
    }

    /// <summary>Orders pods with ranks so the ones preferred for deletion come first.</summary>
    public static IEnumerable<(V1Pod Pod, int Rank)> Sort(IEnumerable<(V1Pod Pod, int Rank)> pods, DateTime now) =>
        pods.Order(Comparer<(V1Pod Pod, int Rank)>.Create((a, b) => Compare(a.Pod, a.Rank, b.Pod, b.Rank, now)));

    /// <summary>ActivePods (no ranks, no deletion cost, exact times): the order the job and other controllers use.</summary>
    public static int CompareActivePods(V1Pod a, V1Pod b)
    {
        if (Less(a, b))
        {
            return -1;
        }

        return Less(b, a) ? 1 : 0;

        static bool Less(V1Pod i, V1Pod j)
        {
            if (Assignment(i, j) is { } assigned)
            {
                return assigned;
            }

            var (pi, pj) = (PhaseOrdinal(i), PhaseOrdinal(j));
            if (pi != pj)
            {
                return pi < pj;
            }

            var (ri, rj) = (PodUtil.IsPodReady(i), PodUtil.IsPodReady(j));
            if (ri != rj)
            {
                return !ri;
            }

            if (ri && rj && ReadyTime(i) != ReadyTime(j))
            {
                return AfterOrZero(ReadyTime(i), ReadyTime(j));
            }

            var (ci, cj) = (MaxRestarts(i).Regular, MaxRestarts(j).Regular);
            if (ci != cj)
            {
                return ci > cj;
            }

            var (ti, tj) = (Created(i), Created(j));
            return ti != tj && AfterOrZero(ti, tj);
        }
    }

    /// <summary>Negative when <paramref name="a"/> should be deleted before <paramref name="b"/> (ActivePodsWithRanks.Less).</summary>
    public static int Compare(V1Pod a, int rankA, V1Pod b, int rankB, DateTime now)
    {
        if (Less(a, rankA, b, rankB, now))
        {
            return -1;
        }

        return Less(b, rankB, a, rankA, now) ? 1 : 0;
    }

    private static bool Less(V1Pod i, int rankI, V1Pod j, int rankJ, DateTime now)
    {
        if (Assignment(i, j) is { } assigned)
        {
            return assigned;
        }

        var (pi, pj) = (PhaseOrdinal(i), PhaseOrdinal(j));
        if (pi != pj)
        {
            return pi < pj;
        }

        var (ri, rj) = (PodUtil.IsPodReady(i), PodUtil.IsPodReady(j));
        if (ri != rj)
        {
            return !ri;
        }

        var (costI, costJ) = (DeletionCost(i), DeletionCost(j));
        if (costI != costJ)
        {
            return costI < costJ;
        }

        if (rankI != rankJ)
        {
            return rankI > rankJ;
        }

        if (ri && rj)
        {
            var (readyI, readyJ) = (ReadyTime(i), ReadyTime(j));
            if (readyI != readyJ)
            {
                return LogarithmicLess(i, readyI, j, readyJ, now);
            }
        }

        var (restartsI, restartsJ) = (MaxRestarts(i), MaxRestarts(j));
        if (restartsI.Regular != restartsJ.Regular)
        {
            return restartsI.Regular > restartsJ.Regular;
        }

        if (restartsI.Sidecar != restartsJ.Sidecar)
        {
            return restartsI.Sidecar > restartsJ.Sidecar;
        }

        var (createdI, createdJ) = (Created(i), Created(j));
        return createdI != createdJ && LogarithmicLess(i, createdI, j, createdJ, now);
    }

    // Only one of the two unassigned: that one first.
    private static bool? Assignment(V1Pod i, V1Pod j)
    {
        var (ni, nj) = (i.Spec?.NodeName ?? string.Empty, j.Spec?.NodeName ?? string.Empty);
        if (ni != nj && (ni.Length == 0 || nj.Length == 0))
        {
            return ni.Length == 0;
        }

        return null;
    }

    private static bool LogarithmicLess(V1Pod i, DateTime? ti, V1Pod j, DateTime? tj, DateTime now)
    {
        if (ti is null || tj is null)
        {
            return AfterOrZero(ti, tj);
        }

        var diff = LogarithmicRank(ti.Value, now) - LogarithmicRank(tj.Value, now);
        if (diff == 0)
        {
            return string.CompareOrdinal(i.Metadata?.Uid, j.Metadata?.Uid) < 0;
        }

        return diff < 0;
    }

    // floor(log2(nanoseconds since t)), -1 for a time not in the past: upstream's logarithmicRankDiff operands.
    private static long LogarithmicRank(DateTime t, DateTime now)
    {
        var elapsed = now - t;
        return elapsed > TimeSpan.Zero ? (long)Math.Log2(elapsed.Ticks * 100.0) : -1;
    }

    // A zero time counts as later than any other.
    private static bool AfterOrZero(DateTime? t1, DateTime? t2)
    {
        if (t1 is null || t2 is null)
        {
            return t1 is null;
        }

        return t1.Value > t2.Value;
    }

    private static int PhaseOrdinal(V1Pod pod) => pod.Status?.Phase switch
    {
        "Pending" => 0,
        "Unknown" => 1,
        "Running" => 2,
        _ => 0,
    };

    private static DateTime? ReadyTime(V1Pod pod)
    {
        var ready = PodUtil.GetPodCondition(pod, "Ready");
        return ready?.Status == "True" ? ready.LastTransitionTime?.ToUniversalTime() : null;
    }

    private static DateTime? Created(V1Pod pod) => pod.Metadata?.CreationTimestamp?.ToUniversalTime();

    /// <summary>The pod-deletion-cost annotation as an int32; absent or invalid counts as 0, as upstream.</summary>
    public static int DeletionCost(V1Pod pod) =>
        pod.Metadata?.Annotations?.TryGetValue(DeletionCostAnnotation, out var text) == true
        && int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var cost)
            ? cost
            : 0;

    private static (int Regular, int Sidecar) MaxRestarts(V1Pod pod)
    {
        var regular = 0;
        foreach (var status in pod.Status?.ContainerStatuses ?? [])
        {
            regular = Math.Max(regular, status.RestartCount);
        }

        var sidecar = 0;
        if (pod.Spec?.InitContainers is { Count: > 0 } init && pod.Status?.InitContainerStatuses is { Count: > 0 } initStatuses)
        {
            var sidecars = init.Where(c => c.RestartPolicy == "Always").Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
            foreach (var status in initStatuses)
            {
                if (sidecars.Contains(status.Name))
                {
                    sidecar = Math.Max(sidecar, status.RestartCount);
                }
            }
        }

        return (regular, sidecar);
    }
}
