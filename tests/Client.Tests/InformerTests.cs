using k8s;
using k8s.Models;
using KubeNet.ApiMachinery.Selectors;

namespace KubeNet.Client.Tests;

[Collection(ApiCollection.Name)]
public sealed class InformerTests(ApiServerFixture api)
{
    private readonly IKubernetes _client = api.Client;

    [Fact]
    public async Task InitialListThenAddUpdateDeleteReachHandlersAndListers()
    {
        var ns = await api.CreateNamespaceAsync();
        await _client.CoreV1.CreateNamespacedPodAsync(TestUtil.Pod(ns, "web-1", new Dictionary<string, string> { ["app"] = "web" }, "node-a"), ns);
        await _client.CoreV1.CreateNamespacedPodAsync(TestUtil.Pod(ns, "db-1", new Dictionary<string, string> { ["app"] = "db" }), ns);

        await using var informer = new SharedInformer<V1Pod>(ListWatch.For<V1Pod>(_client, ns));
        informer.AddIndexer("node", p => p.Spec?.NodeName is { } node ? [node] : []);
        var handler = new RecordingHandler();
        informer.AddEventHandler(handler);
        Assert.False(informer.HasSynced);
        informer.Start();
        using var cts = new CancellationTokenSource(TestUtil.Timeout);
        Assert.True(await informer.WaitForCacheSyncAsync(cts.Token));

        Assert.True(handler.Single("add", $"{ns}/web-1").Flag, "initial list items are flagged");
        Assert.True(handler.Single("add", $"{ns}/db-1").Flag);
        Assert.Equal(2, informer.Lister.List(ns).Count);
        Assert.Equal(["web-1"], informer.Lister.List(ns, LabelSelector.Parse("app=web")).Select(p => p.Metadata.Name));
        Assert.Equal(["db-1"], informer.Lister.List(LabelSelector.Parse("app in (db,cache)")).Select(p => p.Metadata.Name));
        Assert.Equal("db-1", informer.Lister.Get(ns, "db-1")?.Metadata.Name);
        Assert.Equal("web-1", informer.Lister.Get($"{ns}/web-1")?.Metadata.Name);
        Assert.Null(informer.Lister.Get(ns, "missing"));
        Assert.Equal(["web-1"], informer.Indexer.ByIndex("node", "node-a").Select(p => p.Metadata.Name));
        Assert.Empty(informer.Lister.List("other-namespace"));

        await _client.CoreV1.CreateNamespacedPodAsync(TestUtil.Pod(ns, "web-2", new Dictionary<string, string> { ["app"] = "web" }), ns);
        await TestUtil.EventuallyAsync(() => handler.Has("add", $"{ns}/web-2"), "add of web-2");
        Assert.False(handler.Single("add", $"{ns}/web-2").Flag);

        var patch = new V1Patch("""{"metadata":{"labels":{"app":"cache"}}}""", V1Patch.PatchType.MergePatch);
        await _client.CoreV1.PatchNamespacedPodAsync(patch, "db-1", ns);
        await TestUtil.EventuallyAsync(() => handler.Has("update", $"{ns}/db-1"), "update of db-1");
        var update = handler.Single("update", $"{ns}/db-1");
        Assert.Equal("db", update.Old!.Metadata.Labels["app"]);
        Assert.Equal("cache", update.Obj.Metadata.Labels["app"]);
        Assert.Equal("cache", informer.Lister.Get(ns, "db-1")!.Metadata.Labels["app"]);

        await _client.CoreV1.DeleteNamespacedPodAsync("web-1", ns, new V1DeleteOptions { GracePeriodSeconds = 0 });
        await TestUtil.EventuallyAsync(() => handler.Has("delete", $"{ns}/web-1"), "delete of web-1");
        Assert.False(handler.Single("delete", $"{ns}/web-1").Flag, "a watched delete is no tombstone");
        Assert.Null(informer.Lister.Get(ns, "web-1"));
        Assert.Empty(informer.Indexer.ByIndex("node", "node-a"));
        Assert.Equal(["web-2"], informer.Lister.List(ns, LabelSelector.Parse("app=web")).Select(p => p.Metadata.Name));
    }

