using k8s;
using KubeNet.Conformance.Framework;

namespace KubeNet.Conformance.Scheduling;

/// <summary>
/// The cluster the sig-scheduling scenarios run against: the one KUBECONFIG names, or the in-process all-in-one
/// cluster of <see cref="ConformanceCluster"/> (API server, scheduler, three simulated 4-cpu nodes). The scenarios
/// fill nodes and taint them, so they get a cluster of their own rather than sharing one with other scenarios.
/// </summary>
public sealed class SchedulingCluster : IAsyncLifetime
{
    public ConformanceCluster Cluster { get; } = new();

    public Kubernetes Client => Cluster.Client;

    public Task InitializeAsync() => Cluster.InitializeAsync();

    public Task DisposeAsync() => Cluster.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class SchedulingCollection : ICollectionFixture<SchedulingCluster>
{
    public const string Name = "the cluster under test, with a scheduler and nodes";
}
