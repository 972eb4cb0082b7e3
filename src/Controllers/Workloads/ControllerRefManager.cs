using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using KubeNet.ApiMachinery.Selectors;

namespace KubeNet.Controllers.Workloads;

/// <summary>
/// controller.BaseControllerRefManager: a controller claims the objects its selector matches. It keeps those it
/// already controls, adopts matching orphans (after rechecking with a live read that it is not being deleted) and
/// releases objects it controls that no longer match. Adoption and release are strategic merge patches guarded by the
/// object's UID, exactly as upstream sends them.
/// </summary>
internal sealed class ControllerRefManager<T>(
    V1ObjectMeta controller,
    string apiVersion,
    string kind,
    LabelSelector selector,
    Func<CancellationToken, Task<V1ObjectMeta>> recheck,
    Func<string, string, CancellationToken, Task> patch,
    IReadOnlyList<string>? finalizers = null)
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private bool? _canAdopt;

    /// <summary>The objects this controller owns after adopting and releasing; errors are collected and rethrown.</summary>
    public async Task<List<T>> ClaimAsync(IEnumerable<T> objects, Func<T, bool>? filter, CancellationToken ct)
    {
        var claimed = new List<T>();
        var errors = new List<Exception>();
        foreach (var obj in objects)
        {
            try
            {
                if (await ClaimOneAsync(obj, filter, ct))
                {
                    claimed.Add(obj);
                }
            }
            catch (Exception ex) when (ApiErrors.IsTransient(ex) || ex is InvalidOperationException)
            {
                errors.Add(ex);
            }
        }

        if (errors.Count > 0)
        {
            throw errors.Count == 1 ? errors[0] : new AggregateException(errors);
        }

        return claimed;
    }

    private bool Matches(T obj, Func<T, bool>? filter)
    {
        var labels = obj.Metadata.Labels;
        IReadOnlyDictionary<string, string>? view = labels is null ? null : labels as IReadOnlyDictionary<string, string> ?? labels.AsReadOnly();
        return selector.Matches(view) && (filter is null || filter(obj));
    }

    private async Task<bool> ClaimOneAsync(T obj, Func<T, bool>? filter, CancellationToken ct)
    {
        var reference = Objects.ControllerOf(obj.Metadata);
        if (reference is not null)
        {
            if (reference.Uid != controller.Uid)
            {
                return false;
            }

            if (Matches(obj, filter))
            {
                return true;
            }

            if (controller.DeletionTimestamp is not null)
            {
                return false;
            }

            await IgnoringGoneAsync(() => patch(obj.Metadata.Name, ReleasePatch(obj), ct));
            return false;
        }

        if (controller.DeletionTimestamp is not null || !Matches(obj, filter) || obj.Metadata.DeletionTimestamp is not null
            || (!string.IsNullOrEmpty(controller.NamespaceProperty) && controller.NamespaceProperty != obj.Metadata.NamespaceProperty))
        {
            return false;
        }

        await CanAdoptAsync(ct);
        try
        {
            await patch(obj.Metadata.Name, AdoptPatch(obj), ct);
            return true;
        }
        catch (Exception ex) when (ApiErrors.IsNotFound(ex))
        {
            return false;
        }
    }

    // RecheckDeletionTimestamp: adopting for an owner that is being deleted would orphan the object again at once.
    private async Task CanAdoptAsync(CancellationToken ct)
    {
        _canAdopt ??= (await recheck(ct)).DeletionTimestamp is null;
        if (_canAdopt == false)
        {
            throw new InvalidOperationException($"{controller.NamespaceProperty}/{controller.Name} has just been deleted");
        }
    }

    private static async Task IgnoringGoneAsync(Func<Task> release)
    {
        try
        {
            await release();
        }
        catch (Exception ex) when (ApiErrors.IsNotFound(ex) || ApiErrors.IsInvalid(ex))
        {
            // Gone, or no longer ours: nothing left to release.
        }
    }

    private string AdoptPatch(T obj)
    {
        var meta = new JsonObject
        {
            ["ownerReferences"] = new JsonArray(new JsonObject
            {
                ["apiVersion"] = apiVersion,
                ["kind"] = kind,
                ["name"] = controller.Name,
                ["uid"] = controller.Uid,
                ["controller"] = true,
                ["blockOwnerDeletion"] = true,
            }),
            ["uid"] = obj.Metadata.Uid,
        };
        if (finalizers is { Count: > 0 })
        {
            meta["finalizers"] = new JsonArray([.. finalizers.Select(f => (JsonNode)f)]);
        }

        return new JsonObject { ["metadata"] = meta }.ToJsonString();
    }

    private string ReleasePatch(T obj)
    {
        var meta = new JsonObject
        {
            ["ownerReferences"] = new JsonArray(new JsonObject { ["$patch"] = "delete", ["uid"] = controller.Uid }),
            ["uid"] = obj.Metadata.Uid,
        };
        if (finalizers is { Count: > 0 })
        {
            meta["$deleteFromPrimitiveList/finalizers"] = new JsonArray([.. finalizers.Select(f => (JsonNode)f)]);
        }

        return new JsonObject { ["metadata"] = meta }.ToJsonString();
    }
}
