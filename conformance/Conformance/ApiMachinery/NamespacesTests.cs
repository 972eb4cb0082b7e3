using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;
using KubeNet.Conformance.Framework;

namespace KubeNet.Conformance.ApiMachinery;

/// <summary>
/// test/e2e/apimachinery/namespace.go: deleting a namespace removes its pods and services; namespace status and
/// finalizers written through their subresources. (Patch and update of a namespace are in <see cref="ApiMachineryTests"/>.)
/// </summary>
[Collection(ConformanceCollection.Name)]
public sealed class NamespacesTests(ConformanceCluster cluster)
{
    private IKubernetes Client => cluster.Client;

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

    private static async Task PollAsync(TimeSpan timeout, Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out after {timeout.TotalSeconds:0}s: {what}");
            await Task.Delay(1000);
        }
    }

    /// <summary>framework.WaitForDefaultServiceAccountInNamespace.</summary>
    private Task WaitForDefaultServiceAccountAsync(string ns)
        => PollAsync(TimeSpan.FromMinutes(2), () => ExistsAsync(() => Client.CoreV1.ReadNamespacedServiceAccountAsync("default", ns)), $"no default service account in {ns}");

    private async Task DeleteAndWaitAsync(string ns, TimeSpan timeout)
    {
        await Client.CoreV1.DeleteNamespaceAsync(ns);
        await PollAsync(timeout, async () => !await ExistsAsync(() => Client.CoreV1.ReadNamespaceAsync(ns)), $"namespace {ns} was not removed");
    }

    [Fact(DisplayName = "[sig-api-machinery] Namespaces [Serial] should ensure that all pods are removed when a namespace is deleted [Conformance]")]
    public async Task PodsRemovedWithNamespace()
    {
        var ns = await cluster.CreateNamespaceAsync("nsdeletetest");
        await WaitForDefaultServiceAccountAsync(ns);
        var pod = await Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "test-pod" },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "nginx", Image = "registry.k8s.io/pause:3.10" }] },
        }, ns);
        pod = await cluster.PodRunningAsync(ns, pod.Metadata.Name);

        await DeleteAndWaitAsync(ns, TimeSpan.FromSeconds(60 + (pod.Spec.TerminationGracePeriodSeconds ?? 30)));

        var again = await cluster.CreateNamespaceAsync("nsdeletetest");
        Assert.False(await ExistsAsync(() => Client.CoreV1.ReadNamespacedPodAsync(pod.Metadata.Name, again)));
    }

    [Fact(DisplayName = "[sig-api-machinery] Namespaces [Serial] should ensure that all services are removed when a namespace is deleted [Conformance]")]
    public async Task ServicesRemovedWithNamespace()
    {
        var ns = await cluster.CreateNamespaceAsync("nsdeletetest");
        await WaitForDefaultServiceAccountAsync(ns);
        var service = await Client.CoreV1.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "test-service" },
            Spec = new V1ServiceSpec
            {
                Selector = new Dictionary<string, string> { ["foo"] = "bar", ["baz"] = "blah" },
                Ports = [new V1ServicePort { Port = 80, TargetPort = 80 }],
            },
        }, ns);

        await DeleteAndWaitAsync(ns, TimeSpan.FromSeconds(60));

        var again = await cluster.CreateNamespaceAsync("nsdeletetest");
        Assert.False(await ExistsAsync(() => Client.CoreV1.ReadNamespacedServiceAsync(service.Metadata.Name, again)));
    }

    [Fact(DisplayName = "[sig-api-machinery] Namespaces [Serial] should apply changes to a namespace status [Conformance]")]
    public async Task NamespaceStatus()
    {
        var ns = await cluster.CreateNamespaceAsync("namespaces");

        // Read through the status subresource, as upstream's dynamic client does.
        using var http = cluster.CreateHttpClient();
        using (var response = await http.GetAsync($"api/v1/namespaces/{ns}/status"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var read = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("Active", read.GetProperty("status").GetProperty("phase").GetString());
        }

        var patched = await Client.CoreV1.PatchNamespaceStatusAsync(new V1Patch(
            $$$"""{"metadata":{"annotations":{"e2e-patched-ns-status":"{{{ns}}}"}},"status":{"conditions":[{"type":"StatusPatch","status":"True","reason":"E2E","message":"Patched by an e2e test"}]}}""",
            V1Patch.PatchType.MergePatch), ns);
        Assert.Equal(ns, patched.Metadata.Annotations["e2e-patched-ns-status"]);
        Assert.Equal("E2E", patched.Status.Conditions[^1].Reason);
        Assert.Equal("Patched by an e2e test", patched.Status.Conditions[^1].Message);

        V1Namespace updated;
        for (var attempt = 0; ; attempt++)
        {
            var current = await Client.CoreV1.ReadNamespaceStatusAsync(ns);
            current.Status.Conditions.Add(new V1NamespaceCondition { Type = "StatusUpdate", Status = "True", Reason = "E2E", Message = "Updated by an e2e test" });
            try
            {
                updated = await Client.CoreV1.ReplaceNamespaceStatusAsync(current, ns);
                break;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict && attempt < 5)
            {
            }
        }

        Assert.Equal("StatusUpdate", updated.Status.Conditions[^1].Type);
        Assert.Equal("Updated by an e2e test", updated.Status.Conditions[^1].Message);
    }

    [Fact(DisplayName = "[sig-api-machinery] Namespaces [Serial] should apply a finalizer to a Namespace [Conformance]")]
    public async Task NamespaceFinalizer()
    {
        const string fake = "e2e.example.com/fakeFinalizer";
        var ns = await cluster.CreateNamespaceAsync("e2e-ns");

        var current = await Client.CoreV1.ReadNamespaceAsync(ns);
        current.Spec.Finalizers = [.. current.Spec.Finalizers ?? [], fake];
        var updated = await Client.CoreV1.ReplaceNamespaceFinalizeAsync(current, ns);
        Assert.Contains(fake, updated.Spec.Finalizers);

        current = await Client.CoreV1.ReadNamespaceAsync(ns);
        current.Spec.Finalizers = current.Spec.Finalizers.Where(f => f != fake).ToList();
        updated = await Client.CoreV1.ReplaceNamespaceFinalizeAsync(current, ns);
        Assert.DoesNotContain(fake, updated.Spec.Finalizers ?? []);
    }
}
