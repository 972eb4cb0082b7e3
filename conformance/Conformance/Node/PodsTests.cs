using System.Text;
using System.Text.RegularExpressions;
using k8s;
using k8s.Models;
using KubeNet.Conformance.Framework;
using static KubeNet.Conformance.Node.NodeSteps;

namespace KubeNet.Conformance.Node;

/// <summary>test/e2e/common/node/pods.go and kubelet.go: the scenarios that need a container to run.</summary>
[Collection(NodeCollection.Name)]
public sealed partial class PodsTests(NodeCluster cluster)
{
    private Kubernetes Client => cluster.Client;

    private static V1Pod Sleeper(string name)
    {
        var pod = Pod(name, "agnhost", "sleep", "600");
        pod.Spec.RestartPolicy = "Always";
        pod.Metadata.Labels["time"] = DateTime.UtcNow.Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return pod;
    }

    [GeneratedRegex(@"^\d+\.\d+\.\d+\.\d+$")]
    private static partial Regex Ipv4();

    [Fact(DisplayName = "[sig-node] Pods should get a host IP [NodeConformance] [Conformance]")]
    public async Task HostIp()
    {
        var ns = await cluster.CreateNamespaceAsync("pods");
        var pod = await Client.CoreV1.CreateNamespacedPodAsync(Sleeper(Unique("pod-hostip")), ns);
        var running = await WaitForRunningAsync(Client, ns, pod.Metadata.Name);
        Assert.Matches(Ipv4(), running.Status.HostIP);
        Assert.Contains(running.Status.HostIPs, h => h.Ip == running.Status.HostIP);
    }

    [Fact(DisplayName = "[sig-node] Pods should be submitted and removed [NodeConformance] [Conformance]")]
    public async Task SubmittedAndRemoved()
    {
        var ns = await cluster.CreateNamespaceAsync("pods");
        var pod = Sleeper(Unique("pod-submit-remove"));
        var selector = $"time={pod.Metadata.Labels["time"]}";
        var list = await Client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: selector);
        Assert.Empty(list.Items);
        await using var watch = new ObjectWatch<V1Pod, V1PodList>(
            (rv, ct) => Client.CoreV1.ListNamespacedPodWithHttpMessagesAsync(ns, labelSelector: selector, resourceVersion: rv, watch: true, cancellationToken: ct), list.Metadata.ResourceVersion);

        await Client.CoreV1.CreateNamespacedPodAsync(pod, ns);
        await watch.UntilAsync((type, _) => type == WatchEventType.Added, TimeSpan.FromSeconds(30), "the pod's creation");
        await WaitForRunningAsync(Client, ns, pod.Metadata.Name);

