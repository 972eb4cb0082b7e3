using k8s;
using KubeNet.ApiServer;

namespace KubeNet.Kubelet.Tests.Simulation;

/// <summary>One in-process API server shared by the simulation tests; each test runs its own pool with its own node names.</summary>
public sealed class ApiServerFixture : IAsyncLifetime
{
    private readonly string dataDirectory = Path.Combine(Path.GetTempPath(), "kubenet-hollow-" + Guid.NewGuid().ToString("N"));
    private KubeApiServer? server;

    public Kubernetes Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        server = await KubeApiServer.StartAsync(new ApiServerOptions { DataDirectory = dataDirectory, SecurePort = 0, SynchronousFull = false });
        Client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(server.KubeconfigPath));
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (server is not null)
        {
            await server.DisposeAsync();
        }

        try
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ApiServerCollection : ICollectionFixture<ApiServerFixture>
{
    public const string Name = "api server";
}
