using System.Diagnostics;
using k8s;
using k8s.Models;
using KubeNet.ApiServer.Tests.Infrastructure;
using KubeNet.Kubelet.Tests.Docker;

namespace KubeNet.Kubelet.Tests.MultiNode;

/// <summary>
/// Two nodes on two simulated hosts: each host is a network namespace joined to the API server's address by a veth
/// pair, and each runs its own `kube-net cri-docker` and `kube-net kubelet` processes inside it (`ip netns exec`). The
/// nodes register with their namespace's address as InternalIP, the scheduler places a pod on each, and `kubectl logs`
/// and `kubectl exec` reach each pod through its kubelet across the namespace boundary. The namespaces are gone after.
/// </summary>
public sealed class MultiNodeTests : IDisposable
{
    private const string Namespace = "multinode";
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "kubenet-multinode-" + Guid.NewGuid().ToString("N")[..10]);

    [Fact]
    public async Task Kubelets_in_two_network_namespaces_run_scheduled_pods_and_serve_logs_and_exec_across_the_boundary()
    {
        ClientPrograms.RequireKubectl();
        var docker = await ProcessRunner.RunAsync("bash", [Path.Combine(DockerNodeFixture.RepositoryRoot, "hack", "docker.sh"), "up"], timeout: TimeSpan.FromSeconds(120));
        Assert.True(docker.ExitCode == 0, $"Docker is required for the multi-node test and hack/docker.sh could not start it:\n{docker}");
        Directory.CreateDirectory(_dir);

        var processes = new List<BackgroundProcess>();
        var hosts = await SimulatedHosts.CreateAsync(2);
        try
        {
            await using var server = await KubeNetProcess.StartAsync(Path.Combine(_dir, "server"), ["--bind", hosts.ControlPlaneAddress]);
            using var client = server.CreateClient();
            Assert.StartsWith($"https://{hosts.ControlPlaneAddress}:", client.BaseUri.ToString(), StringComparison.Ordinal);

            var nodes = hosts.Hosts.Select((h, i) => (Host: h, Name: $"node-{(char)('a' + i)}", PodCidr: $"10.244.{11 + i}.0/24")).ToArray();
            foreach (var (host, name, podCidr) in nodes)
            {
                var dir = Path.Combine(_dir, name);
                var socket = "unix://" + Path.Combine(dir, "cri.sock");
                var cri = StartInNamespace(host, processes, "cri-docker", "--listen", socket, "--root-dir", Path.Combine(dir, "cri"));
                await cri.WaitForOutputAsync(l => l.Any(x => x.StartsWith("cri-docker listening", StringComparison.Ordinal)), TimeSpan.FromSeconds(60), "the CRI server");
                StartInNamespace(host, processes, "kubelet", "--kubeconfig", server.KubeconfigPath, "--node-name", name, "--runtime-endpoint", socket,
                    "--root-dir", Path.Combine(dir, "kubelet"), "--address", host.Address, "--kubelet-port", "10250", "--pod-cidr", podCidr);
            }

            // Both nodes Ready, each with its namespace's address as InternalIP and its kubelet's port.
            foreach (var (host, name, _) in nodes)
            {
                var node = await WaitAsync(
                    async () => await client.CoreV1.ReadNodeAsync(name) is { } n && n.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true ? n : null,
                    $"node {name} Ready", processes);
                Assert.Equal(host.Address, node.Status.Addresses.Single(a => a.Type == "InternalIP").Address);
                Assert.Equal(10250, node.Status.DaemonEndpoints.KubeletEndpoint.Port);
            }

            await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = Namespace } });
            foreach (var (_, name, _) in nodes)
            {
                await client.CoreV1.CreateNamespacedPodAsync(Pod("on-" + name, name), Namespace);
            }

            var env = new Dictionary<string, string?>
            {
                ["KUBECONFIG"] = server.KubeconfigPath,
                ["KUBECACHEDIR"] = Path.Combine(_dir, "kubectl-cache"),
                ["HOME"] = _dir,
            };
            foreach (var (host, name, podCidr) in nodes)
            {
                var pod = await WaitAsync(
                    async () => await client.CoreV1.ReadNamespacedPodAsync("on-" + name, Namespace) is { Status.Phase: "Running" } p ? p : null,
                    $"pod on-{name} Running", processes);
                Assert.Equal(name, pod.Spec.NodeName);
                Assert.Equal(host.Address, pod.Status.HostIP);
                Assert.StartsWith(podCidr[..podCidr.LastIndexOf('.')], pod.Status.PodIP, StringComparison.Ordinal);

                // The API server reaches the kubelet at the namespace's address for logs and exec.
                var logs = await WaitAsync(
                    async () => await ProcessRunner.RunAsync(ClientPrograms.Kubectl, ["logs", "-n", Namespace, "on-" + name], env) is { ExitCode: 0 } r && r.StdOut.Contains("hello from", StringComparison.Ordinal) ? r : null,
                    $"kubectl logs of on-{name}", processes);
                Assert.Equal($"hello from on-{name}\n", logs.StdOut);
                var exec = await ProcessRunner.RunAsync(ClientPrograms.Kubectl, ["exec", "-n", Namespace, "on-" + name, "--", "sh", "-c", "hostname; exit 7"], env);
                Assert.True(exec.ExitCode == 7, exec.ToString());
                Assert.Equal($"on-{name}\n", exec.StdOut);
            }

            // The pods go through each kubelet's own deletion path, so their containers and addresses are released.
            foreach (var (_, name, _) in nodes)
            {
                await client.CoreV1.DeleteNamespacedPodAsync("on-" + name, Namespace, new V1DeleteOptions { GracePeriodSeconds = 1 });
            }

            await WaitAsync(async () => (await client.CoreV1.ListNamespacedPodAsync(Namespace)).Items.Count == 0 ? "gone" : null, "the pods to be deleted", processes);
        }
        finally
        {
            foreach (var process in processes)
            {
                await process.DisposeAsync();
            }

            await RemoveLeftoverContainersAsync();
            await hosts.DisposeAsync();
        }

        var (namespaces, links) = await SimulatedHosts.ListOursAsync();
        Assert.DoesNotContain(namespaces, n => hosts.Hosts.Any(h => h.Namespace == n));
        Assert.DoesNotContain(links, l => l == hosts.BridgeName || hosts.Hosts.Any(h => h.HostLink == l));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static BackgroundProcess StartInNamespace(SimulatedHost host, List<BackgroundProcess> processes, params string[] args)
    {
        var process = BackgroundProcess.Start("ip", ["netns", "exec", host.Namespace, "dotnet", KubeNetProcess.DllPath, .. args], new Dictionary<string, string?> { ["DOTNET_gcServer"] = "0" });
        processes.Add(process);
        return process;
    }

    private static V1Pod Pod(string name, string node) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1PodSpec
        {
            NodeSelector = new Dictionary<string, string> { ["kubernetes.io/hostname"] = node },
            TerminationGracePeriodSeconds = 1,
            Containers =
            [
                new V1Container
                {
                    Name = "main",
                    Image = "busybox:latest",
                    ImagePullPolicy = "IfNotPresent",
                    Command = ["sh", "-c", "echo hello from $(hostname); exec sleep 3600"],
                },
            ],
        },
    };

    // Containers a failed run may have left behind: those of this test's namespace.
    private static async Task RemoveLeftoverContainersAsync()
    {
        var ids = await ProcessRunner.RunAsync("docker", ["ps", "-aq", "--filter", $"label=io.kubernetes.pod.namespace={Namespace}"]);
        foreach (var id in ids.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            await ProcessRunner.RunAsync("docker", ["rm", "-f", id]);
        }
    }

    private static async Task<T> WaitAsync<T>(Func<Task<T?>> probe, string what, List<BackgroundProcess> processes) where T : class
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if (await probe() is { } found)
                {
                    return found;
                }
            }
            catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
            }

            if (clock.Elapsed > TimeSpan.FromSeconds(90))
            {
                throw new TimeoutException($"timed out after 90 s waiting for {what}\n" + string.Join('\n', processes.Select(p =>
                    $"--- {p.Command}{(p.HasExited ? " (exited)" : "")}\n{string.Join('\n', p.StdOutLines.TakeLast(40))}\n{p.StdErr}")));
            }

            await Task.Delay(250);
        }
    }
}