        // A graceful delete: the kubelet stops the container and then removes the object.
        await Client.CoreV1.DeleteNamespacedPodAsync(pod.Metadata.Name, ns, new V1DeleteOptions { GracePeriodSeconds = 30 });
        var (_, deleted) = await watch.UntilAsync((type, _) => type == WatchEventType.Deleted, TimeSpan.FromSeconds(60), "the pod's deletion");
        Assert.NotNull(deleted.Metadata.DeletionTimestamp);
        Assert.NotNull(deleted.Metadata.DeletionGracePeriodSeconds);
        Assert.Empty((await Client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: selector)).Items);
    }

    [Fact(DisplayName = "[sig-node] Pods should be updated [NodeConformance] [Conformance]")]
    public async Task Updated()
    {
        var ns = await cluster.CreateNamespaceAsync("pods");
        var pod = await Client.CoreV1.CreateNamespacedPodAsync(Sleeper(Unique("pod-update")), ns);
        await WaitForRunningAsync(Client, ns, pod.Metadata.Name);
        var value = DateTime.UtcNow.Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture) + "0";
        for (var attempt = 0; ; attempt++)
        {
            var current = await Client.CoreV1.ReadNamespacedPodAsync(pod.Metadata.Name, ns);
            current.Metadata.Labels["time"] = value;
            try
            {
                await Client.CoreV1.ReplaceNamespacedPodAsync(current, pod.Metadata.Name, ns);
                break;
            }
            catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.Conflict && attempt < 5)
            {
                // The kubelet wrote status meanwhile: read again, as e2e's podClient.Update does.
            }
        }

        Assert.Single((await Client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: $"time={value}")).Items);
    }

    [Fact(DisplayName = "[sig-node] Pods should contain environment variables for services [NodeConformance] [Conformance]")]
    public async Task ServiceEnvironment()
    {
        var ns = await cluster.CreateNamespaceAsync("pods");
        var server = Pod("server-envvars-" + Guid.NewGuid().ToString("N")[..6], "srv", "sh", "-c", "mkdir -p /www && httpd -f -p 8080 -h /www");
        server.Spec.RestartPolicy = "Always";
        server.Metadata.Labels["name"] = "fooservice-server";
        await Client.CoreV1.CreateNamespacedPodAsync(server, ns);
        await WaitForRunningAsync(Client, ns, server.Metadata.Name);
        var service = await Client.CoreV1.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "fooservice" },
            Spec = new V1ServiceSpec
            {
                Selector = new Dictionary<string, string> { ["name"] = "fooservice-server" },
                Ports = [new V1ServicePort { Port = 8765, TargetPort = 8080 }],
            },
        }, ns);

        // Service variables are fixed when a container starts: only pods made after the service see it.
        var ip = service.Spec.ClusterIP;
        await ExpectOutputAsync(Client, ns, Pod("client-envvars-" + Guid.NewGuid().ToString("N")[..6], "env3cont", "sh", "-c", "env"),
            "FOOSERVICE_SERVICE_HOST=" + ip,
            "FOOSERVICE_SERVICE_PORT=8765",
            "FOOSERVICE_PORT=tcp://" + ip + ":8765",
            "FOOSERVICE_PORT_8765_TCP_PROTO=tcp",
            "FOOSERVICE_PORT_8765_TCP_PORT=8765",
            "FOOSERVICE_PORT_8765_TCP_ADDR=" + ip);
    }

    [Fact(DisplayName = "[sig-node] Pods should support remote command execution over websockets [NodeConformance] [Conformance]")]
    public async Task ExecOverWebSocket()
    {
        var ns = await cluster.CreateNamespaceAsync("pods");
        var pod = await Client.CoreV1.CreateNamespacedPodAsync(Sleeper(Unique("pod-exec-websocket")), ns);
        await WaitForRunningAsync(Client, ns, pod.Metadata.Name);
        using var socket = await Client.WebSocketNamespacedPodExecAsync(pod.Metadata.Name, ns, ["sh", "-c", "echo remote execution test"], "agnhost", stderr: true, stdin: false, stdout: true, tty: false);
        var output = new StringBuilder();
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, timeout.Token);
            if (result.MessageType == System.Net.WebSockets.WebSocketMessageType.Close)
            {
                break;
            }

            // The first byte of every message is the channel: 1 is stdout.
            if (result.Count > 1 && buffer[0] == 1)
            {
                output.Append(Encoding.UTF8.GetString(buffer, 1, result.Count - 1));
            }
        }

        Assert.Equal("remote execution test\n", output.ToString());
    }

    [Fact(DisplayName = "[sig-node] Kubelet when scheduling a busybox command in a pod should print the output to logs [NodeConformance] [Conformance]")]
    public async Task PrintsOutputToLogs()
    {
        var ns = await cluster.CreateNamespaceAsync("kubelet-test");
        var pod = Pod(Unique("busybox-scheduling"), "busybox-scheduling", "sh", "-c", "echo Hello World; sleep 600");
        pod.Spec.RestartPolicy = "Always";
        await Client.CoreV1.CreateNamespacedPodAsync(pod, ns);
        await WaitForRunningAsync(Client, ns, pod.Metadata.Name);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await LogAsync(Client, ns, pod.Metadata.Name, "busybox-scheduling")) != "Hello World\n")
        {
            Assert.True(DateTime.UtcNow < deadline, "the log never read \"Hello World\"");
            await Task.Delay(200);
        }
    }

    [Fact(DisplayName = "[sig-node] Kubelet when scheduling a busybox command that always fails in a pod should have an terminated reason [NodeConformance] [Conformance]")]
    public async Task AlwaysFailingHasTerminatedReason()
    {
        var ns = await cluster.CreateNamespaceAsync("kubelet-test");
        var pod = Pod(Unique("bin-false"), "bin-false", "/bin/false");
        pod.Spec.RestartPolicy = "Always";
        await Client.CoreV1.CreateNamespacedPodAsync(pod, ns);
        var failed = await WaitForPodAsync(Client, ns, pod.Metadata.Name, p =>
            (p.Status?.ContainerStatuses?[0].State?.Terminated ?? p.Status?.ContainerStatuses?[0].LastState?.Terminated) is { Reason.Length: > 0 }, "a terminated reason");
        var terminated = failed.Status.ContainerStatuses[0].State.Terminated ?? failed.Status.ContainerStatuses[0].LastState.Terminated;
        Assert.Equal("Error", terminated.Reason);
        Assert.Equal(1, terminated.ExitCode);

        // And such a pod can be deleted.
        await Client.CoreV1.DeleteNamespacedPodAsync(pod.Metadata.Name, ns);
        await WaitForPodGoneAsync(ns, pod.Metadata.Name);
    }

    [Fact(DisplayName = "[sig-node] Kubelet when scheduling a read only busybox container should not write to root filesystem [LinuxOnly] [NodeConformance] [Conformance]")]
    public async Task ReadOnlyRootFilesystem()
    {
        var ns = await cluster.CreateNamespaceAsync("kubelet-test");
        var pod = Pod(Unique("busybox-readonly-fs"), "busybox-readonly-fs", "sh", "-c", "echo test > /file; sleep 600");
        pod.Spec.RestartPolicy = "Always";
        pod.Spec.Containers[0].SecurityContext = new V1SecurityContext { ReadOnlyRootFilesystem = true };
        await Client.CoreV1.CreateNamespacedPodAsync(pod, ns);
        await WaitForRunningAsync(Client, ns, pod.Metadata.Name);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!(await LogAsync(Client, ns, pod.Metadata.Name, "busybox-readonly-fs")).Contains("/file: Read-only file system", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, "the write to / did not fail with \"Read-only file system\"");
            await Task.Delay(200);
        }
    }

    private async Task WaitForPodGoneAsync(string ns, string name)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await Client.CoreV1.ListNamespacedPodAsync(ns, fieldSelector: $"metadata.name={name}")).Items.Count > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"pod {name} was not deleted within 60 s");
            await Task.Delay(250);
        }
    }
}
