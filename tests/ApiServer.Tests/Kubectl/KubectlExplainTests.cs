using KubeNet.ApiServer.Tests.Infrastructure;

namespace KubeNet.ApiServer.Tests.Kubectl;

/// <summary>`kubectl explain` renders the server's OpenAPI v3 documents with kubectl's own template.</summary>
[Collection(ClusterCollection.Name)]
public sealed class KubectlExplainTests(ClusterFixture cluster)
{
    [Fact]
    public async Task Explain_a_nested_field_prints_group_kind_version_field_description_and_fields()
    {
        var lines = (await cluster.KubectlOkAsync("explain", "deployment.spec.strategy.rollingUpdate")).Split('\n');
        Assert.Equal(["GROUP:      apps", "KIND:       Deployment", "VERSION:    v1", ""], lines[..4]);
        Assert.Equal("FIELD: rollingUpdate <RollingUpdateDeployment>", lines[4]);

        var description = Array.IndexOf(lines, "DESCRIPTION:");
        var fields = Array.IndexOf(lines, "FIELDS:");
        Assert.True(description > 4 && fields > description, string.Join('\n', lines));
        // The field's own description, then the referenced type's.
        Assert.Equal("    Rolling update config params. Present only if DeploymentStrategyType =", lines[description + 1]);
        Assert.Contains("    Spec to control the desired behavior of rolling update.", lines[description..fields]);

        var fieldLines = lines[(fields + 1)..].Where(l => l.StartsWith("  ", StringComparison.Ordinal) && !l.StartsWith("    ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, fieldLines.Count);
        Assert.Equal(["  maxSurge\t<IntOrString>", "  maxUnavailable\t<IntOrString>"], fieldLines);
        Assert.Contains(lines, l => l.StartsWith("    The maximum number of pods that can be scheduled above the desired number of", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Explain_recursive_prints_the_field_tree_with_types()
    {
        var lines = (await cluster.KubectlOkAsync("explain", "pod.spec.containers", "--recursive")).Split('\n');
        Assert.Equal(["KIND:       Pod", "VERSION:    v1", ""], lines[..3]);
        Assert.Equal("FIELD: containers <[]Container>", lines[3]);
        var fields = Array.IndexOf(lines, "FIELDS:");
        Assert.True(fields > 0, string.Join('\n', lines));
        var tree = lines[(fields + 1)..];

        // Two-space indent per level, name TAB <type>.
        foreach (var expected in new[]
        {
            "  args\t<[]string>",
            "  env\t<[]EnvVar>",
            "    valueFrom\t<EnvVarSource>",
            "      configMapKeyRef\t<ConfigMapKeySelector>",
            "  image\t<string>",
            "  ports\t<[]ContainerPort>",
            "  resources\t<ResourceRequirements>",
            "    limits\t<map[string]Quantity>",
            "  securityContext\t<SecurityContext>",
            "    privileged\t<boolean>",
        })
        {
            Assert.Contains(expected, tree);
        }

        // Top-level fields are sorted by name.
        var top = tree.Where(l => l.Length > 2 && l[2] != ' ' && l.StartsWith("  ", StringComparison.Ordinal)).Select(l => l.Trim().Split('\t')[0]).ToList();
        Assert.Equal(top.Order(StringComparer.Ordinal), top);
        Assert.Contains("volumeMounts", top);

        // An unknown field is an error, as upstream.
        var bad = await cluster.KubectlAsync("explain", "pod.spec.nope");
        Assert.Equal(1, bad.ExitCode);
        Assert.Equal("error: field \"nope\" does not exist\n", bad.StdErr);
    }

    [Fact]
    public async Task Explain_marks_required_fields_as_upstream()
    {
        // Upstream schemas list required properties (Container.name, ContainerPort.containerPort, EnvVar.name) and
        // kubectl prints them with " -required-". Our schemas come from the client models, which do not say which
        // properties are required: this fails until the schema catalogue learns them.
        var tree = (await cluster.KubectlOkAsync("explain", "pod.spec.containers", "--recursive")).Split('\n');
        Assert.Contains("  name\t<string> -required-", tree);
        Assert.Contains("    containerPort\t<integer> -required-", tree);
        Assert.Contains("    name\t<string> -required-", tree);
    }
}
