using System.Text;

namespace KubeNet.SchedulerBench;

/// <summary>
/// Pods as scheduler_perf's pod-default.yaml: one pause container, requests and limits of 100m CPU and 500Mi memory,
/// no nodeName unless a baseline presets it.
/// </summary>
internal static class PodPayload
{
    public static string Name(long i) => "pod-" + i.ToString("D6", System.Globalization.CultureInfo.InvariantCulture);

    public static string NodeName(long i, int nodes, NodeShape shape = NodeShape.Simulated) => shape.Prefix() + (i % nodes).ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static byte[] Pod(string ns, string name, string? nodeName, string cpu = "100m", string memory = "500Mi")
    {
        var node = nodeName is null ? "" : $"\"nodeName\":\"{nodeName}\",";
        return Encoding.UTF8.GetBytes(
            "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"" + name + "\",\"namespace\":\"" + ns + "\",\"labels\":{\"bench\":\"scheduler\"}}," +
            "\"spec\":{" + node + "\"containers\":[{\"name\":\"pause\",\"image\":\"registry.k8s.io/pause:3.10\",\"ports\":[{\"containerPort\":80}]," +
            "\"resources\":{\"requests\":{\"cpu\":\"" + cpu + "\",\"memory\":\"" + memory + "\"},\"limits\":{\"cpu\":\"" + cpu + "\",\"memory\":\"" + memory + "\"}}}]}}");
    }
}
