using System.Text.Json;
using k8s;
using k8s.Models;
using KubeNet.ApiMachinery.Selectors;

namespace KubeNet.Controllers.Common;

/// <summary>
/// controller.BaseControllerRefManager with its pod and ReplicaSet flavours: a controller claims the objects its
/// selector matches. Orphans that match are adopted (a patch adds a controller reference), owned objects that no longer
/// match are released (a patch deletes the reference), objects owned by others are left alone. Nothing is adopted
/// while the controller is being deleted, and the first adoption of a pass re-reads the controller uncached
/// (<paramref name="canAdopt"/>) so a controller deleted a moment ago adopts nothing.
/// </summary>
internal sealed class ControllerRefManager(
    V1ObjectMeta controller, string apiVersion, string kind, LabelSelector selector, Func<CancellationToken, Task> canAdopt)
{
    private Task? _canAdopt;

    public V1ObjectMeta Controller { get; } = controller;

    /// <summary>The outcome of a claim: the objects now owned, and the first error if some adoption or release failed.</summary>
    public sealed record Claim<T>(List<T> Claimed, Exception? Error);

    /// <summary>
    /// Claims <paramref name="objects"/>. <paramref name="patch"/> sends a strategic merge patch to one object;
    /// <paramref name="filter"/> further narrows what matches (the selector is checked first).
    /// </summary>
    public async Task<Claim<T>> ClaimAsync<T>(
        IEnumerable<T> objects, Func<T, string, CancellationToken, Task> patch, CancellationToken ct, Func<T, bool>? filter = null)
        where T : IMetadata<V1ObjectMeta>
    {
        var claimed = new List<T>();
        Exception? error = null;
        bool Match(T o) => LabelSets.Matches(selector, o.Metadata) && (filter is null || filter(o));
        foreach (var obj in objects)
        {
            // The common cases need no write: owned by someone else, or ours and still matching.
            if (ControllerRefs.GetControllerOf(obj.Metadata) is { } owner && (owner.Uid != Controller.Uid || Match(obj)))
            {
                if (owner.Uid == Controller.Uid)
                {
                    claimed.Add(obj);
                }

                continue;
            }

            try
            {
                if (await ClaimObjectAsync(obj, Match, patch, ct))
                {
                    claimed.Add(obj);
                }
            }
            catch (Exception ex) when (ApiErrors.IsTransient(ex) || ex is InvalidOperationException)
            {
                error ??= ex;
            }
        }

        return new Claim<T>(claimed, error);
    }

    private async Task<bool> ClaimObjectAsync<T>(T obj, Func<T, bool> match, Func<T, string, CancellationToken, Task> patch, CancellationToken ct)
        where T : IMetadata<V1ObjectMeta>
    {
        var meta = obj.Metadata;
        if (ControllerRefs.GetControllerOf(meta) is { } controllerRef)
        {
            if (controllerRef.Uid != Controller.Uid)
            {
                return false;
            }

            if (match(obj))
            {
                // Already ours and still matching: claiming needs no write, so it is allowed even while being deleted.
                return true;
            }

            if (Controller.DeletionTimestamp is not null)
            {
                return false;
            }

            try
            {
                await patch(obj, ReleasePatch(Controller.Uid, meta.Uid), ct);
            }
            catch (Exception ex) when (ApiErrors.IsNotFound(ex) || ApiErrors.IsInvalid(ex))
            {
                // Gone, or recreated with another UID: nothing left to release.
            }

            return false;
        }

        if (Controller.DeletionTimestamp is not null || !match(obj) || meta.DeletionTimestamp is not null)
        {
            return false;
        }

        if (!string.IsNullOrEmpty(Controller.NamespaceProperty) && Controller.NamespaceProperty != meta.NamespaceProperty)
        {
            return false;
        }

        await (_canAdopt ??= canAdopt(ct));
        try
        {
            await patch(obj, AdoptPatch(apiVersion, kind, Controller, meta.Uid), ct);
        }
        catch (Exception ex) when (ApiErrors.IsNotFound(ex))
        {
            return false;
        }

        return true;
    }

    /// <summary>
    /// controller.RecheckDeletionTimestamp: adoption is refused when a fresh read shows the controller deleted,
    /// being deleted, or replaced by another object of the same name.
    /// </summary>
    public static Func<CancellationToken, Task> RecheckDeletionTimestamp(V1ObjectMeta cached, Func<CancellationToken, Task<V1ObjectMeta>> read) =>
        async ct =>
        {
            V1ObjectMeta fresh;
            try
            {
                fresh = await read(ct);
            }
            catch (Exception ex) when (ApiErrors.IsTransient(ex))
            {
                throw new InvalidOperationException($"can't recheck DeletionTimestamp: {ApiErrors.Message(ex)}", ex);
            }

            if (fresh.Uid != cached.Uid)
            {
                throw new InvalidOperationException($"original {cached.NamespaceProperty}/{cached.Name} is gone: got uid {fresh.Uid}, wanted {cached.Uid}");
            }

            if (fresh.DeletionTimestamp is not null)
            {
                throw new InvalidOperationException($"{fresh.NamespaceProperty}/{fresh.Name} has just been deleted at {fresh.DeletionTimestamp:O}");
            }
        };

    /// <summary>The adoption patch; the object's UID makes it fail on an object recreated under the same name.</summary>
    public static string AdoptPatch(string apiVersion, string kind, V1ObjectMeta owner, string uid) => JsonSerializer.Serialize(new
    {
        metadata = new
        {
            ownerReferences = new[] { new { apiVersion, kind, name = owner.Name, uid = owner.Uid, controller = true, blockOwnerDeletion = true } },
            uid,
        },
    });

    public static string ReleasePatch(string ownerUid, string uid) =>
        "{\"metadata\":{\"ownerReferences\":[{\"$patch\":\"delete\",\"uid\":" + JsonSerializer.Serialize(ownerUid) + "}],\"uid\":" + JsonSerializer.Serialize(uid) + "}}";
}
