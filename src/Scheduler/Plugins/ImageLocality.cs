using KubeNet.Scheduler.Cache;
using KubeNet.Scheduler.Framework;

namespace KubeNet.Scheduler.Plugins;

/// <summary>
/// ImageLocality: prefers nodes that already hold the pod's images, weighing each image by its size and by how widely
/// it is spread (an image on every node says little), between 23 MB and 1000 MB per container.
/// </summary>
internal sealed class ImageLocality(IFrameworkHandle handle) : IScorePlugin
{
    public const string PluginName = "ImageLocality";
    private const long Mb = 1024 * 1024;
    private const long MinThreshold = 23 * Mb;
    private const long MaxContainerThreshold = 1000 * Mb;

    public string Name => PluginName;

    public IScoreExtensions? ScoreExtensions => null;

    public long Score(CycleState state, PodInfo pod, NodeInfo nodeInfo)
    {
        var spec = pod.Pod.Spec;
        var containers = (spec?.Containers?.Count ?? 0) + (spec?.InitContainers?.Count ?? 0);
        if (containers == 0)
        {
            return 0;
        }

        long sum = 0;
        var totalNodes = handle.Snapshot.NumNodes;
        if (nodeInfo.ImageStates.Count > 0 && totalNodes > 0)
        {
            sum = Sum(spec!.InitContainers, nodeInfo, totalNodes) + Sum(spec.Containers, nodeInfo, totalNodes);
        }

        var maxThreshold = MaxContainerThreshold * containers;
        sum = Math.Clamp(sum, MinThreshold, maxThreshold);
        return IScorePlugin.MaxNodeScore * (sum - MinThreshold) / (maxThreshold - MinThreshold);
    }

    // Runs for every scored node: plain loops, no enumerator allocations.
    private static long Sum(IList<k8s.Models.V1Container>? containers, NodeInfo nodeInfo, int totalNodes)
    {
        long sum = 0;
        for (var i = 0; i < (containers?.Count ?? 0); i++)
        {
            if (containers![i].Image is { } image && nodeInfo.ImageStates.TryGetValue(Normalize(image), out var imageState))
            {
                sum += (long)(imageState.Size * ((double)imageState.NumNodes / totalNodes));
            }
        }

        return sum;
    }

    /// <summary>An image without a tag means :latest, as node status reports it.</summary>
    internal static string Normalize(string name) =>
        name.LastIndexOf(':') <= name.LastIndexOf('/') ? name + ":latest" : name;
}
