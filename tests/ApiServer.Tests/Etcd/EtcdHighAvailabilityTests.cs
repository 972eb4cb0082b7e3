using System.Collections.Concurrent;
using System.Diagnostics;
using k8s;
using k8s.Models;
using KubeNet.ApiServer.Tests.Infrastructure;
using KubeNet.Testing;

namespace KubeNet.ApiServer.Tests.Etcd;

/// <summary>
/// A highly available control plane on loopback: three etcd members and two `kube-net server --storage etcd`
/// processes sharing one cluster CA. One etcd member (the Raft leader) and one server (the one whose
/// controller-manager leads) are killed with SIGKILL during a stream of writes.
/// </summary>
public sealed class EtcdHighAvailabilityTests : IDisposable
{
    private const string LeaseAcquired = "acquired lease kube-system/kube-controller-manager";
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "kubenet-ha-" + Guid.NewGuid().ToString("N")[..12]);

    [Fact]
    public async Task Killing_an_etcd_member_and_an_API_server_during_writes_loses_no_acknowledged_write_and_the_controllers_fail_over()
    {
        await using var etcd = await LocalEtcdCluster.StartAsync(members: 3);
        var pki = Path.Combine(_directory, "pki");
        string[] flags = ["--storage", "etcd", "--etcd-servers", etcd.EndpointList, "--pki-dir", pki];
        await using var first = await KubeNetProcess.StartAsync(Path.Combine(_directory, "a"), flags);
        await using var second = await KubeNetProcess.StartAsync(Path.Combine(_directory, "b"), flags);
        var servers = new[] { first, second };

        // One controller-manager leads; the other stands by.
        var leading = await WaitAsync(() => servers.SingleOrDefault(s => s.Process.StdOutLines.Any(l => l.Contains(LeaseAcquired, StringComparison.Ordinal))), TimeSpan.FromSeconds(60), "a controller-manager to lead");
        var survivor = leading == first ? second : first;

        using var leaderClient = leading.CreateClient();
        using var survivorClient = survivor.CreateClient();
        const string ns = "ha";
        await survivorClient.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });

        // kubectl against the survivor, over and over, for the whole run: every call must succeed.
        using var stopKubectl = new CancellationTokenSource();
        var kubectlEnvironment = new Dictionary<string, string?>
        {
            ["KUBECONFIG"] = survivor.KubeconfigPath,
            ["KUBECACHEDIR"] = Path.Combine(_directory, "kubectl-cache"),
            ["HOME"] = _directory,
        };
        ClientPrograms.RequireKubectl();
        var kubectlRuns = new ConcurrentQueue<ProcessResult>();
        var kubectl = Task.Run(async () =>
        {
            while (!stopKubectl.IsCancellationRequested)
            {
                kubectlRuns.Enqueue(await ProcessRunner.RunAsync(ClientPrograms.Kubectl, ["get", "configmaps", "-n", ns, "-o", "name", "--request-timeout=60s"], kubectlEnvironment));
            }
        });

        // Writes through both servers; a write counts once its server acknowledged it.
        const int Total = 500;
        const int KillAfter = 120;
        var acknowledged = new ConcurrentDictionary<string, string>();
        var survivorFailures = new ConcurrentQueue<string>();
        var next = -1;
        var killed = 0;
        var writers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < Total)
            {
                var toLeader = w % 2 == 0 && Volatile.Read(ref killed) == 0;
                var name = $"cm-{i:D4}";
                try
                {
                    var created = await (toLeader ? leaderClient : survivorClient).CoreV1.CreateNamespacedConfigMapAsync(
                        new V1ConfigMap { Metadata = new V1ObjectMeta { Name = name }, Data = new Dictionary<string, string> { ["i"] = $"{i}" } }, ns);
                    acknowledged[name] = created.Metadata.ResourceVersion;
                }
                catch (Exception) when (toLeader)
                {
                    // The killed server's in-flight writes were never acknowledged.
                }
                catch (Exception ex)
                {
                    survivorFailures.Enqueue($"{name}: {ex.Message}");
                }

                if (acknowledged.Count >= KillAfter && Interlocked.Exchange(ref killed, 1) == 0)
                {
                    etcd.Kill(await etcd.LeaderAsync(TimeSpan.FromSeconds(10)));
                    leading.Process.Kill();
                }
            }
        })).ToArray();
        await Task.WhenAll(writers);
        Assert.Equal(1, killed);

        // The standby controller-manager takes the lease, and its controllers act: a deleted namespace is emptied and finalized.
        await WaitAsync(() => survivor.Process.StdOutLines.Any(l => l.Contains(LeaseAcquired, StringComparison.Ordinal)) ? survivor : null, TimeSpan.FromSeconds(60), "the standby controller-manager to take the lease");
        const string doomed = "ha-doomed";
        await survivorClient.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = doomed } });
        await survivorClient.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "inside" } }, doomed);
        await survivorClient.CoreV1.DeleteNamespaceAsync(doomed);
        await WaitAsync(async () => (await survivorClient.CoreV1.ListNamespaceAsync()).Items.All(n => n.Metadata.Name != doomed) ? "gone" : null, TimeSpan.FromSeconds(60), "the namespace controller to finalize the deleted namespace");

        await stopKubectl.CancelAsync();
        await kubectl;

        Assert.True(survivorFailures.IsEmpty, string.Join('\n', survivorFailures));
        var failedKubectl = kubectlRuns.Where(r => r.ExitCode != 0).ToList();
        Assert.True(failedKubectl.Count == 0, $"{failedKubectl.Count} of {kubectlRuns.Count} kubectl runs failed; first:\n{failedKubectl.FirstOrDefault()}");
        Assert.True(kubectlRuns.Count >= 5, $"only {kubectlRuns.Count} kubectl runs");

        var stored = (await survivorClient.CoreV1.ListNamespacedConfigMapAsync(ns)).Items.ToDictionary(c => c.Metadata.Name, c => c.Metadata.ResourceVersion);
        var lost = acknowledged.Keys.Where(k => !stored.ContainsKey(k)).Order().ToList();
        Assert.True(lost.Count == 0, $"{lost.Count} of {acknowledged.Count} acknowledged creates are missing: {string.Join(", ", lost.Take(20))}");
        Assert.All(acknowledged, a => Assert.Equal(a.Value, stored[a.Key]));
        Assert.True(acknowledged.Count >= Total / 2, $"only {acknowledged.Count} writes were acknowledged");
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static Task<T> WaitAsync<T>(Func<T?> probe, TimeSpan timeout, string what) where T : class => WaitAsync(() => Task.FromResult(probe()), timeout, what);

    private static async Task<T> WaitAsync<T>(Func<Task<T?>> probe, TimeSpan timeout, string what) where T : class
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (await probe() is { } found)
            {
                return found;
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"timed out after {timeout.TotalSeconds}s waiting for {what}");
            }

            await Task.Delay(200);
        }
    }
}
