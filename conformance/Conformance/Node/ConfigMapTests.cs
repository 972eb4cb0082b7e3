using k8s;
using k8s.Autorest;
using k8s.Models;
using KubeNet.Conformance.Framework;

namespace KubeNet.Conformance.Node;

/// <summary>test/e2e/common/node/configmap.go: the scenarios that need no running pods.</summary>
[Collection(ConformanceCollection.Name)]
public sealed class ConfigMapTests(ConformanceCluster cluster)
{
    private IKubernetes Client => cluster.Client;

    [Fact(DisplayName = "[sig-node] ConfigMap should fail to create ConfigMap with empty key [Conformance]")]
    public async Task EmptyKeyIsRejected()
    {
        var ns = await cluster.CreateNamespaceAsync("configmap");
        var configMap = new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { Name = "configmap-test-emptykey-" + Guid.NewGuid().ToString("N")[..8] },
            Data = new Dictionary<string, string> { [""] = "value-1" },
        };
        await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.CreateNamespacedConfigMapAsync(configMap, ns));
    }

    [Fact(DisplayName = "[sig-node] ConfigMap should run through a ConfigMap lifecycle [Conformance]")]
    public async Task Lifecycle()
    {
        var ns = await cluster.CreateNamespaceAsync("configmap");
        var name = "test-configmap" + Guid.NewGuid();
        var created = new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["test-configmap-static"] = "true" } },
            Data = new Dictionary<string, string> { ["valueName"] = "value" },
        };
        await Client.CoreV1.CreateNamespacedConfigMapAsync(created, ns);

        var fetched = await Client.CoreV1.ReadNamespacedConfigMapAsync(name, ns);
        Assert.Equal("value", fetched.Data["valueName"]);
        Assert.Equal("true", fetched.Metadata.Labels["test-configmap-static"]);

        // Upstream sends this as a strategic merge patch.
        await Client.CoreV1.PatchNamespacedConfigMapAsync(
            new V1Patch("""{"metadata":{"labels":{"test-configmap":"patched"}},"data":{"valueName":"value1"}}""", V1Patch.PatchType.StrategicMergePatch),
            name,
            ns);

        var all = await Client.CoreV1.ListConfigMapForAllNamespacesAsync(labelSelector: "test-configmap=patched");
        Assert.Contains(all.Items, cm => cm.Metadata.Name == name && cm.Metadata.NamespaceProperty == ns
            && cm.Metadata.Labels["test-configmap-static"] == "true" && cm.Data["valueName"] == "value1");

        await Client.CoreV1.DeleteCollectionNamespacedConfigMapAsync(ns, labelSelector: "test-configmap-static=true");
        Assert.Empty((await Client.CoreV1.ListNamespacedConfigMapAsync(ns, labelSelector: "test-configmap-static=true")).Items);
    }
}
