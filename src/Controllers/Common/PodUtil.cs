using k8s.Models;

namespace KubeNet.Controllers.Common;

/// <summary>pkg/api/v1/pod (IsPodReady, IsPodAvailable) and controller.IsPodActive / FilterActivePods.</summary>
internal static class PodUtil
{
    /// <summary>Not finished and not being deleted: a pod that counts towards a controller's replicas.</summary>
    public static bool IsPodActive(V1Pod pod) =>
        pod.Status?.Phase is not ("Succeeded" or "Failed") && pod.Metadata?.DeletionTimestamp is null;

    public static List<V1Pod> FilterActivePods(IEnumerable<V1Pod> pods) => [.. pods.Where(IsPodActive)];

    public static V1PodCondition? GetPodCondition(V1Pod pod, string type)
    {
        if (pod.Status?.Conditions is not { } conditions)
        {
            return null;
        }

        foreach (var condition in conditions)
        {
            if (condition.Type == type)
            {
                return condition;
            }
        }

        return null;
    }

    public static bool IsPodReady(V1Pod pod) => GetPodCondition(pod, "Ready")?.Status == "True";

    /// <summary>Ready for at least <paramref name="minReadySeconds"/> (strictly longer, as upstream compares with Before).</summary>
    public static bool IsPodAvailable(V1Pod pod, int minReadySeconds, DateTime now)
    {
        var ready = GetPodCondition(pod, "Ready");
        if (ready?.Status != "True")
        {
            return false;
        }

        if (minReadySeconds == 0)
        {
            return true;
        }

        return ready.LastTransitionTime is { } since && since.ToUniversalTime().AddSeconds(minReadySeconds) < now;
    }

    /// <summary>controller.PodKey: "namespace/name".</summary>
    public static string PodKey(V1Pod pod) => pod.Metadata.NamespaceProperty + "/" + pod.Metadata.Name;
}
