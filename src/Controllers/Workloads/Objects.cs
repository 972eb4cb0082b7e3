using k8s;
using k8s.Models;
using KubeNet.ApiMachinery.Json;

namespace KubeNet.Controllers.Workloads;

/// <summary>Object helpers of apimachinery's metav1: deep copies, controller references, controlled-by checks.</summary>
internal static class Objects
{
    /// <summary>A deep copy through the wire form: cached objects are shared and must never be mutated.</summary>
    public static T DeepCopy<T>(T obj)
        where T : class => KubeJson.Deserialize<T>(KubeJson.SerializeToUtf8Bytes(obj))!;

    /// <summary>metav1.GetControllerOf: the owner reference with controller=true, if any.</summary>
    public static V1OwnerReference? ControllerOf(V1ObjectMeta? meta)
    {
        if (meta?.OwnerReferences is null)
        {
            return null;
        }

        foreach (var reference in meta.OwnerReferences)
        {
            if (reference.Controller == true)
            {
                return reference;
            }
        }

        return null;
    }

    public static bool IsControlledBy(V1ObjectMeta? meta, string ownerUid) => ControllerOf(meta)?.Uid == ownerUid;

    /// <summary>metav1.NewControllerRef: controller and blockOwnerDeletion set.</summary>
    public static V1OwnerReference NewControllerRef(V1ObjectMeta owner, string apiVersion, string kind) => new()
    {
        ApiVersion = apiVersion,
        Kind = kind,
        Name = owner.Name,
        Uid = owner.Uid,
        Controller = true,
        BlockOwnerDeletion = true,
    };

    public static bool SameReference(V1OwnerReference? a, V1OwnerReference? b)
    {
        if (a is null || b is null)
        {
            return a is null && b is null;
        }

        return a.Uid == b.Uid && a.Name == b.Name && a.Kind == b.Kind && a.ApiVersion == b.ApiVersion
            && a.Controller == b.Controller && a.BlockOwnerDeletion == b.BlockOwnerDeletion;
    }

    public static bool SameLabels(IDictionary<string, string>? a, IDictionary<string, string>? b)
    {
        var left = a ?? new Dictionary<string, string>();
        var right = b ?? new Dictionary<string, string>();
        return left.Count == right.Count && left.All(p => right.TryGetValue(p.Key, out var v) && v == p.Value);
    }

    public static string Key(IMetadata<V1ObjectMeta> obj) => obj.Metadata.NamespaceProperty + "/" + obj.Metadata.Name;

    /// <summary>metav1.Now(): the current time at the whole-second precision metav1.Time stores.</summary>
    public static DateTime Now(TimeProvider time) => KubeJson.TruncateToSeconds(time.GetUtcNow().UtcDateTime);
}
