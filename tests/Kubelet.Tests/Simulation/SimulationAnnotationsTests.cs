using k8s;
using k8s.Models;
using KubeNet.Kubelet.Simulation;
using Xunit.Abstractions;

namespace KubeNet.Kubelet.Tests.Simulation;

/// <summary>What a pod can ask of a simulated node: an exit code, never exiting, and failing readiness.</summary>
[Collection(ApiServerCollection.Name)]
public sealed class SimulationAnnotationsTests(ApiServerFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private Kubernetes Client => fixture.Client;

    [Fact]
    public async Task Exit_code_and_readiness_annotations_shape_the_reported_status()
    {
        await using var pool = await HollowNodePool.StartAsync(Client,
            new HollowNodeOptions { Count = 1, NamePrefix = "anno-", CompletionDelay = TimeSpan.FromMilliseconds(200), HeartbeatInterval = TimeSpan.FromSeconds(1) },
            new TestOutputLogger(output), CancellationToken.None);

        await Client.CoreV1.CreateNamespacedPodAsync(Pod("fails", "Never", new() { ["simulation.kube-net.io/exit-code"] = "3" }), "default");
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("forever", "Never", new() { ["simulation.kube-net.io/exit-code"] = "never" }), "default");
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("unready", "Always", new() { ["simulation.kube-net.io/ready"] = "false" }), "default");

        var failed = await WaitAsync("fails", p => p.Status?.Phase == "Failed");
        var terminated = Assert.Single(failed.Status.ContainerStatuses).State.Terminated;
        Assert.Equal(3, terminated.ExitCode);
        Assert.Equal("Error", terminated.Reason);

        var unready = await WaitAsync("unready", p => p.Status?.Phase == "Running");
        Assert.Equal("False", unready.Status.Conditions.Single(c => c.Type == "Ready").Status);
        Assert.False(Assert.Single(unready.Status.ContainerStatuses).Ready);

        // Flipping the annotation flips readiness, as a probe starting to pass would.
        await Client.CoreV1.PatchNamespacedPodAsync(
            new V1Patch("""{"metadata":{"annotations":{"simulation.kube-net.io/ready":"true"}}}""", V1Patch.PatchType.MergePatch), "unready", "default");
        await WaitAsync("unready", p => p.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true);
        await Client.CoreV1.PatchNamespacedPodAsync(
            new V1Patch("""{"metadata":{"annotations":{"simulation.kube-net.io/ready":"false"}}}""", V1Patch.PatchType.MergePatch), "unready", "default");
        await WaitAsync("unready", p => p.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "False") == true);

        await Task.Delay(TimeSpan.FromMilliseconds(600));
        var forever = await Client.CoreV1.ReadNamespacedPodAsync("forever", "default");
        Assert.Equal("Running", forever.Status.Phase);

        foreach (var name in new[] { "fails", "forever", "unready" })
        {
            await Client.CoreV1.DeleteNamespacedPodAsync(name, "default", new V1DeleteOptions { GracePeriodSeconds = 0 });
        }
    }

    private static V1Pod Pod(string name, string restartPolicy, Dictionary<string, string> annotations) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Annotations = annotations },
        Spec = new V1PodSpec
        {
            NodeName = "anno-0",
            RestartPolicy = restartPolicy,
            Containers = [new V1Container { Name = "main", Image = "busybox:1.36" }],
        },
    };

    private Task<V1Pod> WaitAsync(string name, Func<V1Pod, bool> condition) => Eventually.Get(
        async () =>
        {
            var pod = await Client.CoreV1.ReadNamespacedPodAsync(name, "default");
            return condition(pod) ? pod : null;
        },
        Timeout,
        $"pod {name} to reach the expected state");
}
