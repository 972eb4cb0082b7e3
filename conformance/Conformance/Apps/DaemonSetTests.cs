using k8s;
using k8s.Autorest;
using k8s.Models;
using KubeNet.Conformance.Framework;
using static KubeNet.Conformance.Apps.AppsHelpers;

namespace KubeNet.Conformance.Apps;

/// <summary>test/e2e/apps/daemon_set.go: DaemonSets across every schedulable node.</summary>
[Collection(ConformanceCollection.Name)]
public sealed class DaemonSetTests(ConformanceCluster cluster)
{
    private const string DsName = "daemon-set";
    private const string NameLabel = "daemonset-name";
    private const string ColorLabel = "daemonset-color";
    private static readonly Dictionary<string, string> Label = new() { [NameLabel] = DsName };

    private IKubernetes Client => cluster.Client;

    private async Task<V1DaemonSet> CreateAsync(string ns, V1DaemonSet ds)
    {
        await ClearNodeLabelsAsync();
        return await Client.AppsV1.CreateNamespacedDaemonSetAsync(ds, ns);
    }

    private Task WaitRunningOnAllNodesAsync(V1DaemonSet ds) =>
        EventuallyAsync(() => RunningOnAllNodesAsync(Client, ds), $"daemon pods of {ds.Metadata.Name} on every node");

