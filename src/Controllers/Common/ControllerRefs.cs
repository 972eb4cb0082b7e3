using k8s;
using k8s.Models;

namespace KubeNet.Controllers.Common;

/// <summary>metav1.GetControllerOf, NewControllerRef and IsControlledBy.</summary>
internal static class ControllerRefs
{
    /// <summary>The owner reference with controller=true, if any.</summary>
    public static V1OwnerReference? GetControllerOf(V1ObjectMeta? meta)
    {
        if (meta?.OwnerReferences is not { Count: > 0 } refs)
        {
            return null;
        }

        foreach (var owner in refs)
        {
            if (owner.Controller == true)
            {
                return owner;
            }
        }

        return null;
    }

    public static V1OwnerReference? GetControllerOf(IMetadata<V1ObjectMeta> obj) => GetControllerOf(obj.Metadata);

    /// <summary>A controller reference to <paramref name="owner"/> with blockOwnerDeletion, as metav1.NewControllerRef.</summary>
    public static V1OwnerReference NewControllerRef(V1ObjectMeta owner, string apiVersion, string kind) => new()
    {
        ApiVersion = apiVersion,
        Kind = kind,
        Name = owner.Name,
        Uid = owner.Uid,
        Controller = true,
        BlockOwnerDeletion = true,
    };

    public static bool IsControlledBy(IMetadata<V1ObjectMeta> obj, V1ObjectMeta owner) =>
        GetControllerOf(obj) is { } controller && controller.Uid == owner.Uid;

    /// <summary>The index of objects by the UID of their controller, for "every ReplicaSet of this Deployment" lookups.</summary>
    public const string ControllerUidIndex = "controllerUID";

    /// <summary>
    /// Adds <see cref="ControllerUidIndex"/> to a shared informer unless a controller sharing it already did: several
    /// controllers ask for the same index on the same informer.
    /// </summary>
    public static void EnsureControllerUidIndex<T>(KubeNet.Client.SharedInformer<T> informer)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        lock (informer)
        {
            try
            {
                informer.AddIndexer(ControllerUidIndex, obj => GetControllerOf(obj) is { Uid: { Length: > 0 } uid } ? [uid] : []);
            }
            catch (InvalidOperationException)
            {
                // Another controller added the same index function to this informer.
            }
        }
    }
}
