using k8s;

namespace KubeNet.Kubelet.Tests.Containerd;

/// <summary>Our kubelet against containerd's CRI plugin, observed through stock kubectl.</summary>
[Collection(ContainerdNodeCollection.Name)]
public sealed class ContainerdNodeTests(ContainerdNodeFixture node)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private async Task<string> NamespaceAsync()
    {
        var name = "ct-" + Guid.NewGuid().ToString("N")[..8];
        var (code, output) = await node.KubectlAsync(null, "create", "namespace", name);
        Assert.True(code == 0, output);
        return name;
    }

    private async Task CreatePodAsync(string ns, string name, string restartPolicy, string command)
    {
        var manifest = $$"""
            apiVersion: v1
            kind: Pod
            metadata:
              name: {{name}}
              namespace: {{ns}}
            spec:
              nodeName: {{node.NodeName}}
              restartPolicy: {{restartPolicy}}
              terminationGracePeriodSeconds: 1
              containers:
              - name: main
                image: busybox
                imagePullPolicy: IfNotPresent
                command: ["sh", "-c", "{{command}}"]
            """;
        var (code, output) = await node.KubectlAsync(manifest, "create", "-f", "-");
        Assert.True(code == 0, output);
    }

    /// <summary>Polls `kubectl get -o jsonpath` until the output satisfies the condition.</summary>
    private async Task<string> JsonPathAsync(string what, Func<string, bool> condition, params string[] args)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            var (code, output) = await node.KubectlAsync(null, ["get", .. args]);
            if (code == 0 && condition(output))
            {
                return output;
            }

            if (DateTime.UtcNow > deadline)
            {
                var (_, yaml) = await node.KubectlAsync(null, ["get", .. args.TakeWhile(a => a != "-o"), "-o", "yaml"]);
                Assert.Fail($"timed out after {Timeout.TotalSeconds} s waiting for {what}; last output: \"{output}\"; object:\n{yaml}");
            }

            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task NodeGoesReadyReportingContainerdRuntimeVersion()
    {
        await JsonPathAsync("node Ready", o => o == "True", "node", node.NodeName, "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}");
        var (code, version) = await node.KubectlAsync(null, "get", "node", node.NodeName, "-o", "jsonpath={.status.nodeInfo.containerRuntimeVersion}");
        Assert.Equal(0, code);
        Assert.StartsWith("containerd://1.", version, StringComparison.Ordinal);
        var (_, wide) = await node.KubectlAsync(null, "get", "node", node.NodeName, "-o", "wide", "--no-headers");
        Assert.Contains(version, wide, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StockKubectlExecWithAndWithoutStdinRunsOnContainerdPod()
    {
        var ns = await NamespaceAsync();
        await CreatePodAsync(ns, "shell", "Always", "exec sleep 3600");
        await JsonPathAsync("pod Running and Ready", o => o == "Running true", "pod", "shell", "-n", ns, "-o", "jsonpath={.status.phase} {.status.containerStatuses[0].ready}");

        // kubectl 1.32 with its default environment offers WebSocket v5 first; containerd's streaming server refuses
        // that protocol with a 403, which reaches kubectl as a failed upgrade (not a 101), so kubectl falls back to
        // SPDY, which the API server and the kubelet pass through to containerd.
        var (code, output) = await node.KubectlAsync(null, "exec", "-n", ns, "shell", "--", "sh", "-c", "echo out; echo err >&2; exit 5");
        Assert.True(code == 5, output);
        Assert.Contains("out\n", output, StringComparison.Ordinal);
        Assert.Contains("err\n", output, StringComparison.Ordinal);
        Assert.DoesNotContain("error", output, StringComparison.OrdinalIgnoreCase);

        (code, output) = await node.KubectlAsync("first\nsecond\n", "exec", "-i", "-n", ns, "shell", "--", "sh", "-c", "cat; echo done; exit 4");
        Assert.True(code == 4, output);
        Assert.Equal("first\nsecond\ndone\ncommand terminated with exit code 4\n", output);

        (code, output) = await node.KubectlAsync(null, "exec", "-n", ns, "shell", "-c", "main", "--", "cat", "/proc/1/cmdline");
        Assert.True(code == 0, output);
        Assert.Equal("sleep\03600\0", output);
    }

    [Fact]
    public async Task NeverRestartedPodExitingThreeEndsFailedAndKubectlLogsPrintsItsOutput()
    {
        var ns = await NamespaceAsync();
        await CreatePodAsync(ns, "once", "Never", "echo hello; exit 3");
        await JsonPathAsync("pod Failed", o => o == "Failed", "pod", "once", "-n", ns, "-o", "jsonpath={.status.phase}");
        var (_, terminated) = await node.KubectlAsync(null, "get", "pod", "once", "-n", ns, "-o",
            "jsonpath={.status.containerStatuses[0].state.terminated.exitCode} {.status.containerStatuses[0].state.terminated.reason} {.status.containerStatuses[0].restartCount} {.status.containerStatuses[0].containerID}");
        var parts = terminated.Split(' ');
        Assert.Equal(["3", "Error", "0"], parts[..3]);
        Assert.StartsWith("containerd://", parts[3], StringComparison.Ordinal);

        // containerd writes the CRI log format itself (timestamp stream tag line) into the file the kubelet named.
        var (code, logs) = await node.KubectlAsync(null, "logs", "-n", ns, "once");
        Assert.True(code == 0, logs);
        Assert.Equal("hello\n", logs);
    }

    [Fact]
    public async Task LongRunningPodRunsWithPodIpAndExecReachesContainerdStreamingServer()
    {
        var ns = await NamespaceAsync();
        await CreatePodAsync(ns, "sleeper", "Always", "echo started; exec sleep 3600");
        await JsonPathAsync("pod Running and Ready", o => o == "Running true", "pod", "sleeper", "-n", ns, "-o", "jsonpath={.status.phase} {.status.containerStatuses[0].ready}");
        var (_, ip) = await node.KubectlAsync(null, "get", "pod", "sleeper", "-n", ns, "-o", "jsonpath={.status.podIP}");
        Assert.StartsWith("10.214.0.", ip, StringComparison.Ordinal);

        // Exec goes API server -> kubelet -> the URL containerd's CRI Exec answered (its streaming server on loopback).
        // containerd 1.6 serves WebSocket up to v4.channel.k8s.io, which the C# and Python clients speak; kubectl 1.32
        // offers only v5 over WebSocket, is refused with a 403 and falls back to SPDY (see the test above).
        var stdout = new System.Text.StringBuilder();
        var exit = await node.Client.NamespacedPodExecAsync("sleeper", ns, "main", ["sh", "-c", "ip -4 -o addr show eth0; echo from-csharp; exit 2"], false, async (_, o, _) =>
        {
            using var reader = new StreamReader(o);
            stdout.Append(await reader.ReadToEndAsync());
        }, CancellationToken.None);
        Assert.Equal(2, exit);
        Assert.Contains("inet " + ip + "/24", stdout.ToString(), StringComparison.Ordinal);
        Assert.EndsWith("from-csharp\n", stdout.ToString(), StringComparison.Ordinal);

        var script = $$"""
            from kubernetes import client, config
            from kubernetes.stream import stream
            config.load_kube_config()
            api = client.CoreV1Api()
            print(stream(api.connect_get_namespaced_pod_exec, 'sleeper', '{{ns}}', command=['sh', '-c', 'echo from-python'], stderr=True, stdin=False, stdout=True, tty=False), end='')
            """;
        var (code, output) = await Docker.DockerNodeFixture.RunAsync("/usr/bin/python3", node.ClientEnvironment, script, "-");
        Assert.True(code == 0, output);
        Assert.Equal("from-python\n", output);
    }
}
