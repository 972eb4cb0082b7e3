using System.Globalization;
using System.Text;

namespace KubeNet.SchedulerBench;

/// <summary>
/// How the nodes of a SchedulingBasic run exist. Upstream scheduler_perf creates plain Node objects (capacity, the
/// Ready condition) and runs no kubelet, so the API server serves only the pods, their bindings and Events. Our
/// simulated nodes also renew a Lease every 10 s (500 writes/s for 5,000 nodes) and report every bound pod Running.
/// </summary>
internal enum NodeShape
{
    /// <summary>Node objects created by the benchmark, as scheduler_perf's node-default.yaml; nothing runs them.</summary>
    Objects,

    /// <summary>`kube-net server --hollow-nodes N`: Leases, node status and every pod driven to Running.</summary>
    Simulated,
}

internal static class NodeShapes
{
    public static string Prefix(this NodeShape shape) => shape == NodeShape.Objects ? "node-" : "hollow-node-";

    public static string Describe(this NodeShape shape) => shape == NodeShape.Objects
        ? "Node objects created by the benchmark (scheduler_perf's shape: no kubelet, no Leases, pods stay bound and Pending)"
        : "`--hollow-nodes` simulated nodes (Leases renewed every 10 s, every bound pod reported Running)";

    /// <summary>A Ready node with the simulated nodes' capacity (4 CPU, 16Gi, 110 pods) and their zone labels.</summary>
    public static byte[] Node(int index, int zones = 3)
    {
        var name = NodeShape.Objects.Prefix() + index.ToString(CultureInfo.InvariantCulture);
        var zone = "zone-" + (char)('a' + index % zones);
        const string resources = "{\"cpu\":\"4\",\"memory\":\"16Gi\",\"pods\":\"110\",\"ephemeral-storage\":\"100Gi\"}";
        return Encoding.UTF8.GetBytes(
            "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"" + name + "\",\"labels\":{" +
            "\"kubernetes.io/hostname\":\"" + name + "\",\"kubernetes.io/os\":\"linux\",\"kubernetes.io/arch\":\"amd64\"," +
            "\"topology.kubernetes.io/region\":\"region-1\",\"topology.kubernetes.io/zone\":\"" + zone + "\"}}," +
            "\"spec\":{},\"status\":{\"capacity\":" + resources + ",\"allocatable\":" + resources + "," +
            "\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\",\"reason\":\"KubeletReady\",\"message\":\"scheduler_perf node\"}],\"phase\":\"Running\"}}");
    }
}
