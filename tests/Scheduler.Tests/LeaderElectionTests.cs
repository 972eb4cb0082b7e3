using k8s;
using k8s.Models;

namespace KubeNet.Scheduler.Tests;

/// <summary>Two schedulers campaign for the kube-system/kube-scheduler Lease; only the leader schedules.</summary>
[Collection(SchedulerClusterCollection.Name)]
public sealed class LeaderElectionTests(SchedulerCluster cluster)
{
    private const string Elected = "elected-scheduler";

    [Fact]
    public async Task Only_the_leader_schedules_and_a_standby_takes_over()
    {
        var ns = await cluster.CreateNamespaceAsync();
        SchedulerOptions Options(string identity) => new()
        {
            LeaderElect = true,
            Identity = identity,
            LeaseDuration = TimeSpan.FromSeconds(4),
            RenewDeadline = TimeSpan.FromSeconds(3),
            RetryPeriod = TimeSpan.FromMilliseconds(500),
            Profiles = [new SchedulerProfile { SchedulerName = Elected }],
        };

        var first = KubeScheduler.Start(cluster.Client, Options("first"));
        await first.Started.WaitAsync(TimeSpan.FromSeconds(30));
        var second = KubeScheduler.Start(cluster.Client, Options("second"));
        try
        {
            var lease = await cluster.Client.CoordinationV1.ReadNamespacedLeaseAsync(KubeScheduler.LeaseName, "kube-system");
            Assert.Equal("first", lease.Spec.HolderIdentity);
            Assert.False(second.IsLeading);
            await ScheduleAsync(ns, "under-first");

            await first.DisposeAsync();
            await second.Started.WaitAsync(TimeSpan.FromSeconds(30));
            lease = await cluster.Client.CoordinationV1.ReadNamespacedLeaseAsync(KubeScheduler.LeaseName, "kube-system");
            Assert.Equal("second", lease.Spec.HolderIdentity);
            await ScheduleAsync(ns, "under-second");
        }
        finally
        {
            await first.DisposeAsync();
            await second.DisposeAsync();
        }
    }

    private async Task ScheduleAsync(string ns, string name)
    {
        var pod = SchedulerCluster.Pod(name);
        pod.Spec.SchedulerName = Elected;
        await cluster.Client.CoreV1.CreateNamespacedPodAsync(pod, ns);
        await cluster.WaitForScheduledAsync(ns, name);
    }
}
