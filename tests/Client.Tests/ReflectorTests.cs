using System.Runtime.CompilerServices;
using System.Threading.Channels;
using k8s;
using k8s.Models;

namespace KubeNet.Client.Tests;

/// <summary>The informer's list and watch protocol against a scripted list-watch, where the server cannot be made to page.</summary>
public sealed class ReflectorTests
{
    private sealed class ScriptedListWatch
    {
        public List<ListRequest> Lists { get; } = [];

        public List<WatchRequest> Watches { get; } = [];

        public Channel<(WatchEventType, V1Pod)?> Events { get; } = Channel.CreateUnbounded<(WatchEventType, V1Pod)?>();

        public Func<ListRequest, ListPage<V1Pod>> OnList { get; set; } = _ => new ListPage<V1Pod>([], "1", null);

        public ListWatch<V1Pod> ListWatch => new(
            (request, _) =>
            {
                lock (Lists)
                {
                    Lists.Add(request);
                }

                return Task.FromResult(OnList(request));
            },
            Watch);

        // A null entry ends the stream with a 410 Expired ERROR, as the server sends it.
        private async IAsyncEnumerable<(WatchEventType, V1Pod)> Watch(WatchRequest request, Action<Exception> onError, [EnumeratorCancellation] CancellationToken ct)
        {
            lock (Watches)
            {
                Watches.Add(request);
            }

            while (await Events.Reader.WaitToReadAsync(ct))
            {
                var next = await Events.Reader.ReadAsync(ct);
                if (next is null)
                {
                    onError(new KubernetesException(new V1Status { Code = 410, Reason = "Expired" }));
                    yield break;
                }

                yield return next.Value;
            }
        }
    }

    private static V1Pod Pod(string name, string rv) => new() { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "ns", ResourceVersion = rv } };

    [Fact]
    public async Task ListFollowsContinueTokensThenWatchesFromTheListVersionWithBookmarks()
    {
        var script = new ScriptedListWatch
        {
            OnList = r => r.Continue is null
                ? new ListPage<V1Pod>([Pod("a", "3"), Pod("b", "4")], "10", "page-2")
                : new ListPage<V1Pod>([Pod("c", "5")], "10", null),
        };
        await using var informer = new SharedInformer<V1Pod>(script.ListWatch, new SharedInformerOptions { PageSize = 2 });
        informer.Start();
        Assert.True(await informer.WaitForCacheSyncAsync(new CancellationTokenSource(TestUtil.Timeout).Token));

        Assert.Equal(3, informer.Lister.List().Count);
        Assert.Equal([new ListRequest("0", 2, null), new ListRequest("0", 2, "page-2")], script.Lists);
        await TestUtil.EventuallyAsync(() => script.Watches.Count == 1, "watch opened");
        var watch = script.Watches[0];
        Assert.Equal("10", watch.ResourceVersion);
        Assert.True(watch.AllowWatchBookmarks);
        Assert.InRange(watch.TimeoutSeconds, 300, 600);

        await script.Events.Writer.WriteAsync((WatchEventType.Bookmark, new V1Pod { Metadata = new V1ObjectMeta { ResourceVersion = "42" } }));
        await TestUtil.EventuallyAsync(() => informer.LastSyncResourceVersion == "42", "bookmark applied");
        Assert.Equal(3, informer.Lister.List().Count);
    }

    [Fact]
    public async Task ExpiredWatchRelistsAtTheLastVersionThenFromStorage()
    {
        var script = new ScriptedListWatch();
        script.OnList = r => r.ResourceVersion switch
        {
            "0" => new ListPage<V1Pod>([Pod("a", "3")], "10", null),
            "11" => throw new KubernetesException(new V1Status { Code = 410, Reason = "Expired" }),
            _ => new ListPage<V1Pod>([Pod("b", "20")], "20", null),
        };
        await using var informer = new SharedInformer<V1Pod>(script.ListWatch);
        var handler = new RecordingHandler();
        informer.AddEventHandler(handler);
        informer.Start();
        Assert.True(await informer.WaitForCacheSyncAsync(new CancellationTokenSource(TestUtil.Timeout).Token));

        await script.Events.Writer.WriteAsync((WatchEventType.Modified, Pod("a", "11")));
        await script.Events.Writer.WriteAsync(null);

        await TestUtil.EventuallyAsync(() => informer.LastSyncResourceVersion == "20", "relisted from storage");
        Assert.Equal(["0", "11", ""], script.Lists.Select(l => l.ResourceVersion));
        Assert.True(handler.Single("delete", "ns/a").Flag);
        Assert.False(handler.Single("add", "ns/b").Flag);
        Assert.Equal(["ns/b"], informer.Indexer.ListKeys());
        await TestUtil.EventuallyAsync(() => script.Watches.Count == 2 && script.Watches[1].ResourceVersion == "20", "watch after relist");
    }
}
