using k8s;
using k8s.Models;
using KubeNet.Conformance.Framework;
using static KubeNet.Conformance.Node.NodeSteps;

namespace KubeNet.Conformance.Node;

/// <summary>
/// test/e2e/common/node/lifecycle_hook.go. The handler pod is busybox httpd logging every request path (upstream uses
/// agnhost netexec); hooks call it by pod IP, as upstream does.
/// </summary>
[Collection(NodeCollection.Name)]
public sealed class LifecycleHookTests(NodeCluster cluster)
{
    private Kubernetes Client => cluster.Client;

    private async Task<(string Ns, string HandlerIp)> HandlerAsync()
    {
        var ns = await cluster.CreateNamespaceAsync("container-lifecycle-hook");
        var handler = Pod("pod-handle-http-request", "container-handle-http-request",
            "sh", "-c", "mkdir -p /www && echo ok >/www/poststart && echo ok >/www/prestop && httpd -f -vv -p 8080 -h /www");
        handler.Spec.RestartPolicy = "Always";
        await Client.CoreV1.CreateNamespacedPodAsync(handler, ns);
        var running = await WaitForRunningAsync(Client, ns, handler.Metadata.Name);
        return (ns, running.Status.PodIP);
    }

    private static V1Pod HookedPod(string name, V1Lifecycle lifecycle)
    {
        var pod = Pod(name, name, "sh", "-c", "sleep 600");
        pod.Spec.RestartPolicy = "Always";
        pod.Spec.TerminationGracePeriodSeconds = 15;
        pod.Spec.Containers[0].Lifecycle = lifecycle;
        return pod;
    }

    private static V1LifecycleHandler ExecHandler(string ip, string path) =>
        new() { Exec = new V1ExecAction { Command = ["sh", "-c", $"wget -qO- http://{ip}:8080/{path}"] } };

    private static V1LifecycleHandler HttpHandler(string ip, string path) =>
        new() { HttpGet = new V1HTTPGetAction { Host = ip, Path = "/" + path, Port = 8080 } };

    private async Task ExpectHandlerHitAsync(string ns, string path)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var log = await LogAsync(Client, ns, "pod-handle-http-request", "container-handle-http-request");
            if (log.Contains($"url:/{path}", StringComparison.Ordinal))
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the handler saw no request for /{path} within 60 s:\n{log}");
            await Task.Delay(250);
        }
    }

    private async Task PostStartAsync(Func<string, V1LifecycleHandler> handler)
    {
        var (ns, ip) = await HandlerAsync();
        var pod = HookedPod("pod-with-poststart-hook", new V1Lifecycle { PostStart = handler(ip) });
        await Client.CoreV1.CreateNamespacedPodAsync(pod, ns);
        await WaitForRunningAsync(Client, ns, pod.Metadata.Name);
        await ExpectHandlerHitAsync(ns, "poststart");
        await Client.CoreV1.DeleteNamespacedPodAsync(pod.Metadata.Name, ns);
        await WaitGoneAsync(ns, pod.Metadata.Name);
    }

    private async Task PreStopAsync(Func<string, V1LifecycleHandler> handler)
    {
        var (ns, ip) = await HandlerAsync();
        var pod = HookedPod("pod-with-prestop-hook", new V1Lifecycle { PreStop = handler(ip) });
        await Client.CoreV1.CreateNamespacedPodAsync(pod, ns);
        await WaitForRunningAsync(Client, ns, pod.Metadata.Name);
        await Client.CoreV1.DeleteNamespacedPodAsync(pod.Metadata.Name, ns);
        await WaitGoneAsync(ns, pod.Metadata.Name);
        await ExpectHandlerHitAsync(ns, "prestop");
    }

    private async Task WaitGoneAsync(string ns, string name)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await Client.CoreV1.ListNamespacedPodAsync(ns, fieldSelector: $"metadata.name={name}")).Items.Count > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"pod {name} was not deleted within 60 s");
            await Task.Delay(250);
        }
    }

    [Fact(DisplayName = "[sig-node] Container Lifecycle Hook when create a pod with lifecycle hook should execute poststart exec hook properly [NodeConformance] [Conformance]")]
    public Task PostStartExec() => PostStartAsync(ip => ExecHandler(ip, "poststart"));

    [Fact(DisplayName = "[sig-node] Container Lifecycle Hook when create a pod with lifecycle hook should execute prestop exec hook properly [NodeConformance] [Conformance]")]
    public Task PreStopExec() => PreStopAsync(ip => ExecHandler(ip, "prestop"));

    [Fact(DisplayName = "[sig-node] Container Lifecycle Hook when create a pod with lifecycle hook should execute poststart http hook properly [NodeConformance] [Conformance]")]
    public Task PostStartHttp() => PostStartAsync(ip => HttpHandler(ip, "poststart"));

    [Fact(DisplayName = "[sig-node] Container Lifecycle Hook when create a pod with lifecycle hook should execute prestop http hook properly [NodeConformance] [Conformance]")]
    public Task PreStopHttp() => PreStopAsync(ip => HttpHandler(ip, "prestop"));
}
