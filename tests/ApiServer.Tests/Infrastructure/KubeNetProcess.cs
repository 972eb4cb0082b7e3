using System.Reflection;
using k8s;

namespace KubeNet.ApiServer.Tests.Infrastructure;

/// <summary>`kube-net server` as a separate process, for what an in-process server cannot show (kill -9, signals).</summary>
public sealed class KubeNetProcess : IAsyncDisposable
{
    private KubeNetProcess(BackgroundProcess process, string kubeconfigPath)
    {
        Process = process;
        KubeconfigPath = kubeconfigPath;
    }

    public BackgroundProcess Process { get; }

    public string KubeconfigPath { get; }

    /// <summary>kube-net.dll as built beside this test assembly (the project references KubeNet without its output).</summary>
    public static string DllPath
    {
        get
        {
            var path = typeof(KubeNetProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "KubeNetDll").Value!;
            if (!File.Exists(path))
            {
                throw new Xunit.Sdk.XunitException($"{path} is missing: build src/KubeNet/KubeNet.csproj in the same configuration as the tests");
            }

            return path;
        }
    }

    /// <summary>Starts the server on a free port and waits until it prints its kubeconfig line.</summary>
    public static async Task<KubeNetProcess> StartAsync(string dataDirectory, IReadOnlyList<string>? extraArguments = null)
    {
        var process = BackgroundProcess.Start(
            "dotnet",
            [DllPath, "server", "--data-dir", dataDirectory, "--secure-port", "0", "--runtime", "none", .. extraArguments ?? []],
            new Dictionary<string, string?> { ["DOTNET_gcServer"] = "0" });
        try
        {
            var lines = await process.WaitForOutputAsync(l => l.Any(x => x.StartsWith("export KUBECONFIG=", StringComparison.Ordinal)), TimeSpan.FromSeconds(60), "the kubeconfig line");
            var path = lines.First(x => x.StartsWith("export KUBECONFIG=", StringComparison.Ordinal))["export KUBECONFIG=".Length..];
            return new KubeNetProcess(process, path);
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    public Kubernetes CreateClient() => new(KubernetesClientConfiguration.BuildConfigFromConfigFile(KubeconfigPath));

    public ValueTask DisposeAsync() => Process.DisposeAsync();
}