    [Fact]
    public async Task HandlerAddedAfterSyncReplaysTheCache()
    {
        var ns = await api.CreateNamespaceAsync();
        await _client.CoreV1.CreateNamespacedPodAsync(TestUtil.Pod(ns, "p"), ns);
        await using var informer = new SharedInformer<V1Pod>(ListWatch.For<V1Pod>(_client, ns));
        informer.Start();
        Assert.True(await informer.WaitForCacheSyncAsync(new CancellationTokenSource(TestUtil.Timeout).Token));

        var late = new RecordingHandler();
        using (informer.AddEventHandler(late))
        {
            Assert.True(late.Has("add", $"{ns}/p"));
        }

        // A removed handler hears nothing more.
        await _client.CoreV1.CreateNamespacedPodAsync(TestUtil.Pod(ns, "q"), ns);
        await TestUtil.EventuallyAsync(() => informer.Lister.Get(ns, "q") is not null, "q cached");
        Assert.False(late.Has("add", $"{ns}/q"));
    }

    [Fact]
    public async Task ResyncReplaysEveryObjectAsAnUpdate()
    {
        var ns = await api.CreateNamespaceAsync();
        await _client.CoreV1.CreateNamespacedPodAsync(TestUtil.Pod(ns, "p"), ns);
        await using var informer = new SharedInformer<V1Pod>(
            ListWatch.For<V1Pod>(_client, ns), new SharedInformerOptions { ResyncPeriod = TimeSpan.FromMilliseconds(100) });
        var handler = new RecordingHandler();
        informer.AddEventHandler(handler);
        informer.Start();

        await TestUtil.EventuallyAsync(() => handler.Seen.Count(n => n.Type == "update" && n.Key == $"{ns}/p") >= 2, "two resyncs");
        var resync = handler.Seen.First(n => n.Type == "update");
        Assert.Same(resync.Old, resync.Obj);
    }

