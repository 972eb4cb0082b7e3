using k8s;
using k8s.Models;

namespace KubeNet.Client.Tests;

[Collection(ApiCollection.Name)]
public sealed class EventRecorderTests(ApiServerFixture api)
{
    [Fact]
    public async Task RepeatsOfOneEventAggregateIntoItsCount()
    {
        var ns = await api.CreateNamespaceAsync();
        var pod = await api.Client.CoreV1.CreateNamespacedPodAsync(TestUtil.Pod(ns, "web"), ns);
        await using var recorder = new EventRecorder(api.Client, "test-controller", "host-1");

        recorder.Event(pod, EventTypes.Normal, "Scheduled", "assigned to node-a");
        await recorder.FlushAsync();
        var first = Assert.Single((await api.Client.CoreV1.ListNamespacedEventAsync(ns)).Items);

        recorder.Event(pod, EventTypes.Normal, "Scheduled", "assigned to node-a");
        recorder.Event(pod, EventTypes.Normal, "Scheduled", "assigned to node-a");
        recorder.Event(pod, EventTypes.Warning, "BackOff", "restarting failed container");
        await recorder.FlushAsync();

        var events = (await api.Client.CoreV1.ListNamespacedEventAsync(ns)).Items;
        Assert.Equal(2, events.Count);
        var scheduled = Assert.Single(events, e => e.Reason == "Scheduled");
        Assert.Equal(first.Metadata.Name, scheduled.Metadata.Name);
        Assert.StartsWith("web.", scheduled.Metadata.Name, StringComparison.Ordinal);
        Assert.Equal(3, scheduled.Count);
        Assert.NotNull(scheduled.FirstTimestamp);
        Assert.True(scheduled.LastTimestamp >= scheduled.FirstTimestamp);
        Assert.Equal("Normal", scheduled.Type);
        Assert.Equal("assigned to node-a", scheduled.Message);
        Assert.Equal("test-controller", scheduled.ReportingComponent);
        Assert.Equal("host-1", scheduled.ReportingInstance);
        Assert.Equal("test-controller", scheduled.Source.Component);
        Assert.Equal("host-1", scheduled.Source.Host);
        Assert.Equal("Pod", scheduled.InvolvedObject.Kind);
        Assert.Equal("v1", scheduled.InvolvedObject.ApiVersion);
        Assert.Equal("web", scheduled.InvolvedObject.Name);
        Assert.Equal(ns, scheduled.InvolvedObject.NamespaceProperty);
        Assert.Equal(pod.Metadata.Uid, scheduled.InvolvedObject.Uid);

        var backOff = Assert.Single(events, e => e.Reason == "BackOff");
        Assert.Equal("Warning", backOff.Type);
        Assert.Equal(1, backOff.Count);
    }

    [Fact]
    public async Task EventsAboutClusterScopedObjectsGoToTheDefaultNamespace()
    {
        var ns = await api.CreateNamespaceAsync();
        var nsObject = await api.Client.CoreV1.ReadNamespaceAsync(ns);
        await using var recorder = new EventRecorder(api.Client, "test-controller");
        var reason = "Checked" + Guid.NewGuid().ToString("N")[..6];
        recorder.Event(nsObject, EventTypes.Normal, reason, "namespace looked at");
        await recorder.FlushAsync();

        var events = (await api.Client.CoreV1.ListNamespacedEventAsync("default")).Items;
        var recorded = Assert.Single(events, e => e.Reason == reason);
        Assert.Equal("Namespace", recorded.InvolvedObject.Kind);
        Assert.Equal(ns, recorded.InvolvedObject.Name);
        Assert.Throws<ArgumentException>(() => recorder.Event(nsObject, "Bogus", "r", "m"));
    }
}
