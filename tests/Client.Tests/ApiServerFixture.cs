using k8s;
using k8s.Models;
using KubeNet.ApiServer;

namespace KubeNet.Client.Tests;

/// <summary>
/// One in-process API server for the tests that need the API, reached over HTTPS with the real C# client. A short
/// watch-cache ring lets a test push a resourceVersion out of it (410 Expired); a short bookmark interval lets bookmarks
/// show up within a test.
/// </summary>
public sealed class ApiServerFixture : IAsyncLifetime
{
    public const int WatchCacheEvents = 16;

    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "kubenet-client-tests-" + Guid.NewGuid().ToString("N"));
    private KubeApiServer? _server;

    public IKubernetes Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _server = await KubeApiServer.StartAsync(new ApiServerOptions
        {
            DataDirectory = _dataDirectory,
            SecurePort = 0,
            SynchronousFull = false,
            WatchCacheEvents = WatchCacheEvents,
            BookmarkInterval = TimeSpan.FromSeconds(1),
        });
        Client = NewClient();
    }

    public IKubernetes NewClient() => new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(_server!.KubeconfigPath));

    /// <summary>A fresh namespace, so tests sharing the server never see each other's objects.</summary>
    public async Task<string> CreateNamespaceAsync()
    {
        var name = "t-" + Guid.NewGuid().ToString("N")[..10];
        await Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } });
        return name;
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ApiCollection : ICollectionFixture<ApiServerFixture>
{
    public const string Name = "api";
}