    [Fact]
    public async Task BookmarksAdvanceTheResourceVersionWithoutEvents()
    {
        var ns = await api.CreateNamespaceAsync();
        await using var informer = new SharedInformer<V1Pod>(ListWatch.For<V1Pod>(_client, ns));
        var handler = new RecordingHandler();
        informer.AddEventHandler(handler);
        informer.Start();
        Assert.True(await informer.WaitForCacheSyncAsync(new CancellationTokenSource(TestUtil.Timeout).Token));
        var listed = long.Parse(informer.LastSyncResourceVersion);

        // A write elsewhere moves the global revision; only a bookmark can tell this informer about it.
        var cm = await _client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "cm" } }, ns);
        var written = long.Parse(cm.Metadata.ResourceVersion);
        Assert.True(written > listed);
        await TestUtil.EventuallyAsync(() => long.Parse(informer.LastSyncResourceVersion) >= written, "a bookmark at or past the write");
        Assert.Empty(handler.Seen);
    }

    [Fact]
    public async Task ClosedWatchResumesFromTheLastResourceVersionWithoutRelisting()
    {
        var ns = await api.CreateNamespaceAsync();
        await _client.CoreV1.CreateNamespacedPodAsync(TestUtil.Pod(ns, "a"), ns);
        var lw = new InterceptingListWatch<V1Pod>(ListWatch.For<V1Pod>(_client, ns));
        await using var informer = new SharedInformer<V1Pod>(lw.ListWatch);
        var handler = new RecordingHandler();
        informer.AddEventHandler(handler);
        informer.Start();
        Assert.True(await informer.WaitForCacheSyncAsync(new CancellationTokenSource(TestUtil.Timeout).Token));
        await TestUtil.EventuallyAsync(() => lw.WatchCalls == 1, "first watch open");

        lw.BreakCurrentWatch();
        await _client.CoreV1.DeleteNamespacedPodAsync("a", ns, new V1DeleteOptions { GracePeriodSeconds = 0 });
        await _client.CoreV1.CreateNamespacedPodAsync(TestUtil.Pod(ns, "b"), ns);

        await TestUtil.EventuallyAsync(() => handler.Has("add", $"{ns}/b") && handler.Has("delete", $"{ns}/a"), "events after reconnect");
        Assert.False(handler.Single("delete", $"{ns}/a").Flag, "resumed watches replay the deletion itself");
        Assert.Equal(1, lw.ListCalls);
        Assert.True(lw.WatchCalls >= 2);

        // The first list goes to the watch cache in pages of 500, as client-go's reflector asks.
        Assert.Equal(new ListRequest("0", 500, null), lw.ListRequests[0]);
    }

    [Fact]
    public async Task ExpiredWatchRelistsAndReportsMissedDeletionsAsTombstones()
    {
        var ns = await api.CreateNamespaceAsync();
        await _client.CoreV1.CreateNamespacedPodAsync(TestUtil.Pod(ns, "keep"), ns);
        await _client.CoreV1.CreateNamespacedPodAsync(TestUtil.Pod(ns, "gone"), ns);
        var lw = new InterceptingListWatch<V1Pod>(ListWatch.For<V1Pod>(_client, ns));
        await using var informer = new SharedInformer<V1Pod>(lw.ListWatch);
        var handler = new RecordingHandler();
        informer.AddEventHandler(handler);
        informer.Start();
        Assert.True(await informer.WaitForCacheSyncAsync(new CancellationTokenSource(TestUtil.Timeout).Token));
        await TestUtil.EventuallyAsync(() => lw.WatchCalls == 1, "first watch open");

        // The next watch waits at the gate, then asks for revision 1, which the short watch-cache ring no longer holds.
        var gate = new TaskCompletionSource();
        lw.NextWatch = (gate.Task, "1");
        lw.BreakCurrentWatch();
        await TestUtil.EventuallyAsync(() => lw.WatchCalls == 2, "second watch held at the gate");
        await _client.CoreV1.DeleteNamespacedPodAsync("gone", ns, new V1DeleteOptions { GracePeriodSeconds = 0 });
        await _client.CoreV1.CreateNamespacedPodAsync(TestUtil.Pod(ns, "new"), ns);
        for (var i = 0; i < ApiServerFixture.WatchCacheEvents + 1; i++)
        {
            await _client.CoreV1.CreateNamespacedPodAsync(TestUtil.Pod(ns, $"filler-{i}"), ns);
        }

        gate.SetResult();
        await TestUtil.EventuallyAsync(() => lw.ListCalls >= 2, "relist after 410");
        await TestUtil.EventuallyAsync(() => handler.Has("delete", $"{ns}/gone"), "tombstone for the missed deletion");
        Assert.True(handler.Single("delete", $"{ns}/gone").Flag, "a deletion found by relisting has an unknown final state");
        Assert.True(handler.Has("add", $"{ns}/new"));
        Assert.True(handler.Has("update", $"{ns}/keep"), "a relisted object that stayed is an update");
        Assert.Null(informer.Lister.Get(ns, "gone"));
        Assert.Equal(ApiServerFixture.WatchCacheEvents + 3, informer.Lister.List(ns).Count);

        // The informer keeps working after the relist.
        await _client.CoreV1.CreateNamespacedPodAsync(TestUtil.Pod(ns, "after"), ns);
        await TestUtil.EventuallyAsync(() => informer.Lister.Get(ns, "after") is not null, "watch after relist");
    }

    [Fact]
    public async Task FactorySharesOneInformerPerKindNamespaceAndSelector()
    {
        var ns = await api.CreateNamespaceAsync();
        await _client.CoreV1.CreateNamespacedPodAsync(TestUtil.Pod(ns, "web", new Dictionary<string, string> { ["app"] = "web" }), ns);
        await _client.CoreV1.CreateNamespacedPodAsync(TestUtil.Pod(ns, "db", new Dictionary<string, string> { ["app"] = "db" }), ns);
        await using var factory = new SharedInformerFactory(_client);
        var pods = factory.GetInformer<V1Pod>(ns);
        Assert.Same(pods, factory.GetInformer<V1Pod>(ns));
        var web = factory.GetInformer<V1Pod>(ns, labelSelector: "app=web");
        Assert.NotSame(pods, web);
        var namespaces = factory.GetInformer<V1Namespace>();
        Assert.False(pods.IsStarted);

        factory.Start();
        Assert.True(await factory.WaitForCacheSyncAsync(new CancellationTokenSource(TestUtil.Timeout).Token));
        Assert.Equal(2, pods.Lister.List(ns).Count);
        Assert.Equal(["web"], web.Lister.List().Select(p => p.Metadata.Name));
        Assert.NotNull(namespaces.Lister.Get(ns));
        Assert.NotNull(namespaces.Lister.Get("kube-system"));

        // Asked for after Start: starts at once.
        var late = factory.GetInformer<V1ConfigMap>(ns);
        Assert.True(await late.WaitForCacheSyncAsync(new CancellationTokenSource(TestUtil.Timeout).Token));
    }
}
