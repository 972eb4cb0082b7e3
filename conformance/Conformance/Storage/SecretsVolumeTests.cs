using k8s;
using k8s.Models;
using KubeNet.Conformance.Framework;
using static KubeNet.Conformance.Node.NodeSteps;
using static KubeNet.Conformance.Storage.VolumeSteps;

namespace KubeNet.Conformance.Storage;

/// <summary>test/e2e/common/storage/secrets_volume.go (busybox cat and stat where upstream runs agnhost mounttest).</summary>
[Collection(NodeCollection.Name)]
public sealed class SecretsVolumeTests(NodeCluster cluster)
{
    private const string Mount = "/etc/secret-volume";

    private Kubernetes Client => cluster.Client;

    private async Task<string> SecretAsync(string ns, string name, string value = "value-1")
    {
        await Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = name },
            Data = new Dictionary<string, byte[]> { ["data-1"] = System.Text.Encoding.UTF8.GetBytes(value), ["data-2"] = "value-2"u8.ToArray(), ["data-3"] = "value-3"u8.ToArray() },
        }, ns);
        return name;
    }

    private static V1Volume Volume(string name, int? defaultMode = null, List<V1KeyToPath>? items = null, string volumeName = "secret-volume") =>
        new() { Name = volumeName, Secret = new V1SecretVolumeSource { SecretName = name, DefaultMode = defaultMode, Items = items } };

    [Fact(DisplayName = "[sig-storage] Secrets should be consumable from pods in volume [NodeConformance] [Conformance]")]
    public async Task InVolume()
    {
        var ns = await cluster.CreateNamespaceAsync("secrets");
        var name = await SecretAsync(ns, Unique("secret-test"));
        await ExpectOutputAsync(Client, ns, VolumePod("secret-volume", Volume(name), Mount, Show(Mount + "/data-1")),
            Content(Mount + "/data-1", "value-1"), Perms(Mount + "/data-1", "-rw-r--r--"));
    }

    [Fact(DisplayName = "[sig-storage] Secrets should be consumable from pods in volume with defaultMode set [LinuxOnly] [NodeConformance] [Conformance]")]
    public async Task WithDefaultMode()
    {
        var ns = await cluster.CreateNamespaceAsync("secrets");
        var name = await SecretAsync(ns, Unique("secret-test"));
        await ExpectOutputAsync(Client, ns, VolumePod("secret-volume", Volume(name, defaultMode: 256), Mount, Show(Mount + "/data-1")),
            Content(Mount + "/data-1", "value-1"), Perms(Mount + "/data-1", "-r--------"));
    }

    [Fact(DisplayName = "[sig-storage] Secrets should be consumable from pods in volume with mappings [NodeConformance] [Conformance]")]
    public async Task WithMappings()
    {
        var ns = await cluster.CreateNamespaceAsync("secrets");
        var name = await SecretAsync(ns, Unique("secret-test-map"));
        var path = Mount + "/new-path-data-1";
        await ExpectOutputAsync(Client, ns, VolumePod("secret-volume", Volume(name, items: [new V1KeyToPath { Key = "data-1", Path = "new-path-data-1" }]), Mount, Show(path)),
            Content(path, "value-1"), Perms(path, "-rw-r--r--"));
    }

    [Fact(DisplayName = "[sig-storage] Secrets should be consumable from pods in volume with mappings and Item Mode set [LinuxOnly] [NodeConformance] [Conformance]")]
    public async Task WithMappingsAndItemMode()
    {
        var ns = await cluster.CreateNamespaceAsync("secrets");
        var name = await SecretAsync(ns, Unique("secret-test-map"));
        var path = Mount + "/new-path-data-1";
        await ExpectOutputAsync(Client, ns, VolumePod("secret-volume", Volume(name, items: [new V1KeyToPath { Key = "data-1", Path = "new-path-data-1", Mode = 256 }]), Mount, Show(path)),
            Content(path, "value-1"), Perms(path, "-r--------"));
    }

    [Fact(DisplayName = "[sig-storage] Secrets should be consumable in multiple volumes in a pod [NodeConformance] [Conformance]")]
    public async Task MultipleVolumes()
    {
        var ns = await cluster.CreateNamespaceAsync("secrets");
        var name = await SecretAsync(ns, Unique("secret-test"));
        var pod = VolumePod("secret-volume", Volume(name), Mount, Show(Mount + "/data-1") + "; " + Show("/etc/secret-volume-2/data-1"));
        pod.Spec.Volumes.Add(Volume(name, volumeName: "secret-volume-2"));
        pod.Spec.Containers[0].VolumeMounts.Add(new V1VolumeMount { Name = "secret-volume-2", MountPath = "/etc/secret-volume-2", ReadOnlyProperty = true });
        await ExpectOutputAsync(Client, ns, pod, Content(Mount + "/data-1", "value-1"), Content("/etc/secret-volume-2/data-1", "value-1"));
    }

    [Fact(DisplayName = "[sig-storage] Secrets should be able to mount in a volume regardless of a different secret existing with same name in different namespace [NodeConformance] [Conformance]")]
    public async Task SameNameOtherNamespace()
    {
        var ns = await cluster.CreateNamespaceAsync("secrets");
        var other = await cluster.CreateNamespaceAsync("secret-namespace");
        var name = Unique("secret-test");
        await SecretAsync(ns, name);
        await SecretAsync(other, name, "value-from-the-other-namespace");
        await ExpectOutputAsync(Client, ns, VolumePod("secret-volume", Volume(name), Mount, Show(Mount + "/data-1")), Content(Mount + "/data-1", "value-1"));
    }
}
