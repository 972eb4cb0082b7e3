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
        if (nodeInfo.ImageStates.Count > 0)
        {
            var totalNodes = handle.Snapshot.NumNodes;
            foreach (var container in (spec!.InitContainers ?? []).Concat(spec.Containers ?? []))
            {
                if (container.Image is { } image && nodeInfo.ImageStates.TryGetValue(Normalize(image), out var imageState) && totalNodes > 0)
                {
                    sum += (long)(imageState.Size * ((double)imageState.NumNodes / totalNodes));
                }
            }
        }

        var maxThreshold = MaxContainerThreshold * containers;
        sum = Math.Clamp(sum, MinThreshold, maxThreshold);
        return IScorePlugin.MaxNodeScore * (sum - MinThreshold) / (maxThreshold - MinThreshold);
    }

    /// <summary>An image without a tag means :latest, as node status reports it.</summary>
    internal static string Normalize(string name) =>
        name.LastIndexOf(':') <= name.LastIndexOf('/') ? name + ":latest" : name;
}
