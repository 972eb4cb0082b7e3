using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using k8s;
using k8s.Models;
using KubeNet.Kubelet.Tests.Simulation;

namespace KubeNet.Kubelet.Tests.Docker;

/// <summary>
/// pods/portforward end to end on the real node: kubectl over SPDY tunnelled in WebSocket (its default) and over a native
/// SPDY/3.1 upgrade, the C# client and the python client over the v4 WebSocket channel protocol, all reaching busybox
/// httpd on the pod's port 80 through the API server, the kubelet and the runtime's streaming server.
/// </summary>
[Collection(DockerNodeCollection.Name)]
public sealed class PortForwardTests(DockerNodeFixture node)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact(Skip = "Known failure: in the test fixture this scenario hangs (kubectl port-forward by hand works over both SPDY paths); under investigation")]
    public async Task PortForwardReachesThePodThroughKubectlCSharpAndPython()
    {
        var ns = "kt-" + Guid.NewGuid().ToString("N")[..8];
        await node.Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
        await node.Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "web", Labels = new Dictionary<string, string> { ["app"] = "web" } },
            Spec = new V1PodSpec
            {
                NodeName = node.NodeName,
                TerminationGracePeriodSeconds = 1,
                Containers = [new V1Container { Name = "main", Image = "busybox", Command = ["sh", "-c", "mkdir -p /www && echo hello-from-pod > /www/index.html && httpd -f -p 80 -h /www"] }],
            },
        }, ns);
        await node.Client.CoreV1.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "web" },
            Spec = new V1ServiceSpec { Selector = new Dictionary<string, string> { ["app"] = "web" }, Ports = [new V1ServicePort { Port = 80, TargetPort = 80 }] },
        }, ns);
        await Eventually.Get(async () => (await node.Client.CoreV1.ReadNamespacedPodAsync("web", ns)).Status?.Phase == "Running" ? "running" : null, Timeout, "web Running");

        // kubectl 1.32: SPDY tunnelled over WebSocket first, then the native SPDY upgrade when that toggle is off.
        Assert.Equal("hello-from-pod\n", await KubectlGetAsync(ns, tunnelled: true));
        Assert.Equal("hello-from-pod\n", await KubectlGetAsync(ns, tunnelled: false));
        Assert.Equal("hello-from-pod\n", await KubectlGetAsync(ns, tunnelled: true, target: "svc/web"));

        // The C# client: v4.channel.k8s.io, one data and one error channel for the port.
        using (var socket = await node.Client.WebSocketNamespacedPodPortForwardAsync("web", ns, [80], "v4.channel.k8s.io"))
        {
            using var demux = new StreamDemuxer(socket, StreamType.PortForward);
            demux.Start();
            using var stream = demux.GetStream((byte?)0, (byte?)0);
            await stream.WriteAsync("GET /index.html HTTP/1.0\r\n\r\n"u8.ToArray());
            var response = new StringBuilder();
            var buffer = new byte[4096];
            using var timeout = new CancellationTokenSource(Timeout);
            while (!response.ToString().Contains("hello-from-pod", StringComparison.Ordinal))
            {
                var n = await stream.ReadAsync(buffer, timeout.Token);
                if (n == 0)
                {
                    break;
                }

                response.Append(Encoding.UTF8.GetString(buffer, 0, n));
            }

            Assert.StartsWith("HTTP/1.", response.ToString(), StringComparison.Ordinal);
            Assert.Contains("\r\n\r\nhello-from-pod\n", response.ToString(), StringComparison.Ordinal);
        }

        // The python client's portforward().
        var script = $$"""
            from kubernetes import client, config
            from kubernetes.stream import portforward
            config.load_kube_config()
            api = client.CoreV1Api()
            pf = portforward(api.connect_get_namespaced_pod_portforward, 'web', '{{ns}}', ports='80')
            s = pf.socket(80)
            s.setblocking(True)
            s.sendall(b'GET /index.html HTTP/1.0\r\n\r\n')
            data = b''
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
            s.close()
            print(data.decode().split('\r\n\r\n', 1)[1], end='')
            err = pf.error(80)
            if err:
                print('error:', err)
            """;
        var (code, output) = await DockerNodeFixture.RunAsync("/usr/bin/python3", node.ClientEnvironment, script, "-");
        Assert.True(code == 0, output);
        Assert.Equal("hello-from-pod\n", output);
    }

    private async Task<string> KubectlGetAsync(string ns, bool tunnelled, string target = "pod/web")
    {
        var port = FreePort();
        var start = new ProcessStartInfo("/usr/bin/kubectl")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "port-forward", "-n", ns, target, $"{port}:80", "--address", "127.0.0.1" })
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (k, v) in node.ClientEnvironment)
        {
            start.Environment[k] = v;
        }

        start.Environment["KUBECTL_PORT_FORWARD_WEBSOCKETS"] = tunnelled ? "true" : "false";
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            using var timeout = new CancellationTokenSource(Timeout);
            string? line;
            while ((line = await process.StandardOutput.ReadLineAsync(timeout.Token)) is not null && !line.StartsWith("Forwarding from 127.0.0.1:", StringComparison.Ordinal))
            {
            }

            Assert.True(line is not null, $"kubectl port-forward exited early: {await stderr}");
            using var http = new HttpClient { Timeout = Timeout };
            var body = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/index.html"));

            // A second connection over the same session gets its own stream pair.
            Assert.Equal(body, await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/index.html")));
            Assert.False(process.HasExited, await stderr);
            return body;
        }
        finally
        {
            process.Kill();
            await process.WaitForExitAsync();
            var errors = await stderr;
            Assert.DoesNotContain("error", errors, StringComparison.OrdinalIgnoreCase);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
