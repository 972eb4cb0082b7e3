using k8s;
using k8s.Models;

namespace KubeNet.Client.Tests;

[Collection(ApiCollection.Name)]
public sealed class LeaderElectionTests(ApiServerFixture api)
{
    private sealed class Candidate
    {
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Stopped { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public List<string> Leaders { get; } = [];

        public CancellationTokenSource Cancel { get; } = new();

        public Task Run { get; set; } = Task.CompletedTask;

        public LeaderElector Elector { get; set; } = null!;
    }

    private static Candidate Start(IKubernetes client, string ns, string identity, bool releaseOnCancel)
    {
        var candidate = new Candidate();
        candidate.Elector = new LeaderElector(client, new LeaderElectionConfig
        {
            LeaseNamespace = ns,
            LeaseName = "controller",
            Identity = identity,
            LeaseDuration = TimeSpan.FromSeconds(2),
            RenewDeadline = TimeSpan.FromSeconds(1.5),
            RetryPeriod = TimeSpan.FromMilliseconds(200),
            ReleaseOnCancel = releaseOnCancel,
            OnStartedLeading = async ct =>
            {
                candidate.Started.TrySetResult();
                await Task.Delay(Timeout.Infinite, ct);
            },
            OnStoppedLeading = () => candidate.Stopped.TrySetResult(),
            OnNewLeader = leader =>
            {
                lock (candidate.Leaders)
                {
                    candidate.Leaders.Add(leader);
                }
            },
        });
        candidate.Run = Task.Run(() => candidate.Elector.RunAsync(candidate.Cancel.Token));
        return candidate;
    }

    [Fact]
    public async Task OnlyOneLeadsAndTheOtherTakesOverWhenRenewalsStop()
    {
        var ns = await api.CreateNamespaceAsync();
        var first = Start(api.Client, ns, "first", releaseOnCancel: false);
        await first.Started.Task.WaitAsync(TestUtil.Timeout);
        Assert.True(first.Elector.IsLeader);

        var second = Start(api.Client, ns, "second", releaseOnCancel: false);
        await TestUtil.EventuallyAsync(() => second.Elector.CurrentLeader == "first", "the second candidate sees the leader");
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        Assert.False(second.Started.Task.IsCompleted, "a held lease keeps the second candidate waiting");
        Assert.False(second.Elector.IsLeader);

        var lease = await api.Client.CoordinationV1.ReadNamespacedLeaseAsync("controller", ns);
        Assert.Equal("first", lease.Spec.HolderIdentity);
        Assert.Equal(2, lease.Spec.LeaseDurationSeconds);
        Assert.NotNull(lease.Spec.AcquireTime);
        Assert.True(lease.Spec.RenewTime > lease.Spec.AcquireTime, "renewals move renewTime");
        Assert.Equal(0, lease.Spec.LeaseTransitions);

        // The first leader stops renewing without releasing, as a crashed process would.
        await first.Cancel.CancelAsync();
        await first.Run.WaitAsync(TestUtil.Timeout);
        Assert.True(first.Stopped.Task.IsCompleted);
        Assert.False(first.Elector.IsLeader);

        await second.Started.Task.WaitAsync(TestUtil.Timeout);
        lease = await api.Client.CoordinationV1.ReadNamespacedLeaseAsync("controller", ns);
        Assert.Equal("second", lease.Spec.HolderIdentity);
        Assert.Equal(1, lease.Spec.LeaseTransitions);
        lock (second.Leaders)
        {
            Assert.Equal(["first", "second"], second.Leaders);
        }

        await second.Cancel.CancelAsync();
        await second.Run.WaitAsync(TestUtil.Timeout);
    }

    [Fact]
    public async Task ReleaseOnCancelHandsTheLeaseOverAtOnce()
    {
        var ns = await api.CreateNamespaceAsync();
        var first = Start(api.Client, ns, "first", releaseOnCancel: true);
        await first.Started.Task.WaitAsync(TestUtil.Timeout);
        var second = Start(api.Client, ns, "second", releaseOnCancel: true);
        await TestUtil.EventuallyAsync(() => second.Elector.CurrentLeader == "first", "the second candidate sees the leader");

        await first.Cancel.CancelAsync();
        await first.Run.WaitAsync(TestUtil.Timeout);
        await second.Started.Task.WaitAsync(TestUtil.Timeout);

        await second.Cancel.CancelAsync();
        await second.Run.WaitAsync(TestUtil.Timeout);
        var lease = await api.Client.CoordinationV1.ReadNamespacedLeaseAsync("controller", ns);
        Assert.True(string.IsNullOrEmpty(lease.Spec.HolderIdentity), "a released lease names no holder");
        Assert.Equal(1, lease.Spec.LeaseDurationSeconds);
        Assert.Equal(1, lease.Spec.LeaseTransitions);
    }

    [Fact]
    public void ConfigurationIsValidated()
    {
        Assert.Throws<ArgumentException>(() => new LeaderElector(api.Client, new LeaderElectionConfig
        {
            LeaseNamespace = "kube-system",
            LeaseName = "x",
            Identity = "me",
            LeaseDuration = TimeSpan.FromSeconds(10),
            RenewDeadline = TimeSpan.FromSeconds(10),
        }));
        var defaults = new LeaderElectionConfig { LeaseNamespace = "kube-system", LeaseName = "x", Identity = "me" };
        Assert.Equal((15, 10, 2), ((int)defaults.LeaseDuration.TotalSeconds, (int)defaults.RenewDeadline.TotalSeconds, (int)defaults.RetryPeriod.TotalSeconds));
        defaults.Validate();
    }
}
