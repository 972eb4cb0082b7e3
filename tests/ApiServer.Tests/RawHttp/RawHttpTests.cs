using System.Net;
using System.Text;
using System.Text.Json;
using k8s;
using KubeNet.ApiServer.Tests.Infrastructure;

namespace KubeNet.ApiServer.Tests.RawHttp;

/// <summary>Byte-level checks with a plain HttpClient: status codes, Status bodies and headers as kube-apiserver sends them.</summary>
[Collection(ClusterCollection.Name)]
public sealed class RawHttpTests(ClusterFixture cluster)
{
    // Every member metav1.Status may have on the wire; anything else is a leak of our own types.
    private static readonly HashSet<string> StatusMembers = ["kind", "apiVersion", "metadata", "status", "message", "reason", "details", "code"];

    private static async Task<JsonElement> StatusAsync(HttpResponseMessage response, HttpStatusCode code, string reason)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == code, $"expected {(int)code}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var status = JsonDocument.Parse(body).RootElement.Clone();
        Assert.Equal("Status", status.GetProperty("kind").GetString());
        Assert.Equal("v1", status.GetProperty("apiVersion").GetString());
        Assert.Equal("Failure", status.GetProperty("status").GetString());
        Assert.Equal(reason, status.GetProperty("reason").GetString());
        Assert.Equal((int)code, status.GetProperty("code").GetInt32());
        Assert.DoesNotContain(status.EnumerateObject().Select(p => p.Name), n => !StatusMembers.Contains(n));
        return status;
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task Request_without_credentials_gets_401_Unauthorized_Status()
    {
        using var anonymous = cluster.CreateHttpClient(withClientCertificate: false);
        using var response = await anonymous.GetAsync("/api/v1/namespaces");
        var status = await StatusAsync(response, HttpStatusCode.Unauthorized, "Unauthorized");
        Assert.Equal("Unauthorized", status.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Request_with_a_wrong_bearer_token_gets_401_and_the_admin_token_is_accepted()
    {
        using var client = cluster.CreateHttpClient(withClientCertificate: false);
        using var wrong = new HttpRequestMessage(HttpMethod.Get, "/api/v1/namespaces");
        wrong.Headers.Authorization = new("Bearer", "not-a-token");
        await StatusAsync(await client.SendAsync(wrong), HttpStatusCode.Unauthorized, "Unauthorized");

        using var right = new HttpRequestMessage(HttpMethod.Get, "/api/v1/namespaces");
        right.Headers.Authorization = new("Bearer", cluster.Server.Pki.AdminToken);
        using var ok = await client.SendAsync(right);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Fact]
    public async Task Body_of_4_MiB_gets_413_RequestEntityTooLarge_and_stores_nothing()
    {
        var ns = await cluster.CreateNamespaceAsync("http-413");
        using var http = cluster.CreateHttpClient();
        var big = new string('x', 4 * 1024 * 1024);
        using var response = await http.PostAsync($"/api/v1/namespaces/{ns}/configmaps", Json("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"big\"},\"data\":{\"x\":\"" + big + "\"}}"));
        await StatusAsync(response, HttpStatusCode.RequestEntityTooLarge, "RequestEntityTooLarge");
        Assert.Empty((await cluster.Client.CoreV1.ListNamespacedConfigMapAsync(ns)).Items);
    }

    [Fact]
    public async Task Invalid_name_gets_422_Invalid_with_a_field_cause_for_metadata_name()
    {
        var ns = await cluster.CreateNamespaceAsync("http-422");
        using var http = cluster.CreateHttpClient();
        using var response = await http.PostAsync($"/api/v1/namespaces/{ns}/configmaps", Json("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"Bad_Name"}}"""));
        var status = await StatusAsync(response, HttpStatusCode.UnprocessableEntity, "Invalid");

        var details = status.GetProperty("details");
        Assert.Equal("Bad_Name", details.GetProperty("name").GetString());
        Assert.Equal("ConfigMap", details.GetProperty("kind").GetString());
        var cause = Assert.Single(details.GetProperty("causes").EnumerateArray());
        Assert.Equal("FieldValueInvalid", cause.GetProperty("reason").GetString());
        Assert.Equal("metadata.name", cause.GetProperty("field").GetString());
        Assert.StartsWith("Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of", cause.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\"", status.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_object_gets_404_NotFound_Status_with_details()
    {
        var ns = await cluster.CreateNamespaceAsync("http-404");
        using var http = cluster.CreateHttpClient();
        using var response = await http.GetAsync($"/api/v1/namespaces/{ns}/configmaps/nope");
        var status = await StatusAsync(response, HttpStatusCode.NotFound, "NotFound");
        Assert.Equal("configmaps \"nope\" not found", status.GetProperty("message").GetString());
        Assert.Equal("nope", status.GetProperty("details").GetProperty("name").GetString());
        Assert.Equal("configmaps", status.GetProperty("details").GetProperty("kind").GetString());

        using var group = await http.GetAsync($"/apis/apps/v1/namespaces/{ns}/deployments/nope");
        var groupStatus = await StatusAsync(group, HttpStatusCode.NotFound, "NotFound");
        Assert.Equal("deployments.apps \"nope\" not found", groupStatus.GetProperty("message").GetString());
        Assert.Equal("apps", groupStatus.GetProperty("details").GetProperty("group").GetString());
    }

    [Fact]
    public async Task Create_of_an_existing_object_gets_409_AlreadyExists()
    {
        var ns = await cluster.CreateNamespaceAsync("http-409");
        using var http = cluster.CreateHttpClient();
        const string body = """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dup"}}""";
        using (var first = await http.PostAsync($"/api/v1/namespaces/{ns}/configmaps", Json(body)))
        {
            Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        }

        using var second = await http.PostAsync($"/api/v1/namespaces/{ns}/configmaps", Json(body));
        var status = await StatusAsync(second, HttpStatusCode.Conflict, "AlreadyExists");
        Assert.Equal("configmaps \"dup\" already exists", status.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Bad_label_selector_gets_400_BadRequest()
    {
        var ns = await cluster.CreateNamespaceAsync("http-400");
        using var http = cluster.CreateHttpClient();
        using var response = await http.GetAsync($"/api/v1/namespaces/{ns}/configmaps?labelSelector=" + Uri.EscapeDataString("a in ("));
        var status = await StatusAsync(response, HttpStatusCode.BadRequest, "BadRequest");
        Assert.StartsWith("unable to parse requirement", status.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Watch_True_with_a_capital_T_is_a_watch_as_the_Python_client_sends_it()
    {
        var ns = await cluster.CreateNamespaceAsync("http-watch");
        await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(new k8s.Models.V1ConfigMap { Metadata = new() { Name = "seen" } }, ns);
        using var http = cluster.CreateHttpClient();
        using var response = await http.GetAsync($"/api/v1/namespaces/{ns}/configmaps?watch=True&timeoutSeconds=1", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();

        // One JSON event per line; the watch starts with a synthetic ADDED and ends after timeoutSeconds.
        var events = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var added = Assert.Single(events);
        Assert.Equal("ADDED", added.GetProperty("type").GetString());
        Assert.Equal("seen", added.GetProperty("object").GetProperty("metadata").GetProperty("name").GetString());
        Assert.Equal("ConfigMap", added.GetProperty("object").GetProperty("kind").GetString());

        foreach (var spelling in new[] { "true", "1", "t", "TRUE" })
        {
            using var r = await http.GetAsync($"/api/v1/namespaces/{ns}/configmaps?watch={spelling}&timeoutSeconds=1");
            Assert.Contains("\"type\":\"ADDED\"", await r.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using var list = await http.GetAsync($"/api/v1/namespaces/{ns}/configmaps?watch=False");
        Assert.Equal("ConfigMapList", JsonDocument.Parse(await list.Content.ReadAsStringAsync()).RootElement.GetProperty("kind").GetString());
    }

    [Fact]
    public async Task Unsupported_patch_type_gets_415_and_unknown_path_gets_404()
    {
        var ns = await cluster.CreateNamespaceAsync("http-415");
        using var http = cluster.CreateHttpClient();
        using var patch = new HttpRequestMessage(HttpMethod.Patch, $"/api/v1/namespaces/{ns}/configmaps/x")
        {
            Content = new StringContent("{}", Encoding.UTF8, "text/plain"),
        };
        using var response = await http.SendAsync(patch);
        await StatusAsync(response, HttpStatusCode.UnsupportedMediaType, "UnsupportedMediaType");

        using var unknown = await http.GetAsync("/apis/nosuch.example.com/v1/widgets");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Created_object_is_answered_201_with_whole_second_timestamps_and_a_numeric_resourceVersion()
    {
        var ns = await cluster.CreateNamespaceAsync("http-201");
        using var http = cluster.CreateHttpClient();
        using var response = await http.PostAsync($"/api/v1/namespaces/{ns}/configmaps", Json("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"fresh"},"data":{"a":"b"}}"""));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("ConfigMap", body.GetProperty("kind").GetString());
        var meta = body.GetProperty("metadata");
        Assert.Matches("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$", meta.GetProperty("creationTimestamp").GetString());
        Assert.True(long.Parse(meta.GetProperty("resourceVersion").GetString()!) > 0);
        Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", meta.GetProperty("uid").GetString());
    }
}
