using k8s;
using k8s.Models;
using KubeNet.Conformance.Framework;
using static KubeNet.Conformance.Node.NodeSteps;

namespace KubeNet.Conformance.Node;

/// <summary>test/e2e/common/node/expansion.go.</summary>
[Collection(NodeCollection.Name)]
public sealed class VariableExpansionTests(NodeCluster cluster)
{
    private Kubernetes Client => cluster.Client;

    [Fact(DisplayName = "[sig-node] Variable Expansion should allow composing env vars into new env vars [NodeConformance] [Conformance]")]
    public async Task ComposeEnv()
    {
        var ns = await cluster.CreateNamespaceAsync("var-expansion");
        var pod = Pod(Unique("var-expansion"), "dapi-container", "sh", "-c", "env");
        pod.Spec.Containers[0].Env =
        [
            new V1EnvVar { Name = "FOO", Value = "foo-value" },
            new V1EnvVar { Name = "BAR", Value = "bar-value" },
            new V1EnvVar { Name = "FOOBAR", Value = "$(FOO);;$(BAR)" },
        ];
        await ExpectOutputAsync(Client, ns, pod, "FOO=foo-value", "BAR=bar-value", "FOOBAR=foo-value;;bar-value");
    }

    [Fact(DisplayName = "[sig-node] Variable Expansion should allow substituting values in a container's command [NodeConformance] [Conformance]")]
    public async Task SubstituteInCommand()
    {
        var ns = await cluster.CreateNamespaceAsync("var-expansion");
        var pod = Pod(Unique("var-expansion"), "dapi-container", "sh", "-c", "TEST_VAR=wrong echo \"$(TEST_VAR)\"");
        pod.Spec.Containers[0].Env = [new V1EnvVar { Name = "TEST_VAR", Value = "test-value" }];
        await ExpectOutputAsync(Client, ns, pod, "test-value");
    }

    [Fact(DisplayName = "[sig-node] Variable Expansion should allow substituting values in a container's args [NodeConformance] [Conformance]")]
    public async Task SubstituteInArgs()
    {
        var ns = await cluster.CreateNamespaceAsync("var-expansion");
        var pod = Pod(Unique("var-expansion"), "dapi-container", "sh", "-c");
        pod.Spec.Containers[0].Args = ["TEST_VAR=wrong echo \"$(TEST_VAR)\""];
        pod.Spec.Containers[0].Env = [new V1EnvVar { Name = "TEST_VAR", Value = "test-value" }];
        await ExpectOutputAsync(Client, ns, pod, "test-value");
    }

    [Fact(DisplayName = "[sig-node] Variable Expansion should allow substituting values in a volume subpath [Conformance]")]
    public async Task SubstituteInSubpath()
    {
        var ns = await cluster.CreateNamespaceAsync("var-expansion");
        var pod = Pod(Unique("var-expansion"), "dapi-container", "sh", "-c", "test -d /subpath_mount");
        var container = pod.Spec.Containers[0];
        container.Env = [new V1EnvVar { Name = "POD_NAME", Value = "foo" }];
        container.VolumeMounts =
        [
            new V1VolumeMount { Name = "workdir1", MountPath = "/logscontainer", SubPathExpr = "$(POD_NAME)" },
            new V1VolumeMount { Name = "workdir1", MountPath = "/testcontainer" },
        ];
        pod.Spec.Volumes = [new V1Volume { Name = "workdir1", EmptyDir = new V1EmptyDirVolumeSource() }];
        container.Command = ["sh", "-c", "test -d /testcontainer/foo && echo ok"];
        await ExpectOutputAsync(Client, ns, pod, "ok");
    }
}
