using k8s;
using KubeNet.Controllers.Tests.Infrastructure;

namespace KubeNet.Controllers.Tests;

/// <summary>The all-in-one cluster the controller tests share: nodes register and a pod is scheduled and runs.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterSmokeTests(ClusterFixture cluster)
{
    [Fact]
    public async Task Simulated_nodes_are_ready_and_a_pod_runs()
    {
        var nodes = await cluster.KubectlOkAsync("get", "nodes", "--no-headers");
        Assert.Equal(ClusterFixture.NodeCount, nodes.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(l => l.Contains(" Ready ", StringComparison.Ordinal)));

        var ns = await cluster.CreateNamespaceAsync("smoke");
        await cluster.KubectlOkAsync("run", "web", "--image=busybox", "-n", ns);
        await cluster.KubectlOkAsync("wait", "--for=condition=Ready", "pod/web", "-n", ns, "--timeout=60s");
        var pod = await cluster.Client.CoreV1.ReadNamespacedPodAsync("web", ns);
        Assert.Equal("Running", pod.Status.Phase);
        Assert.StartsWith("hollow-node-", pod.Spec.NodeName, StringComparison.Ordinal);
    }
}
