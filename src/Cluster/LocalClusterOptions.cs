using KubeNet.ApiServer;
using KubeNet.Controllers;
using KubeNet.Kubelet.Simulation;

namespace KubeNet.Cluster;

/// <summary>What the all-in-one cluster runs beside its API server.</summary>
public sealed class LocalClusterOptions
{
    public ApiServerOptions ApiServer { get; init; } = new();

    /// <summary>Simulated nodes; null or Count 0 runs none.</summary>
    public HollowNodeOptions? HollowNodes { get; init; }

    public bool Scheduler { get; init; } = true;

    /// <summary>The controller-manager's options; null runs no controllers.</summary>
    public ControllerManagerOptions? Controllers { get; init; } = new() { LeaderElect = false };
}
