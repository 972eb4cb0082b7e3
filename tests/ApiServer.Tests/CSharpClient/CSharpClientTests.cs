using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using KubeNet.ApiServer.Tests.Infrastructure;

namespace KubeNet.ApiServer.Tests.CSharpClient;

/// <summary>The official C# client (NuGet KubernetesClient) in-process, built from the admin kubeconfig.</summary>
[Collection(ClusterCollection.Name)]
public sealed class CSharpClientTests(ClusterFixture cluster)
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(30);

    private Kubernetes Client => cluster.Client;

    private static async Task<HttpStatusCode> StatusOfAsync(Func<Task> call)
    {
        var e = await Assert.ThrowsAsync<HttpOperationException>(call);
        return e.Response.StatusCode;
    }

    [Fact]
    public async Task Pods_create_get_list_update_and_delete()
    {
        var ns = await cluster.CreateNamespaceAsync("cs-pods");
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "app", Labels = new Dictionary<string, string> { ["app"] = "demo" } },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "main", Image = "busybox:1.36", Command = ["sleep", "3600"] }] },
        };

        var created = await Client.CoreV1.CreateNamespacedPodAsync(pod, ns);
        Assert.Equal("app", created.Metadata.Name);
        Assert.Equal(ns, created.Metadata.NamespaceProperty);
        Assert.False(string.IsNullOrEmpty(created.Metadata.Uid));
        Assert.Equal("Pending", created.Status?.Phase);

        var read = await Client.CoreV1.ReadNamespacedPodAsync("app", ns);
        Assert.Equal(created.Metadata.ResourceVersion, read.Metadata.ResourceVersion);
        Assert.Equal("busybox:1.36", read.Spec.Containers[0].Image);

        var list = await Client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: "app=demo");
        Assert.Equal(["app"], list.Items.Select(p => p.Metadata.Name));

        read.Metadata.Labels["stage"] = "two";
        var updated = await Client.CoreV1.ReplaceNamespacedPodAsync(read, "app", ns);
        Assert.Equal("two", updated.Metadata.Labels["stage"]);
        Assert.True(long.Parse(updated.Metadata.ResourceVersion) > long.Parse(read.Metadata.ResourceVersion));

        // A pod bound to no node goes at once: there is no kubelet to confirm termination.
        await Client.CoreV1.DeleteNamespacedPodAsync("app", ns);
        Assert.Equal(HttpStatusCode.NotFound, await StatusOfAsync(() => Client.CoreV1.ReadNamespacedPodAsync("app", ns)));
    }

    [Fact]
    public async Task ConfigMaps_create_get_list_update_patch_and_delete()
    {
        var ns = await cluster.CreateNamespaceAsync("cs-cm");
        var created = await Client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "settings" }, Data = new Dictionary<string, string> { ["a"] = "1" } }, ns);

        Assert.Equal("1", (await Client.CoreV1.ReadNamespacedConfigMapAsync("settings", ns)).Data["a"]);
        Assert.Single((await Client.CoreV1.ListNamespacedConfigMapAsync(ns)).Items);

        created.Data["b"] = "2";
        var replaced = await Client.CoreV1.ReplaceNamespacedConfigMapAsync(created, "settings", ns);
        Assert.Equal(new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" }, replaced.Data);

        var patched = await Client.CoreV1.PatchNamespacedConfigMapAsync(
            new V1Patch("""{"data":{"a":null,"c":"3"}}""", V1Patch.PatchType.MergePatch), "settings", ns);
        Assert.Equal(new Dictionary<string, string> { ["b"] = "2", ["c"] = "3" }, patched.Data);

        var jsonPatched = await Client.CoreV1.PatchNamespacedConfigMapAsync(
            new V1Patch("""[{"op":"remove","path":"/data/b"}]""", V1Patch.PatchType.JsonPatch), "settings", ns);
        Assert.Equal(new Dictionary<string, string> { ["c"] = "3" }, jsonPatched.Data);

        var status = await Client.CoreV1.DeleteNamespacedConfigMapAsync("settings", ns);
        Assert.NotNull(status);
        Assert.Empty((await Client.CoreV1.ListNamespacedConfigMapAsync(ns)).Items);
    }

    [Fact]
    public async Task Deployments_create_get_scale_update_and_delete()
    {
        var ns = await cluster.CreateNamespaceAsync("cs-deploy");
        var labels = new Dictionary<string, string> { ["app"] = "web" };
        var deployment = new V1Deployment
        {
            Metadata = new V1ObjectMeta { Name = "web" },
            Spec = new V1DeploymentSpec
            {
                Replicas = 1,
                Selector = new V1LabelSelector { MatchLabels = labels },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = labels },
                    Spec = new V1PodSpec { Containers = [new V1Container { Name = "web", Image = "nginx:1.27" }] },
                },
            },
        };

        var created = await Client.AppsV1.CreateNamespacedDeploymentAsync(deployment, ns);
        Assert.Equal(1, created.Metadata.Generation);
        Assert.Equal(1, created.Spec.Replicas);

        var scale = await Client.AppsV1.ReadNamespacedDeploymentScaleAsync("web", ns);
        Assert.Equal(1, scale.Spec.Replicas);

        await Client.AppsV1.PatchNamespacedDeploymentScaleAsync(new V1Patch("""{"spec":{"replicas":3}}""", V1Patch.PatchType.MergePatch), "web", ns);
        var scaled = await Client.AppsV1.ReadNamespacedDeploymentAsync("web", ns);
        Assert.Equal(3, scaled.Spec.Replicas);
        Assert.Equal(2, scaled.Metadata.Generation);

        scaled.Spec.Template.Spec.Containers[0].Image = "nginx:1.28";
        var updated = await Client.AppsV1.ReplaceNamespacedDeploymentAsync(scaled, "web", ns);
        Assert.Equal("nginx:1.28", updated.Spec.Template.Spec.Containers[0].Image);
        Assert.Equal(3, updated.Metadata.Generation);

        Assert.Single((await Client.AppsV1.ListNamespacedDeploymentAsync(ns)).Items);
        await Client.AppsV1.DeleteNamespacedDeploymentAsync("web", ns);
        Assert.Equal(HttpStatusCode.NotFound, await StatusOfAsync(() => Client.AppsV1.ReadNamespacedDeploymentAsync("web", ns)));
    }

    [Fact]
    public async Task Watch_through_WatchListNamespacedConfigMapAsync_sees_added_modified_and_deleted()
    {
        var ns = await cluster.CreateNamespaceAsync("cs-watch");
        var start = await Client.CoreV1.ListNamespacedConfigMapAsync(ns);
        using var cts = new CancellationTokenSource(WaitLimit);
        var seen = new List<(WatchEventType Type, string Name, string Value)>();

        var reader = Task.Run(async () =>
        {
            await foreach (var (type, cm) in Client.CoreV1.WatchListNamespacedConfigMapAsync(
                ns, resourceVersion: start.Metadata.ResourceVersion, timeoutSeconds: 30, cancellationToken: cts.Token))
            {
                seen.Add((type, cm.Metadata.Name, cm.Data is { } data && data.TryGetValue("v", out var v) ? v : ""));
                if (type == WatchEventType.Deleted)
                {
                    return;
                }
            }
        });

        await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "w" }, Data = new Dictionary<string, string> { ["v"] = "1" } }, ns);
        await Client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"data":{"v":"2"}}""", V1Patch.PatchType.MergePatch), "w", ns);
        await Client.CoreV1.DeleteNamespacedConfigMapAsync("w", ns);
        await reader.WaitAsync(WaitLimit);

        Assert.Equal(
            [(WatchEventType.Added, "w", "1"), (WatchEventType.Modified, "w", "2"), (WatchEventType.Deleted, "w", "2")],
            seen);
    }

    [Fact]
    public async Task Watch_through_ListNamespacedConfigMapWithHttpMessagesAsync_watch_true_sees_existing_objects_then_changes()
    {
        var ns = await cluster.CreateNamespaceAsync("cs-watch-http");
        await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "old" } }, ns);
        using var cts = new CancellationTokenSource(WaitLimit);
        var seen = new List<(WatchEventType, string)>();

        // Without a resourceVersion the watch first sends a synthetic ADDED for every existing object.
        var response = Client.CoreV1.ListNamespacedConfigMapWithHttpMessagesAsync(ns, watch: true, timeoutSeconds: 30, cancellationToken: cts.Token);
        var reader = Task.Run(async () =>
        {
            // The client marks this older watch entry point obsolete, but programs written against it still use it.
#pragma warning disable CS0618
            await foreach (var (type, cm) in response.WatchAsync<V1ConfigMap, V1ConfigMapList>(cancellationToken: cts.Token))
#pragma warning restore CS0618
            {
                seen.Add((type, cm.Metadata.Name));
                if (cm.Metadata.Name == "new")
                {
                    return;
                }
            }
        });

        await Task.Delay(300);
        await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "new" } }, ns);
        await reader.WaitAsync(WaitLimit);
        Assert.Equal([(WatchEventType.Added, "old"), (WatchEventType.Added, "new")], seen);
    }

    [Fact]
    public async Task Update_with_a_stale_resourceVersion_is_rejected_with_409_Conflict()
    {
        var ns = await cluster.CreateNamespaceAsync("cs-conflict");
        var first = await Client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "contended" }, Data = new Dictionary<string, string> { ["v"] = "1" } }, ns);

        var fresh = await Client.CoreV1.ReadNamespacedConfigMapAsync("contended", ns);
        fresh.Data["v"] = "2";
        await Client.CoreV1.ReplaceNamespacedConfigMapAsync(fresh, "contended", ns);

        first.Data["v"] = "stale";
        var e = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.ReplaceNamespacedConfigMapAsync(first, "contended", ns));
        Assert.Equal(HttpStatusCode.Conflict, e.Response.StatusCode);
        var status = KubernetesJson.Deserialize<V1Status>(e.Response.Content);
        Assert.Equal("Conflict", status.Reason);
        Assert.Equal(
            "Operation cannot be fulfilled on configmaps \"contended\": the object has been modified; please apply your changes to the latest version and try again",
            status.Message);
        Assert.Equal("2", (await Client.CoreV1.ReadNamespacedConfigMapAsync("contended", ns)).Data["v"]);
    }

    [Fact]
    public async Task Create_of_an_existing_name_is_rejected_with_409_AlreadyExists()
    {
        var ns = await cluster.CreateNamespaceAsync("cs-exists");
        var cm = new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "twice" } };
        await Client.CoreV1.CreateNamespacedConfigMapAsync(cm, ns);
        var e = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.CreateNamespacedConfigMapAsync(cm, ns));
        Assert.Equal(HttpStatusCode.Conflict, e.Response.StatusCode);
        Assert.Equal("AlreadyExists", KubernetesJson.Deserialize<V1Status>(e.Response.Content).Reason);
    }

    [Fact]
    public async Task List_pages_with_limit_and_continue_and_keeps_one_snapshot()
    {
        var ns = await cluster.CreateNamespaceAsync("cs-pages");
        for (var i = 0; i < 5; i++)
        {
            await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = $"p{i}" } }, ns);
        }

        var first = await Client.CoreV1.ListNamespacedConfigMapAsync(ns, limit: 2);
        Assert.Equal(["p0", "p1"], first.Items.Select(c => c.Metadata.Name));
        Assert.False(string.IsNullOrEmpty(first.Metadata.ContinueProperty));
        Assert.Equal(3, first.Metadata.RemainingItemCount);

        // Objects created after the first page are not in the later pages: they come from the same snapshot.
        await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "p9" } }, ns);
        var names = first.Items.Select(c => c.Metadata.Name).ToList();
        var remaining = new List<long?>();
        var token = first.Metadata.ContinueProperty;
        while (!string.IsNullOrEmpty(token))
        {
            var page = await Client.CoreV1.ListNamespacedConfigMapAsync(ns, limit: 2, continueParameter: token);
            Assert.Equal(first.Metadata.ResourceVersion, page.Metadata.ResourceVersion);
            names.AddRange(page.Items.Select(c => c.Metadata.Name));
            remaining.Add(page.Metadata.RemainingItemCount);
            token = page.Metadata.ContinueProperty;
        }

        Assert.Equal(["p0", "p1", "p2", "p3", "p4"], names);
        Assert.Equal([1, null], remaining);
    }

    [Fact]
    public async Task List_pages_with_a_selector_at_the_first_pages_revision_leave_out_remainingItemCount()
    {
        var ns = await cluster.CreateNamespaceAsync("cs-selpages");
        for (var i = 0; i < 6; i++)
        {
            var labels = new Dictionary<string, string> { ["half"] = i % 2 == 0 ? "even" : "odd" };
            await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = $"s{i}", Labels = labels } }, ns);
        }

        var first = await Client.CoreV1.ListNamespacedConfigMapAsync(ns, labelSelector: "half=even", limit: 1);
        Assert.Equal(["s0"], first.Items.Select(c => c.Metadata.Name));
        Assert.Null(first.Metadata.RemainingItemCount);

        // Changes after the first page, to matching and to other objects, stay out of the later pages.
        await Client.CoreV1.DeleteNamespacedConfigMapAsync("s2", ns);
        await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "s3a", Labels = new Dictionary<string, string> { ["half"] = "even" } } }, ns);
        var names = first.Items.Select(c => c.Metadata.Name).ToList();
        var token = first.Metadata.ContinueProperty;
        while (!string.IsNullOrEmpty(token))
        {
            var page = await Client.CoreV1.ListNamespacedConfigMapAsync(ns, labelSelector: "half=even", limit: 1, continueParameter: token);
            Assert.Equal(first.Metadata.ResourceVersion, page.Metadata.ResourceVersion);
            Assert.Null(page.Metadata.RemainingItemCount);
            names.AddRange(page.Items.Select(c => c.Metadata.Name));
            token = page.Metadata.ContinueProperty;
        }

        Assert.Equal(["s0", "s2", "s4"], names);
    }
}
