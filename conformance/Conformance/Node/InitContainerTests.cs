using k8s;
using k8s.Models;
using KubeNet.Conformance.Framework;
using static KubeNet.Conformance.Node.NodeSteps;

namespace KubeNet.Conformance.Node;

/// <summary>test/e2e/common/node/init_container.go.</summary>
[Collection(NodeCollection.Name)]
public sealed class InitContainerTests(NodeCluster cluster)
{
    private Kubernetes Client => cluster.Client;

    private static V1Pod InitPod(string restart, string init1, string init2, string run1)
    {
        var name = Unique("pod-init");
        return new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["name"] = "foo", ["time"] = DateTime.UtcNow.Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture) } },
            Spec = new V1PodSpec
            {
                RestartPolicy = restart,
                TerminationGracePeriodSeconds = 1,
                InitContainers =
                [
                    new V1Container { Name = "init1", Image = Busybox, Command = ["sh", "-c", init1] },
                    new V1Container { Name = "init2", Image = Busybox, Command = ["sh", "-c", init2] },
                ],
                Containers = [new V1Container { Name = "run1", Image = Busybox, Command = ["sh", "-c", run1] }],
            },
        };
    }

    private static void AssertInitialized(V1Pod pod, bool initialized, string? reason = null)
    {
        var condition = Assert.Single(pod.Status.Conditions, c => c.Type == "Initialized");
        Assert.Equal(initialized ? "True" : "False", condition.Status);
        if (reason is not null)
        {
            Assert.Equal(reason, condition.Reason);
        }
    }

    [Fact(DisplayName = "[sig-node] InitContainer [NodeConformance] should invoke init containers on a RestartNever pod [Conformance]")]
    public async Task RestartNever()
    {
        var ns = await cluster.CreateNamespaceAsync("init-container");
        var pod = await Client.CoreV1.CreateNamespacedPodAsync(InitPod("Never", "true", "true", "true"), ns);
        var done = await WaitForPodAsync(Client, ns, pod.Metadata.Name, p => p.Status?.Phase is "Succeeded" or "Failed", "to finish");
        Assert.Equal("Succeeded", done.Status.Phase);
        AssertInitialized(done, true);
        Assert.Equal(2, done.Status.InitContainerStatuses.Count);
        Assert.All(done.Status.InitContainerStatuses, s => Assert.Equal(0, s.State.Terminated?.ExitCode));
        Assert.All(done.Status.InitContainerStatuses, s => Assert.Equal("Completed", s.State.Terminated?.Reason));
    }

    [Fact(DisplayName = "[sig-node] InitContainer [NodeConformance] should invoke init containers on a RestartAlways pod [Conformance]")]
    public async Task RestartAlways()
    {
        var ns = await cluster.CreateNamespaceAsync("init-container");
        var pod = await Client.CoreV1.CreateNamespacedPodAsync(InitPod("Always", "true", "true", "sleep 600"), ns);
        var running = await WaitForRunningAsync(Client, ns, pod.Metadata.Name);
        AssertInitialized(running, true);
        Assert.All(running.Status.InitContainerStatuses, s => Assert.Equal(0, s.State.Terminated?.ExitCode));
        Assert.True(running.Status.InitContainerStatuses.All(s => s.Ready), "init containers report ready once completed");
    }

    [Fact(DisplayName = "[sig-node] InitContainer [NodeConformance] should not start app containers if init containers fail on a RestartAlways pod [Conformance]")]
    public async Task FailingInitRestartAlways()
    {
        var ns = await cluster.CreateNamespaceAsync("init-container");
        var pod = await Client.CoreV1.CreateNamespacedPodAsync(InitPod("Always", "false", "true", "sleep 600"), ns);

        // init1 keeps failing and is restarted with back-off; init2 and the app container never start.
        var failing = await WaitForPodAsync(Client, ns, pod.Metadata.Name, p => p.Status?.InitContainerStatuses?.FirstOrDefault()?.RestartCount >= 1, "init1 restarted");
        Assert.Equal("Pending", failing.Status.Phase);
        AssertInitialized(failing, false, "ContainersNotInitialized");
        var init2 = failing.Status.InitContainerStatuses[1];
        Assert.NotNull(init2.State.Waiting);
        Assert.Equal(0, init2.RestartCount);
        var run1 = Assert.Single(failing.Status.ContainerStatuses);
        Assert.NotNull(run1.State.Waiting);
        Assert.Equal("PodInitializing", run1.State.Waiting.Reason);
        Assert.False(run1.Ready);
    }

    [Fact(DisplayName = "[sig-node] InitContainer [NodeConformance] should not start app containers and fail the pod if init containers fail on a RestartNever pod [Conformance]")]
    public async Task FailingInitRestartNever()
    {
        var ns = await cluster.CreateNamespaceAsync("init-container");
        var pod = await Client.CoreV1.CreateNamespacedPodAsync(InitPod("Never", "true", "false", "sleep 600"), ns);
        var failed = await WaitForPodAsync(Client, ns, pod.Metadata.Name, p => p.Status?.Phase is "Failed" or "Succeeded", "to finish");
        Assert.Equal("Failed", failed.Status.Phase);
        AssertInitialized(failed, false, "ContainersNotInitialized");
        Assert.Equal(0, failed.Status.InitContainerStatuses[0].State.Terminated?.ExitCode);
        Assert.NotEqual(0, failed.Status.InitContainerStatuses[1].State.Terminated?.ExitCode ?? 0);
        var run1 = Assert.Single(failed.Status.ContainerStatuses);
        Assert.Null(run1.State.Running);
        Assert.Equal(0, run1.RestartCount);
    }
}
