using k8s;
using k8s.Models;
using KubeNet.Conformance.Framework;
using static KubeNet.Conformance.Node.NodeSteps;

namespace KubeNet.Conformance.Node;

/// <summary>
/// test/e2e/common/node/container_probe.go, with the busybox image instead of agnhost (httpd serves /healthz) and
/// shorter delays: the probes run every second, so a few seconds of observation cover several probe periods.
/// </summary>
[Collection(NodeCollection.Name)]
public sealed class ContainerProbeTests(NodeCluster cluster)
{
    private static readonly TimeSpan Observation = TimeSpan.FromSeconds(8);

    private Kubernetes Client => cluster.Client;

    private static V1Pod ProbePod(string command, V1Probe? liveness = null, V1Probe? readiness = null)
    {
        var pod = Pod(Unique("probe"), "probe-container", "sh", "-c", command);
        pod.Spec.RestartPolicy = "Always";
        pod.Spec.Containers[0].LivenessProbe = liveness;
        pod.Spec.Containers[0].ReadinessProbe = readiness;
        return pod;
    }

    private static V1Probe Exec(params string[] command) => new() { Exec = new V1ExecAction { Command = command }, PeriodSeconds = 1, TimeoutSeconds = 1, FailureThreshold = 1 };

    private static V1Probe HttpGet(string path) => new() { HttpGet = new V1HTTPGetAction { Path = path, Port = 8080 }, PeriodSeconds = 1, TimeoutSeconds = 1, FailureThreshold = 1 };

    private async Task<string> StartAsync(V1Pod pod)
    {
        var ns = await cluster.CreateNamespaceAsync("container-probe");
        await Client.CoreV1.CreateNamespacedPodAsync(pod, ns);
        await WaitForPodAsync(Client, ns, pod.Metadata.Name, p => p.Status?.Phase == "Running", "Running");
        return ns;
    }

    private async Task ExpectRestartAsync(V1Pod pod)
    {
        var ns = await StartAsync(pod);
        await WaitForPodAsync(Client, ns, pod.Metadata.Name, p => RestartCount(p) >= 1, "restarted by its liveness probe", TimeSpan.FromSeconds(60));
    }

    private async Task ExpectNoRestartAsync(V1Pod pod)
    {
        var ns = await StartAsync(pod);
        await HoldsForAsync(Client, ns, pod.Metadata.Name, Observation, p => RestartCount(p) == 0 ? null : $"restarted {RestartCount(p)} times");
    }

    [Fact(DisplayName = "[sig-node] Probing container should be restarted with a exec \"cat /tmp/health\" liveness probe [NodeConformance] [Conformance]")]
    public Task RestartedByExec() =>
        ExpectRestartAsync(ProbePod("echo ok >/tmp/health; sleep 3; rm -rf /tmp/health; sleep 600", liveness: Exec("cat", "/tmp/health")));

    [Fact(DisplayName = "[sig-node] Probing container should *not* be restarted with a exec \"cat /tmp/health\" liveness probe [NodeConformance] [Conformance]")]
    public Task NotRestartedByExec() =>
        ExpectNoRestartAsync(ProbePod("echo ok >/tmp/health; sleep 600", liveness: Exec("cat", "/tmp/health")));

    [Fact(DisplayName = "[sig-node] Probing container should be restarted with a /healthz http liveness probe [NodeConformance] [Conformance]")]
    public Task RestartedByHttp() =>
        ExpectRestartAsync(ProbePod("mkdir -p /www && echo ok >/www/healthz && httpd -p 8080 -h /www && sleep 3 && rm /www/healthz && sleep 600", liveness: HttpGet("/healthz")));

    [Fact(DisplayName = "[sig-node] Probing container should *not* be restarted with a /healthz http liveness probe [NodeConformance] [Conformance]")]
    public Task NotRestartedByHttp() =>
        ExpectNoRestartAsync(ProbePod("mkdir -p /www && echo ok >/www/healthz && httpd -f -p 8080 -h /www", liveness: HttpGet("/healthz")));

    [Fact(DisplayName = "[sig-node] Probing container should *not* be restarted with a tcp:8080 liveness probe [NodeConformance] [Conformance]")]
    public Task NotRestartedByTcp() =>
        ExpectNoRestartAsync(ProbePod("mkdir -p /www && httpd -f -p 8080 -h /www", liveness: new V1Probe
        {
            TcpSocket = new V1TCPSocketAction { Port = 8080 },
            PeriodSeconds = 1,
            TimeoutSeconds = 1,
            FailureThreshold = 1,
        }));

    [Fact(DisplayName = "[sig-node] Probing container should have monotonically increasing restart count [NodeConformance] [Conformance]")]
    public async Task MonotonicRestartCount()
    {
        var pod = ProbePod("sleep 600", liveness: Exec("cat", "/tmp/health"));
        var ns = await StartAsync(pod);
        var last = 0;
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (last < 2)
        {
            var current = RestartCount(await Client.CoreV1.ReadNamespacedPodAsync(pod.Metadata.Name, ns));
            Assert.True(current >= last, $"restart count went down from {last} to {current}");
            last = current;
            Assert.True(DateTime.UtcNow < deadline, $"restart count reached only {last} in 90 s");
            await Task.Delay(250);
        }
    }

    [Fact(DisplayName = "[sig-node] Probing container with readiness probe should not be ready before initial delay and never restart [NodeConformance] [Conformance]")]
    public async Task ReadyOnlyAfterInitialDelay()
    {
        const int initialDelay = 5;
        var readiness = Exec("cat", "/tmp/health");
        readiness.InitialDelaySeconds = initialDelay;
        var pod = ProbePod("echo ok >/tmp/health; sleep 600", readiness: readiness);
        var ns = await StartAsync(pod);
        var ready = await WaitForPodAsync(Client, ns, pod.Metadata.Name, p => p.Status?.ContainerStatuses?[0].Ready == true, "Ready", TimeSpan.FromSeconds(60));
        var started = ready.Status.ContainerStatuses[0].State.Running.StartedAt!.Value;
        var readyAt = ready.Status.Conditions.Single(c => c.Type == "Ready").LastTransitionTime!.Value;

        // Both times have whole seconds.
        Assert.True(readyAt - started >= TimeSpan.FromSeconds(initialDelay - 1), $"ready {(readyAt - started).TotalSeconds} s after the start, before the initial delay of {initialDelay} s");
        Assert.Equal(0, RestartCount(ready));
    }

    [Fact(DisplayName = "[sig-node] Probing container with readiness probe that fails should never be ready and never restart [NodeConformance] [Conformance]")]
    public async Task FailingReadinessNeverReady()
    {
        var pod = ProbePod("sleep 600", readiness: Exec("false"));
        var ns = await StartAsync(pod);
        await HoldsForAsync(Client, ns, pod.Metadata.Name, Observation, p =>
            p.Status.ContainerStatuses[0].Ready ? "became ready" : RestartCount(p) > 0 ? "restarted" : null);
    }
}
