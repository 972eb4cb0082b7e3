using k8s;
using k8s.Autorest;
using k8s.Models;
using KubeNet.Conformance.Framework;
using static KubeNet.Conformance.Framework.Workloads;

namespace KubeNet.Conformance.Apps;

/// <summary>test/e2e/apps/deployment.go: the lifecycle, status and scale endpoint scenarios.</summary>
[Collection(ConformanceCollection.Name)]
public sealed class DeploymentTests(ConformanceCluster cluster)
{
    private static readonly TimeSpan HalfMinute = TimeSpan.FromSeconds(30);

    private IKubernetes Client => cluster.Client;

    private ObjectWatch<V1Deployment, V1DeploymentList> Watch(string ns, string labelSelector, string resourceVersion) =>
        new((rv, ct) => Client.AppsV1.ListNamespacedDeploymentWithHttpMessagesAsync(ns, labelSelector: labelSelector, resourceVersion: rv, watch: true, cancellationToken: ct), resourceVersion);

    /// <summary>watchtools.Until from <paramref name="resourceVersion"/>: a fresh watch that replays what happened since.</summary>
    private async Task<V1Deployment> UntilAsync(string ns, string selector, string resourceVersion, Func<WatchEventType, V1Deployment, bool> condition, TimeSpan timeout, string what)
    {
        await using var watch = Watch(ns, selector, resourceVersion);
        return (await watch.UntilAsync(condition, timeout, what)).Object;
    }

    [Fact(DisplayName = "[sig-apps] Deployment should run the lifecycle of a Deployment [Conformance]")]
    public async Task Lifecycle()
    {
        var ns = await cluster.CreateNamespaceAsync("deployment");
        const string name = "test-deployment";
        const string selector = "test-deployment-static=true";
        var labels = new Dictionary<string, string> { ["test-deployment-static"] = "true" };
        var list = await Client.AppsV1.ListDeploymentForAllNamespacesAsync(labelSelector: selector);
        var rv = list.Metadata.ResourceVersion;

        var d = NewDeployment(name, 2, labels, name, AgnhostImage, "RollingUpdate");
        d.Spec.Template.Spec.TerminationGracePeriodSeconds = 1;
        await Client.AppsV1.CreateNamespacedDeploymentAsync(d, ns);

        bool Ours(V1Deployment o) => o.Metadata.Name == name && o.Metadata.Labels?.TryGetValue("test-deployment-static", out var v) == true && v == "true";
        await UntilAsync(ns, selector, rv, (t, o) => t == WatchEventType.Added && Ours(o), HalfMinute, "the ADDED event");
        await UntilAsync(ns, selector, rv, (_, o) => Ours(o) && o.Status?.ReadyReplicas == 2, PodStart, "two ready replicas");

        var patch = """{"metadata":{"labels":{"test-deployment":"patched"}},"spec":{"replicas":1,"template":{"spec":{"terminationGracePeriodSeconds":2,"containers":[{"name":"test-deployment","image":"PAUSE"}]}}}}"""
            .Replace("PAUSE", PauseImage, StringComparison.Ordinal);
        await Client.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch(patch, V1Patch.PatchType.StrategicMergePatch), name, ns);
        await UntilAsync(ns, selector, rv, (t, o) => t == WatchEventType.Modified && Ours(o), HalfMinute, "the MODIFIED event of the patch");
        await UntilAsync(ns, selector, rv, (_, o) => Ours(o) && o.Status?.ReadyReplicas == 1 && o.Status.UpdatedReplicas == 1 && (o.Status.UnavailableReplicas ?? 0) == 0
            && o.Spec.Template.Spec.Containers[0].Image == PauseImage && o.Spec.Template.Spec.TerminationGracePeriodSeconds == 2, PodStart, "the patched deployment scaled to one");

        var found = await Client.AppsV1.ListDeploymentForAllNamespacesAsync(labelSelector: selector);
        Assert.Contains(found.Items, i => i.Metadata.Name == name && i.Metadata.NamespaceProperty == ns);

        // An unconditional update of the object first sent (no resourceVersion), as the upstream scenario does.
        d.Metadata.Labels["test-deployment"] = "updated";
        d.Spec.Template.Spec.Containers[0].Image = WebserverImage;
        d.Spec.Replicas = 2;
        await Client.AppsV1.ReplaceNamespacedDeploymentAsync(d, name, ns);
        await UntilAsync(ns, selector, rv, (t, o) => t == WatchEventType.Modified && Ours(o), HalfMinute, "the MODIFIED event of the update");

        var status = await Client.AppsV1.ReadNamespacedDeploymentStatusAsync(name, ns);
        Assert.Equal(WebserverImage, status.Spec.Template.Spec.Containers[0].Image);
        Assert.Equal("updated", status.Metadata.Labels["test-deployment"]);
        await UntilAsync(ns, selector, rv, (_, o) => Ours(o) && o.Status?.ReadyReplicas == 2 && o.Status.UpdatedReplicas == 2 && (o.Status.UnavailableReplicas ?? 0) == 0,
            PodStart, "the updated deployment with two ready replicas");

