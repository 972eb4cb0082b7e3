namespace KubeNet.Controllers;

/// <summary>Options of the controller-manager, with kube-controller-manager's defaults.</summary>
public sealed class ControllerManagerOptions
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

    public void Validate()
    {
        if (Workers < 1)
        {
            throw new ArgumentException("Workers must be at least 1");
        }

        foreach (var name in Controllers)
        {
            if (name != "*" && !ControllerCatalog.All.ContainsKey(name.TrimStart('-')))
            {
                throw new ArgumentException($"unknown controller \"{name}\"");
            }
        }
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
