using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using KubeNet.Controllers;
using Microsoft.Extensions.Logging.Abstractions;

namespace KubeNet.Kubelet.Tests.Docker;

/// <summary>
/// The node's projected service account volume and the tokens behind it (TokenRequest, TokenReview, bearer
/// authentication), a claim bound to a hostPath PersistentVolume across pods, grpc probes that fail as upstream's do,
/// and hostPort reached from the node's own namespace.
/// </summary>
[Collection(DockerNodeCollection.Name)]
public sealed class DockerVolumeTokenPortTests(DockerNodeFixture node)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private async Task<string> NamespaceAsync()
    {
        var name = "kt-" + Guid.NewGuid().ToString("N")[..8];
        await node.Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } });
        return name;
    }

    private Task<(int Code, string Output)> KubectlAsync(params string[] args) => DockerNodeFixture.RunAsync("/usr/bin/kubectl", node.ClientEnvironment, null, args);

    private async Task<T> EventuallyAsync<T>(string what, Func<Task<T?>> probe)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out after {Timeout.TotalSeconds} s waiting for {what}");
            }

            await Task.Delay(200);
        }
    }

    private Task<V1Pod> WaitPodAsync(string ns, string name, Func<V1Pod, bool> condition, string what) => EventuallyAsync(what, async () =>
    {
        var pod = await node.Client.CoreV1.ReadNamespacedPodAsync(name, ns);
        return condition(pod) ? pod : null;
    });

    private V1Pod Busybox(string name, params string[] command) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1PodSpec
        {
            NodeName = node.NodeName,
            TerminationGracePeriodSeconds = 1,
            RestartPolicy = "Never",
            Containers = [new V1Container { Name = "main", Image = "busybox", ImagePullPolicy = "IfNotPresent", Command = command }],
        },
    };

    private Kubernetes ClientWithToken(string token)
    {
        var admin = KubernetesClientConfiguration.BuildConfigFromConfigFile(node.KubeconfigPath);
        return new Kubernetes(new KubernetesClientConfiguration { Host = admin.Host, SslCaCerts = admin.SslCaCerts, AccessToken = token });
    }

    private static JsonNode Claims(string jwt)
    {
        var part = jwt.Split('.')[1].Replace('-', '+').Replace('_', '/');
        return JsonNode.Parse(Convert.FromBase64String(part.PadRight(part.Length + ((4 - (part.Length % 4)) % 4), '=')))!;
    }

    [Fact]
    public async Task ProjectedVolumeServesABoundTokenTheRootCaDownwardApiAndASecret()
    {
        var ns = await NamespaceAsync();
        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(node.KubeconfigPath));
        await using (var controllers = ControllerManager.Start(client, new ControllerManagerOptions { LeaderElect = false, Controllers = ["serviceaccount", "root-ca-cert-publisher"], RootCaPem = node.CaPem }, NullLoggerFactory.Instance))
        {
            await controllers.Started.WaitAsync(Timeout);
            await EventuallyAsync("the default service account and kube-root-ca.crt", async () =>
                (await node.Client.CoreV1.ListNamespacedServiceAccountAsync(ns)).Items.Any(s => s.Metadata.Name == "default")
                && (await node.Client.CoreV1.ListNamespacedConfigMapAsync(ns)).Items.Any(c => c.Metadata.Name == "kube-root-ca.crt") ? (object)true : null);
        }

        await node.Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "creds" }, StringData = new Dictionary<string, string> { ["password"] = "s3cret" } }, ns);
        var pod = Busybox("projected", "sleep", "3600");
        pod.Metadata.Labels = new Dictionary<string, string> { ["app"] = "api-client" };
        pod.Spec.RestartPolicy = "Always";
        pod.Spec.Volumes =
        [
            new V1Volume
            {
                Name = "api-access",
                Projected = new V1ProjectedVolumeSource
                {
                    Sources =
                    [
                        new V1VolumeProjection { ServiceAccountToken = new V1ServiceAccountTokenProjection { Path = "token", ExpirationSeconds = 3607 } },
                        new V1VolumeProjection { ConfigMap = new V1ConfigMapProjection { Name = "kube-root-ca.crt", Items = [new V1KeyToPath { Key = "ca.crt", Path = "ca.crt" }] } },
                        new V1VolumeProjection { DownwardAPI = new V1DownwardAPIProjection { Items = [new V1DownwardAPIVolumeFile { Path = "namespace", FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.namespace" } }, new V1DownwardAPIVolumeFile { Path = "labels", FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.labels" } }] } },
                        new V1VolumeProjection { Secret = new V1SecretProjection { Name = "creds" } },
                    ],
                },
            },
        ];
        pod.Spec.Containers[0].VolumeMounts = [new V1VolumeMount { Name = "api-access", MountPath = "/var/run/secrets/kubernetes.io/serviceaccount", ReadOnlyProperty = true }];
        await node.Client.CoreV1.CreateNamespacedPodAsync(pod, ns);
        pod = await WaitPodAsync(ns, "projected", p => p.Status?.Phase == "Running", "the projected pod Running");

        async Task<string> CatAsync(string file)
        {
            var (code, output) = await KubectlAsync("exec", "-n", ns, "projected", "--", "cat", "/var/run/secrets/kubernetes.io/serviceaccount/" + file);
            Assert.True(code == 0, output);
            return output;
        }

        Assert.Equal(node.CaPem.Trim(), (await CatAsync("ca.crt")).Trim());
        Assert.Equal(ns, await CatAsync("namespace"));
        Assert.Equal("app=\"api-client\"", await CatAsync("labels"));
        Assert.Equal("s3cret", await CatAsync("password"));

        // The token is the pod's: bound to it, for the API server's audience, for the hour the kubelet asked.
        var token = await CatAsync("token");
        var claims = Claims(token);
        Assert.Equal($"system:serviceaccount:{ns}:default", claims["sub"]!.GetValue<string>());
        Assert.Contains("https://kubernetes.default.svc.cluster.local", claims["aud"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Equal(3607, claims["exp"]!.GetValue<long>() - claims["iat"]!.GetValue<long>());
        Assert.Equal("projected", claims["kubernetes.io"]!["pod"]!["name"]!.GetValue<string>());
        Assert.Equal(pod.Metadata.Uid, claims["kubernetes.io"]!["pod"]!["uid"]!.GetValue<string>());

        // The API server accepts it as a bearer token, and says whose it is.
        using var asPod = ClientWithToken(token);
        var pods = await asPod.CoreV1.ListNamespacedPodAsync(ns);
        Assert.Contains(pods.Items, p => p.Metadata.Name == "projected");
        var whoami = await asPod.AuthenticationV1.CreateSelfSubjectReviewAsync(new V1SelfSubjectReview());
        Assert.Equal($"system:serviceaccount:{ns}:default", whoami.Status.UserInfo.Username);
        Assert.Contains($"system:serviceaccounts:{ns}", whoami.Status.UserInfo.Groups);

        var review = await node.Client.AuthenticationV1.CreateTokenReviewAsync(new V1TokenReview { Spec = new V1TokenReviewSpec { Token = token } });
        Assert.True(review.Status.Authenticated);
        Assert.Equal($"system:serviceaccount:{ns}:default", review.Status.User.Username);
        Assert.Equal(["projected"], review.Status.User.Extra["authentication.kubernetes.io/pod-name"]);

        // A token for another audience is not for the API server; a forged one is nothing.
        review = await node.Client.AuthenticationV1.CreateTokenReviewAsync(new V1TokenReview { Spec = new V1TokenReviewSpec { Token = token, Audiences = ["vault"] } });
        Assert.False(review.Status.Authenticated);
        using var forged = ClientWithToken(token[..^4] + (token.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA"));
        var denied = await Assert.ThrowsAsync<HttpOperationException>(() => forged.CoreV1.ListNamespacedPodAsync(ns));
        Assert.Equal(HttpStatusCode.Unauthorized, denied.Response.StatusCode);
    }

    [Fact]
    public async Task KubectlCreateTokenPrintsAJwtTheApiServerAccepts()
    {
        var ns = await NamespaceAsync();
        var (code, output) = await KubectlAsync("create", "serviceaccount", "builder", "-n", ns);
        Assert.True(code == 0, output);
        (code, output) = await KubectlAsync("create", "token", "builder", "-n", ns, "--duration=20m", "--audience=https://kubernetes.default.svc.cluster.local", "--audience=extra");
        Assert.True(code == 0, output);
        var token = output.Trim();
        Assert.Equal(3, token.Split('.').Length);
        var claims = Claims(token);
        Assert.Equal(1200, claims["exp"]!.GetValue<long>() - claims["iat"]!.GetValue<long>());
        Assert.Equal(["https://kubernetes.default.svc.cluster.local", "extra"], claims["aud"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Equal("builder", claims["kubernetes.io"]!["serviceaccount"]!["name"]!.GetValue<string>());

        using var asBuilder = ClientWithToken(token);
        var whoami = await asBuilder.AuthenticationV1.CreateSelfSubjectReviewAsync(new V1SelfSubjectReview());
        Assert.Equal($"system:serviceaccount:{ns}:builder", whoami.Status.UserInfo.Username);

        // Upstream's validation and lookups, as kubectl prints them.
        // Bound to an object: its name and uid go into the kubernetes.io claim.
        (code, output) = await KubectlAsync("create", "secret", "generic", "anchor", "-n", ns, "--from-literal=k=v");
        Assert.True(code == 0, output);
        (code, output) = await KubectlAsync("create", "token", "builder", "-n", ns, "--bound-object-kind=Secret", "--bound-object-name=anchor");
        Assert.True(code == 0, output);
        var anchor = await node.Client.CoreV1.ReadNamespacedSecretAsync("anchor", ns);
        Assert.Equal("anchor", Claims(output.Trim())["kubernetes.io"]!["secret"]!["name"]!.GetValue<string>());
        Assert.Equal(anchor.Metadata.Uid, Claims(output.Trim())["kubernetes.io"]!["secret"]!["uid"]!.GetValue<string>());

        (code, output) = await KubectlAsync("create", "token", "builder", "-n", ns, "--duration=5m");
        Assert.NotEqual(0, code);
        Assert.Contains("may not specify a duration less than 10 minutes", output, StringComparison.Ordinal);
        (code, output) = await KubectlAsync("create", "token", "nobody", "-n", ns);
        Assert.NotEqual(0, code);
        Assert.Contains("serviceaccounts \"nobody\" not found", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClaimBoundToAHostPathVolumeKeepsWhatOnePodWroteForTheNext()
    {
        var ns = await NamespaceAsync();
        var dir = Path.Combine(Path.GetTempPath(), "kubenet-pv-" + Guid.NewGuid().ToString("N")[..8]);
        var pvName = "pv-" + ns;
        try
        {
            await node.Client.CoreV1.CreatePersistentVolumeAsync(new V1PersistentVolume
            {
                Metadata = new V1ObjectMeta { Name = pvName },
                Spec = new V1PersistentVolumeSpec
                {
                    Capacity = new Dictionary<string, ResourceQuantity> { ["storage"] = new("1Gi") },
                    AccessModes = ["ReadWriteOnce"],
                    HostPath = new V1HostPathVolumeSource { Path = dir, Type = "DirectoryOrCreate" },
                    ClaimRef = new V1ObjectReference { NamespaceProperty = ns, Name = "data" },
                },
            });
            await node.Client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(new V1PersistentVolumeClaim
            {
                Metadata = new V1ObjectMeta { Name = "data" },
                Spec = new V1PersistentVolumeClaimSpec
                {
                    AccessModes = ["ReadWriteOnce"],
                    Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new("1Gi") } },
                    VolumeName = pvName,
                },
            }, ns);

            V1Pod WithClaim(string name, string script)
            {
                var pod = Busybox(name, "sh", "-c", script);
                pod.Spec.Volumes = [new V1Volume { Name = "data", PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = "data" } }];
                pod.Spec.Containers[0].VolumeMounts = [new V1VolumeMount { Name = "data", MountPath = "/data" }];
                return pod;
            }

            await node.Client.CoreV1.CreateNamespacedPodAsync(WithClaim("writer", "echo written-by-writer > /data/note"), ns);
            await WaitPodAsync(ns, "writer", p => p.Status?.Phase is "Succeeded" or "Failed", "the writer to finish");
            Assert.Equal("written-by-writer\n", await File.ReadAllTextAsync(Path.Combine(dir, "note")));

            await node.Client.CoreV1.CreateNamespacedPodAsync(WithClaim("reader", "cat /data/note"), ns);
            var reader = await WaitPodAsync(ns, "reader", p => p.Status?.Phase is "Succeeded" or "Failed", "the reader to finish");
            Assert.Equal("Succeeded", reader.Status.Phase);
            var (code, logs) = await KubectlAsync("logs", "-n", ns, "reader");
            Assert.True(code == 0, logs);
            Assert.Equal("written-by-writer\n", logs);
        }
        finally
        {
            await node.Client.CoreV1.DeletePersistentVolumeAsync(pvName);
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    [Fact]
    public async Task FailingGrpcProbesKeepThePodUnreadyAndRestartTheContainerWithUpstreamMessages()
    {
        var ns = await NamespaceAsync();
        var pod = Busybox("grpc", "sleep", "3600");
        pod.Spec.RestartPolicy = "Always";
        pod.Spec.Containers[0].ReadinessProbe = new V1Probe { Grpc = new V1GRPCAction { Port = 5000 }, PeriodSeconds = 1 };
        pod.Spec.Containers[0].LivenessProbe = new V1Probe { Grpc = new V1GRPCAction { Port = 5001, Service = "liveness" }, PeriodSeconds = 1, FailureThreshold = 2, TimeoutSeconds = 2 };
        await node.Client.CoreV1.CreateNamespacedPodAsync(pod, ns);

        pod = await WaitPodAsync(ns, "grpc", p => p.Status?.ContainerStatuses?.FirstOrDefault()?.RestartCount >= 1, "a restart by the liveness probe");
        Assert.False(pod.Status.ContainerStatuses[0].Ready);
        Assert.Contains(pod.Status.Conditions, c => c.Type == "Ready" && c.Status == "False");
        var ip = pod.Status.PodIP;
        var events = await EventuallyAsync("the probe events", async () =>
        {
            var messages = (await node.Client.CoreV1.ListNamespacedEventAsync(ns)).Items.Select(e => $"{e.Reason}: {e.Message}").ToList();
            return messages.Any(m => m.StartsWith("Killing", StringComparison.Ordinal)) && messages.Count(m => m.StartsWith("Unhealthy", StringComparison.Ordinal)) >= 2 ? messages : null;
        });
        Assert.Contains($"Unhealthy: Readiness probe failed: timeout: failed to connect service \"{ip}:5000\" within 1s: context deadline exceeded", events);
        Assert.Contains($"Unhealthy: Liveness probe failed: timeout: failed to connect service \"{ip}:5001\" within 2s: context deadline exceeded", events);
        Assert.Contains("Killing: Container main failed liveness probe, will be restarted", events);
    }

    [Fact]
    public async Task GrpcReadinessProbeFollowsTheHealthServiceAnswer()
    {
        // A hostNetwork pod is probed at the node's address, loopback here, where this process serves grpc.health.v1.
        await using var health = await GrpcHealthServer.StartAsync();
        var ns = await NamespaceAsync();
        var pod = Busybox("grpc-ok", "sleep", "3600");
        pod.Spec.RestartPolicy = "Always";
        pod.Spec.HostNetwork = true;
        pod.Spec.Containers[0].ReadinessProbe = new V1Probe { Grpc = new V1GRPCAction { Port = health.Port, Service = "ready-check" }, PeriodSeconds = 1 };
        await node.Client.CoreV1.CreateNamespacedPodAsync(pod, ns);

        await WaitPodAsync(ns, "grpc-ok", p => p.Status?.ContainerStatuses?.FirstOrDefault()?.Ready == true, "Ready through the grpc probe");
        Assert.Contains("ready-check", health.Services);
        Assert.StartsWith("kube-probe/", health.UserAgent, StringComparison.Ordinal);

        health.Serving = false;
        await WaitPodAsync(ns, "grpc-ok", p => p.Status?.ContainerStatuses?.FirstOrDefault()?.Ready == false, "unready once the service is NOT_SERVING");
        var events = await EventuallyAsync("the Unhealthy event", async () =>
        {
            var messages = (await node.Client.CoreV1.ListNamespacedEventAsync(ns)).Items.Select(e => $"{e.Reason}: {e.Message}").ToList();
            return messages.Any(m => m.StartsWith("Unhealthy", StringComparison.Ordinal)) ? messages : null;
        });
        Assert.Contains("Unhealthy: Readiness probe failed: service unhealthy (responded with \"NOT_SERVING\")", events);
    }

    [Fact]
    public async Task HostPortIsReachableFromTheNodeNamespace()
    {
        var ns = await NamespaceAsync();
        int hostPort;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            hostPort = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var pod = Busybox("web", "sh", "-c", "mkdir -p /www && echo served-by-pod > /www/index.html && exec httpd -f -p 8080 -h /www");
        pod.Spec.RestartPolicy = "Always";
        pod.Spec.Containers[0].Ports = [new V1ContainerPort { ContainerPort = 8080, HostPort = hostPort, Protocol = "TCP" }];
        pod.Spec.Containers[0].ReadinessProbe = new V1Probe { TcpSocket = new V1TCPSocketAction { Port = 8080 }, PeriodSeconds = 1 };
        await node.Client.CoreV1.CreateNamespacedPodAsync(pod, ns);
        await WaitPodAsync(ns, "web", p => p.Status?.ContainerStatuses?.FirstOrDefault()?.Ready == true, "the web pod Ready");

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        Assert.Equal("served-by-pod\n", await http.GetStringAsync($"http://127.0.0.1:{hostPort}/index.html"));

        // The port is the pod's while it lives, and free again once it is gone.
        await node.Client.CoreV1.DeleteNamespacedPodAsync("web", ns, new V1DeleteOptions { GracePeriodSeconds = 1 });
        await EventuallyAsync("the pod gone", async () => (await node.Client.CoreV1.ListNamespacedPodAsync(ns)).Items.Count == 0 ? (object)true : null);
        await EventuallyAsync("the host port released", () =>
        {
            try
            {
                using var listener = new TcpListener(IPAddress.Any, hostPort);
                listener.Start();
                return Task.FromResult<object?>(true);
            }
            catch (SocketException)
            {
                return Task.FromResult<object?>(null);
            }
        });
    }
}
