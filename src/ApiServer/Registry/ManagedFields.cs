using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using KubeNet.ApiMachinery.Apply;
using KubeNet.ApiMachinery.Json;
using KubeNet.ApiMachinery.Kinds;

namespace KubeNet.ApiServer.Registry;

/// <summary>
/// metadata.managedFields on ordinary writes: the fields a create, update or patch sets belong to its field manager
/// (operation Update), as kube-apiserver's field manager records them. Apply writes bring their own.
/// </summary>
internal static class ManagedFields
{
    public static IKubernetesObject<V1ObjectMeta> Track(ResourceInfo storageInfo, IKubernetesObject<V1ObjectMeta>? old, IKubernetesObject<V1ObjectMeta> obj, WriteOptions options, string? subresource, DateTime now)
    {
        if (options.IsApply)
        {
            return obj;
        }

        var type = obj.GetType();
        if (KubeJson.ToNode(obj, type) is not JsonObject newNode)
        {
            return obj;
        }

        var oldNode = old is null ? null : KubeJson.ToNode(old, type) as JsonObject;
        var definition = ServerSideApply.DefinitionFor(storageInfo.Group, storageInfo.Version, storageInfo.Kind);
        var tracked = ServerSideApply.TrackUpdate(
            oldNode,
            newNode,
            string.IsNullOrEmpty(options.FieldManager) ? "unknown" : options.FieldManager,
            "Update",
            storageInfo.GroupVersion,
            now,
            subresource is "status" or "scale" ? subresource : null,
            definition: definition);
        if (old is null)
        {
            // Tracking changes only metadata.managedFields: a create's object (fresh from its request, not shared) takes
            // the new entries in place instead of being rebuilt from the whole tree.
            obj.Metadata.ManagedFields = tracked["metadata"]?["managedFields"] is JsonArray entries
                ? entries.Deserialize<IList<V1ManagedFieldsEntry>>(KubeJson.Options)
                : null;
            return obj;
        }

        return (IKubernetesObject<V1ObjectMeta>)KubeJson.FromNode(tracked, type)!;
    }
}
