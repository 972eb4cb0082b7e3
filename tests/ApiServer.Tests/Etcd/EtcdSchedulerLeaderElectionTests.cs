using System.Diagnostics;
using k8s;
using k8s.Models;
using KubeNet.ApiServer.Tests.Infrastructure;
using KubeNet.Testing;

namespace KubeNet.ApiServer.Tests.Etcd;

/// <summary>
/// Two `kube-net server --storage etcd` processes on one etcd: their in-process schedulers campaign for the
/// kube-system/kube-scheduler Lease, exactly one schedules (pods created through either server are bound by it), and
/// after `kill -9` of the leading server the other's scheduler takes the Lease and binds new pods.
/// </summary>
public sealed class EtcdSchedulerLeaderElectionTests : IDisposable
{
    private const string Acquired = "acquired lease kube-system/kube-scheduler";
    private const string Attempting = "attempting to acquire leader lease kube-system/kube-scheduler";
    private const string SchedulerStarted = "Scheduler started:";
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "kubenet-sched-le-" + Guid.NewGuid().ToString("N")[..12]);

    [Fact]
    public async Task Only_one_in_process_scheduler_acts_and_the_other_takes_over_after_kill_9()
    {
        await using var etcd = await LocalEtcdCluster.StartAsync(members: 1, parentDirectory: _directory);
        var pki = Path.Combine(_directory, "pki");
        string[] flags = ["--storage", "etcd", "--etcd-servers", etcd.EndpointList, "--pki-dir", pki, "--controllers", "-*"];
        await using var first = await KubeNetProcess.StartAsync(Path.Combine(_directory, "a"), flags);
        await using var second = await KubeNetProcess.StartAsync(Path.Combine(_directory, "b"), flags);
        var servers = new[] { first, second };

        // Both campaign; one leads and starts scheduling, the other stands by.
        await WaitAsync(() => servers.All(s => Logged(s, Attempting)) ? "both" : null, TimeSpan.FromSeconds(60), "both schedulers to campaign");
        var leader = await WaitAsync(() => servers.SingleOrDefault(s => Logged(s, Acquired) && Logged(s, SchedulerStarted)), TimeSpan.FromSeconds(60), "one scheduler to lead");
        var standby = leader == first ? second : first;

        using var leaderClient = leader.CreateClient();
        using var standbyClient = standby.CreateClient();
        var lease = await standbyClient.CoordinationV1.ReadNamespacedLeaseAsync("kube-scheduler", "kube-system");
        Assert.False(string.IsNullOrEmpty(lease.Spec.HolderIdentity));

        await standbyClient.CoreV1.CreateNodeAsync(Node("node-a"));
        await standbyClient.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "sched" } });

        // Pods created through either server are bound, by the one scheduler that leads.
        await leaderClient.CoreV1.CreateNamespacedPodAsync(Pod("via-leader"), "sched");
        await standbyClient.CoreV1.CreateNamespacedPodAsync(Pod("via-standby"), "sched");
        await BoundAsync(standbyClient, "via-leader");
        await BoundAsync(leaderClient, "via-standby");
        Assert.False(Logged(standby, Acquired), "both schedulers hold the Lease");
        Assert.False(Logged(standby, SchedulerStarted), "the standby scheduler runs while the other leads");
        var holder = (await standbyClient.CoordinationV1.ReadNamespacedLeaseAsync("kube-scheduler", "kube-system")).Spec.HolderIdentity;
        Assert.Equal(lease.Spec.HolderIdentity, holder);

        // The leader dies without releasing the Lease: the standby takes it once it expires (15 s) and schedules.
        leader.Process.Kill();
        var killed = Stopwatch.StartNew();
        await WaitAsync(() => Logged(standby, SchedulerStarted) ? "started" : null, TimeSpan.FromSeconds(45), "the standby scheduler to take over");
        Assert.True(killed.Elapsed < TimeSpan.FromSeconds(40), $"the takeover took {killed.Elapsed.TotalSeconds:0.0}s");
        Assert.NotEqual(holder, (await standbyClient.CoordinationV1.ReadNamespacedLeaseAsync("kube-scheduler", "kube-system")).Spec.HolderIdentity);
        await standbyClient.CoreV1.CreateNamespacedPodAsync(Pod("after-failover"), "sched");
        await BoundAsync(standbyClient, "after-failover");
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

    private static bool Logged(KubeNetProcess server, string text) => server.Process.StdOutLines.Any(l => l.Contains(text, StringComparison.Ordinal));

    private static V1Node Node(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["kubernetes.io/hostname"] = name } },
        Status = new V1NodeStatus
        {
            Capacity = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("4"), ["memory"] = new("8Gi"), ["pods"] = new("110") },
            Allocatable = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("4"), ["memory"] = new("8Gi"), ["pods"] = new("110") },
            Conditions = [new V1NodeCondition { Type = "Ready", Status = "True", Reason = "KubeletReady", LastHeartbeatTime = DateTime.UtcNow, LastTransitionTime = DateTime.UtcNow }],
        },
    };

    private static V1Pod Pod(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "busybox" }] },
    };

    private static async Task BoundAsync(Kubernetes client, string pod)
    {
        await WaitAsync(async () => (await client.CoreV1.ReadNamespacedPodAsync(pod, "sched")).Spec.NodeName, TimeSpan.FromSeconds(30), $"pod {pod} to be bound");
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
