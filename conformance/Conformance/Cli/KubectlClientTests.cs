using System.Text.RegularExpressions;
using k8s;
using KubeNet.Conformance.Framework;

namespace KubeNet.Conformance.Cli;

/// <summary>
/// test/e2e/kubectl/kubectl.go: the scenarios that need only the API, and those that wait for running pods with the
/// waiting done by <see cref="StandIns"/> (no scheduler, kubelet or replication manager here yet).
/// </summary>
[Collection(ConformanceCollection.Name)]
public sealed partial class KubectlClientTests(ConformanceCluster cluster)
{
    [GeneratedRegex("\u001b\\[[0-9;]*m")]
    private static partial Regex AnsiEscape();

    [Fact(DisplayName = "[sig-cli] Kubectl client Kubectl api-versions should check if v1 is in available api versions [Conformance]")]
    public async Task ApiVersions()
    {
        var (exit, stdout, stderr) = await cluster.KubectlAsync("api-versions");
        Assert.True(exit == 0, stderr);
        Assert.Contains("v1", stdout.Split('\n', StringSplitOptions.TrimEntries));
    }

    [Fact(DisplayName = "[sig-cli] Kubectl client Kubectl cluster-info should check if Kubernetes control plane services is included in cluster-info [Conformance]")]
    public async Task ClusterInfo()
    {
        var (exit, stdout, stderr) = await cluster.KubectlAsync("cluster-info");
        Assert.True(exit == 0, stderr);
        var text = AnsiEscape().Replace(stdout, "");
        Assert.Contains("Kubernetes control plane", text, StringComparison.Ordinal);
        Assert.Contains("is running at", text, StringComparison.Ordinal);
    }

    [Fact(DisplayName = "[sig-cli] Kubectl client Kubectl version should check is all data is printed [Conformance]")]
    public async Task Version()
    {
        var (exit, stdout, stderr) = await cluster.KubectlAsync("version");
        Assert.True(exit == 0, stderr);
        foreach (var item in new[] { "Client Version: ", "Server Version: " })
        {
            Assert.Contains(item, stdout, StringComparison.Ordinal);
        }
    }

    private const string HttpdImage = "registry.k8s.io/e2e-test-images/httpd:2.4.38-4";
    private const string BusyBoxImage = "registry.k8s.io/e2e-test-images/busybox:1.36.1-1";
    private const string AgnhostImage = "registry.k8s.io/e2e-test-images/agnhost:2.52";
    private const string PauseImage = "registry.k8s.io/pause:3.10";

    // test/e2e/testing-manifests/kubectl/agnhost-primary-controller.json.in and agnhost-primary-service.json.
    private static readonly string AgnhostController = """
        {"kind":"ReplicationController","apiVersion":"v1",
         "metadata":{"name":"agnhost-primary","labels":{"app":"agnhost","role":"primary"}},
         "spec":{"replicas":1,"selector":{"app":"agnhost","role":"primary"},
           "template":{"metadata":{"labels":{"app":"agnhost","role":"primary"}},
             "spec":{"containers":[{"name":"agnhost-primary","image":"AGNHOST_IMAGE","args":["guestbook","--http-port","6379"],
                                    "ports":[{"name":"agnhost-server","containerPort":6379}]}]}}}}
        """.Replace("AGNHOST_IMAGE", AgnhostImage, StringComparison.Ordinal);

    private const string AgnhostService = """
        {"kind":"Service","apiVersion":"v1",
         "metadata":{"name":"agnhost-primary","labels":{"app":"agnhost","role":"primary"}},
         "spec":{"ports":[{"port":6379,"targetPort":"agnhost-server"}],"selector":{"app":"agnhost","role":"primary"}}}
        """;

    private async Task<string> KubectlOrDieAsync(string ns, params string[] args) => await KubectlOrDieInputAsync(ns, null, args);

    private async Task<string> KubectlOrDieInputAsync(string ns, string? stdin, params string[] args)
    {
        var (exit, stdout, stderr) = await cluster.KubectlInputAsync(stdin, ["--namespace=" + ns, .. args]);
        Assert.True(exit == 0, $"kubectl {string.Join(' ', args)} exited {exit}\n{stdout}\n{stderr}");
        return stdout;
    }

    /// <summary>e2e's checkOutput: each requirement's first string starts a search from the current line; the rest must be on that line.</summary>
    private static void CheckOutput(string output, params string[][] required)
    {
        var lines = output.Split('\n');
        var current = 0;
        foreach (var requirement in required)
        {
            while (current < lines.Length && !lines[current].Contains(requirement[0], StringComparison.Ordinal))
            {
                current++;
            }

            Assert.True(current < lines.Length, $"failed to find {requirement[0]} in {output}");
            foreach (var item in requirement.Skip(1))
            {
                Assert.True(lines[current].Contains(item, StringComparison.Ordinal), $"failed to find {item} in {lines[current]}");
            }
        }
    }

