using k8s.Models;

namespace KubeNet.Controllers.Workloads;

/// <summary>pkg/api/v1/pod and the pod filters of pkg/controller/controller_utils.go.</summary>
internal static class Pods
{
    public static V1PodCondition? Condition(V1Pod pod, string type) => pod.Status?.Conditions?.FirstOrDefault(c => c.Type == type);

    public static bool IsReady(V1Pod pod) => Condition(pod, "Ready")?.Status == "True";

    /// <summary>podutil.IsPodAvailable: ready for at least <paramref name="minReadySeconds"/>.</summary>
    public static bool IsAvailable(V1Pod pod, int minReadySeconds, DateTime now)
    {
        var ready = Condition(pod, "Ready");
        if (ready?.Status != "True")
        {
            return false;
        }

        return minReadySeconds == 0
            || (ready.LastTransitionTime is { } since && since.AddSeconds(minReadySeconds) < now);
    }

    public static bool IsTerminal(V1Pod pod) => pod.Status?.Phase is "Succeeded" or "Failed";

    /// <summary>controller.IsPodActive: not finished and not being deleted.</summary>
    public static bool IsActive(V1Pod pod) => !IsTerminal(pod) && pod.Metadata.DeletionTimestamp is null;

    /// <summary>controller.IsPodTerminating: being deleted but not finished.</summary>
    public static bool IsTerminating(V1Pod pod) => !IsTerminal(pod) && pod.Metadata.DeletionTimestamp is not null;

    public static List<V1Pod> FilterActive(IEnumerable<V1Pod> pods) => pods.Where(IsActive).ToList();

    public static int CountTerminating(IEnumerable<V1Pod> pods) => pods.Count(IsTerminating);

    public static bool HasFinalizer(V1Pod pod, string finalizer) => pod.Metadata.Finalizers?.Contains(finalizer) == true;
}

/// <summary>
/// controller.ActivePods: the order in which pods are the cheapest to delete: unassigned before assigned, pending
/// before unknown before running, not ready before ready, ready for less time before longer, more restarts before
/// fewer, newer before older.
/// </summary>
internal sealed class ActivePodsComparer : IComparer<V1Pod>
{
    public static readonly ActivePodsComparer Instance = new();

    public int Compare(V1Pod? x, V1Pod? y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        var xAssigned = !string.IsNullOrEmpty(x.Spec?.NodeName);
        var yAssigned = !string.IsNullOrEmpty(y.Spec?.NodeName);
        if (xAssigned != yAssigned)
        {
            return xAssigned ? 1 : -1;
        }

        var xPhase = PhaseOrdinal(x.Status?.Phase);
        var yPhase = PhaseOrdinal(y.Status?.Phase);
        if (xPhase != yPhase)
        {
            return xPhase.CompareTo(yPhase);
        }

        var xReady = Pods.IsReady(x);
        var yReady = Pods.IsReady(y);
        if (xReady != yReady)
        {
            return xReady ? 1 : -1;
        }

        if (xReady && yReady)
        {
            var xSince = Pods.Condition(x, "Ready")?.LastTransitionTime;
            var ySince = Pods.Condition(y, "Ready")?.LastTransitionTime;
            if (xSince != ySince)
            {
                // Ready for less time sorts first: a later transition time, and an unknown one before any.
                if (xSince is null || ySince is null)
                {
                    return xSince is null ? -1 : 1;
                }

                return ySince.Value.CompareTo(xSince.Value);
            }
        }

        var xRestarts = MaxRestarts(x);
        var yRestarts = MaxRestarts(y);
        if (xRestarts != yRestarts)
        {
            return yRestarts.CompareTo(xRestarts);
        }

        var xCreated = x.Metadata.CreationTimestamp;
        var yCreated = y.Metadata.CreationTimestamp;
        if (xCreated != yCreated)
        {
            if (xCreated is null || yCreated is null)
            {
                return xCreated is null ? -1 : 1;
            }

            return yCreated.Value.CompareTo(xCreated.Value);
        }

        return 0;
    }

    private static int PhaseOrdinal(string? phase) => phase switch
    {
        "Pending" => 0,
        "Unknown" => 1,
        "Running" => 2,
        _ => 0,
    };

    private static int MaxRestarts(V1Pod pod)
    {
        var max = 0;
        foreach (var status in pod.Status?.ContainerStatuses ?? [])
        {
            max = Math.Max(max, status.RestartCount);
        }

        return max;
    }
}
