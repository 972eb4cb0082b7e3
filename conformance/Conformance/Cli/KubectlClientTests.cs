using System.Text.RegularExpressions;
using KubeNet.Conformance.Framework;

namespace KubeNet.Conformance.Cli;

/// <summary>test/e2e/kubectl/kubectl.go: the scenarios that need only the API.</summary>
[Collection(ConformanceCollection.Name)]
public sealed partial class KubectlClientTests(ConformanceCluster cluster)
{
    [GeneratedRegex("\u001b\\[[0-9;]*m")]
    private static partial Regex AnsiEscape();

    [Fact(DisplayName = "[sig-cli] Kubectl client Kubectl api-versions should check if v1 is in available api versions [Conformance]")]
    public async Task ApiVersions()
    {
        var (exit, stdout, stderr) = await cluster.KubectlAsync("api-versions");
        Assert.True(exit == 0, stderr);
        Assert.Contains("v1", stdout.Split('\n', StringSplitOptions.TrimEntries));
    }

    [Fact(DisplayName = "[sig-cli] Kubectl client Kubectl cluster-info should check if Kubernetes control plane services is included in cluster-info [Conformance]")]
    public async Task ClusterInfo()
    {
        var (exit, stdout, stderr) = await cluster.KubectlAsync("cluster-info");
        Assert.True(exit == 0, stderr);
        var text = AnsiEscape().Replace(stdout, "");
        Assert.Contains("Kubernetes control plane", text, StringComparison.Ordinal);
        Assert.Contains("is running at", text, StringComparison.Ordinal);
    }

    [Fact(DisplayName = "[sig-cli] Kubectl client Kubectl version should check is all data is printed [Conformance]")]
    public async Task Version()
    {
        var (exit, stdout, stderr) = await cluster.KubectlAsync("version");
        Assert.True(exit == 0, stderr);
        foreach (var item in new[] { "Client Version: ", "Server Version: " })
        {
            Assert.Contains(item, stdout, StringComparison.Ordinal);
        }
    }
}
