using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;
using KubeNet.Conformance.Framework;

namespace KubeNet.Conformance.ApiMachinery;

/// <summary>
/// test/e2e/apimachinery: server_version.go, discovery.go, aggregated_discovery.go, chunking.go, namespace.go,
/// resource_quota.go — the scenarios that need the API and no controllers.
/// </summary>
[Collection(ConformanceCollection.Name)]
public sealed class ApiMachineryTests(ConformanceCluster cluster)
{
    private IKubernetes Client => cluster.Client;

    private static async Task<HttpStatusCode> StatusOfAsync(Func<Task> call)
        => (await Assert.ThrowsAsync<HttpOperationException>(call)).Response.StatusCode;

    [Fact(DisplayName = "[sig-api-machinery] server version should find the server version [Conformance]")]
    public async Task ServerVersion()
    {
        var version = await Client.Version.GetCodeAsync();
        Assert.Matches("[1-9]", version.Major);
        Assert.Matches("[0-9]+", version.Minor);
        Assert.Matches("^v[0-9]+\\.[0-9]+\\.[0-9]+", version.GitVersion);
    }

    private async Task<JsonElement> GetJsonAsync(HttpClient http, string path, string accept = "application/json")
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path.TrimStart('/'));
        request.Headers.Accept.ParseAdd(accept);
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    [Fact(DisplayName = "[sig-api-machinery] Discovery should validate PreferredVersion for each APIGroup [Conformance]")]
    public async Task DiscoveryPreferredVersion()
    {
        using var http = cluster.CreateHttpClient();
        var groups = await GetJsonAsync(http, "/apis");
        Assert.Equal("APIGroupList", groups.GetProperty("kind").GetString());
        foreach (var group in groups.GetProperty("groups").EnumerateArray())
        {
            var name = group.GetProperty("name").GetString()!;
            var preferred = group.GetProperty("preferredVersion");
            Assert.Equal($"{name}/{preferred.GetProperty("version").GetString()}", preferred.GetProperty("groupVersion").GetString());
            var versions = group.GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("groupVersion").GetString()).ToList();
            Assert.Contains(preferred.GetProperty("groupVersion").GetString(), versions);

            // The group document itself names the same preferred version.
            var single = await GetJsonAsync(http, $"/apis/{name}");
            Assert.Equal(preferred.GetProperty("groupVersion").GetString(), single.GetProperty("preferredVersion").GetProperty("groupVersion").GetString());
        }
    }

    [Fact(DisplayName = "[sig-api-machinery] Discovery should locate the groupVersion and a resource within each APIGroup [Conformance]")]
    public async Task DiscoveryGroupVersionResources()
    {
        using var http = cluster.CreateHttpClient();
        var groups = await GetJsonAsync(http, "/apis");
        foreach (var group in groups.GetProperty("groups").EnumerateArray())
        {
            foreach (var version in group.GetProperty("versions").EnumerateArray())
            {
                var gv = version.GetProperty("groupVersion").GetString()!;
                var list = await GetJsonAsync(http, $"/apis/{gv}");
                Assert.Equal("APIResourceList", list.GetProperty("kind").GetString());
                Assert.Equal(gv, list.GetProperty("groupVersion").GetString());
                Assert.NotEmpty(list.GetProperty("resources").EnumerateArray());
            }
        }
    }

    [Fact(DisplayName = "[sig-api-machinery] AggregatedDiscovery should support raw aggregated discovery endpoint Accept headers [Conformance]")]
    public async Task AggregatedDiscoveryAcceptHeaders()
    {
        using var http = cluster.CreateHttpClient();
        foreach (var version in new[] { "v2", "v2beta1" })
        {
            var accept = $"application/json;g=apidiscovery.k8s.io;v={version};as=APIGroupDiscoveryList";
            foreach (var path in new[] { "api", "apis" })
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, path);
                request.Headers.Accept.ParseAdd(accept);
                using var response = await http.SendAsync(request);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                var contentType = response.Content.Headers.ContentType!;
                Assert.Equal("application/json", contentType.MediaType);
                var parameters = contentType.Parameters.ToDictionary(p => p.Name, p => p.Value);
                Assert.Equal("apidiscovery.k8s.io", parameters["g"]);
                Assert.Equal(version, parameters["v"]);
                Assert.Equal("APIGroupDiscoveryList", parameters["as"]);
                var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
                Assert.Equal("APIGroupDiscoveryList", body.GetProperty("kind").GetString());
                Assert.Equal($"apidiscovery.k8s.io/{version}", body.GetProperty("apiVersion").GetString());
                Assert.NotEmpty(body.GetProperty("items").EnumerateArray());
            }
        }
    }

    [Fact(DisplayName = "[sig-api-machinery] Servers with support for API chunking should return chunks of results for list calls [Conformance]")]
    public async Task Chunking()
    {
        const int total = 400;
        var ns = await cluster.CreateNamespaceAsync("chunking");
        using (var gate = new SemaphoreSlim(8))
        {
            await Task.WhenAll(Enumerable.Range(0, total).Select(async i =>
            {
                await gate.WaitAsync();
                try
                {
                    await Client.CoreV1.CreateNamespacedPodTemplateAsync(new V1PodTemplate
                    {
                        Metadata = new V1ObjectMeta { Name = $"template-{i:D4}" },
                        Template = new V1PodTemplateSpec { Spec = new V1PodSpec { Containers = [new V1Container { Name = "test", Image = "busybox" }] } },
                    }, ns);
                }
                finally
                {
                    gate.Release();
                }
            }));
        }

        const int limit = total / 10;
        string? token = null;
        string? lastRv = null;
        var found = 0;
        while (true)
        {
            var list = await Client.CoreV1.ListNamespacedPodTemplateAsync(ns, limit: limit, continueParameter: token);
            Assert.True(list.Items.Count <= limit, $"{list.Items.Count} items for limit {limit}");
            lastRv ??= list.Metadata.ResourceVersion;
            Assert.Equal(lastRv, list.Metadata.ResourceVersion);
            if (list.Metadata.RemainingItemCount is long remaining)
            {
                Assert.Equal(total, found + list.Items.Count + remaining);
            }

            found += list.Items.Count;
            token = list.Metadata.ContinueProperty;
            if (string.IsNullOrEmpty(token))
            {
                Assert.Null(list.Metadata.RemainingItemCount);
                break;
            }
        }

        Assert.Equal(total, found);
        var all = await Client.CoreV1.ListNamespacedPodTemplateAsync(ns, limit: total + 1);
        Assert.Equal(total, all.Items.Count);
        Assert.True(string.IsNullOrEmpty(all.Metadata.ContinueProperty));
    }

    [Fact(DisplayName = "[sig-api-machinery] Namespaces [Serial] should patch a Namespace [Conformance]")]
    public async Task NamespacePatch()
    {
        var name = await cluster.CreateNamespaceAsync("nspatchtest");
        // Upstream sends this as a strategic merge patch.
        await Client.CoreV1.PatchNamespaceAsync(
            new V1Patch("""{"metadata":{"labels":{"testLabel":"testValue"}}}""", V1Patch.PatchType.StrategicMergePatch), name);
        var ns = await Client.CoreV1.ReadNamespaceAsync(name);
        Assert.Equal("testValue", ns.Metadata.Labels["testLabel"]);
    }

    [Fact(DisplayName = "[sig-api-machinery] Namespaces [Serial] should apply an update to a Namespace [Conformance]")]
    public async Task NamespaceUpdate()
    {
        var name = await cluster.CreateNamespaceAsync("e2e-ns");
        for (var attempt = 0; ; attempt++)
        {
            var ns = await Client.CoreV1.ReadNamespaceAsync(name);
            ns.Metadata.Labels ??= new Dictionary<string, string>();
            ns.Metadata.Labels[name] = "updated";
            try
            {
                await Client.CoreV1.ReplaceNamespaceAsync(ns, name);
                break;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict && attempt < 5)
            {
            }
        }

        Assert.Equal("updated", (await Client.CoreV1.ReadNamespaceAsync(name)).Metadata.Labels[name]);
    }

    [Fact(DisplayName = "[sig-api-machinery] ResourceQuota should be able to update and delete ResourceQuota. [Conformance]")]
    public async Task ResourceQuotaUpdateAndDelete()
    {
        var ns = await cluster.CreateNamespaceAsync("resourcequota");
        const string quotaName = "test-quota";
        var quota = new V1ResourceQuota
        {
            Metadata = new V1ObjectMeta { Name = quotaName },
            Spec = new V1ResourceQuotaSpec
            {
                Hard = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("1"), ["memory"] = new("500Mi") },
            },
        };
        await Client.CoreV1.CreateNamespacedResourceQuotaAsync(quota, ns);

        var got = await Client.CoreV1.ReadNamespacedResourceQuotaAsync(quotaName, ns);
        Assert.Equal("1", got.Spec.Hard["cpu"].ToString());
        Assert.Equal("500Mi", got.Spec.Hard["memory"].ToString());

        got.Spec.Hard["cpu"] = new ResourceQuantity("2");
        got.Spec.Hard["memory"] = new ResourceQuantity("1Gi");
        var updated = await Client.CoreV1.ReplaceNamespacedResourceQuotaAsync(got, quotaName, ns);
        Assert.Equal("2", updated.Spec.Hard["cpu"].ToString());
        Assert.Equal("1Gi", updated.Spec.Hard["memory"].ToString());

        await Client.CoreV1.DeleteNamespacedResourceQuotaAsync(quotaName, ns);
        Assert.Equal(HttpStatusCode.NotFound, await StatusOfAsync(() => Client.CoreV1.ReadNamespacedResourceQuotaAsync(quotaName, ns)));
    }
}
