using k8s;
using k8s.Models;
using KubeNet.Conformance.Framework;
using static KubeNet.Conformance.Node.NodeSteps;

namespace KubeNet.Conformance.Node;

/// <summary>test/e2e/common/node/downwardapi.go and test/e2e/common/storage/downwardapi_volume.go.</summary>
[Collection(NodeCollection.Name)]
public sealed class DownwardApiTests(NodeCluster cluster)
{
    private const string Ipv4 = @"\d+\.\d+\.\d+\.\d+";

    private Kubernetes Client => cluster.Client;

    private static V1EnvVar Field(string name, string path) =>
        new() { Name = name, ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { ApiVersion = "v1", FieldPath = path } } };

    private static V1EnvVar ResourceField(string name, string resource) =>
        new() { Name = name, ValueFrom = new V1EnvVarSource { ResourceFieldRef = new V1ResourceFieldSelector { Resource = resource } } };

    /// <summary>testDownwardAPI: `env` in a container with requests 250m/32Mi and limits 1250m/64Mi.</summary>
    private static V1Pod EnvPod(string name, params V1EnvVar[] env)
    {
        var pod = Pod(name, "dapi-container", "sh", "-c", "env");
        pod.Spec.Containers[0].Env = env;
        pod.Spec.Containers[0].Resources = new V1ResourceRequirements
        {
            Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("250m"), ["memory"] = new("32Mi") },
            Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("1250m"), ["memory"] = new("64Mi") },
        };
        return pod;
    }

    [Fact(DisplayName = "[sig-node] Downward API should provide pod name, namespace and IP address as env vars [NodeConformance] [Conformance]")]
    public async Task PodNameNamespaceAndIp()
    {
        var ns = await cluster.CreateNamespaceAsync("downward-api");
        var name = Unique("downward-api");
        await ExpectOutputRegexAsync(Client, ns, EnvPod(name, Field("POD_NAME", "metadata.name"), Field("POD_NAMESPACE", "metadata.namespace"), Field("POD_IP", "status.podIP")),
            $"POD_NAME={name}", $"POD_NAMESPACE={ns}", $"POD_IP={Ipv4}");
    }

    [Fact(DisplayName = "[sig-node] Downward API should provide host IP as an env var [NodeConformance] [Conformance]")]
    public async Task HostIp()
    {
        var ns = await cluster.CreateNamespaceAsync("downward-api");
        await ExpectOutputRegexAsync(Client, ns, EnvPod(Unique("downward-api"), Field("HOST_IP", "status.hostIP")), $"HOST_IP={Ipv4}");
    }

    [Fact(DisplayName = "[sig-node] Downward API should provide container's limits.cpu/memory and requests.cpu/memory as env vars [NodeConformance] [Conformance]")]
    public async Task LimitsAndRequests()
    {
        var ns = await cluster.CreateNamespaceAsync("downward-api");
        await ExpectOutputAsync(Client, ns,
            EnvPod(Unique("downward-api"), ResourceField("CPU_LIMIT", "limits.cpu"), ResourceField("MEMORY_LIMIT", "limits.memory"), ResourceField("CPU_REQUEST", "requests.cpu"), ResourceField("MEMORY_REQUEST", "requests.memory")),
            "CPU_LIMIT=2", "MEMORY_LIMIT=67108864", "CPU_REQUEST=1", "MEMORY_REQUEST=33554432");
    }

    [Fact(DisplayName = "[sig-node] Downward API should provide default limits.cpu/memory from node allocatable [NodeConformance] [Conformance]")]
    public async Task DefaultLimitsFromAllocatable()
    {
        var ns = await cluster.CreateNamespaceAsync("downward-api");
        var pod = Pod(Unique("downward-api"), "dapi-container", "sh", "-c", "env");
        pod.Spec.Containers[0].Env = [ResourceField("CPU_LIMIT", "limits.cpu"), ResourceField("MEMORY_LIMIT", "limits.memory")];
        await ExpectOutputRegexAsync(Client, ns, pod, "CPU_LIMIT=[1-9]", "MEMORY_LIMIT=[1-9]");
    }

    [Fact(DisplayName = "[sig-node] Downward API should provide pod UID as env vars [NodeConformance] [Conformance]")]
    public async Task PodUid()
    {
        var ns = await cluster.CreateNamespaceAsync("downward-api");
        await ExpectOutputRegexAsync(Client, ns, EnvPod(Unique("downward-api"), Field("POD_UID", "metadata.uid")),
            "POD_UID=[a-z0-9]{8}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{12}");
    }

    /// <summary>downwardAPIVolumePodForSimpleTest: one file in a downwardAPI volume at /etc/podinfo, printed by the container.</summary>
    private static V1Pod VolumePod(string name, V1DownwardAPIVolumeFile file)
    {
        var pod = Pod(name, "client-container", "sh", "-c", $"cat /etc/podinfo/{file.Path}");
        pod.Spec.Containers[0].Resources = new V1ResourceRequirements
        {
            Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("250m"), ["memory"] = new("32Mi") },
            Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("1250m"), ["memory"] = new("64Mi") },
        };
        pod.Spec.Containers[0].VolumeMounts = [new V1VolumeMount { Name = "podinfo", MountPath = "/etc/podinfo" }];
        pod.Spec.Volumes = [new V1Volume { Name = "podinfo", DownwardAPI = new V1DownwardAPIVolumeSource { Items = [file] } }];
        return pod;
    }

    [Fact(DisplayName = "[sig-storage] Downward API volume should provide podname only [NodeConformance] [Conformance]")]
    public async Task VolumePodName()
    {
        var ns = await cluster.CreateNamespaceAsync("downward-api");
        var name = Unique("downwardapi-volume");
        var log = await ExpectOutputAsync(Client, ns, VolumePod(name, new V1DownwardAPIVolumeFile { Path = "podname", FieldRef = new V1ObjectFieldSelector { ApiVersion = "v1", FieldPath = "metadata.name" } }));
        Assert.Equal(name, log.Trim());
    }

    [Fact(DisplayName = "[sig-storage] Downward API volume should provide container's cpu limit [NodeConformance] [Conformance]")]
    public async Task VolumeCpuLimit()
    {
        var ns = await cluster.CreateNamespaceAsync("downward-api");
        var log = await ExpectOutputAsync(Client, ns, VolumePod(Unique("downwardapi-volume"), new V1DownwardAPIVolumeFile
        {
            Path = "cpu_limit",
            ResourceFieldRef = new V1ResourceFieldSelector { ContainerName = "client-container", Resource = "limits.cpu" },
        }));
        Assert.Equal("2", log.Trim());
    }

    [Fact(DisplayName = "[sig-storage] Downward API volume should provide container's memory request [NodeConformance] [Conformance]")]
    public async Task VolumeMemoryRequest()
    {
        var ns = await cluster.CreateNamespaceAsync("downward-api");
        var log = await ExpectOutputAsync(Client, ns, VolumePod(Unique("downwardapi-volume"), new V1DownwardAPIVolumeFile
        {
            Path = "memory_request",
            ResourceFieldRef = new V1ResourceFieldSelector { ContainerName = "client-container", Resource = "requests.memory" },
        }));
        Assert.Equal("33554432", log.Trim());
    }

    [Fact(DisplayName = "[sig-storage] Downward API volume should set mode on item file [LinuxOnly] [NodeConformance] [Conformance]")]
    public async Task VolumeItemMode()
    {
        var ns = await cluster.CreateNamespaceAsync("downward-api");
        var pod = VolumePod(Unique("downwardapi-volume"), new V1DownwardAPIVolumeFile { Path = "podname", Mode = 256, FieldRef = new V1ObjectFieldSelector { ApiVersion = "v1", FieldPath = "metadata.name" } });
        pod.Spec.Containers[0].Command = ["sh", "-c", "stat -L -c '%a' /etc/podinfo/podname"];
        var log = await ExpectOutputAsync(Client, ns, pod);
        Assert.Equal("400", log.Trim());
    }
}
