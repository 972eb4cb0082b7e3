using k8s;
using k8s.Models;
using KubeNet.Conformance.Framework;
using static KubeNet.Conformance.Node.NodeSteps;
using static KubeNet.Conformance.Storage.VolumeSteps;

namespace KubeNet.Conformance.Storage;

/// <summary>test/e2e/common/storage/configmap_volume.go (busybox cat and stat where upstream runs agnhost mounttest).</summary>
[Collection(NodeCollection.Name)]
public sealed class ConfigMapVolumeTests(NodeCluster cluster)
{
    private const string Mount = "/etc/configmap-volume";

    private Kubernetes Client => cluster.Client;

    private async Task<(string Ns, string Name)> ConfigMapAsync()
    {
        var ns = await cluster.CreateNamespaceAsync("configmap");
        var name = Unique("configmap-test-volume");
        await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { Name = name },
            Data = new Dictionary<string, string> { ["data-1"] = "value-1", ["data-2"] = "value-2", ["data-3"] = "value-3" },
        }, ns);
        return (ns, name);
    }

    private static V1Volume Volume(string name, int? defaultMode = null, List<V1KeyToPath>? items = null, string volumeName = "configmap-volume") =>
        new() { Name = volumeName, ConfigMap = new V1ConfigMapVolumeSource { Name = name, DefaultMode = defaultMode, Items = items } };

    [Fact(DisplayName = "[sig-storage] ConfigMap should be consumable from pods in volume [NodeConformance] [Conformance]")]
    public async Task InVolume()
    {
        var (ns, name) = await ConfigMapAsync();
        await ExpectOutputAsync(Client, ns, VolumePod("agnhost-container", Volume(name), Mount, Show(Mount + "/data-1")),
            Content(Mount + "/data-1", "value-1"), Perms(Mount + "/data-1", "-rw-r--r--"));
    }

    [Fact(DisplayName = "[sig-storage] ConfigMap should be consumable from pods in volume with defaultMode set [LinuxOnly] [NodeConformance] [Conformance]")]
    public async Task WithDefaultMode()
    {
        var (ns, name) = await ConfigMapAsync();
        await ExpectOutputAsync(Client, ns, VolumePod("agnhost-container", Volume(name, defaultMode: 256), Mount, Show(Mount + "/data-1")),
            Content(Mount + "/data-1", "value-1"), Perms(Mount + "/data-1", "-r--------"));
    }

    [Fact(DisplayName = "[sig-storage] ConfigMap should be consumable from pods in volume as non-root [NodeConformance] [Conformance]")]
    public async Task AsNonRoot()
    {
        var (ns, name) = await ConfigMapAsync();
        await ExpectOutputAsync(Client, ns, VolumePod("agnhost-container", Volume(name), Mount, Show(Mount + "/data-1"), runAsUser: 1000),
            Content(Mount + "/data-1", "value-1"));
    }

    [Fact(DisplayName = "[sig-storage] ConfigMap should be consumable from pods in volume with mappings [NodeConformance] [Conformance]")]
    public async Task WithMappings()
    {
        var (ns, name) = await ConfigMapAsync();
        var path = Mount + "/path/to/data-2";
        await ExpectOutputAsync(Client, ns, VolumePod("agnhost-container", Volume(name, items: [new V1KeyToPath { Key = "data-2", Path = "path/to/data-2" }]), Mount, Show(path) + $"; test ! -e {Mount}/data-1 && echo only-mapped"),
            Content(path, "value-2"), Perms(path, "-rw-r--r--"), "only-mapped");
    }

    [Fact(DisplayName = "[sig-storage] ConfigMap should be consumable from pods in volume with mappings and Item mode set [LinuxOnly] [NodeConformance] [Conformance]")]
    public async Task WithMappingsAndItemMode()
    {
        var (ns, name) = await ConfigMapAsync();
        var path = Mount + "/path/to/data-2";
        await ExpectOutputAsync(Client, ns, VolumePod("agnhost-container", Volume(name, items: [new V1KeyToPath { Key = "data-2", Path = "path/to/data-2", Mode = 256 }]), Mount, Show(path)),
            Content(path, "value-2"), Perms(path, "-r--------"));
    }

    [Fact(DisplayName = "[sig-storage] ConfigMap should be consumable in multiple volumes in the same pod [NodeConformance] [Conformance]")]
    public async Task MultipleVolumes()
    {
        var (ns, name) = await ConfigMapAsync();
        var pod = VolumePod("agnhost-container", Volume(name), Mount, Show(Mount + "/data-1") + "; " + Show("/etc/configmap-volume-2/data-1"));
        pod.Spec.Volumes.Add(Volume(name, volumeName: "configmap-volume-2"));
        pod.Spec.Containers[0].VolumeMounts.Add(new V1VolumeMount { Name = "configmap-volume-2", MountPath = "/etc/configmap-volume-2", ReadOnlyProperty = true });
        await ExpectOutputAsync(Client, ns, pod, Content(Mount + "/data-1", "value-1"), Content("/etc/configmap-volume-2/data-1", "value-1"));
    }

    [Fact(DisplayName = "[sig-storage] ConfigMap updates should be reflected in volume [NodeConformance] [Conformance]")]
    public async Task UpdatesReflected()
    {
        var (ns, name) = await ConfigMapAsync();
        var pod = VolumePod("agnhost-container", Volume(name), Mount, $"while true; do echo \"content: $(cat {Mount}/data-1)\"; sleep 1; done");
        pod.Spec.RestartPolicy = "Always";
        await Client.CoreV1.CreateNamespacedPodAsync(pod, ns);
        await WaitForRunningAsync(Client, ns, pod.Metadata.Name);
        await Client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("{\"data\":{\"data-1\":\"value-2\"}}", V1Patch.PatchType.MergePatch), name, ns);
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (!(await LogAsync(Client, ns, pod.Metadata.Name, pod.Spec.Containers[0].Name)).Contains("content: value-2", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, "the volume still showed the old value after 120 s");
            await Task.Delay(500);
        }
    }
}
