using System.Text;
using k8s;

namespace KubeNet.Controllers;

/// <summary>Options of the controller-manager, with kube-controller-manager's defaults.</summary>
public sealed record ControllerManagerOptions
{
    /// <summary>Controllers to run, by name (see <see cref="ControllerCatalog"/>); "*" runs all. Default: all.</summary>
    public IReadOnlyList<string> Controllers { get; init; } = ["*"];

    /// <summary>Campaign for the kube-system/kube-controller-manager Lease and run controllers only while leading.</summary>
    public bool LeaderElect { get; init; } = true;

    /// <summary>Identity on the Lease; default hostname plus a unique suffix, as upstream.</summary>
    public string Identity { get; init; } = Environment.MachineName + "_" + Guid.NewGuid().ToString("N");

    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Resync period of the shared informers (upstream: 12h with jitter; 0 disables).</summary>
    public TimeSpan InformerResync { get; init; } = TimeSpan.Zero;

    /// <summary>Workers per controller (upstream's --concurrent-*-syncs, 5 for most).</summary>
    public int Workers { get; init; } = 5;

    /// <summary>
    /// The cluster CA (PEM) that root-ca-cert-publisher puts in every namespace's kube-root-ca.crt, as --root-ca-file
    /// or, without it, the CA of the kubeconfig the manager connects with.
    /// </summary>
    public string? RootCaPem { get; init; }

    /// <summary>--terminated-pod-gc-threshold: terminated pods kept before pod GC deletes the oldest; 0 keeps all.</summary>
    public int TerminatedPodGcThreshold { get; init; } = 12500;

    public void Validate()
    {
        if (Workers < 1)
        {
            throw new ArgumentException("Workers must be at least 1");
        }

        if (TerminatedPodGcThreshold < 0)
        {
            throw new ArgumentException("--terminated-pod-gc-threshold must not be negative");
        }

        foreach (var name in Controllers)
        {
            if (name != "*" && !ControllerCatalog.All.ContainsKey(name.TrimStart('-')))
            {
                throw new ArgumentException($"unknown controller \"{name}\"");
            }
        }
    }

    /// <summary>
    /// The CA bundle of a kubeconfig's current cluster exactly as written there (certificate-authority-data, or the
    /// file certificate-authority names), which upstream publishes when no --root-ca-file is given; null when none.
    /// </summary>
    public static string? RootCaFromKubeconfig(string path)
    {
        var config = KubernetesClientConfiguration.LoadKubeConfig(path, useRelativePaths: true);
        var context = config.Contexts?.FirstOrDefault(c => c.Name == config.CurrentContext);
        var endpoint = config.Clusters?.FirstOrDefault(c => c.Name == context?.ContextDetails?.Cluster)?.ClusterEndpoint;
        if (endpoint?.CertificateAuthorityData is { Length: > 0 } data)
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(data));
        }

        if (endpoint?.CertificateAuthority is { Length: > 0 } file)
        {
            return File.ReadAllText(Path.IsPathRooted(file) ? file : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".", file));
        }

        return null;
    }

    /// <summary>Upstream's --controllers rules: "*" is all, "foo" enables, "-foo" disables.</summary>
    public bool IsEnabled(string name)
    {
        if (Controllers.Contains("-" + name))
        {
            return false;
        }

        return Controllers.Contains(name) || Controllers.Contains("*");
    }
}