    [Fact(DisplayName = "[sig-cli] Kubectl client Kubectl label should update the label on a resource [Conformance]")]
    public async Task Label()
    {
        var ns = await cluster.CreateNamespaceAsync("kubectl");
        var podYaml = $"""
            apiVersion: v1
            kind: Pod
            metadata:
              name: pause
              labels:
                name: pause
            spec:
              containers:
              - name: pause
                image: {PauseImage}
            """;
        await KubectlOrDieInputAsync(ns, podYaml, "create", "-f", "-");
        await cluster.PodRunningAsync(ns, "pause");

        await KubectlOrDieAsync(ns, "label", "pods", "pause", "testing-label=testing-label-value");
        Assert.Contains("testing-label-value", await KubectlOrDieAsync(ns, "get", "pod", "pause", "-L", "testing-label"), StringComparison.Ordinal);
        await KubectlOrDieAsync(ns, "label", "pods", "pause", "testing-label-");
        Assert.DoesNotContain("testing-label-value", await KubectlOrDieAsync(ns, "get", "pod", "pause", "-L", "testing-label"), StringComparison.Ordinal);

        // cleanupKubectlInputs: force delete from the same input, then nothing with the selector is left.
        await KubectlOrDieInputAsync(ns, podYaml, "delete", "--grace-period=0", "--force", "-f", "-");
        Assert.Equal("", await KubectlOrDieAsync(ns, "get", "rc,svc", "-l", "name=pause", "--no-headers"));
        Assert.Equal("", await KubectlOrDieAsync(ns, "get", "pods", "-l", "name=pause", "-o", "go-template={{ range .items }}{{ if not .metadata.deletionTimestamp }}{{ .metadata.name }}{{ \"\\n\" }}{{ end }}{{ end }}"));
    }

