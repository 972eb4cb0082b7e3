using System.Text.Json;
using k8s;
using k8s.Autorest;
using KubeNet.ApiServer.Tests.Infrastructure;

namespace KubeNet.ApiServer.Tests.Kubectl;

/// <summary>
/// Declarative kubectl: client-side apply (strategic merge patch with the last-applied annotation), server-side apply
/// with conflicts and --force-conflicts, strict field validation, diff, and server-side dry-run.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class KubectlApplyTests(ClusterFixture cluster)
{
    private static string Deployment(string ns, string containers, int replicas = 2) => $$"""
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: app
          namespace: {{ns}}
        spec:
          replicas: {{replicas}}
          selector:
            matchLabels: {app: app}
          template:
            metadata:
              labels: {app: app}
            spec:
              containers:
        {{containers}}
        """;

    private const string TwoContainers = """
              - name: main
                image: nginx:1.26
                env:
                - name: KEEP
                  value: "1"
                - name: DROP
                  value: "2"
              - name: side
                image: busybox:1.36
        """;

    // The same containers in another order, main's image changed and its DROP variable removed from the manifest.
    private const string TwoContainersChanged = """
              - name: side
                image: busybox:1.36
              - name: main
                image: nginx:1.27
                env:
                - name: KEEP
                  value: "1"
        """;

    [Fact]
    public async Task Apply_creates_then_merges_containers_by_name_and_removes_a_dropped_env_entry()
    {
        var ns = await cluster.CreateNamespaceAsync("apply");
        Assert.Equal("deployment.apps/app created\n", await cluster.KubectlOkAsync("apply", "-f", await cluster.WriteManifestAsync(Deployment(ns, TwoContainers))));
        var created = await cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("app", ns);
        Assert.Contains("kubectl.kubernetes.io/last-applied-configuration", created.Metadata.Annotations.Keys);

        // A change made outside the manifest (another client adds a container) survives the re-apply: only what the
        // manifest owned is reconciled.
        await cluster.KubectlOkAsync("-n", ns, "patch", "deployment", "app", "-p", """{"spec":{"template":{"spec":{"containers":[{"name":"extra","image":"pause:3.9"}]}}}}""");

        Assert.Equal("deployment.apps/app configured\n", await cluster.KubectlOkAsync("apply", "-f", await cluster.WriteManifestAsync(Deployment(ns, TwoContainersChanged))));
        var applied = await cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("app", ns);
        var containers = applied.Spec.Template.Spec.Containers.ToDictionary(c => c.Name);
        Assert.Equal(["extra", "main", "side"], containers.Keys.Order());
        Assert.Equal("nginx:1.27", containers["main"].Image);
        Assert.Equal(["KEEP=1"], containers["main"].Env.Select(e => $"{e.Name}={e.Value}"));
        Assert.Equal("busybox:1.36", containers["side"].Image);
        Assert.Equal("pause:3.9", containers["extra"].Image);
        Assert.Equal(created.Metadata.Generation + 2, applied.Metadata.Generation);

        // Applying the same manifest again changes nothing. kubectl still says "configured": the live list has a
        // container the manifest lacks, so its three-way patch carries a $setElementOrder directive (isOrderSame
        // compares lengths) and is not empty; the server finds the result equal and keeps the resourceVersion.
        Assert.Equal("deployment.apps/app configured\n", await cluster.KubectlOkAsync("apply", "-f", await cluster.WriteManifestAsync(Deployment(ns, TwoContainersChanged))));
        Assert.Equal(applied.Metadata.ResourceVersion, (await cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("app", ns)).Metadata.ResourceVersion);
    }

    [Fact]
    public async Task Apply_server_side_conflicts_with_another_manager_and_force_conflicts_takes_the_field()
    {
        var ns = await cluster.CreateNamespaceAsync("ssa");
        var first = await cluster.WriteManifestAsync(Deployment(ns, TwoContainers, replicas: 2));
        Assert.Equal("deployment.apps/app serverside-applied\n", await cluster.KubectlOkAsync("apply", "--server-side", "-f", first));

        var other = await cluster.WriteManifestAsync(Deployment(ns, TwoContainers, replicas: 5));
        var conflict = await cluster.KubectlAsync("apply", "--server-side", "--field-manager=other", "-f", other);
        Assert.Equal(1, conflict.ExitCode);
        Assert.StartsWith(
            """
            error: Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas
            Please review the fields above--they currently have other managers. Here
            are the ways you can resolve this warning:
            * If you intend to manage all of these fields, please re-run the apply
              command with the `--force-conflicts` flag.
            """,
            conflict.StdErr,
            StringComparison.Ordinal);
        Assert.Equal(2, (await cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("app", ns)).Spec.Replicas);

        Assert.Equal("deployment.apps/app serverside-applied\n", await cluster.KubectlOkAsync("apply", "--server-side", "--field-manager=other", "--force-conflicts", "-f", other));
        var forced = await cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("app", ns);
        Assert.Equal(5, forced.Spec.Replicas);
        var managers = forced.Metadata.ManagedFields.ToDictionary(m => m.Manager);
        Assert.Equal(["kubectl", "other"], managers.Keys.Order());
        Assert.All(managers.Values, m => Assert.Equal(("Apply", "FieldsV1"), (m.Operation, m.FieldsType)));
        var otherFields = JsonSerializer.Serialize(managers["other"].FieldsV1);
        var kubectlFields = JsonSerializer.Serialize(managers["kubectl"].FieldsV1);
        Assert.Contains("\"f:replicas\"", otherFields, StringComparison.Ordinal);
        Assert.DoesNotContain("\"f:replicas\"", kubectlFields, StringComparison.Ordinal);

        // -o yaml hides managedFields unless asked, as upstream.
        Assert.DoesNotContain("managedFields", await cluster.KubectlOkAsync("-n", ns, "get", "deploy", "app", "-o", "yaml"), StringComparison.Ordinal);
        Assert.Contains("manager: other", await cluster.KubectlOkAsync("-n", ns, "get", "deploy", "app", "-o", "yaml", "--show-managed-fields"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_with_an_unknown_field_fails_strict_decoding_and_warns_with_validate_warn()
    {
        var ns = await cluster.CreateNamespaceAsync("strict");
        var manifest = await cluster.WriteManifestAsync($$"""
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: unk
              namespace: {{ns}}
            spec:
              foo: bar
              selector:
                matchLabels: {app: unk}
              template:
                metadata:
                  labels: {app: unk}
                spec:
                  containers:
                  - name: main
                    image: nginx
            """);

        var strict = await cluster.KubectlAsync("apply", "-f", manifest);
        Assert.Equal(1, strict.ExitCode);
        Assert.Equal(
            $"Error from server (BadRequest): error when creating \"{manifest}\": Deployment in version \"v1\" cannot be handled as a Deployment: strict decoding error: unknown field \"spec.foo\"\n",
            strict.StdErr);
        var missing = await Assert.ThrowsAsync<HttpOperationException>(() => cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("unk", ns));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.Response.StatusCode);

        var warned = await cluster.KubectlAsync("apply", "--validate=warn", "-f", manifest);
        Assert.True(warned.ExitCode == 0, warned.ToString());
        Assert.Equal("Warning: unknown field \"spec.foo\"\n", warned.StdErr);
        Assert.Equal("deployment.apps/unk created\n", warned.StdOut);
        Assert.Equal("nginx", (await cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("unk", ns)).Spec.Template.Spec.Containers[0].Image);

        // --validate=false sends fieldValidation=Ignore: no warning, the field is dropped.
        var ignored = await cluster.KubectlAsync("apply", "--validate=false", "-f", manifest);
        Assert.True(ignored.ExitCode == 0, ignored.ToString());
        Assert.Equal("", ignored.StdErr);
    }

    [Fact]
    public async Task Diff_prints_a_unified_diff_and_exits_1_when_changed_and_0_when_not_without_changing_anything()
    {
        var ns = await cluster.CreateNamespaceAsync("diff");
        var original = await cluster.WriteManifestAsync(Deployment(ns, TwoContainers));
        await cluster.KubectlOkAsync("apply", "-f", original);
        var before = await cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("app", ns);

        var same = await cluster.KubectlAsync("diff", "-f", original);
        Assert.True(same.ExitCode == 0, same.ToString());
        Assert.Equal("", same.StdOut);
        Assert.Equal("deployment.apps/app unchanged\n", await cluster.KubectlOkAsync("apply", "-f", original));

        var changed = await cluster.KubectlAsync("diff", "-f", await cluster.WriteManifestAsync(Deployment(ns, TwoContainersChanged, replicas: 3)));
        Assert.True(changed.ExitCode == 1, changed.ToString());
        var lines = changed.StdOut.Split('\n');
        Assert.StartsWith("diff -u -N ", lines[0], StringComparison.Ordinal);
        Assert.EndsWith($"/apps.v1.Deployment.{ns}.app", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("--- ", lines[1], StringComparison.Ordinal);
        Assert.Contains("/LIVE-", lines[1], StringComparison.Ordinal);
        Assert.StartsWith("+++ ", lines[2], StringComparison.Ordinal);
        Assert.Contains("/MERGED-", lines[2], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith("@@ ", StringComparison.Ordinal));
        Assert.Contains("-  replicas: 2", lines);
        Assert.Contains("+  replicas: 3", lines);
        Assert.Contains("-        image: nginx:1.26", lines);
        Assert.Contains("+        image: nginx:1.27", lines);
        Assert.Contains("-        - name: DROP", lines);

        // diff asks for dryRun=All: nothing was written.
        Assert.Equal(before.Metadata.ResourceVersion, (await cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("app", ns)).Metadata.ResourceVersion);
    }

    [Fact]
    public async Task Create_deployment_with_dry_run_server_prints_the_defaulted_object_and_stores_nothing()
    {
        var ns = await cluster.CreateNamespaceAsync("dry-run");
        var yaml = await cluster.KubectlOkAsync("-n", ns, "create", "deployment", "x", "--image=busybox", "--dry-run=server", "-o", "yaml");
        var doc = new YamlDotNet.Serialization.DeserializerBuilder().Build().Deserialize<Dictionary<string, object>>(yaml);
        Assert.Equal(("apps/v1", "Deployment"), (doc["apiVersion"], doc["kind"]));
        var meta = (Dictionary<object, object>)doc["metadata"];
        Assert.Equal(("x", ns, "1"), (meta["name"], meta["namespace"], meta["generation"]));
        Assert.True(meta.ContainsKey("uid") && meta.ContainsKey("creationTimestamp"), yaml);

        // The strategy's defaults are there, as kube-apiserver fills them in (pkg/apis/apps/v1/defaults.go, core defaults).
        var spec = (Dictionary<object, object>)doc["spec"];
        Assert.Equal(("1", "10", "600"), (spec["replicas"], spec["revisionHistoryLimit"], spec["progressDeadlineSeconds"]));
        var strategy = (Dictionary<object, object>)spec["strategy"];
        Assert.Equal("RollingUpdate", strategy["type"]);
        var rolling = (Dictionary<object, object>)strategy["rollingUpdate"];
        Assert.Equal(("25%", "25%"), (rolling["maxSurge"], rolling["maxUnavailable"]));
        var podSpec = (Dictionary<object, object>)((Dictionary<object, object>)spec["template"])["spec"];
        Assert.Equal(("Always", "ClusterFirst", "default-scheduler", "30"), (podSpec["restartPolicy"], podSpec["dnsPolicy"], podSpec["schedulerName"], podSpec["terminationGracePeriodSeconds"]));
        var container = (Dictionary<object, object>)((List<object>)podSpec["containers"])[0];
        Assert.Equal(("busybox", "busybox", "Always", "/dev/termination-log", "File"), (container["name"], container["image"], container["imagePullPolicy"], container["terminationMessagePath"], container["terminationMessagePolicy"]));

        var get = await cluster.KubectlAsync("-n", ns, "get", "deployment", "x");
        Assert.Equal(1, get.ExitCode);
        Assert.Equal("Error from server (NotFound): deployments.apps \"x\" not found\n", get.StdErr);
        Assert.Equal("", await cluster.KubectlOkAsync("-n", ns, "get", "deployments", "-o", "name"));
    }
}
