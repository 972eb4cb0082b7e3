using System.Collections.Concurrent;
using k8s.Models;

namespace KubeNet.Client.Tests;

internal sealed record Notification(string Type, string Key, V1Pod? Old, V1Pod Obj, bool Flag);

/// <summary>Keeps every notification an informer delivers, in order.</summary>
internal sealed class RecordingHandler : IResourceEventHandler<V1Pod>
{
    public ConcurrentQueue<Notification> Seen { get; } = new();

    public void OnAdd(V1Pod obj, bool isInInitialList) => Seen.Enqueue(new("add", ObjectKeys.For(obj), null, obj, isInInitialList));

    public void OnUpdate(V1Pod oldObj, V1Pod newObj) => Seen.Enqueue(new("update", ObjectKeys.For(newObj), oldObj, newObj, false));

    public void OnDelete(V1Pod obj, bool finalStateUnknown) => Seen.Enqueue(new("delete", ObjectKeys.For(obj), null, obj, finalStateUnknown));

    public bool Has(string type, string key) => Seen.Any(n => n.Type == type && n.Key == key);

    public Notification Single(string type, string key) => Assert.Single(Seen, n => n.Type == type && n.Key == key);
}
