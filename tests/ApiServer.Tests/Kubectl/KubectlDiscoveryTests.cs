using System.Text.Json;
using KubeNet.ApiServer.Tests.Infrastructure;

namespace KubeNet.ApiServer.Tests.Kubectl;

/// <summary>Stock kubectl 1.32 against the server: version, discovery and cluster-info.</summary>
[Collection(ClusterCollection.Name)]
public sealed class KubectlDiscoveryTests(ClusterFixture cluster)
{
    [Fact]
    public async Task Version_prints_client_and_server_version_1_32()
    {
        var text = await cluster.KubectlOkAsync("version");
        Assert.Contains("Client Version: v1.32", text, StringComparison.Ordinal);
        Assert.Contains("Server Version: v1.32", text, StringComparison.Ordinal);

        using var json = JsonDocument.Parse(await cluster.KubectlOkAsync("version", "-o", "json"));
        var server = json.RootElement.GetProperty("serverVersion");
        Assert.Equal("1", server.GetProperty("major").GetString());
        Assert.Equal("32", server.GetProperty("minor").GetString());
        Assert.StartsWith("v1.32.", server.GetProperty("gitVersion").GetString(), StringComparison.Ordinal);
        Assert.Equal("linux/amd64", server.GetProperty("platform").GetString());
    }

    public static TheoryData<string, string> GroupsAndOneResource => new()
    {
        { "", "pods" },
        { "apps", "deployments" },
        { "batch", "jobs" },
        { "autoscaling", "horizontalpodautoscalers" },
        { "policy", "poddisruptionbudgets" },
        { "networking.k8s.io", "ingresses" },
        { "rbac.authorization.k8s.io", "clusterroles" },
        { "storage.k8s.io", "storageclasses" },
        { "coordination.k8s.io", "leases" },
        { "discovery.k8s.io", "endpointslices" },
        { "events.k8s.io", "events" },
        { "scheduling.k8s.io", "priorityclasses" },
        { "node.k8s.io", "runtimeclasses" },
        { "certificates.k8s.io", "certificatesigningrequests" },
        { "admissionregistration.k8s.io", "validatingwebhookconfigurations" },
        { "apiextensions.k8s.io", "customresourcedefinitions" },
        { "flowcontrol.apiserver.k8s.io", "flowschemas" },
    };

    [Theory]
    [MemberData(nameof(GroupsAndOneResource))]
    public async Task ApiResources_lists_the_group(string group, string resource)
    {
        var names = (await cluster.KubectlOkAsync("api-resources", "-o", "name"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains(group.Length == 0 ? resource : $"{resource}.{group}", names);

        var inGroup = await cluster.KubectlOkAsync("api-resources", "--api-group", group, "--no-headers");
        Assert.Contains(resource, inGroup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApiResources_shows_short_names_scope_and_kind_like_kube_apiserver()
    {
        var lines = (await cluster.KubectlOkAsync("api-resources")).Split('\n');
        Assert.StartsWith("NAME", lines[0], StringComparison.Ordinal);
        var columns = lines.Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        Assert.Contains(columns, c => c.SequenceEqual(["pods", "po", "v1", "true", "Pod"]));
        Assert.Contains(columns, c => c.SequenceEqual(["deployments", "deploy", "apps/v1", "true", "Deployment"]));
        Assert.Contains(columns, c => c.SequenceEqual(["namespaces", "ns", "v1", "false", "Namespace"]));
        Assert.Contains(columns, c => c.SequenceEqual(["customresourcedefinitions", "crd,crds", "apiextensions.k8s.io/v1", "false", "CustomResourceDefinition"]));
    }

    [Fact]
    public async Task ApiVersions_lists_v1_and_every_group_version()
    {
        var versions = (await cluster.KubectlOkAsync("api-versions")).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var expected in new[]
        {
            "v1", "apps/v1", "batch/v1", "autoscaling/v1", "autoscaling/v2", "policy/v1", "networking.k8s.io/v1",
            "rbac.authorization.k8s.io/v1", "storage.k8s.io/v1", "coordination.k8s.io/v1", "discovery.k8s.io/v1",
            "events.k8s.io/v1", "scheduling.k8s.io/v1", "node.k8s.io/v1", "certificates.k8s.io/v1",
            "admissionregistration.k8s.io/v1", "apiextensions.k8s.io/v1", "flowcontrol.apiserver.k8s.io/v1",
        })
        {
            Assert.Contains(expected, versions);
        }
    }

    [Fact]
    public async Task ClusterInfo_names_the_control_plane_url()
    {
        // kubectl colours the names; the upstream conformance test strips the escapes too.
        var text = System.Text.RegularExpressions.Regex.Replace(await cluster.KubectlOkAsync("cluster-info"), "\u001b\\[[0-9;]*m", "");
        Assert.Contains($"Kubernetes control plane is running at {cluster.Server.Url}", text, StringComparison.Ordinal);
    }
}
