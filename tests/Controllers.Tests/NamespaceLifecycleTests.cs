using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using KubeNet.Controllers.Tests.Infrastructure;

namespace KubeNet.Controllers.Tests;

/// <summary>
/// A namespace's life in the in-process cluster: a new one gets its `default` ServiceAccount and the kube-root-ca.crt
/// ConfigMap (kept as published), and `kubectl delete namespace` empties and removes it, with the status conditions of
/// upstream's namespace controller while content remains.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class NamespaceLifecycleTests(ClusterFixture cluster)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(45);

    private IKubernetes Client => cluster.Client;

    private async Task<T?> TryAsync<T>(Func<Task<T>> read)
        where T : class
    {
        try
        {
            return await read();
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    [Fact]
    public async Task A_new_namespace_gets_the_default_ServiceAccount_and_kube_root_ca_crt_which_stays_as_published()
    {
        var ns = await cluster.CreateNamespaceAsync("ns-new");
        await ClusterFixture.EventuallyAsync(
            async () => await TryAsync(() => Client.CoreV1.ReadNamespacedServiceAccountAsync("default", ns)) is not null,
            Timeout, () => "no default ServiceAccount");
        await ClusterFixture.EventuallyAsync(
            async () => await TryAsync(() => Client.CoreV1.ReadNamespacedConfigMapAsync("kube-root-ca.crt", ns)) is not null,
            Timeout, () => "no kube-root-ca.crt");

        var ca = await File.ReadAllTextAsync(cluster.Cluster.Server.Pki.CaPath);
        var cm = await Client.CoreV1.ReadNamespacedConfigMapAsync("kube-root-ca.crt", ns);
        Assert.Equal(ca, Assert.Single(cm.Data, kv => kv.Key == "ca.crt").Value);
        Assert.StartsWith("Contains a CA bundle that can be used to verify the kube-apiserver", cm.Metadata.Annotations["kubernetes.io/description"], StringComparison.Ordinal);

        // Edited: reset. Deleted: made again. The ServiceAccount too.
        await Client.CoreV1.ReplaceNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "kube-root-ca.crt" }, Data = new Dictionary<string, string> { ["ca.crt"] = "" } }, "kube-root-ca.crt", ns);
        await ClusterFixture.EventuallyAsync(
            async () => (await Client.CoreV1.ReadNamespacedConfigMapAsync("kube-root-ca.crt", ns)).Data is { } data && data.TryGetValue("ca.crt", out var value) && value == ca,
            Timeout, () => "kube-root-ca.crt was not reset");

        var before = (await Client.CoreV1.ReadNamespacedConfigMapAsync("kube-root-ca.crt", ns)).Metadata.Uid;
        await Client.CoreV1.DeleteNamespacedConfigMapAsync("kube-root-ca.crt", ns, gracePeriodSeconds: 0);
        await Client.CoreV1.DeleteNamespacedServiceAccountAsync("default", ns);
        await ClusterFixture.EventuallyAsync(
            async () => await TryAsync(() => Client.CoreV1.ReadNamespacedConfigMapAsync("kube-root-ca.crt", ns)) is { } again && again.Metadata.Uid != before,
            Timeout, () => "kube-root-ca.crt was not made again");
        await ClusterFixture.EventuallyAsync(
            async () => await TryAsync(() => Client.CoreV1.ReadNamespacedServiceAccountAsync("default", ns)) is not null,
            Timeout, () => "the default ServiceAccount was not made again");
    }

    [Fact]
    public async Task Kubectl_delete_namespace_empties_and_removes_it()
    {
        var ns = await cluster.CreateNamespaceAsync("ns-delete");
        await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "cm" } }, ns);
        await Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "s" } }, ns);
        await Client.CoreV1.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "svc" },
            Spec = new V1ServiceSpec { Selector = new Dictionary<string, string> { ["app"] = "web" }, Ports = [new V1ServicePort { Port = 80 }] },
        }, ns);
        await cluster.KubectlOkAsync("run", "web", "--image=busybox", "-n", ns);
        await cluster.KubectlOkAsync("wait", "--for=condition=Ready", "pod/web", "-n", ns, "--timeout=60s");

        // kubectl waits until the namespace is gone.
        var output = await cluster.KubectlOkAsync("delete", "namespace", ns, "--timeout=60s");
        Assert.Equal($"namespace \"{ns}\" deleted", output.Trim());
        Assert.Null(await TryAsync(() => Client.CoreV1.ReadNamespaceAsync(ns)));
        Assert.Empty((await Client.CoreV1.ListNamespacedPodAsync(ns)).Items);
        Assert.Empty((await Client.CoreV1.ListNamespacedServiceAsync(ns)).Items);
        Assert.Empty((await Client.CoreV1.ListNamespacedConfigMapAsync(ns)).Items);
    }

    [Fact]
    public async Task A_namespace_held_by_a_finalizer_stays_Terminating_with_the_upstream_conditions()
    {
        var ns = await cluster.CreateNamespaceAsync("ns-held");
        await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "held", Finalizers = ["example.com/hold"] } }, ns);

        await Client.CoreV1.DeleteNamespaceAsync(ns);
        V1Namespace? current = null;
        await ClusterFixture.EventuallyAsync(
            async () => (current = await Client.CoreV1.ReadNamespaceAsync(ns)).Status.Conditions?.Any(c => c.Type == "NamespaceFinalizersRemaining" && c.Status == "True") == true,
            Timeout, () => "no NamespaceFinalizersRemaining condition");

        Assert.Equal("Terminating", current!.Status.Phase);
        var conditions = current.Status.Conditions.ToDictionary(c => c.Type);
        Assert.Equal(("False", "ResourcesDiscovered", "All resources successfully discovered"), Describe(conditions["NamespaceDeletionDiscoveryFailure"]));
        Assert.Equal(("False", "ParsedGroupVersions", "All legacy kube types successfully parsed"), Describe(conditions["NamespaceDeletionGroupVersionParsingFailure"]));
        Assert.Equal(("False", "ContentDeleted", "All content successfully deleted, may be waiting on finalization"), Describe(conditions["NamespaceDeletionContentFailure"]));
        Assert.Equal(("True", "SomeResourcesRemain", "Some resources are remaining: configmaps. has 1 resource instances"), Describe(conditions["NamespaceContentRemaining"]));
        Assert.Equal(("True", "SomeFinalizerRemain", "Some finalizers are remaining: example.com/hold in 1 resource instances"), Describe(conditions["NamespaceFinalizersRemaining"]));

        var output = await cluster.KubectlOkAsync("get", "namespace", ns, "--no-headers");
        Assert.Contains("Terminating", output, StringComparison.Ordinal);

        await Client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"metadata":{"finalizers":null}}""", V1Patch.PatchType.MergePatch), "held", ns);
        await ClusterFixture.EventuallyAsync(async () => await TryAsync(() => Client.CoreV1.ReadNamespaceAsync(ns)) is null, Timeout, () => "the namespace was not removed");
    }

    private static (string, string, string) Describe(V1NamespaceCondition c) => (c.Status, c.Reason, c.Message);
}
