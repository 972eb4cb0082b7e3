using System.Text;
using k8s;
using k8s.Models;
using KubeNet.Kubelet.Tests.Simulation;

namespace KubeNet.Kubelet.Tests.Docker;

/// <summary>Pods on a real node (Docker through our CRI server), observed through the C# client, kubectl and python.</summary>
[Collection(DockerNodeCollection.Name)]
public sealed class DockerNodeTests(DockerNodeFixture node)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private async Task<string> NamespaceAsync()
    {
        var name = "kt-" + Guid.NewGuid().ToString("N")[..8];
        await node.Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } });
        return name;
    }

    private V1Pod Pod(string name, string restart, params string[] command) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1PodSpec
        {
            NodeName = node.NodeName,
            RestartPolicy = restart,
            TerminationGracePeriodSeconds = 2,
            Containers = [new V1Container { Name = "main", Image = "busybox", Command = command }],
        },
    };

    private async Task<V1Pod> WaitAsync(string ns, string name, Func<V1Pod, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            var pod = await node.Client.CoreV1.ReadNamespacedPodAsync(name, ns);
            if (condition(pod))
            {
                return pod;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out after {Timeout.TotalSeconds} s waiting for {what}; status: {KubernetesJson.Serialize(pod.Status)}");
            }

            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task NodeRegistersReadyWithHostCapacityAndRuntime()
    {
        var n = await Eventually.Get(async () =>
        {
            var found = await node.Client.CoreV1.ReadNodeAsync(node.NodeName);
            return found.Status.Conditions.Any(c => c.Type == "Ready" && c.Status == "True") ? found : null;
        }, Timeout, "node Ready");
        Assert.StartsWith("docker://", n.Status.NodeInfo.ContainerRuntimeVersion, StringComparison.Ordinal);
        Assert.Equal("110", n.Status.Capacity["pods"].ToString());
        Assert.Equal(Environment.ProcessorCount.ToString(System.Globalization.CultureInfo.InvariantCulture), n.Status.Capacity["cpu"].ToString());
        Assert.Contains(n.Status.Addresses, a => a.Type == "InternalIP" && a.Address == "127.0.0.1");
        Assert.True(n.Status.DaemonEndpoints.KubeletEndpoint.Port > 0);
        Assert.Equal(["MemoryPressure", "DiskPressure", "PIDPressure", "Ready"], n.Status.Conditions.Select(c => c.Type));
        var lease = await node.Client.CoordinationV1.ReadNamespacedLeaseAsync(node.NodeName, "kube-node-lease");
        Assert.Equal(node.NodeName, lease.Spec.HolderIdentity);
    }

    [Fact]
    public async Task BusyboxPodRunsWithStatusLogsAndExecThroughEveryClient()
    {
        var ns = await NamespaceAsync();
        await node.Client.CoreV1.CreateNamespacedPodAsync(Pod("bb", "Always", "sh", "-c", "echo hello; echo second; sleep 3600"), ns);
        var pod = await WaitAsync(ns, "bb", p => p.Status?.Phase == "Running" && p.Status.ContainerStatuses?[0].Ready == true, "pod Running and Ready");

        var status = pod.Status;
        Assert.StartsWith(node.PodCidr[..^5], status.PodIP, StringComparison.Ordinal);
        Assert.Equal("127.0.0.1", status.HostIP);
        Assert.Equal("BestEffort", status.QosClass);
        Assert.NotNull(status.StartTime);
        var container = status.ContainerStatuses[0];
        Assert.StartsWith("docker://", container.ContainerID, StringComparison.Ordinal);
        Assert.StartsWith("docker://sha256:", container.ImageID, StringComparison.Ordinal);
        Assert.NotNull(container.State.Running);
        Assert.Equal(0, container.RestartCount);
        Assert.Contains(status.Conditions, c => c.Type == "Ready" && c.Status == "True");
        Assert.Contains(status.Conditions, c => c.Type == "PodReadyToStartContainers" && c.Status == "True");

        // kubectl: logs (with tail) and exec with an exit code and stdin.
        var env = node.ClientEnvironment;
        var (code, logs) = await DockerNodeFixture.RunAsync("/usr/bin/kubectl", env, null, "logs", "-n", ns, "bb");
        Assert.Equal(0, code);
        Assert.Equal("hello\nsecond\n", logs);
        (_, logs) = await DockerNodeFixture.RunAsync("/usr/bin/kubectl", env, null, "logs", "-n", ns, "bb", "--tail=1");
        Assert.Equal("second\n", logs);
        (code, var output) = await DockerNodeFixture.RunAsync("/usr/bin/kubectl", env, null, "exec", "-n", ns, "bb", "--", "sh", "-c", "echo out; exit 3");
        Assert.Equal(3, code);
        Assert.Contains("out", output, StringComparison.Ordinal);
        (code, output) = await DockerNodeFixture.RunAsync("/usr/bin/kubectl", env, "piped\n", "exec", "-i", "-n", ns, "bb", "--", "cat");
        Assert.Equal(0, code);
        Assert.Equal("piped\n", output);

        // The C# client (v4.channel.k8s.io).
        var stdout = new StringBuilder();
        var exit = await node.Client.NamespacedPodExecAsync("bb", ns, "main", ["sh", "-c", "echo from-csharp; exit 2"], false, async (_, o, _) =>
        {
            using var reader = new StreamReader(o);
            stdout.Append(await reader.ReadToEndAsync());
        }, CancellationToken.None);
        Assert.Equal(2, exit);
        Assert.Equal("from-csharp\n", stdout.ToString());
        var log = await node.Client.CoreV1.ReadNamespacedPodLogAsync("bb", ns, container: "main");
        using (var reader = new StreamReader(log))
        {
            Assert.Equal("hello\nsecond\n", await reader.ReadToEndAsync());
        }

        // The python client (v4.channel.k8s.io).
        var script = $$"""
            from kubernetes import client, config
            from kubernetes.stream import stream
            config.load_kube_config()
            api = client.CoreV1Api()
            print(stream(api.connect_get_namespaced_pod_exec, 'bb', '{{ns}}', command=['sh', '-c', 'echo from-python'], stderr=True, stdin=False, stdout=True, tty=False), end='')
            print(api.read_namespaced_pod_log('bb', '{{ns}}', tail_lines=1), end='')
            """;
        (code, output) = await DockerNodeFixture.RunAsync("/usr/bin/python3", env, script, "-");
        Assert.True(code == 0, output);
        Assert.Equal("from-python\nsecond\n", output);
    }

    [Fact]
    public async Task CrashingContainerBacksOffAndNeverPolicyEndsFailed()
    {
        var ns = await NamespaceAsync();
        await node.Client.CoreV1.CreateNamespacedPodAsync(Pod("crash", "Always", "sh", "-c", "echo boom; exit 1"), ns);
        await node.Client.CoreV1.CreateNamespacedPodAsync(Pod("fails", "Never", "sh", "-c", "exit 7"), ns);
        await node.Client.CoreV1.CreateNamespacedPodAsync(Pod("done", "OnFailure", "sh", "-c", "exit 0"), ns);

        var crash = await WaitAsync(ns, "crash", p => p.Status?.ContainerStatuses?[0].State?.Waiting?.Reason == "CrashLoopBackOff", "CrashLoopBackOff");
        var cs = crash.Status.ContainerStatuses[0];
        Assert.True(cs.RestartCount >= 1);
        Assert.Equal(1, cs.LastState.Terminated.ExitCode);
        Assert.Equal("Error", cs.LastState.Terminated.Reason);
        Assert.StartsWith("back-off 10s restarting failed container=main pod=crash_" + ns, cs.State.Waiting.Message, StringComparison.Ordinal);
        Assert.Equal("Running", crash.Status.Phase);

        var (code, previous) = await DockerNodeFixture.RunAsync("/usr/bin/kubectl", node.ClientEnvironment, null, "logs", "-n", ns, "crash", "--previous");
        Assert.Equal(0, code);
        Assert.Equal("boom\n", previous);

        var failed = await WaitAsync(ns, "fails", p => p.Status?.Phase == "Failed", "phase Failed");
        Assert.Equal(7, failed.Status.ContainerStatuses[0].State.Terminated.ExitCode);
        Assert.Equal("Error", failed.Status.ContainerStatuses[0].State.Terminated.Reason);
        Assert.Equal(0, failed.Status.ContainerStatuses[0].RestartCount);

        var done = await WaitAsync(ns, "done", p => p.Status?.Phase == "Succeeded", "phase Succeeded");
        Assert.Equal("Completed", done.Status.ContainerStatuses[0].State.Terminated.Reason);
        Assert.Contains(done.Status.Conditions, c => c.Type == "Ready" && c.Status == "False" && c.Reason == "PodCompleted");
    }

    [Fact]
    public async Task EnvironmentVolumesAndInitContainersBehaveAsUpstream()
    {
        var ns = await NamespaceAsync();
        await node.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "cfg" }, Data = new Dictionary<string, string> { ["greeting"] = "hi", ["file.txt"] = "from-volume" } }, ns);
        await node.Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "sec" }, Data = new Dictionary<string, byte[]> { ["password"] = "s3cret"u8.ToArray() } }, ns);
        var pod = Pod("env", "Never", "sh", "-c", "echo $(GREETING) $MY_NAME $MY_NS $PASSWORD $(cat /cfg/file.txt) $(cat /data/init) $(cat /info/labels)");
        pod.Metadata.Labels = new Dictionary<string, string> { ["app"] = "env" };
        var main = pod.Spec.Containers[0];
        main.Command = ["sh", "-c", "echo $(GREETING) $MY_NAME $MY_NS $PASSWORD $(cat /cfg/file.txt) $(cat /data/init) $(cat /info/labels) $(EXPANDED)"];
        main.Env =
        [
            new V1EnvVar { Name = "GREETING", ValueFrom = new V1EnvVarSource { ConfigMapKeyRef = new V1ConfigMapKeySelector { Name = "cfg", Key = "greeting" } } },
            new V1EnvVar { Name = "MY_NAME", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.name" } } },
            new V1EnvVar { Name = "MY_NS", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.namespace" } } },
            new V1EnvVar { Name = "PASSWORD", ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = "sec", Key = "password" } } },
            new V1EnvVar { Name = "EXPANDED", Value = "[$(MY_NAME)]" },
        ];
        main.VolumeMounts =
        [
            new V1VolumeMount { Name = "cfg", MountPath = "/cfg" },
            new V1VolumeMount { Name = "data", MountPath = "/data" },
            new V1VolumeMount { Name = "info", MountPath = "/info" },
        ];
        pod.Spec.Volumes =
        [
            new V1Volume { Name = "cfg", ConfigMap = new V1ConfigMapVolumeSource { Name = "cfg" } },
            new V1Volume { Name = "data", EmptyDir = new V1EmptyDirVolumeSource() },
            new V1Volume { Name = "info", DownwardAPI = new V1DownwardAPIVolumeSource { Items = [new V1DownwardAPIVolumeFile { Path = "labels", FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.labels" } }] } },
        ];
        pod.Spec.InitContainers = [new V1Container { Name = "init", Image = "busybox", Command = ["sh", "-c", "echo initialized > /data/init"], VolumeMounts = [new V1VolumeMount { Name = "data", MountPath = "/data" }] }];
        await node.Client.CoreV1.CreateNamespacedPodAsync(pod, ns);

        var done = await WaitAsync(ns, "env", p => p.Status?.Phase is "Succeeded" or "Failed", "pod finished");
        Assert.Equal("Succeeded", done.Status.Phase);
        Assert.Equal("Completed", done.Status.InitContainerStatuses[0].State.Terminated.Reason);
        Assert.Contains(done.Status.Conditions, c => c.Type == "Initialized" && c.Status == "True");
        var (_, logs) = await DockerNodeFixture.RunAsync("/usr/bin/kubectl", node.ClientEnvironment, null, "logs", "-n", ns, "env", "-c", "main");
        Assert.Equal($"hi env {ns} s3cret from-volume initialized app=\"env\" [env]\n", logs);
    }

    [Fact]
    public async Task PodsReachEachOtherByPodIpAndReadinessProbesGate()
    {
        var ns = await NamespaceAsync();
        var server = Pod("web", "Always", "sh", "-c", "mkdir -p /www && echo pong > /www/ping && httpd -f -p 8080 -h /www");
        server.Spec.Containers[0].ReadinessProbe = new V1Probe { HttpGet = new V1HTTPGetAction { Path = "/ping", Port = 8080 }, PeriodSeconds = 1 };
        server.Spec.Containers[0].LivenessProbe = new V1Probe { Exec = new V1ExecAction { Command = ["true"] }, PeriodSeconds = 1 };
        await node.Client.CoreV1.CreateNamespacedPodAsync(server, ns);
        await node.Client.CoreV1.CreateNamespacedPodAsync(Pod("client", "Always", "sleep", "3600"), ns);
        var web = await WaitAsync(ns, "web", p => p.Status?.ContainerStatuses?[0].Ready == true, "web Ready through its readiness probe");
        await WaitAsync(ns, "client", p => p.Status?.Phase == "Running", "client Running");

        var (code, output) = await DockerNodeFixture.RunAsync("/usr/bin/kubectl", node.ClientEnvironment, null,
            "exec", "-n", ns, "client", "--", "wget", "-qO-", $"http://{web.Status.PodIP}:8080/ping");
        Assert.True(code == 0, output);
        Assert.Equal("pong\n", output);
    }

    [Fact]
    public async Task GracefulDeletionRemovesThePodOnlyAfterItsContainersStop()
    {
        var ns = await NamespaceAsync();
        await node.Client.CoreV1.CreateNamespacedPodAsync(Pod("slow", "Always", "sh", "-c", "trap 'echo got TERM; exit 0' TERM; while true; do sleep 0.2; done"), ns);
        await WaitAsync(ns, "slow", p => p.Status?.Phase == "Running", "Running");
        await node.Client.CoreV1.DeleteNamespacedPodAsync("slow", ns, new V1DeleteOptions { GracePeriodSeconds = 20 });

        // The object stays, marked for deletion, until the kubelet has stopped the container; SIGTERM ends it early.
        var marked = await node.Client.CoreV1.ReadNamespacedPodAsync("slow", ns);
        Assert.NotNull(marked.Metadata.DeletionTimestamp);
        var started = DateTime.UtcNow;
        await Eventually.Get(async () => (await node.Client.CoreV1.ListNamespacedPodAsync(ns)).Items.Count == 0 ? "gone" : null, Timeout, "pod removed");
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(15), "SIGTERM ends the container well before the grace period");
    }
}
