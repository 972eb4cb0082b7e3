using k8s;
using k8s.Models;
using KubeNet.Controllers;
using KubeNet.Kubelet.Tests.Simulation;
using KubeNet.Scheduler;
using Microsoft.Extensions.Logging.Abstractions;

namespace KubeNet.Kubelet.Tests.Docker;

/// <summary>
/// Workloads on the real node: a Deployment made Ready by an httpGet readiness probe (with the ReplicaSet and Deployment
/// controllers and the scheduler running against the node's API server), a liveness probe that restarts its container
/// into CrashLoopBackOff, and a preStop hook within the grace period. Through kubectl and the C# client.
/// </summary>
[Collection(DockerNodeCollection.Name)]
public sealed class DockerWorkloadTests(DockerNodeFixture node)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    private async Task<string> NamespaceAsync()
    {
        var name = "kt-" + Guid.NewGuid().ToString("N")[..8];
        await node.Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } });
        return name;
    }

    private Task<(int Code, string Output)> KubectlAsync(params string[] args) => DockerNodeFixture.RunAsync("/usr/bin/kubectl", node.ClientEnvironment, null, args);

    [Fact]
    public async Task DeploymentBecomesReadyThroughAnHttpReadinessProbe()
    {
        var ns = await NamespaceAsync();
        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(node.KubeconfigPath));
        await using var scheduler = KubeScheduler.Start(client, new SchedulerOptions { LeaderElect = false }, NullLoggerFactory.Instance);
        await using var controllers = ControllerManager.Start(client, new ControllerManagerOptions { LeaderElect = false, Controllers = ["deployment", "replicaset"] }, NullLoggerFactory.Instance);
        await Task.WhenAll(scheduler.Started, controllers.Started).WaitAsync(Timeout);

        var labels = new Dictionary<string, string> { ["app"] = "web" };
        await node.Client.AppsV1.CreateNamespacedDeploymentAsync(new V1Deployment
        {
            Metadata = new V1ObjectMeta { Name = "web" },
            Spec = new V1DeploymentSpec
            {
                Replicas = 2,
                Selector = new V1LabelSelector { MatchLabels = labels },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = labels },
                    Spec = new V1PodSpec
                    {
                        TerminationGracePeriodSeconds = 1,
                        Containers =
                        [
                            new V1Container
                            {
                                Name = "httpd",
                                Image = "busybox",
                                ImagePullPolicy = "IfNotPresent",
                                Command = ["sh", "-c", "mkdir -p /www && echo ready > /www/index.html && httpd -f -p 8080 -h /www"],
                                ReadinessProbe = new V1Probe { HttpGet = new V1HTTPGetAction { Path = "/index.html", Port = 8080 }, PeriodSeconds = 1 },
                            },
                        ],
                    },
                },
            },
        }, ns);

        var (code, output) = await KubectlAsync("rollout", "status", "deployment/web", "-n", ns, "--timeout=90s");
        Assert.True(code == 0, output);
        Assert.Contains("successfully rolled out", output, StringComparison.Ordinal);
        var pods = (await node.Client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: "app=web")).Items;
        Assert.Equal(2, pods.Count);
        Assert.All(pods, p => Assert.Contains(p.Status.Conditions, c => c.Type == "Ready" && c.Status == "True"));
        Assert.All(pods, p => Assert.Equal(node.NodeName, p.Spec.NodeName));

        await node.Client.AppsV1.DeleteNamespacedDeploymentAsync("web", ns);
        foreach (var rs in (await node.Client.AppsV1.ListNamespacedReplicaSetAsync(ns)).Items)
        {
            await node.Client.AppsV1.DeleteNamespacedReplicaSetAsync(rs.Metadata.Name, ns);
        }

        foreach (var pod in pods)
        {
            await node.Client.CoreV1.DeleteNamespacedPodAsync(pod.Metadata.Name, ns, new V1DeleteOptions { GracePeriodSeconds = 1 });
        }
    }

    [Fact]
    public async Task FailingLivenessProbeRestartsIntoCrashLoopBackOff()
    {
        var ns = await NamespaceAsync();
        await node.Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "liveness" },
            Spec = new V1PodSpec
            {
                NodeName = node.NodeName,
                TerminationGracePeriodSeconds = 1,
                Containers =
                [
                    new V1Container
                    {
                        Name = "main",
                        Image = "busybox",
                        Command = ["sleep", "600"],
                        LivenessProbe = new V1Probe { Exec = new V1ExecAction { Command = ["cat", "/tmp/healthy"] }, PeriodSeconds = 1, FailureThreshold = 1 },
                    },
                ],
            },
        }, ns);

        // `kubectl get pods` shows the back-off in its STATUS column while the restart count grows.
        var deadline = DateTime.UtcNow + Timeout;
        var restarts = new List<int>();
        while (true)
        {
            var (code, output) = await KubectlAsync("get", "pod", "liveness", "-n", ns, "--no-headers");
            Assert.True(code == 0, output);
            var restartCount = (await node.Client.CoreV1.ReadNamespacedPodAsync("liveness", ns)).Status?.ContainerStatuses?[0].RestartCount ?? 0;
            Assert.True(restarts.Count == 0 || restartCount >= restarts[^1], $"restart count went down: {string.Join(",", restarts)},{restartCount}");
            restarts.Add(restartCount);
            if (output.Contains("CrashLoopBackOff", StringComparison.Ordinal) && restartCount >= 2)
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, $"no CrashLoopBackOff with 2 restarts within {Timeout.TotalSeconds} s: {output}");
            await Task.Delay(500);
        }

        var events = await node.Client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: "involvedObject.name=liveness");
        Assert.Contains(events.Items, e => e.Reason == "Unhealthy" && e.Message.StartsWith("Liveness probe failed", StringComparison.Ordinal));
        await node.Client.CoreV1.DeleteNamespacedPodAsync("liveness", ns, new V1DeleteOptions { GracePeriodSeconds = 1 });
    }

    [Fact]
    public async Task DeleteRunsPreStopAndStopsTheContainerWithinTheGracePeriod()
    {
        var ns = await NamespaceAsync();
        var hostDir = Path.Combine(Path.GetTempPath(), "kubenet-prestop-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(hostDir);
        try
        {
            await node.Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
            {
                Metadata = new V1ObjectMeta { Name = "stopper" },
                Spec = new V1PodSpec
                {
                    NodeName = node.NodeName,
                    TerminationGracePeriodSeconds = 5,
                    Volumes = [new V1Volume { Name = "host", HostPath = new V1HostPathVolumeSource { Path = hostDir } }],
                    Containers =
                    [
                        new V1Container
                        {
                            Name = "main",
                            Image = "busybox",

                            // SIGTERM is ignored, so only the grace period's SIGKILL stops the container.
                            Command = ["sh", "-c", "trap '' TERM; while true; do sleep 1; done"],
                            VolumeMounts = [new V1VolumeMount { Name = "host", MountPath = "/host" }],
                            Lifecycle = new V1Lifecycle { PreStop = new V1LifecycleHandler { Exec = new V1ExecAction { Command = ["sh", "-c", "echo prestop ran > /host/prestop"] } } },
                        },
                    ],
                },
            }, ns);
            await Eventually.Get(async () => (await node.Client.CoreV1.ReadNamespacedPodAsync("stopper", ns)).Status?.Phase == "Running" ? "running" : null, Timeout, "Running");

            var started = DateTime.UtcNow;
            var (code, output) = await KubectlAsync("delete", "pod", "stopper", "-n", ns, "--wait=true", "--timeout=60s");
            var took = DateTime.UtcNow - started;
            Assert.True(code == 0, output);
            Assert.Equal("prestop ran\n", await File.ReadAllTextAsync(Path.Combine(hostDir, "prestop")));

            // The grace period covers the hook and the wait after SIGTERM; then SIGKILL. Allow a little for the API round trips.
            Assert.True(took >= TimeSpan.FromSeconds(4), $"the container stopped after {took.TotalSeconds:F1} s although it ignores SIGTERM");
            Assert.True(took < TimeSpan.FromSeconds(12), $"the pod took {took.TotalSeconds:F1} s to go with a grace period of 5 s");
        }
        finally
        {
            Directory.Delete(hostDir, recursive: true);
        }
    }
}
