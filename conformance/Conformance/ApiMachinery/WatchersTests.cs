using k8s;
using k8s.Models;
using KubeNet.Conformance.Framework;

namespace KubeNet.Conformance.ApiMachinery;

/// <summary>test/e2e/apimachinery/watch.go.</summary>
[Collection(ConformanceCollection.Name)]
public sealed class WatchersTests(ConformanceCluster cluster)
{
    private const string LabelKey = "watch-this-configmap";
    private static readonly TimeSpan NoEventWait = TimeSpan.FromSeconds(1);

    private IKubernetes Client => cluster.Client;

    private static V1ConfigMap Labelled(string name, string value)
        => new() { Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { [LabelKey] = value } } };

    /// <summary>Get, mutate, Update, retrying on conflict: the e2e updateConfigMap helper.</summary>
    private async Task<V1ConfigMap> UpdateAsync(string ns, string name, Action<V1ConfigMap> mutate)
    {
        for (var attempt = 0; ; attempt++)
        {
            var cm = await Client.CoreV1.ReadNamespacedConfigMapAsync(name, ns);
            mutate(cm);
            try
            {
                return await Client.CoreV1.ReplaceNamespacedConfigMapAsync(cm, name, ns);
            }
            catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.Conflict && attempt < 5)
            {
            }
        }
    }

    private static void SetData(V1ConfigMap cm, string key, string value)
    {
        cm.Data ??= new Dictionary<string, string>();
        cm.Data[key] = value;
    }

    [Fact(DisplayName = "[sig-api-machinery] Watchers should observe add, update, and delete watch notifications on configmaps [Conformance]")]
    public async Task ObserveAddUpdateDelete()
    {
        var ns = await cluster.CreateNamespaceAsync("watch");
        await using var watchA = await ConfigMapWatch.StartAsync(Client, ns, null, "multiple-watchers-A");
        await using var watchB = await ConfigMapWatch.StartAsync(Client, ns, null, "multiple-watchers-B");
        await using var watchAB = await ConfigMapWatch.StartAsync(Client, ns, null, "multiple-watchers-A", "multiple-watchers-B");

        var a = await Client.CoreV1.CreateNamespacedConfigMapAsync(Labelled("e2e-watch-test-configmap-a", "multiple-watchers-A"), ns);
        await watchA.ExpectEventAsync(WatchEventType.Added, a);
        await watchAB.ExpectEventAsync(WatchEventType.Added, a);
        await watchB.ExpectNoEventAsync(WatchEventType.Added, a, NoEventWait);

        a = await UpdateAsync(ns, a.Metadata.Name, cm => SetData(cm, "mutation", "1"));
        await watchA.ExpectEventAsync(WatchEventType.Modified, a);
        await watchAB.ExpectEventAsync(WatchEventType.Modified, a);
        await watchB.ExpectNoEventAsync(WatchEventType.Modified, a, NoEventWait);

        a = await UpdateAsync(ns, a.Metadata.Name, cm => SetData(cm, "mutation", "2"));
        await watchA.ExpectEventAsync(WatchEventType.Modified, a);
        await watchAB.ExpectEventAsync(WatchEventType.Modified, a);
        await watchB.ExpectNoEventAsync(WatchEventType.Modified, a, NoEventWait);

        await Client.CoreV1.DeleteNamespacedConfigMapAsync(a.Metadata.Name, ns);
        await watchA.ExpectEventAsync(WatchEventType.Deleted, null);
        await watchAB.ExpectEventAsync(WatchEventType.Deleted, null);
        await watchB.ExpectNoEventAsync(WatchEventType.Deleted, null, NoEventWait);

        var b = await Client.CoreV1.CreateNamespacedConfigMapAsync(Labelled("e2e-watch-test-configmap-b", "multiple-watchers-B"), ns);
        await watchB.ExpectEventAsync(WatchEventType.Added, b);
        await watchAB.ExpectEventAsync(WatchEventType.Added, b);
        await watchA.ExpectNoEventAsync(WatchEventType.Added, b, NoEventWait);

        await Client.CoreV1.DeleteNamespacedConfigMapAsync(b.Metadata.Name, ns);
        await watchB.ExpectEventAsync(WatchEventType.Deleted, null);
        await watchAB.ExpectEventAsync(WatchEventType.Deleted, null);
        await watchA.ExpectNoEventAsync(WatchEventType.Deleted, null, NoEventWait);
    }

    [Fact(DisplayName = "[sig-api-machinery] Watchers should be able to start watching from a specific resource version [Conformance]")]
    public async Task StartFromResourceVersion()
    {
        var ns = await cluster.CreateNamespaceAsync("watch");
        var cm = await Client.CoreV1.CreateNamespacedConfigMapAsync(Labelled("e2e-watch-test-resource-version", "from-resource-version"), ns);
        var first = await UpdateAsync(ns, cm.Metadata.Name, c => SetData(c, "mutation", "1"));
        var second = await UpdateAsync(ns, cm.Metadata.Name, c => SetData(c, "mutation", "2"));
        await Client.CoreV1.DeleteNamespacedConfigMapAsync(cm.Metadata.Name, ns);

        await using var watch = await ConfigMapWatch.StartAsync(Client, ns, first.Metadata.ResourceVersion, "from-resource-version");
        await watch.ExpectEventAsync(WatchEventType.Modified, second);
        await watch.ExpectEventAsync(WatchEventType.Deleted, null);
    }

    [Fact(DisplayName = "[sig-api-machinery] Watchers should be able to restart watching from the last resource version observed by the previous watch [Conformance]")]
    public async Task RestartFromLastObserved()
    {
        var ns = await cluster.CreateNamespaceAsync("watch");
        V1ConfigMap lastObserved;
        V1ConfigMap cm;
        await using (var broken = await ConfigMapWatch.StartAsync(Client, ns, null, "watch-closed-and-restarted"))
        {
            cm = await Client.CoreV1.CreateNamespacedConfigMapAsync(Labelled("e2e-watch-test-watch-closed", "watch-closed-and-restarted"), ns);
            await UpdateAsync(ns, cm.Metadata.Name, c => SetData(c, "mutation", "1"));
            await broken.ExpectEventAsync(WatchEventType.Added, cm);
            lastObserved = await broken.ExpectEventAsync(WatchEventType.Modified, null);
        }

        var second = await UpdateAsync(ns, cm.Metadata.Name, c => SetData(c, "mutation", "2"));
        await using var restarted = await ConfigMapWatch.StartAsync(Client, ns, lastObserved.Metadata.ResourceVersion, "watch-closed-and-restarted");
        await Client.CoreV1.DeleteNamespacedConfigMapAsync(cm.Metadata.Name, ns);
        await restarted.ExpectEventAsync(WatchEventType.Modified, second);
        await restarted.ExpectEventAsync(WatchEventType.Deleted, null);
    }

    [Fact(DisplayName = "[sig-api-machinery] Watchers should observe an object deletion if it stops meeting the requirements of the selector [Conformance]")]
    public async Task DeletionWhenSelectorStopsMatching()
    {
        var ns = await cluster.CreateNamespaceAsync("watch");
        await using var watch = await ConfigMapWatch.StartAsync(Client, ns, null, "label-changed-and-restored");
        var cm = await Client.CoreV1.CreateNamespacedConfigMapAsync(Labelled("e2e-watch-test-label-changed", "label-changed-and-restored"), ns);
        var first = await UpdateAsync(ns, cm.Metadata.Name, c => SetData(c, "mutation", "1"));
        await UpdateAsync(ns, cm.Metadata.Name, c => c.Metadata.Labels[LabelKey] = "wrong-value");

        await watch.ExpectEventAsync(WatchEventType.Added, cm);
        await watch.ExpectEventAsync(WatchEventType.Modified, first);
        await watch.ExpectEventAsync(WatchEventType.Deleted, null);

        var second = await UpdateAsync(ns, cm.Metadata.Name, c => SetData(c, "mutation", "2"));
        await watch.ExpectNoEventAsync(WatchEventType.Modified, second, NoEventWait);

        var restored = await UpdateAsync(ns, cm.Metadata.Name, c => c.Metadata.Labels[LabelKey] = "label-changed-and-restored");
        var third = await UpdateAsync(ns, cm.Metadata.Name, c => SetData(c, "mutation", "3"));
        await Client.CoreV1.DeleteNamespacedConfigMapAsync(cm.Metadata.Name, ns);

        await watch.ExpectEventAsync(WatchEventType.Added, restored);
        await watch.ExpectEventAsync(WatchEventType.Modified, third);
        await watch.ExpectEventAsync(WatchEventType.Deleted, null);
    }
}
