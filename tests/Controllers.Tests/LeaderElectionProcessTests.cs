using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using k8s;
using k8s.Autorest;
using k8s.Models;
using KubeNet.ApiServer;
using KubeNet.ApiServer.Tests.Infrastructure;

namespace KubeNet.Controllers.Tests;

/// <summary>
/// Two `kube-net controller-manager` processes against one API server: exactly one holds the
/// kube-system/kube-controller-manager Lease and runs the controllers; after `kill -9` of the leader the other takes
/// the Lease within 20 s and its controllers act (a new namespace gets its default ServiceAccount).
/// </summary>
public sealed partial class LeaderElectionProcessTests : IAsyncLifetime
{
    private const string Started = "Started ";

    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "kube-net-le-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly List<BackgroundProcess> _processes = [];
    private KubeApiServer? _server;
    private Kubernetes _client = null!;

    public async Task InitializeAsync()
    {
        _server = await KubeApiServer.StartAsync(new ApiServerOptions { DataDirectory = _dataDir, BindAddress = "127.0.0.1", SecurePort = 0 });
        _client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(_server.KubeconfigPath));
    }

    public async Task DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        _client.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        Directory.Delete(_dataDir, recursive: true);
    }

    private BackgroundProcess StartManager()
    {
        var process = BackgroundProcess.Start(
            "dotnet",
            [KubeNetProcess.DllPath, "controller-manager", "--kubeconfig", _server!.KubeconfigPath, "--leader-elect", "true"],
            new Dictionary<string, string?> { ["DOTNET_gcServer"] = "0" });
        _processes.Add(process);
        return process;
    }

    /// <summary>The identity a manager campaigns with, from its first log line about the Lease.</summary>
    private static async Task<string> IdentityOfAsync(BackgroundProcess process)
    {
        var lines = await process.WaitForOutputAsync(l => l.Any(x => AttemptLine().IsMatch(x)), TimeSpan.FromSeconds(60), "a leader election attempt");
        return AttemptLine().Match(lines.First(x => AttemptLine().IsMatch(x))).Groups[1].Value;
    }

    private static bool HasStarted(BackgroundProcess process) => process.StdOutLines.Any(l => l.Contains(Started, StringComparison.Ordinal) && l.Contains(" controllers", StringComparison.Ordinal));

    private async Task<string?> HolderAsync()
    {
        try
        {
            return (await _client.CoordinationV1.ReadNamespacedLeaseAsync("kube-controller-manager", "kube-system")).Spec?.HolderIdentity;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private async Task DefaultServiceAccountAppearsAsync(string ns, BackgroundProcess leader)
    {
        await _client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                await _client.CoreV1.ReadNamespacedServiceAccountAsync("default", ns);
                return;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
            {
                Assert.Fail($"no default ServiceAccount in {ns}\n--- leader stdout\n{string.Join('\n', leader.StdOutLines)}\n--- stderr\n{leader.StdErr}");
            }
        }
    }

    [Fact]
    public async Task One_manager_leads_and_the_other_takes_over_within_20_seconds_of_kill_9()
    {
        var first = StartManager();
        var second = StartManager();
        var identities = new Dictionary<BackgroundProcess, string>
        {
            [first] = await IdentityOfAsync(first),
            [second] = await IdentityOfAsync(second),
        };

        BackgroundProcess? leader = null;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (leader is null || !HasStarted(leader))
        {
            Assert.True(DateTime.UtcNow < deadline, "no manager took the Lease and started its controllers");
            var holder = await HolderAsync();
            leader = identities.FirstOrDefault(kv => kv.Value == holder).Key;
            await Task.Delay(200);
        }

        var standby = leader == first ? second : first;
        Assert.False(HasStarted(standby), "both managers run their controllers");
        await DefaultServiceAccountAppearsAsync("before-failover", leader);

        // The standby keeps waiting while the leader renews.
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.False(HasStarted(standby), "the standby started while the leader held the Lease");
        Assert.Equal(identities[leader], await HolderAsync());

        leader.Kill();
        var killed = Stopwatch.StartNew();
        while (await HolderAsync() != identities[standby])
        {
            Assert.True(killed.Elapsed < TimeSpan.FromSeconds(20), $"the standby did not take the Lease within 20 s\n--- standby stdout\n{string.Join('\n', standby.StdOutLines)}");
            await Task.Delay(200);
        }

        await standby.WaitForOutputAsync(lines => lines.Any(l => l.Contains(Started, StringComparison.Ordinal)), TimeSpan.FromSeconds(30), "the standby's controllers starting");
        await DefaultServiceAccountAppearsAsync("after-failover", standby);
    }

    [GeneratedRegex(@"(\S+) attempting to acquire leader lease kube-system/kube-controller-manager")]
    private static partial Regex AttemptLine();
}