    private async Task<List<V1Pod>> DaemonPodsAsync(string ns)
    {
        var pods = await Client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: $"{NameLabel}={DsName}");
        Assert.NotEmpty(pods.Items);
        return [.. pods.Items];
    }

    // setDaemonSetNodeLabels: the node's daemonset-* labels become exactly these.
    private async Task<V1Node> SetNodeLabelsAsync(string nodeName, Dictionary<string, string> labels)
    {
        for (var attempt = 0; ; attempt++)
        {
            var node = await Client.CoreV1.ReadNodeAsync(nodeName);
            var others = (node.Metadata.Labels ?? new Dictionary<string, string>()).Where(l => !l.Key.StartsWith("daemonset-", StringComparison.Ordinal));
            node.Metadata.Labels = others.Concat(labels).ToDictionary(l => l.Key, l => l.Value);
            try
            {
                return await Client.CoreV1.ReplaceNodeAsync(node, nodeName);
            }
            catch (HttpOperationException ex) when (ex.Response.StatusCode == System.Net.HttpStatusCode.Conflict && attempt < 10)
            {
            }
        }
    }

    private async Task ClearNodeLabelsAsync()
    {
        foreach (var node in (await Client.CoreV1.ListNodeAsync()).Items)
        {
            if (node.Metadata.Labels?.Keys.Any(k => k.StartsWith("daemonset-", StringComparison.Ordinal)) == true)
            {
                await SetNodeLabelsAsync(node.Metadata.Name, []);
            }
        }
    }

    [Fact(DisplayName = "[sig-apps] Daemon set [Serial] should run and stop simple daemon [Conformance]")]
    public async Task SimpleDaemon()
    {
        var ns = await cluster.CreateNamespaceAsync("daemonsets");
        var ds = await CreateAsync(ns, NewDaemonSet(DsName, WebserverImage, Label));
        await WaitRunningOnAllNodesAsync(ds);
        await CheckDaemonStatusAsync(Client, ns, DsName);

        // A deleted daemon pod is revived.
        var pod = (await DaemonPodsAsync(ns))[0];
        await Client.CoreV1.DeleteNamespacedPodAsync(pod.Metadata.Name, ns);
        await WaitRunningOnAllNodesAsync(ds);
    }

    [Fact(DisplayName = "[sig-apps] Daemon set [Serial] should run and stop complex daemon [Conformance]")]
    public async Task ComplexDaemon()
    {
        var ns = await cluster.CreateNamespaceAsync("daemonsets");
        var template = NewDaemonSet(DsName, WebserverImage, Label);
        template.Spec.Template.Spec.NodeSelector = new Dictionary<string, string> { [ColorLabel] = "blue" };
        var ds = await CreateAsync(ns, template);
        await EventuallyAsync(() => DaemonPodsOnNodesAsync(Client, ds, []), "no daemon pods while no node is blue");

        var node = (await Client.CoreV1.ListNodeAsync()).Items[0].Metadata.Name;
        var blue = await SetNodeLabelsAsync(node, new() { [ColorLabel] = "blue" });
        Assert.Single(blue.Metadata.Labels.Keys, k => k.StartsWith("daemonset-", StringComparison.Ordinal));
        await EventuallyAsync(() => DaemonPodsOnNodesAsync(Client, ds, [node]), "a daemon pod on the blue node");
        await CheckDaemonStatusAsync(Client, ns, DsName);

        // Green: the pod leaves.
        var green = await SetNodeLabelsAsync(node, new() { [ColorLabel] = "green" });
        await EventuallyAsync(() => DaemonPodsOnNodesAsync(Client, ds, []), "the daemon pod to leave the green node");

        // Select green, with RollingUpdate: the pod comes back.
        ds = await Client.AppsV1.PatchNamespacedDaemonSetAsync(new V1Patch(
            "{\"spec\":{\"template\":{\"spec\":{\"nodeSelector\":{\"" + (ColorLabel) + "\":\"" + (green.Metadata.Labels[ColorLabel]) + "\"}}},\"updateStrategy\":{\"type\":\"RollingUpdate\"}}}",
            V1Patch.PatchType.StrategicMergePatch), DsName, ns);
        await EventuallyAsync(() => DaemonPodsOnNodesAsync(Client, ds, [node]), "a daemon pod on the green node");
        await CheckDaemonStatusAsync(Client, ns, DsName);
        await ClearNodeLabelsAsync();
    }

    [Fact(DisplayName = "[sig-apps] Daemon set [Serial] should retry creating failed daemon pods [Conformance]")]
    public async Task RetryFailedPods()
    {
        var ns = await cluster.CreateNamespaceAsync("daemonsets");
        var ds = await CreateAsync(ns, NewDaemonSet(DsName, WebserverImage, Label));
        await WaitRunningOnAllNodesAsync(ds);
        await CheckDaemonStatusAsync(Client, ns, DsName);

        // A daemon pod set to Failed is replaced, and the failed one removed.
        var pod = (await DaemonPodsAsync(ns))[0];
        pod.Metadata.ResourceVersion = null;
        pod.Status.Phase = "Failed";
        await Client.CoreV1.ReplaceNamespacedPodStatusAsync(pod, pod.Metadata.Name, ns);
        await WaitRunningOnAllNodesAsync(ds);
        await EventuallyAsync(async () =>
        {
            try
            {
                var current = await Client.CoreV1.ReadNamespacedPodAsync(pod.Metadata.Name, ns);
                return current.Metadata.Uid != pod.Metadata.Uid;
            }
            catch (HttpOperationException ex) when (ex.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                return true;
            }
        }, "the failed daemon pod to be deleted");
    }

    private async Task<List<V1ControllerRevision>> HistoryAsync(string ns, int count) =>
        [.. (await EventuallyAsync(async () =>
        {
            var list = await Client.AppsV1.ListNamespacedControllerRevisionAsync(ns, labelSelector: $"{NameLabel}={DsName}");
            return list.Items.Count == count ? list : null;
        }, $"{count} controller revisions")).Items];

    // curHistory: the one revision whose data is the DaemonSet's template.
    private static V1ControllerRevision CurrentHistory(List<V1ControllerRevision> history, V1DaemonSet ds)
    {
        Assert.All(history, h => Assert.NotEmpty(h.Metadata.Labels["controller-revision-hash"]));
        var image = ds.Spec.Template.Spec.Containers[0].Image;
        return Assert.Single(history, h => System.Text.Json.JsonSerializer.Serialize(h.Data).Contains(image, StringComparison.Ordinal));
    }

    private static void CheckPodsHash(List<V1Pod> pods, string hash)
    {
        foreach (var pod in pods.Where(p => p.Metadata.DeletionTimestamp is null))
        {
            Assert.Equal(hash, pod.Metadata.Labels["controller-revision-hash"]);
        }
    }

    // checkDaemonPodsImageAndAvailability: every node has a pod of the image, at most maxUnavailable unavailable.
    private async Task<bool> ImageAndAvailabilityAsync(V1DaemonSet ds, string image, int maxUnavailable)
    {
        var pods = (await Client.CoreV1.ListNamespacedPodAsync(ds.Metadata.NamespaceProperty)).Items
            .Where(p => p.Metadata.DeletionTimestamp is null && p.Metadata.OwnerReferences?.Any(r => r.Controller == true && r.Uid == ds.Metadata.Uid) == true)
            .ToList();
        // Upstream fails at once on too many unavailable pods; here that keeps polling, since a scheduler that ignores
        // node affinity can place a daemon pod on the wrong node for a moment, and its replacement is not a failure of
        // the rollout.
        if (pods.Count(p => !IsRunningAndReady(p)) > maxUnavailable)
        {
            return false;
        }

        var updated = pods.Where(p => p.Spec.Containers[0].Image == image).Select(p => p.Spec.NodeName).ToHashSet();
        return (await SchedulableNodesAsync(Client, ds)).All(updated.Contains);
    }

    [Fact(DisplayName = "[sig-apps] Daemon set [Serial] should update pod when spec was updated and update strategy is RollingUpdate [Conformance]")]
    public async Task RollingUpdate()
    {
        var ns = await cluster.CreateNamespaceAsync("daemonsets");
        var template = NewDaemonSet(DsName, WebserverImage, Label);
        template.Spec.UpdateStrategy = new V1DaemonSetUpdateStrategy { Type = "RollingUpdate" };
        var ds = await CreateAsync(ns, template);
        await WaitRunningOnAllNodesAsync(ds);

        ds = await Client.AppsV1.ReadNamespacedDaemonSetAsync(DsName, ns);
        var cur = CurrentHistory(await HistoryAsync(ns, 1), ds);
        Assert.Equal(1, cur.Revision);
        CheckPodsHash(await DaemonPodsAsync(ns), cur.Metadata.Labels["controller-revision-hash"]);

        ds = await Client.AppsV1.PatchNamespacedDaemonSetAsync(new V1Patch(
            "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"" + (ds.Spec.Template.Spec.Containers[0].Name) + "\",\"image\":\"" + (AgnhostImage) + "\"}]}}}}",
            V1Patch.PatchType.StrategicMergePatch), DsName, ns);
        await EventuallyAsync(() => ImageAndAvailabilityAsync(ds, AgnhostImage, 1), "daemon pods to run the new image");
        await WaitRunningOnAllNodesAsync(ds);

        ds = await Client.AppsV1.ReadNamespacedDaemonSetAsync(DsName, ns);
        cur = CurrentHistory(await HistoryAsync(ns, 2), ds);
        Assert.Equal(2, cur.Revision);
        CheckPodsHash(await DaemonPodsAsync(ns), cur.Metadata.Labels["controller-revision-hash"]);
    }

    [Fact(DisplayName = "[sig-apps] Daemon set [Serial] should rollback without unnecessary restarts [Conformance]")]
    public async Task RollbackWithoutRestarts()
    {
        Assert.True((await Client.CoreV1.ListNodeAsync()).Items.Count > 1, "the scenario needs at least two nodes");
        var ns = await cluster.CreateNamespaceAsync("daemonsets");
        var template = NewDaemonSet(DsName, WebserverImage, Label);
        template.Spec.UpdateStrategy = new V1DaemonSetUpdateStrategy { Type = "RollingUpdate" };
        var ds = await CreateAsync(ns, template);
        await WaitRunningOnAllNodesAsync(ds);

        // An image that never runs keeps the rollout from finishing: its pods stay unready.
        const string newImage = "foo:non-existent";
        var newDs = await UpdateDaemonSetAsync(Client, ns, DsName, update =>
        {
            update.Spec.Template.Spec.Containers[0].Image = newImage;
            (update.Spec.Template.Metadata.Annotations ??= new Dictionary<string, string>())[ReadyAnnotation] = "false";
        });
        await EventuallyAsync(async () => (await DaemonPodsAsync(ns)).Any(p => p.Spec.Containers[0].Image == newImage), "a pod of the new image");

        var pods = await DaemonPodsAsync(ns);
        var existing = pods.Where(p => p.Spec.Containers[0].Image == WebserverImage).ToList();
        var fresh = pods.Where(p => p.Spec.Containers[0].Image == newImage).ToList();
        Assert.Equal(pods.Count, existing.Count + fresh.Count);
        Assert.NotEmpty(existing);
        Assert.NotEmpty(fresh);

        var rollback = await UpdateDaemonSetAsync(Client, ns, DsName, update =>
        {
            update.Spec.Template.Spec.Containers[0].Image = WebserverImage;
            update.Spec.Template.Metadata.Annotations?.Remove(ReadyAnnotation);
        });
        await EventuallyAsync(() => ImageAndAvailabilityAsync(rollback, WebserverImage, 1), "the rollback to finish");

        // The pods that never ran the new image were not restarted.
        var after = (await DaemonPodsAsync(ns)).Select(p => p.Metadata.Name).ToHashSet();
        Assert.All(existing, p => Assert.Contains(p.Metadata.Name, after));
    }

    [Fact(DisplayName = "[sig-apps] Daemon set [Serial] should list and delete a collection of DaemonSets [Conformance]")]
    public async Task ListAndDeleteCollection()
    {
        var ns = await cluster.CreateNamespaceAsync("daemonsets");
        var selector = $"{NameLabel}={DsName}";
        var ds = await CreateAsync(ns, NewDaemonSet(DsName, WebserverImage, Label, withLabels: true));
        await WaitRunningOnAllNodesAsync(ds);
        await CheckDaemonStatusAsync(Client, ns, DsName);

        Assert.Single((await Client.AppsV1.ListDaemonSetForAllNamespacesAsync(labelSelector: selector)).Items, d => d.Metadata.NamespaceProperty == ns);
        await Client.AppsV1.DeleteCollectionNamespacedDaemonSetAsync(ns, new V1DeleteOptions { GracePeriodSeconds = 1 }, labelSelector: selector);
        Assert.Empty((await Client.AppsV1.ListNamespacedDaemonSetAsync(ns, labelSelector: selector)).Items);
    }

    [Fact(DisplayName = "[sig-apps] Daemon set [Serial] should verify changes to a daemon set status [Conformance]")]
    public async Task StatusSubresource()
    {
        var ns = await cluster.CreateNamespaceAsync("daemonsets");
        var selector = $"{NameLabel}={DsName}";
        var list = await Client.AppsV1.ListNamespacedDaemonSetAsync(ns, labelSelector: selector);
        var ds = await CreateAsync(ns, NewDaemonSet(DsName, WebserverImage, Label, withLabels: true));
        await WaitRunningOnAllNodesAsync(ds);
        await CheckDaemonStatusAsync(Client, ns, DsName);

        var status = await Client.AppsV1.ReadNamespacedDaemonSetStatusAsync(DsName, ns);
        Assert.Equal(ds.Metadata.Uid, status.Metadata.Uid);

        for (var attempt = 0; ; attempt++)
        {
            var current = await Client.AppsV1.ReadNamespacedDaemonSetAsync(DsName, ns);
            (current.Status.Conditions ??= []).Add(new V1DaemonSetCondition { Type = "StatusUpdate", Status = "True", Reason = "E2E", Message = "Set from e2e test" });
            try
            {
                await Client.AppsV1.ReplaceNamespacedDaemonSetStatusAsync(current, DsName, ns);
                break;
            }
            catch (HttpOperationException ex) when (ex.Response.StatusCode == System.Net.HttpStatusCode.Conflict && attempt < 10)
            {
            }
        }

        await WatchForConditionAsync(ns, selector, list.Metadata.ResourceVersion, c => c.Type == "StatusUpdate" && c.Reason == "E2E" && c.Message == "Set from e2e test");

        await Client.AppsV1.PatchNamespacedDaemonSetStatusAsync(
            new V1Patch("""{"status":{"conditions":[{"type":"StatusPatched","status":"True"}]}}""", V1Patch.PatchType.MergePatch), DsName, ns);
        await WatchForConditionAsync(ns, selector, list.Metadata.ResourceVersion, c => c.Type == "StatusPatched");
    }

    private async Task WatchForConditionAsync(string ns, string selector, string resourceVersion, Func<V1DaemonSetCondition, bool> match)
    {
        using var cts = new CancellationTokenSource(WaitTimeout);
        await foreach (var (_, ds) in Client.AppsV1.WatchListNamespacedDaemonSetAsync(ns, labelSelector: selector, resourceVersion: resourceVersion, cancellationToken: cts.Token))
        {
            if (ds.Metadata.Name == DsName && ds.Status?.Conditions?.Any(match) == true)
            {
                return;
            }
        }

        Assert.Fail("the daemon set status change was not observed");
    }
}
