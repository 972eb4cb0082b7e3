using System.Net;
using System.Text;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;
using KubeNet.ApiServer.Tests.Infrastructure;

namespace KubeNet.ApiServer.Tests.Registry;

/// <summary>
/// DeleteOptions on the API server alone (no garbage collector runs here): Foreground and Orphan only mark the object
/// and add the garbage collector's finalizer, Background deletes at once, each kind's default policy applies when the
/// request names none, and an object with finalizers goes when the write that clears the last one lands.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class DeletionPropagationTests(ClusterFixture cluster)
{
    private IKubernetes Client => cluster.Client;

    private async Task<V1ConfigMap> ConfigMapAsync(string ns, string name, params string[] finalizers)
        => await Client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new V1ObjectMeta { Name = name, Finalizers = finalizers.Length == 0 ? null : finalizers } }, ns);

    private async Task<bool> ExistsAsync(Func<Task> read)
    {
        try
        {
            await read();
            return true;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    private static async Task<(HttpStatusCode Code, JsonElement Body, HttpResponseMessage Response)> SendDeleteAsync(HttpClient http, string path, string? body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        var response = await http.SendAsync(request);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        return (response.StatusCode, json, response);
    }

    [Fact]
    public async Task Foreground_marks_the_object_with_the_foregroundDeletion_finalizer_and_clearing_it_deletes()
    {
        var ns = await cluster.CreateNamespaceAsync("del-fg");
        await ConfigMapAsync(ns, "owner");
        await Client.CoreV1.DeleteNamespacedConfigMapAsync("owner", ns, propagationPolicy: "Foreground");

        var marked = await Client.CoreV1.ReadNamespacedConfigMapAsync("owner", ns);
        Assert.NotNull(marked.Metadata.DeletionTimestamp);
        Assert.Equal(0, marked.Metadata.DeletionGracePeriodSeconds);
        Assert.Equal(["foregroundDeletion"], marked.Metadata.Finalizers);

        // A second delete changes nothing; a Background one swaps the finalizer away and the object goes.
        await Client.CoreV1.DeleteNamespacedConfigMapAsync("owner", ns, propagationPolicy: "Foreground");
        Assert.Equal(marked.Metadata.ResourceVersion, (await Client.CoreV1.ReadNamespacedConfigMapAsync("owner", ns)).Metadata.ResourceVersion);

        await ConfigMapAsync(ns, "other");
        await Client.CoreV1.DeleteNamespacedConfigMapAsync("other", ns, propagationPolicy: "Foreground");
        await Client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"metadata":{"finalizers":null}}""", V1Patch.PatchType.MergePatch), "other", ns);
        Assert.False(await ExistsAsync(() => Client.CoreV1.ReadNamespacedConfigMapAsync("other", ns)));

        await Client.CoreV1.DeleteNamespacedConfigMapAsync("owner", ns, propagationPolicy: "Background");
        Assert.False(await ExistsAsync(() => Client.CoreV1.ReadNamespacedConfigMapAsync("owner", ns)));
    }

    [Fact]
    public async Task Orphan_adds_the_orphan_finalizer_and_keeps_other_finalizers()
    {
        var ns = await cluster.CreateNamespaceAsync("del-orphan");
        await ConfigMapAsync(ns, "owner", "example.com/hold");
        await Client.CoreV1.DeleteNamespacedConfigMapAsync("owner", ns, propagationPolicy: "Orphan");
        var marked = await Client.CoreV1.ReadNamespacedConfigMapAsync("owner", ns);
        Assert.NotNull(marked.Metadata.DeletionTimestamp);
        Assert.Equal(["example.com/hold", "orphan"], marked.Metadata.Finalizers);

        // Both garbage collector finalizers at once are invalid.
        var invalid = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.PatchNamespacedConfigMapAsync(
            new V1Patch("""{"metadata":{"finalizers":["orphan","foregroundDeletion"]}}""", V1Patch.PatchType.MergePatch), "owner", ns));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, invalid.Response.StatusCode);
        Assert.Contains("finalizer orphan and foregroundDeletion cannot be both set", invalid.Response.Content, StringComparison.Ordinal);

        await Client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"metadata":{"finalizers":["orphan"]}}""", V1Patch.PatchType.MergePatch), "owner", ns);
        Assert.True(await ExistsAsync(() => Client.CoreV1.ReadNamespacedConfigMapAsync("owner", ns)));
        await Client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"metadata":{"finalizers":[]}}""", V1Patch.PatchType.MergePatch), "owner", ns);
        Assert.False(await ExistsAsync(() => Client.CoreV1.ReadNamespacedConfigMapAsync("owner", ns)));
    }

    [Fact]
    public async Task Each_kind_keeps_its_upstream_default_policy_when_the_request_names_none()
    {
        var ns = await cluster.CreateNamespaceAsync("del-default");
        var labels = new Dictionary<string, string> { ["app"] = "d" };
        var template = new V1PodTemplateSpec
        {
            Metadata = new V1ObjectMeta { Labels = labels },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "busybox" }] },
        };

        // core/v1 ReplicationController orphans by default, for compatibility.
        await Client.CoreV1.CreateNamespacedReplicationControllerAsync(
            new V1ReplicationController { Metadata = new V1ObjectMeta { Name = "rc" }, Spec = new V1ReplicationControllerSpec { Replicas = 0, Selector = labels, Template = template } }, ns);
        await Client.CoreV1.DeleteNamespacedReplicationControllerAsync("rc", ns);
        Assert.Equal(["orphan"], (await Client.CoreV1.ReadNamespacedReplicationControllerAsync("rc", ns)).Metadata.Finalizers);

        // apps/v1 ReplicaSet deletes its dependents: nothing to wait for, gone at once.
        await Client.AppsV1.CreateNamespacedReplicaSetAsync(
            new V1ReplicaSet { Metadata = new V1ObjectMeta { Name = "rs" }, Spec = new V1ReplicaSetSpec { Replicas = 0, Selector = new V1LabelSelector { MatchLabels = labels }, Template = template } }, ns);
        await Client.AppsV1.DeleteNamespacedReplicaSetAsync("rs", ns);
        Assert.False(await ExistsAsync(() => Client.AppsV1.ReadNamespacedReplicaSetAsync("rs", ns)));

        // batch/v1 Job orphans by default and says so in a warning; an explicit policy silences it.
        var jobTemplate = new V1PodTemplateSpec { Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "busybox" }], RestartPolicy = "Never" } };
        await Client.BatchV1.CreateNamespacedJobAsync(new V1Job { Metadata = new V1ObjectMeta { Name = "job" }, Spec = new V1JobSpec { Template = jobTemplate, Suspend = true } }, ns);
        using var http = cluster.CreateHttpClient();
        var (code, _, response) = await SendDeleteAsync(http, $"/apis/batch/v1/namespaces/{ns}/jobs/job", null);
        using (response)
        {
            Assert.Equal(HttpStatusCode.OK, code);
            Assert.Contains(response.Headers.GetValues("Warning"), w => w.Contains("child pods are preserved by default when jobs are deleted", StringComparison.Ordinal));
        }

        Assert.Equal(["orphan"], (await Client.BatchV1.ReadNamespacedJobAsync("job", ns)).Metadata.Finalizers);
        (code, _, response) = await SendDeleteAsync(http, $"/apis/batch/v1/namespaces/{ns}/jobs/job", """{"propagationPolicy":"Background"}""");
        using (response)
        {
            Assert.Equal(HttpStatusCode.OK, code);
            Assert.False(response.Headers.Contains("Warning"));
        }

        Assert.False(await ExistsAsync(() => Client.BatchV1.ReadNamespacedJobAsync("job", ns)));
    }

    [Fact]
    public async Task Legacy_orphanDependents_is_honoured_and_conflicts_with_propagationPolicy()
    {
        var ns = await cluster.CreateNamespaceAsync("del-legacy");
        using var http = cluster.CreateHttpClient();
        await ConfigMapAsync(ns, "both");
        var (code, body, response) = await SendDeleteAsync(http, $"/api/v1/namespaces/{ns}/configmaps/both", """{"orphanDependents":true,"propagationPolicy":"Orphan"}""");
        response.Dispose();
        Assert.Equal(HttpStatusCode.UnprocessableEntity, code);
        Assert.Equal("Invalid", body.GetProperty("reason").GetString());
        Assert.Contains("orphanDependents and deletionPropagation cannot be both set", body.GetProperty("message").GetString(), StringComparison.Ordinal);

        await ConfigMapAsync(ns, "legacy-orphan");
        (code, _, response) = await SendDeleteAsync(http, $"/api/v1/namespaces/{ns}/configmaps/legacy-orphan", """{"orphanDependents":true}""");
        response.Dispose();
        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal(["orphan"], (await Client.CoreV1.ReadNamespacedConfigMapAsync("legacy-orphan", ns)).Metadata.Finalizers);

        // orphanDependents=false on an object another finalizer holds: 202 Accepted with the object, as upstream.
        await ConfigMapAsync(ns, "held", "example.com/hold");
        (code, body, response) = await SendDeleteAsync(http, $"/api/v1/namespaces/{ns}/configmaps/held?orphanDependents=false", null);
        response.Dispose();
        Assert.Equal(HttpStatusCode.Accepted, code);
        Assert.Equal("ConfigMap", body.GetProperty("kind").GetString());
        Assert.True(body.GetProperty("metadata").TryGetProperty("deletionTimestamp", out _));
    }

    [Fact]
    public async Task A_bound_pod_with_a_finalizer_outlives_the_kubelet_delete_until_the_finalizer_is_cleared()
    {
        var ns = await cluster.CreateNamespaceAsync("del-pod");
        await Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "p", Finalizers = ["example.com/hold"] },
            Spec = new V1PodSpec { NodeName = "node-a", Containers = [new V1Container { Name = "c", Image = "busybox" }] },
        }, ns);

        await Client.CoreV1.DeleteNamespacedPodAsync("p", ns);
        var graceful = await Client.CoreV1.ReadNamespacedPodAsync("p", ns);
        Assert.Equal(30, graceful.Metadata.DeletionGracePeriodSeconds);

        // The kubelet's final delete (grace 0) only shortens the grace period while the finalizer holds the pod.
        await Client.CoreV1.DeleteNamespacedPodAsync("p", ns, gracePeriodSeconds: 0);
        var held = await Client.CoreV1.ReadNamespacedPodAsync("p", ns);
        Assert.Equal(0, held.Metadata.DeletionGracePeriodSeconds);

        await Client.CoreV1.PatchNamespacedPodAsync(new V1Patch("""{"metadata":{"finalizers":null}}""", V1Patch.PatchType.MergePatch), "p", ns);
        Assert.False(await ExistsAsync(() => Client.CoreV1.ReadNamespacedPodAsync("p", ns)));
    }

    [Fact]
    public async Task Kubectl_delete_sends_the_cascade_as_propagationPolicy()
    {
        var ns = await cluster.CreateNamespaceAsync("del-kubectl");
        await ConfigMapAsync(ns, "fg");
        await ConfigMapAsync(ns, "orphan");
        await ConfigMapAsync(ns, "bg");
        await cluster.KubectlOkAsync("delete", "configmap", "fg", "-n", ns, "--cascade=foreground", "--wait=false");
        await cluster.KubectlOkAsync("delete", "configmap", "orphan", "-n", ns, "--cascade=orphan", "--wait=false");
        var output = await cluster.KubectlOkAsync("delete", "configmap", "bg", "-n", ns);
        Assert.Equal("configmap \"bg\" deleted", output.Trim());

        Assert.Equal(["foregroundDeletion"], (await Client.CoreV1.ReadNamespacedConfigMapAsync("fg", ns)).Metadata.Finalizers);
        Assert.Equal(["orphan"], (await Client.CoreV1.ReadNamespacedConfigMapAsync("orphan", ns)).Metadata.Finalizers);
        Assert.False(await ExistsAsync(() => Client.CoreV1.ReadNamespacedConfigMapAsync("bg", ns)));
    }

    [Fact]
    public async Task A_deleted_namespace_is_Terminating_until_finalized_and_status_writes_keep_annotations()
    {
        var name = await cluster.CreateNamespaceAsync("del-ns");
        var patched = await Client.CoreV1.PatchNamespaceStatusAsync(
            new V1Patch("""{"metadata":{"annotations":{"e2e-patched-ns-status":"yes"}},"status":{"conditions":[{"type":"StatusPatch","status":"True","reason":"E2E","message":"Patched"}]}}""", V1Patch.PatchType.MergePatch),
            name);
        Assert.Equal("yes", patched.Metadata.Annotations["e2e-patched-ns-status"]);
        Assert.Equal("E2E", patched.Status.Conditions[^1].Reason);

        await Client.CoreV1.DeleteNamespaceAsync(name);
        var terminating = await Client.CoreV1.ReadNamespaceAsync(name);
        Assert.Equal("Terminating", terminating.Status.Phase);
        Assert.NotNull(terminating.Metadata.DeletionTimestamp);
        Assert.Equal(["kubernetes"], terminating.Spec.Finalizers);

        terminating.Spec.Finalizers = [];
        await Client.CoreV1.ReplaceNamespaceFinalizeAsync(terminating, name);
        Assert.False(await ExistsAsync(() => Client.CoreV1.ReadNamespaceAsync(name)));
    }
}