    [Fact(DisplayName = "[sig-cli] Kubectl client Kubectl patch should add annotations for pods in rc [Conformance]")]
    public async Task PatchAnnotations()
    {
        var ns = await cluster.CreateNamespaceAsync("kubectl");
        await KubectlOrDieInputAsync(ns, AgnhostController, "create", "-f", "-");
        var pods = await cluster.ControllerPodsRunningAsync(ns, "agnhost-primary");
        Assert.NotEmpty(pods);

        foreach (var pod in pods)
        {
            await KubectlOrDieAsync(ns, "patch", "pod", pod.Metadata.Name, "-p", "{\"metadata\":{\"annotations\":{\"x\":\"y\"}}}");
        }

        var running = await cluster.Client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: "app=agnhost");
        Assert.NotEmpty(running.Items);
        Assert.All(running.Items.Where(p => p.Status?.Phase == "Running"), p => Assert.Equal("y", p.Metadata.Annotations?["x"]));
    }

    [Fact(DisplayName = "[sig-cli] Kubectl client Kubectl describe should check if kubectl describe prints relevant information for rc and pods [Conformance]")]
    public async Task DescribeRcAndPods()
    {
        var ns = await cluster.CreateNamespaceAsync("kubectl");
        await KubectlOrDieInputAsync(ns, AgnhostController, "create", "-f", "-");
        await KubectlOrDieInputAsync(ns, AgnhostService, "create", "-f", "-");
        var pods = await cluster.ControllerPodsRunningAsync(ns, "agnhost-primary");
        Assert.NotEmpty(pods);

        foreach (var pod in pods)
        {
            CheckOutput(
                await KubectlOrDieAsync(ns, "describe", "pod", pod.Metadata.Name),
                ["Name:", "agnhost-primary-"], ["Namespace:", ns], ["Node:"], ["Labels:", "app=agnhost"], ["role=primary"], ["Annotations:"],
                ["Status:", "Running"], ["IP:"], ["Controlled By:", "ReplicationController/agnhost-primary"], ["Image:", AgnhostImage],
                ["State:", "Running"], ["QoS Class:", "BestEffort"]);
        }

        CheckOutput(
            await KubectlOrDieAsync(ns, "describe", "rc", "agnhost-primary"),
            ["Name:", "agnhost-primary"], ["Namespace:", ns], ["Selector:", "app=agnhost,role=primary"], ["Labels:", "app=agnhost"], ["role=primary"],
            ["Annotations:"], ["Replicas:", "1 current", "1 desired"], ["Pods Status:", "1 Running", "0 Waiting", "0 Succeeded", "0 Failed"],
            ["Pod Template:"], ["Image:", AgnhostImage], ["Events:"]);

        CheckOutput(
            await KubectlOrDieAsync(ns, "describe", "service", "agnhost-primary"),
            ["Name:", "agnhost-primary"], ["Namespace:", ns], ["Labels:", "app=agnhost"], ["role=primary"], ["Annotations:"],
            ["Selector:", "app=agnhost", "role=primary"], ["Type:", "ClusterIP"], ["IP:"], ["Port:", "<unset>", "6379/TCP"], ["Endpoints:"],
            ["Session Affinity:", "None"]);

        var node = await cluster.AnyNodeAsync();
        CheckOutput(
            await KubectlOrDieAsync(ns, "describe", "node", node.Metadata.Name),
            ["Name:", node.Metadata.Name], ["Labels:"], ["Annotations:"], ["CreationTimestamp:"], ["Conditions:"],
            ["Type", "Status", "LastHeartbeatTime", "LastTransitionTime", "Reason", "Message"], ["Addresses:"], ["Capacity:"], ["Version:"],
            ["Kernel Version:"], ["OS Image:"], ["Container Runtime Version:"], ["Kubelet Version:"], ["Kube-Proxy Version:"], ["Pods:"]);

        CheckOutput(
            await KubectlOrDieAsync(ns, "describe", "namespace", ns),
            ["Name:", ns], ["Labels:"], ["Annotations:"], ["Status:", "Active"]);
    }

    [Fact(DisplayName = "[sig-cli] Kubectl client Kubectl diff should check if kubectl diff finds a difference for Deployments [Conformance]")]
    public async Task DiffDeployments()
    {
        var ns = await cluster.CreateNamespaceAsync("kubectl");
        // test/e2e/testing-manifests/kubectl/httpd-deployment3.yaml.in
        var deployment = $"""
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: httpd-deployment
            spec:
              selector:
                matchLabels:
                  app: httpd
              template:
                metadata:
                  labels:
                    app: httpd
                spec:
                  containers:
                  - name: httpd
                    image: {HttpdImage}
                    ports:
                    - containerPort: 80
            """;
        await KubectlOrDieInputAsync(ns, deployment, "create", "-f", "-");

        deployment = deployment.Replace(HttpdImage, BusyBoxImage, StringComparison.Ordinal);
        var (exit, output, stderr) = await cluster.KubectlInputAsync(deployment, "--namespace=" + ns, "diff", "-f", "-");
        Assert.True(exit == 1, $"kubectl diff exited {exit}, expected 1 (differences found)\n{output}\n{stderr}");
        Assert.Contains(HttpdImage, output, StringComparison.Ordinal);
        Assert.Contains(BusyBoxImage, output, StringComparison.Ordinal);

        await KubectlOrDieInputAsync(ns, deployment, "delete", "-f", "-");
    }

    [Fact(DisplayName = "[sig-cli] Kubectl client Kubectl server-side dry-run should check if kubectl can dry-run update Pods [Conformance]")]
    public async Task ServerSideDryRunPods()
    {
        var ns = await cluster.CreateNamespaceAsync("kubectl");
        const string podName = "e2e-test-httpd-pod";
        await KubectlOrDieAsync(ns, "run", podName, "--image=" + HttpdImage, "--pod-running-timeout=2m0s", "--labels=run=" + podName);

        var specImage = """{"spec":{"containers":[{"name": "NAME","image": "IMAGE"}]}}"""
            .Replace("NAME", podName, StringComparison.Ordinal).Replace("IMAGE", BusyBoxImage, StringComparison.Ordinal);
        await KubectlOrDieAsync(ns, "patch", "pod", podName, "-p", specImage, "--dry-run=server");

        var pod = await cluster.Client.CoreV1.ReadNamespacedPodAsync(podName, ns);
        Assert.Equal(HttpdImage, Assert.Single(pod.Spec.Containers).Image);

        await KubectlOrDieAsync(ns, "delete", "pods", podName);
    }

    [Fact(DisplayName = "[sig-cli] Kubectl client Kubectl replace should update a single-container pod's image [Conformance]")]
    public async Task ReplacePodImage()
    {
        var ns = await cluster.CreateNamespaceAsync("kubectl");
        const string podName = "e2e-test-httpd-pod";
        await KubectlOrDieAsync(ns, "run", podName, "--image=" + HttpdImage, "--pod-running-timeout=2m0s", "--labels=run=" + podName);
        await cluster.PodRunningAsync(ns, podName);

        var podJson = await KubectlOrDieAsync(ns, "get", "pod", podName, "-o", "json");
        Assert.Contains(podName, podJson, StringComparison.Ordinal);

        podJson = new Regex(Regex.Escape(HttpdImage)).Replace(podJson, BusyBoxImage, 1);
        await KubectlOrDieInputAsync(ns, podJson, "replace", "-f", "-");

        var pod = await cluster.Client.CoreV1.ReadNamespacedPodAsync(podName, ns);
        Assert.Equal(BusyBoxImage, Assert.Single(pod.Spec.Containers).Image);

        await KubectlOrDieAsync(ns, "delete", "pods", podName);
    }

    [Fact(DisplayName = "[sig-cli] Kubectl client Kubectl run pod should create a pod from an image when restart is Never [Conformance]")]
    public async Task RunPodRestartNever()
    {
        var ns = await cluster.CreateNamespaceAsync("kubectl");
        const string podName = "e2e-test-httpd-pod";
        await KubectlOrDieAsync(ns, "run", podName, "--restart=Never", "--pod-running-timeout=2m0s", "--image=" + HttpdImage);

        var pod = await cluster.Client.CoreV1.ReadNamespacedPodAsync(podName, ns);
        Assert.Equal(HttpdImage, Assert.Single(pod.Spec.Containers).Image);
        Assert.Equal("Never", pod.Spec.RestartPolicy);

        await KubectlOrDieAsync(ns, "delete", "pods", podName);
    }
}
