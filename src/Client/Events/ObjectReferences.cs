using System.Reflection;
using k8s;
using k8s.Models;

namespace KubeNet.Client;

public static class ObjectReferences
{
    /// <summary>
    /// A reference to <paramref name="obj"/> for events and owner bookkeeping. Objects read from lists often lack
    /// apiVersion and kind, so those come from the type's [KubernetesEntity] when unset.
    /// </summary>
    public static V1ObjectReference For(IKubernetesObject<V1ObjectMeta> obj)
    {
        var entity = obj.GetType().GetCustomAttribute<KubernetesEntityAttribute>();
        var apiVersion = obj.ApiVersion;
        if (string.IsNullOrEmpty(apiVersion) && entity is not null)
        {
            apiVersion = string.IsNullOrEmpty(entity.Group) ? entity.ApiVersion : entity.Group + "/" + entity.ApiVersion;
        }

        return new V1ObjectReference
        {
            ApiVersion = apiVersion,
            Kind = string.IsNullOrEmpty(obj.Kind) ? entity?.Kind : obj.Kind,
            Name = obj.Metadata?.Name,
            NamespaceProperty = obj.Metadata?.NamespaceProperty,
            Uid = obj.Metadata?.Uid,
            ResourceVersion = obj.Metadata?.ResourceVersion,
        };
    }
}
