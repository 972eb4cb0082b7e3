using System.Globalization;
using KubeNet.ApiServer;
using KubeNet.Kubelet;
using KubeNet.Kubelet.Runtimes.Docker;
using Microsoft.Extensions.Logging;

namespace KubeNet;

/// <summary>The node verbs: `kube-net cri-docker`, `kube-net kubelet`, and the local node `kube-net server` runs.</summary>
internal static class NodeCommands
{
    public static readonly string[] Flags = ["listen", "root-dir", "kubelet-port", "address", "pod-cidr"];

    /// <summary>`kube-net cri-docker --listen unix://PATH`: the Docker CRI server alone.</summary>
    public static async Task<int> CriDockerAsync(Dictionary<string, string> flags, ILoggerFactory loggerFactory)
    {
        if (!flags.TryGetValue("listen", out var listen))
        {
            await Console.Error.WriteLineAsync("kube-net cri-docker: --listen unix://PATH is required");
            return 2;
        }

        var options = new DockerCriOptions { Listen = listen };
        if (flags.TryGetValue("root-dir", out var root))
        {
            options.StateDirectory = root;
        }

        await using var server = await DockerCriServer.StartAsync(options, loggerFactory);
        Console.WriteLine($"cri-docker listening on {server.Endpoint}");
        await server.WaitForShutdownAsync(CancellationToken.None);
        return 0;
    }

    /// <summary>`kube-net kubelet --kubeconfig F --node-name N --runtime-endpoint unix://PATH`.</summary>
    public static async Task<int> KubeletAsync(Dictionary<string, string> flags, ILoggerFactory loggerFactory)
    {
        if (!flags.TryGetValue("kubeconfig", out var kubeconfig))
        {
            await Console.Error.WriteLineAsync("kube-net kubelet: --kubeconfig FILE is required");
            return 2;
        }

        KubeletOptions options;
        try
        {
            options = Options(flags, flags.GetValueOrDefault("root-dir", "/var/lib/kube-net/kubelet"));
            options.Validate();
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            await Console.Error.WriteLineAsync($"kube-net kubelet: {e.Message}");
            return 2;
        }

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            stop.Cancel();
        });
        await using (await KubeletHost.StartAsync(kubeconfig, options, loggerFactory))
        {
            try
            {
                await Task.Delay(Timeout.Infinite, stop.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }

        return 0;
    }

    /// <summary>
    /// The node `kube-net server` runs by --runtime: auto uses Docker when its socket answers (else the node reports
    /// NotReady saying what to start), docker insists on it, none runs no node; --runtime-endpoint names any CRI server.
    /// </summary>
    public static async Task<LocalNode?> StartLocalNodeAsync(Dictionary<string, string> flags, KubeApiServer server, string dataDirectory, ILoggerFactory loggerFactory)
    {
        var runtime = flags.GetValueOrDefault("runtime", "auto");
        if (runtime == "none")
        {
            return null;
        }

        if (runtime is not ("auto" or "docker"))
        {
            throw new ArgumentException($"--runtime {runtime}: expected auto, docker or none");
        }

        DockerCriServer? cri = null;
        var endpoint = flags.GetValueOrDefault("runtime-endpoint");
        if (endpoint is null)
        {
            endpoint = "unix://" + Path.GetFullPath(Path.Combine(dataDirectory, "cri-docker.sock"));
            if (await DockerCriServer.DockerAnswersAsync())
            {
                cri = await DockerCriServer.StartAsync(new DockerCriOptions
                {
                    Listen = endpoint,
                    StateDirectory = Path.GetFullPath(Path.Combine(dataDirectory, "cri-docker")),
                }, loggerFactory);
            }
            else if (runtime == "docker")
            {
                throw new InvalidOperationException("--runtime docker: Docker does not answer at /var/run/docker.sock: start dockerd (bash hack/docker.sh up)");
            }
            else
            {
                Console.WriteLine("note: Docker does not answer at /var/run/docker.sock: the node stays NotReady until dockerd runs (bash hack/docker.sh up) and the server restarts");
            }
        }

        var options = Options(flags, Path.GetFullPath(Path.Combine(dataDirectory, "kubelet")));
        options.RuntimeEndpoint = endpoint;
        var kubelet = await KubeletHost.StartAsync(server.KubeconfigPath, options, loggerFactory);
        Console.WriteLine($"node {options.NodeName} registered (kubelet on port {kubelet.Port})");
        return new LocalNode(cri, kubelet);
    }

    private static KubeletOptions Options(Dictionary<string, string> flags, string root)
    {
        var options = new KubeletOptions { RootDirectory = root };
        if (flags.TryGetValue("node-name", out var name))
        {
            options.NodeName = name;
        }

        if (flags.TryGetValue("runtime-endpoint", out var endpoint))
        {
            options.RuntimeEndpoint = endpoint;
        }

        if (flags.TryGetValue("kubelet-port", out var port))
        {
            options.Port = int.Parse(port, CultureInfo.InvariantCulture);
        }

        if (flags.TryGetValue("address", out var address))
        {
            options.Address = address;
        }

        if (flags.TryGetValue("pod-cidr", out var cidr))
        {
            options.PodCidr = cidr;
        }

        return options;
    }
}

/// <summary>The server's own node: the kubelet and, when Docker is used, the Docker CRI server it talks to.</summary>
internal sealed class LocalNode(DockerCriServer? cri, KubeletHost kubelet) : IAsyncDisposable
{
    public async ValueTask DisposeAsync()
    {
        await kubelet.DisposeAsync();
        if (cri is not null)
        {
            await cri.DisposeAsync();
        }
    }
}
