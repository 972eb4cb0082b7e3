using System.Text;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;
using KubeNet.ApiServer.Tests.Infrastructure;

namespace KubeNet.ApiServer.Tests.Kubectl;

/// <summary>Stock kubectl 1.32 creating, reading, changing, watching and deleting objects.</summary>
[Collection(ClusterCollection.Name)]
public sealed class KubectlObjectTests(ClusterFixture cluster)
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(30);

    private static string FiveKinds(string ns) => $"""
        apiVersion: v1
        kind: Namespace
        metadata:
          name: {ns}
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: cfg
          namespace: {ns}
        data:
          color: blue
        ---
        apiVersion: v1
        kind: Secret
        metadata:
          name: sec
          namespace: {ns}
        stringData:
          password: hunter2
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: svc
          namespace: {ns}
        spec:
          selector:
            app: web
          ports:
          - port: 80
            targetPort: 8080
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          namespace: {ns}
        spec:
          replicas: 2
          selector:
            matchLabels:
              app: web
          template:
            metadata:
              labels:
                app: web
            spec:
              containers:
              - name: web
                image: nginx:1.27
        """;

    private async Task<string> WriteManifestAsync(string text)
    {
        var path = Path.Combine(cluster.DataDirectory, $"manifest-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(path, text);
        return path;
    }

    private async Task<V1ConfigMap> CreateConfigMapAsync(string ns, string name, IDictionary<string, string>? labels = null, IList<string>? finalizers = null)
        => await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap
            {
                Metadata = new V1ObjectMeta { Name = name, Labels = labels, Finalizers = finalizers },
                Data = new Dictionary<string, string> { ["k"] = "v" },
            },
            ns);

    private async Task<bool> ConfigMapExistsAsync(string ns, string name)
    {
        try
        {
            await cluster.Client.CoreV1.ReadNamespacedConfigMapAsync(name, ns);
            return true;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    [Fact]
    public async Task CreateFromFile_with_five_documents_creates_namespace_configmap_secret_service_and_deployment()
    {
        var ns = $"multi-{Guid.NewGuid().ToString("N")[..8]}";
        var output = await cluster.KubectlOkAsync("create", "-f", await WriteManifestAsync(FiveKinds(ns)));

        Assert.Equal(
            [$"namespace/{ns} created", "configmap/cfg created", "secret/sec created", "service/svc created", "deployment.apps/web created"],
            output.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        var client = cluster.Client;
        Assert.Equal(ns, (await client.CoreV1.ReadNamespaceAsync(ns)).Metadata.Name);
        Assert.Equal("blue", (await client.CoreV1.ReadNamespacedConfigMapAsync("cfg", ns)).Data["color"]);
        Assert.NotNull(await client.CoreV1.ReadNamespacedSecretAsync("sec", ns));
        Assert.Equal(80, (await client.CoreV1.ReadNamespacedServiceAsync("svc", ns)).Spec.Ports[0].Port);
        Assert.Equal(2, (await client.AppsV1.ReadNamespacedDeploymentAsync("web", ns)).Spec.Replicas);

        // A second create of the same file reports AlreadyExists for each object and exits 1, as upstream.
        var again = await cluster.KubectlAsync("create", "-f", await WriteManifestAsync(FiveKinds(ns)));
        Assert.Equal(1, again.ExitCode);
        Assert.Contains($"namespaces \"{ns}\" already exists", again.StdErr, StringComparison.Ordinal);
        Assert.Contains("configmaps \"cfg\" already exists", again.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateFromFile_secret_stringData_is_stored_base64_encoded_in_data()
    {
        var ns = await cluster.CreateNamespaceAsync("secret");
        await cluster.KubectlOkAsync("-n", ns, "create", "-f", await WriteManifestAsync("""
            apiVersion: v1
            kind: Secret
            metadata:
              name: creds
            stringData:
              password: hunter2
            """));

        using var json = JsonDocument.Parse(await cluster.KubectlOkAsync("-n", ns, "get", "secret", "creds", "-o", "json"));
        var root = json.RootElement;
        // kube-apiserver merges stringData into data (base64) and never stores stringData; type defaults to Opaque.
        Assert.Equal(Convert.ToBase64String(Encoding.UTF8.GetBytes("hunter2")), root.GetProperty("data").GetProperty("password").GetString());
        Assert.False(root.TryGetProperty("stringData", out _), "stringData must not be stored");
        Assert.Equal("Opaque", root.GetProperty("type").GetString());
    }

    [Fact]
    public async Task Get_output_yaml_json_name_and_jsonpath_show_the_stored_object()
    {
        var ns = await cluster.CreateNamespaceAsync("get-output");
        var created = await CreateConfigMapAsync(ns, "shown", new Dictionary<string, string> { ["tier"] = "front" });

        var yaml = await cluster.KubectlOkAsync("-n", ns, "get", "configmap", "shown", "-o", "yaml");
        var doc = new YamlDotNet.Serialization.DeserializerBuilder().Build().Deserialize<Dictionary<string, object>>(yaml);
        Assert.Equal("v1", doc["apiVersion"]);
        Assert.Equal("ConfigMap", doc["kind"]);
        var meta = (Dictionary<object, object>)doc["metadata"];
        Assert.Equal("shown", meta["name"]);
        Assert.Equal(ns, meta["namespace"]);
        Assert.Equal(created.Metadata.ResourceVersion, meta["resourceVersion"]);
        Assert.Equal("v", ((Dictionary<object, object>)doc["data"])["k"]);

        using var json = JsonDocument.Parse(await cluster.KubectlOkAsync("-n", ns, "get", "configmap", "shown", "-o", "json"));
        Assert.Equal("ConfigMap", json.RootElement.GetProperty("kind").GetString());
        Assert.Equal(created.Metadata.Uid, json.RootElement.GetProperty("metadata").GetProperty("uid").GetString());
        Assert.Matches("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$", json.RootElement.GetProperty("metadata").GetProperty("creationTimestamp").GetString());

        Assert.Equal("configmap/shown\n", await cluster.KubectlOkAsync("-n", ns, "get", "configmap", "-o", "name"));
        Assert.Equal("v front", await cluster.KubectlOkAsync("-n", ns, "get", "configmap", "shown", "-o", "jsonpath={.data.k} {.metadata.labels.tier}"));

        // A list in JSON is a v1 List of the items.
        using var list = JsonDocument.Parse(await cluster.KubectlOkAsync("-n", ns, "get", "configmaps", "-o", "json"));
        Assert.Equal("List", list.RootElement.GetProperty("kind").GetString());
        Assert.Equal("shown", list.RootElement.GetProperty("items")[0].GetProperty("metadata").GetProperty("name").GetString());
    }

    [Fact]
    public async Task Get_default_table_has_a_name_column_and_the_missing_object_says_NotFound()
    {
        var ns = await cluster.CreateNamespaceAsync("get-table");
        await CreateConfigMapAsync(ns, "tabled");

        var lines = (await cluster.KubectlOkAsync("-n", ns, "get", "configmaps")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("NAME", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("tabled ", lines[1], StringComparison.Ordinal);

        var missing = await cluster.KubectlAsync("-n", ns, "get", "configmap", "absent");
        Assert.Equal(1, missing.ExitCode);
        Assert.Equal("Error from server (NotFound): configmaps \"absent\" not found\n", missing.StdErr);
    }

    [Fact]
    public async Task Get_with_chunk_size_2_over_5_objects_pages_three_times_and_returns_all_5()
    {
        var ns = await cluster.CreateNamespaceAsync("chunks");
        for (var i = 1; i <= 5; i++)
        {
            await CreateConfigMapAsync(ns, $"page-{i}");
        }

        var result = await cluster.KubectlAsync("-n", ns, "get", "configmaps", "-o", "name", "--chunk-size=2", "-v=6");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(
            ["configmap/page-1", "configmap/page-2", "configmap/page-3", "configmap/page-4", "configmap/page-5"],
            result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        // -v=6 logs every request: the first without continue, then two with the server's continue token.
        var gets = result.StdErr.Split('\n').Where(l => l.Contains($"GET {cluster.Server.Url}/api/v1/namespaces/{ns}/configmaps?", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, gets.Count);
        Assert.All(gets, g => Assert.Contains("limit=2", g, StringComparison.Ordinal));
        Assert.Equal(2, gets.Count(g => g.Contains("continue=", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Get_watch_prints_a_row_for_a_change_made_by_another_command()
    {
        var ns = await cluster.CreateNamespaceAsync("get-w");
        await CreateConfigMapAsync(ns, "before");
        await using var watch = cluster.StartKubectl("-n", ns, "get", "configmaps", "-w", "-o", "name");

        // The watch starts with the current objects.
        await watch.WaitForOutputAsync(l => l.Contains("configmap/before"), WaitLimit, "the existing configmap");

        await cluster.KubectlOkAsync("-n", ns, "create", "-f", await WriteManifestAsync("""
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: after
            """));
        await watch.WaitForOutputAsync(l => l.Contains("configmap/after"), WaitLimit, "the configmap created by kubectl create");

        var rows = watch.StdOutLines.Count;
        await cluster.KubectlOkAsync("-n", ns, "label", "configmap", "before", "changed=yes");
        await watch.WaitForOutputAsync(l => l.Count > rows && l.Skip(rows).Contains("configmap/before"), WaitLimit, "a row for the labelled configmap");
        Assert.False(watch.HasExited, watch.StdErr);
    }

    [Fact]
    public async Task Get_watch_table_prints_the_header_once_then_one_row_per_event()
    {
        var ns = await cluster.CreateNamespaceAsync("get-w-table");
        await CreateConfigMapAsync(ns, "first");
        await using var watch = cluster.StartKubectl("-n", ns, "get", "configmaps", "--watch");
        await watch.WaitForOutputAsync(l => l.Any(x => x.StartsWith("first ", StringComparison.Ordinal)), WaitLimit, "the row of the existing configmap");

        await cluster.KubectlOkAsync("-n", ns, "annotate", "configmap", "first", "touched=1");
        var lines = await watch.WaitForOutputAsync(l => l.Count(x => x.StartsWith("first ", StringComparison.Ordinal)) == 2, WaitLimit, "a second row after the annotation");
        Assert.StartsWith("NAME", lines[0], StringComparison.Ordinal);
        Assert.Single(lines, l => l.StartsWith("NAME", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Label_and_annotate_add_overwrite_and_remove_keys()
    {
        var ns = await cluster.CreateNamespaceAsync("label");
        await CreateConfigMapAsync(ns, "tagged");

        Assert.Equal("configmap/tagged labeled\n", await cluster.KubectlOkAsync("-n", ns, "label", "configmap", "tagged", "env=prod", "team=a"));
        Assert.Equal("configmap/tagged annotated\n", await cluster.KubectlOkAsync("-n", ns, "annotate", "configmap", "tagged", "note=first"));

        // Changing an existing key needs --overwrite, as upstream.
        var refused = await cluster.KubectlAsync("-n", ns, "label", "configmap", "tagged", "env=dev");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("already has a value (prod)", refused.StdErr, StringComparison.Ordinal);
        await cluster.KubectlOkAsync("-n", ns, "label", "configmap", "tagged", "env=dev", "--overwrite");
        await cluster.KubectlOkAsync("-n", ns, "label", "configmap", "tagged", "team-");
        await cluster.KubectlOkAsync("-n", ns, "annotate", "configmap", "tagged", "note=second", "--overwrite");

        var cm = await cluster.Client.CoreV1.ReadNamespacedConfigMapAsync("tagged", ns);
        Assert.Equal(new Dictionary<string, string> { ["env"] = "dev" }, cm.Metadata.Labels);
        Assert.Equal("second", cm.Metadata.Annotations["note"]);

        Assert.Equal("configmap/tagged\n", await cluster.KubectlOkAsync("-n", ns, "get", "configmaps", "-l", "env=dev", "-o", "name"));
        Assert.Equal("", await cluster.KubectlOkAsync("-n", ns, "get", "configmaps", "-l", "env=prod", "-o", "name"));
    }

    [Fact]
    public async Task Patch_type_merge_and_type_json_change_the_object()
    {
        var ns = await cluster.CreateNamespaceAsync("patch");
        await CreateConfigMapAsync(ns, "patched");

        Assert.Equal("configmap/patched patched\n", await cluster.KubectlOkAsync("-n", ns, "patch", "configmap", "patched", "--type", "merge", "-p", """{"data":{"added":"m","k":null}}"""));
        var afterMerge = await cluster.Client.CoreV1.ReadNamespacedConfigMapAsync("patched", ns);
        Assert.Equal(new Dictionary<string, string> { ["added"] = "m" }, afterMerge.Data);

        await cluster.KubectlOkAsync("-n", ns, "patch", "configmap", "patched", "--type", "json", "-p", """[{"op":"add","path":"/data/j","value":"x"},{"op":"replace","path":"/data/added","value":"r"}]""");
        var afterJson = await cluster.Client.CoreV1.ReadNamespacedConfigMapAsync("patched", ns);
        Assert.Equal(new Dictionary<string, string> { ["added"] = "r", ["j"] = "x" }, afterJson.Data);
        Assert.True(long.Parse(afterJson.Metadata.ResourceVersion) > long.Parse(afterMerge.Metadata.ResourceVersion));

        // A JSON patch whose test fails changes nothing and exits non-zero.
        var failed = await cluster.KubectlAsync("-n", ns, "patch", "configmap", "patched", "--type", "json", "-p", """[{"op":"test","path":"/data/j","value":"nope"}]""");
        Assert.NotEqual(0, failed.ExitCode);
        Assert.Equal(afterJson.Metadata.ResourceVersion, (await cluster.Client.CoreV1.ReadNamespacedConfigMapAsync("patched", ns)).Metadata.ResourceVersion);
    }

    [Fact]
    public async Task Delete_waits_for_the_object_to_go_and_returns()
    {
        var ns = await cluster.CreateNamespaceAsync("delete");
        await CreateConfigMapAsync(ns, "doomed");

        var result = await cluster.KubectlAsync("-n", ns, "delete", "configmap", "doomed", "--timeout=30s");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("configmap \"doomed\" deleted\n", result.StdOut);
        Assert.False(await ConfigMapExistsAsync(ns, "doomed"));

        var again = await cluster.KubectlAsync("-n", ns, "delete", "configmap", "doomed");
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("configmaps \"doomed\" not found", again.StdErr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("json", """[{"op":"remove","path":"/metadata/finalizers"}]""")]
    [InlineData("merge", """{"metadata":{"finalizers":null}}""")]
    public async Task Delete_of_an_object_with_a_finalizer_keeps_it_terminating_until_the_finalizer_is_removed(string patchType, string patch)
    {
        var ns = await cluster.CreateNamespaceAsync("finalizer-" + patchType);
        await CreateConfigMapAsync(ns, "held", finalizers: ["example.com/hold"]);

        // Without waiting, delete returns at once and the object stays with a deletionTimestamp.
        Assert.Equal("configmap \"held\" deleted\n", await cluster.KubectlOkAsync("-n", ns, "delete", "configmap", "held", "--wait=false"));
        var terminating = await cluster.KubectlOkAsync("-n", ns, "get", "configmap", "held", "-o", "jsonpath={.metadata.deletionTimestamp} {.metadata.finalizers}");
        Assert.Matches("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ \\[\"example.com/hold\"\\]$", terminating);
        Assert.Contains("held", await cluster.KubectlOkAsync("-n", ns, "get", "configmaps"), StringComparison.Ordinal);

        // A waiting delete blocks while the finalizer is there...
        await using var waiting = cluster.StartKubectl("-n", ns, "delete", "configmap", "held", "--timeout=60s");
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.False(waiting.HasExited, $"kubectl delete returned before the finalizer was removed\n{string.Join('\n', waiting.StdOutLines)}\n{waiting.StdErr}");

        // ...and returns once the finalizer is patched away, after which the object is gone.
        Assert.Equal("configmap/held patched\n", await cluster.KubectlOkAsync("-n", ns, "patch", "configmap", "held", "--type", patchType, "-p", patch));
        Assert.Equal(0, await waiting.WaitForExitAsync(WaitLimit));
        var gone = await cluster.KubectlAsync("-n", ns, "get", "configmap", "held");
        Assert.Equal(1, gone.ExitCode);
        Assert.Contains("NotFound", gone.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_namespace_and_configmap_imperatively_which_kubectl_sends_as_protobuf()
    {
        // `kubectl create <kind>` uses the typed clientset, which posts application/vnd.kubernetes.protobuf.
        var ns = $"imperative-{Guid.NewGuid().ToString("N")[..8]}";
        Assert.Equal($"namespace/{ns} created\n", await cluster.KubectlOkAsync("create", "namespace", ns));
        Assert.Equal("configmap/lit created\n", await cluster.KubectlOkAsync("-n", ns, "create", "configmap", "lit", "--from-literal=a=b"));
        Assert.Equal("b", (await cluster.Client.CoreV1.ReadNamespacedConfigMapAsync("lit", ns)).Data["a"]);
    }
}
