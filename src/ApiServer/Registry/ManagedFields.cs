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
    /// <summary>
    /// The managedFields of an ordinary create from <paramref name="encoded"/>, the object's JSON without any: the
    /// create's manager owns every field it sets, so the one entry is built from that field set directly.
    /// </summary>
    public static IList<V1ManagedFieldsEntry>? ForCreate(ResourceInfo storageInfo, ReadOnlySpan<byte> encoded, WriteOptions options, DateTime now)
    {
        if (JsonNode.Parse(encoded) is not JsonObject created)
        {
            return null;
        }

        JsonObject? fields;
        try
        {
            fields = ServerSideApply.CreatedFields(created, storageInfo.GroupVersion, ServerSideApply.DefinitionFor(storageInfo.Group, storageInfo.Version, storageInfo.Kind));
        }
        catch (Exception ex) when (ex is FormatException or InvalidOperationException)
        {
            // Ownership that cannot be computed leaves none, as the general tracking does.
            return null;
        }

        return fields is null ? null :
        [
            new V1ManagedFieldsEntry
            {
                Manager = string.IsNullOrEmpty(options.FieldManager) ? "unknown" : options.FieldManager,
                Operation = "Update",
                ApiVersion = storageInfo.GroupVersion,
                Time = KubeJson.TruncateToSeconds(now),
                FieldsType = "FieldsV1",
                FieldsV1 = JsonSerializer.SerializeToElement(fields),
            },
        ];
    }

    /// <summary>Ownership after an update of <paramref name="oldJson"/> (the cached object's JSON) to <paramref name="obj"/>.</summary>
    public static IKubernetesObject<V1ObjectMeta> Track(ResourceInfo storageInfo, ReadOnlySpan<byte> oldJson, IKubernetesObject<V1ObjectMeta> obj, WriteOptions options, string? subresource, DateTime now)
    {
        if (options.IsApply)
        {
            return obj;
        }

        var type = obj.GetType();
        var manager = string.IsNullOrEmpty(options.FieldManager) ? "unknown" : options.FieldManager;
        var definition = ServerSideApply.DefinitionFor(storageInfo.Group, storageInfo.Version, storageInfo.Kind);
        if (KubeJson.ToNode(obj, type) is not JsonObject newNode)
        {
            return obj;
        }

        var oldNode = JsonNode.Parse(oldJson) as JsonObject;
        var tracked = ServerSideApply.TrackUpdate(
            oldNode,
            newNode,
            manager,
            "Update",
            storageInfo.GroupVersion,
            now,
            subresource is "status" or "scale" ? subresource : null,
            definition: definition);
        return (IKubernetesObject<V1ObjectMeta>)KubeJson.FromNode(tracked, type)!;
    }
}
