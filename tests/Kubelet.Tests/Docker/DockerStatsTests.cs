using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using k8s;
using k8s.Models;
using KubeNet.Kubelet.Tests.Simulation;

namespace KubeNet.Kubelet.Tests.Docker;

/// <summary>Resource usage on a real node: the kubelet's /stats/summary through metrics.k8s.io to `kubectl top`.</summary>
[Collection(DockerNodeCollection.Name)]
public sealed partial class DockerStatsTests(DockerNodeFixture node)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [GeneratedRegex(@"^bb\s+\d+m\s+\d+Mi\s*$", RegexOptions.Multiline)]
    private static partial Regex PodRow();

    [Fact]
    public async Task KubectlTopShowsTheNodeAndTheBusyboxPod()
    {
        var ns = "kt-" + Guid.NewGuid().ToString("N")[..8];
        await node.Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
        await node.Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "bb", Labels = new Dictionary<string, string> { ["app"] = "top" } },
            Spec = new V1PodSpec
            {
                NodeName = node.NodeName,
                TerminationGracePeriodSeconds = 1,
                Containers = [new V1Container { Name = "main", Image = "busybox", Command = ["sh", "-c", "while true; do i=0; while [ $i -lt 500 ]; do i=$((i+1)); done; sleep 0.1; done"] }],
            },
        }, ns);
        var env = node.ClientEnvironment;

        // metrics-server answers only once it has two samples; so does the kubelet's summary.
        var pods = await Eventually.Get(async () =>
        {
            var (code, output) = await DockerNodeFixture.RunAsync("/usr/bin/kubectl", env, null, "top", "pods", "-n", ns);
            return code == 0 && PodRow().IsMatch(output) ? output : null;
        }, Timeout, "kubectl top pods shows bb");
        Assert.StartsWith("NAME", pods, StringComparison.Ordinal);

        var nodes = await Eventually.Get(async () =>
        {
            var (code, output) = await DockerNodeFixture.RunAsync("/usr/bin/kubectl", env, null, "top", "nodes");
            return code == 0 && output.Contains(node.NodeName, StringComparison.Ordinal) ? output : null;
        }, Timeout, "kubectl top nodes shows the node");
        var row = nodes.Split('\n').Single(l => l.StartsWith(node.NodeName + " ", StringComparison.Ordinal));
        Assert.Matches(@"^\S+\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%$", row.Trim());

        // The counting loop shows as real CPU use, the raw API has the container, and a selector narrows the list.
        // Each request reads the kubelet's latest summary, which may lack a container between two samples: ask again.
        var raw = await Eventually.Get(async () =>
        {
            var (code, output) = await DockerNodeFixture.RunAsync("/usr/bin/kubectl", env, null, "get", "--raw", $"/apis/metrics.k8s.io/v1beta1/namespaces/{ns}/pods/bb");
            return code == 0 ? output : null;
        }, Timeout, "PodMetrics of bb through the raw API");
        var metrics = JsonNode.Parse(raw)!;
        Assert.Equal("PodMetrics", (string?)metrics["kind"]);
        Assert.Equal("main", (string?)metrics["containers"]![0]!["name"]);
        var cpu = (string)metrics["containers"]![0]!["usage"]!["cpu"]!;
        Assert.True(ulong.Parse(cpu.TrimEnd('n'), System.Globalization.CultureInfo.InvariantCulture) > 1_000_000, $"a counting shell uses more than 1m: {cpu}");
        var (_, none) = await DockerNodeFixture.RunAsync("/usr/bin/kubectl", env, null, "get", "--raw", $"/apis/metrics.k8s.io/v1beta1/namespaces/{ns}/pods?labelSelector=app%3Dother");
        Assert.Empty(JsonNode.Parse(none)!["items"]!.AsArray());
        var (missingCode, missing) = await DockerNodeFixture.RunAsync("/usr/bin/kubectl", env, null, "top", "pod", "-n", ns, "absent");
        Assert.NotEqual(0, missingCode);
        Assert.Contains("not found", missing, StringComparison.Ordinal);
        await node.Client.CoreV1.DeleteNamespacedPodAsync("bb", ns, new V1DeleteOptions { GracePeriodSeconds = 0 });
    }
}
