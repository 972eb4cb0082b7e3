using k8s;
using k8s.Models;
using KubeNet.Kubelet.Tests.Simulation;

namespace KubeNet.Kubelet.Tests.Docker;

/// <summary>
/// kubectl's remote commands on the real node beyond WebSocket exec: exec over the SPDY/3.1 fallback, attach -i over
/// both transports, and cp of a directory into a pod and back (tar through exec), bytes compared.
/// </summary>
[Collection(DockerNodeCollection.Name)]
public sealed class RemoteCommandTests(DockerNodeFixture node)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task SpdyExecAttachAndCopyWorkThroughKubectl()
    {
        var ns = "kt-" + Guid.NewGuid().ToString("N")[..8];
        await node.Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
        await node.Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "att" },
            Spec = new V1PodSpec
            {
                NodeName = node.NodeName,
                TerminationGracePeriodSeconds = 1,
                Containers = [new V1Container { Name = "main", Image = "busybox", Stdin = true, Command = ["sh", "-c", "while read l; do echo \"got $l\"; done"] }],
            },
        }, ns);
        await Eventually.Get(async () => (await node.Client.CoreV1.ReadNamespacedPodAsync("att", ns)).Status?.Phase == "Running" ? "running" : null, Timeout, "att Running");

        var spdy = new Dictionary<string, string?>(node.ClientEnvironment) { ["KUBECTL_REMOTE_COMMAND_WEBSOCKETS"] = "false" };
        var (code, output) = await DockerNodeFixture.RunAsync("/usr/bin/kubectl", spdy, null, "exec", "-n", ns, "att", "--", "sh", "-c", "echo out; echo err >&2; exit 3");
        Assert.Equal(3, code);
        Assert.Contains("out\n", output, StringComparison.Ordinal);
        Assert.Contains("err\n", output, StringComparison.Ordinal);
        Assert.Contains("command terminated with exit code 3", output, StringComparison.Ordinal);
        (code, output) = await DockerNodeFixture.RunAsync("/usr/bin/kubectl", spdy, "piped over spdy\n", "exec", "-i", "-n", ns, "att", "--", "cat");
        Assert.True(code == 0, output);
        Assert.Equal("piped over spdy\n", output);

        // attach -i: the line goes to the container's stdin and its answer comes back, over WebSocket and over SPDY.
        foreach (var websockets in new[] { "true", "false" })
        {
            var env = new Dictionary<string, string?>(node.ClientEnvironment) { ["KUBECTL_REMOTE_COMMAND_WEBSOCKETS"] = websockets };
            (code, output) = await DockerNodeFixture.RunAsync("bash", env, null, "-c", $"(echo line-{websockets}; sleep 2) | /usr/bin/kubectl attach -i -n {ns} att");
            Assert.True(code == 0, output);
            Assert.Contains($"got line-{websockets}\n", output, StringComparison.Ordinal);
        }

        // cp: a directory with a binary file and a subdirectory, in and back out, identical.
        var dir = Path.Combine(Path.GetTempPath(), "kt-cp-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            Directory.CreateDirectory(Path.Combine(dir, "src", "sub"));
            var bytes = new byte[200_000];
            new Random(7).NextBytes(bytes);
            await File.WriteAllBytesAsync(Path.Combine(dir, "src", "data.bin"), bytes);
            await File.WriteAllTextAsync(Path.Combine(dir, "src", "sub", "a.txt"), "hello\n");
            (code, output) = await DockerNodeFixture.RunAsync("/usr/bin/kubectl", node.ClientEnvironment, null, "cp", Path.Combine(dir, "src"), $"{ns}/att:/tmp/copied");
            Assert.True(code == 0, output);
            (code, output) = await DockerNodeFixture.RunAsync("/usr/bin/kubectl", node.ClientEnvironment, null, "cp", $"{ns}/att:/tmp/copied", Path.Combine(dir, "back"));
            Assert.True(code == 0, output);
            Assert.Equal(bytes, await File.ReadAllBytesAsync(Path.Combine(dir, "back", "data.bin")));
            Assert.Equal("hello\n", await File.ReadAllTextAsync(Path.Combine(dir, "back", "sub", "a.txt")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
