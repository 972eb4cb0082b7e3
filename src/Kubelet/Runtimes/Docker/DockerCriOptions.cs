namespace KubeNet.Kubelet.Runtimes.Docker;

/// <summary>Settings of the Docker CRI server; <see cref="Validate"/> names the first bad one.</summary>
internal sealed class DockerCriOptions
{
    /// <summary>The unix socket the CRI gRPC services listen on (unix://PATH or PATH).</summary>
    public string Listen { get; set; } = "unix:///run/kube-net/cri-docker.sock";

    /// <summary>The Docker Engine API socket.</summary>
    public string DockerEndpoint { get; set; } = "unix:///var/run/docker.sock";

    /// <summary>The image every pod sandbox runs (built locally by hack/docker.sh).</summary>
    public string SandboxImage { get; set; } = "registry.k8s.io/pause:3.10";

    /// <summary>Where the runtime keeps what Docker does not: sandbox network records.</summary>
    public string StateDirectory { get; set; } = "/var/lib/kube-net/cri-docker";

    /// <summary>The loopback address the streaming server (exec, attach, port-forward) listens on; port 0 picks one.</summary>
    public string StreamingAddress { get; set; } = "127.0.0.1";

    public int StreamingPort { get; set; }

    /// <summary>CNI plugin binaries (Debian's containernetworking-plugins).</summary>
    public string CniBinDirectory { get; set; } = "/usr/lib/cni";

    /// <summary>Name of the Linux bridge pods attach to.</summary>
    public string BridgeName { get; set; } = "kubenet0";

    /// <summary>Docker's json-file rotation: the size at which a container log rotates, and how many files stay.</summary>
    public string LogMaxSize { get; set; } = "10m";

    public int LogMaxFiles { get; set; } = 2;

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Listen))
        {
            throw new ArgumentException("--listen unix://PATH is required");
        }

        if (!DockerEndpoint.StartsWith("unix://", StringComparison.Ordinal))
        {
            throw new ArgumentException($"docker endpoint \"{DockerEndpoint}\": only unix:// endpoints are supported");
        }

        if (StreamingPort is < 0 or > 65535)
        {
            throw new ArgumentException($"streaming port {StreamingPort} is out of range");
        }

        if (LogMaxFiles < 1)
        {
            throw new ArgumentException("log max files must be at least 1");
        }
    }
}