        // Labels are not written through /status; the status fields are.
        await Client.AppsV1.PatchNamespacedDeploymentStatusAsync(new V1Patch(
            """{"metadata":{"labels":{"test-deployment":"patched-status"}},"status":{"readyReplicas":0,"availableReplicas":0}}""", V1Patch.PatchType.StrategicMergePatch), name, ns);
        await UntilAsync(ns, selector, rv, (t, o) => t == WatchEventType.Modified && Ours(o), HalfMinute, "the MODIFIED event of the status patch");
        status = await Client.AppsV1.ReadNamespacedDeploymentStatusAsync(name, ns);
        Assert.Equal(WebserverImage, status.Spec.Template.Spec.Containers[0].Image);
        Assert.Equal("updated", status.Metadata.Labels["test-deployment"]);
        await UntilAsync(ns, selector, rv, (_, o) => Ours(o) && o.Status?.ReadyReplicas == 2 && o.Status.UpdatedReplicas == 2 && (o.Status.UnavailableReplicas ?? 0) == 0
            && o.Spec.Template.Spec.Containers[0].Image == WebserverImage, PodStart, "two ready replicas again");

        await Client.AppsV1.DeleteCollectionNamespacedDeploymentAsync(ns, new V1DeleteOptions { GracePeriodSeconds = 1 }, labelSelector: selector);
        await UntilAsync(ns, selector, rv, (t, o) => t == WatchEventType.Deleted && Ours(o), TimeSpan.FromMinutes(1), "the DELETED event");
    }

    [Fact(DisplayName = "[sig-apps] Deployment should validate Deployment Status endpoints [Conformance]")]
    public async Task StatusEndpoints()
    {
        var ns = await cluster.CreateNamespaceAsync("deployment");
        var name = "test-deployment-" + Guid.NewGuid().ToString("N")[..5];
        const string selector = "e2e=testing";
        var list = await Client.AppsV1.ListDeploymentForAllNamespacesAsync(labelSelector: selector);
        var d = await Client.AppsV1.CreateNamespacedDeploymentAsync(
            NewDeployment(name, 1, new() { ["name"] = WebserverImageName, ["e2e"] = "testing" }, WebserverImageName, WebserverImage, "RollingUpdate"), ns);
        await WaitForDeploymentRevisionAndImageAsync(Client, ns, name, "1", WebserverImage);
        await WaitForDeploymentCompleteAsync(Client, d);

        var status = await Client.AppsV1.ReadNamespacedDeploymentStatusAsync(name, ns);
        Assert.Equal(d.Metadata.Uid, status.Metadata.Uid);

        await EventuallyAsync(async () =>
        {
            var current = await Client.AppsV1.ReadNamespacedDeploymentAsync(name, ns);
            current.Status.Conditions = [.. current.Status.Conditions ?? [], new V1DeploymentCondition { Type = "StatusUpdate", Status = "True", Reason = "E2E", Message = "Set from e2e test" }];
            try
            {
                await Client.AppsV1.ReplaceNamespacedDeploymentStatusAsync(current, name, ns);
                return true;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.Conflict)
            {
                return false;
            }
        }, TimeSpan.FromMinutes(1), () => "the status update kept conflicting");
        await UntilAsync(ns, selector, list.Metadata.ResourceVersion,
            (_, o) => o.Metadata.Name == name && o.Status?.Conditions?.Any(c => c.Type == "StatusUpdate" && c.Reason == "E2E" && c.Message == "Set from e2e test") == true,
            TimeSpan.FromMinutes(5), "the updated status condition");

        var patched = await Client.AppsV1.PatchNamespacedDeploymentStatusAsync(
            new V1Patch("""{"status":{"conditions":[{"type":"StatusPatched","status":"True"}]}}""", V1Patch.PatchType.MergePatch), name, ns);
        Assert.Contains(patched.Status.Conditions, c => c.Type == "StatusPatched");
        await UntilAsync(ns, selector, list.Metadata.ResourceVersion,
            (_, o) => o.Metadata.Name == name && o.Status?.Conditions?.Any(c => c.Type == "StatusPatched") == true, TimeSpan.FromMinutes(5), "the patched status condition");
    }

    [Fact(DisplayName = "[sig-apps] Deployment Deployment should have a working scale subresource [Conformance]")]
    public async Task ScaleSubresource()
    {
        var ns = await cluster.CreateNamespaceAsync("deployment");
        const string name = "test-new-deployment";
        var d = await Client.AppsV1.CreateNamespacedDeploymentAsync(
            NewDeployment(name, 1, new() { ["name"] = WebserverImageName }, WebserverImageName, WebserverImage, "RollingUpdate"), ns);
        await WaitForDeploymentRevisionAndImageAsync(Client, ns, name, "1", WebserverImage);
        await WaitForDeploymentCompleteAsync(Client, d);

        var scale = await Client.AppsV1.ReadNamespacedDeploymentScaleAsync(name, ns);
        Assert.Equal((1, 1), (scale.Spec.Replicas ?? 0, scale.Status.Replicas));

        scale.Metadata.ResourceVersion = null;
        scale.Spec.Replicas = 2;
        var result = await Client.AppsV1.ReplaceNamespacedDeploymentScaleAsync(scale, name, ns);
        Assert.Equal(2, result.Spec.Replicas);
        Assert.Equal(2, (await Client.AppsV1.ReadNamespacedDeploymentAsync(name, ns)).Spec.Replicas);

        await Client.AppsV1.PatchNamespacedDeploymentScaleAsync(new V1Patch("""{"spec":{"replicas":4}}""", V1Patch.PatchType.StrategicMergePatch), name, ns);
        Assert.Equal(4, (await Client.AppsV1.ReadNamespacedDeploymentAsync(name, ns)).Spec.Replicas);
    }
}
