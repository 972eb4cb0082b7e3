namespace KubeNet.Client;

/// <summary>
/// Receives an informer's notifications. Calls arrive on the informer's own loop, one at a time and in order, so a
/// handler only computes keys and enqueues them; the work happens in the controller's workers.
/// </summary>
public interface IResourceEventHandler<in T>
{
    /// <summary>An object appeared; <paramref name="isInInitialList"/> tells the first list apart from later additions.</summary>
    void OnAdd(T obj, bool isInInitialList);

    /// <summary>An object changed, or a resync replays it with <paramref name="oldObj"/> equal to <paramref name="newObj"/>.</summary>
    void OnUpdate(T oldObj, T newObj);

    /// <summary>
    /// An object went away. With <paramref name="finalStateUnknown"/> set the deletion was missed while the watch was
    /// down and a relist found the object gone: <paramref name="obj"/> is the last state the cache knew (client-go's
    /// DeletedFinalStateUnknown tombstone).
    /// </summary>
    void OnDelete(T obj, bool finalStateUnknown);
}

/// <summary>An <see cref="IResourceEventHandler{T}"/> from delegates, as client-go's ResourceEventHandlerFuncs.</summary>
public sealed class ResourceEventHandler<T> : IResourceEventHandler<T>
{
    public Action<T, bool>? Add { get; init; }

    public Action<T, T>? Update { get; init; }

    public Action<T, bool>? Delete { get; init; }

    public void OnAdd(T obj, bool isInInitialList) => Add?.Invoke(obj, isInInitialList);

    public void OnUpdate(T oldObj, T newObj) => Update?.Invoke(oldObj, newObj);

    public void OnDelete(T obj, bool finalStateUnknown) => Delete?.Invoke(obj, finalStateUnknown);
}

public static class ResourceEventHandler
{
    /// <summary>One callback for add, update and delete: the usual "enqueue the key" handler.</summary>
    public static ResourceEventHandler<T> ForAll<T>(Action<T> onAny) => new()
    {
        Add = (obj, _) => onAny(obj),
        Update = (_, obj) => onAny(obj),
        Delete = (obj, _) => onAny(obj),
    };
}
