using k8s;
using k8s.Models;
using KubeNet.ApiMachinery.Errors;
using KubeNet.ApiMachinery.Json;
using KubeNet.ApiMachinery.Kinds;
using KubeNet.Storage;

namespace KubeNet.ApiServer.Registry;

/// <summary>
/// DELETE as kube-apiserver's Store.Delete: graceful deletion (rest.BeforeDelete), the garbage collector's finalizers
/// chosen from DeleteOptions (propagationPolicy, the legacy orphanDependents, else the kind's default policy), and
/// removal from storage only once no finalizer and no grace period holds the object.
/// </summary>
internal sealed partial class GenericStore
{
    /// <summary>metav1.FinalizerOrphanDependents: the garbage collector removes the owner from dependents first.</summary>
    public const string OrphanFinalizer = "orphan";

    /// <summary>metav1.FinalizerDeleteDependents: the garbage collector deletes blocking dependents first.</summary>
    public const string ForegroundFinalizer = "foregroundDeletion";

    public async ValueTask<Outcome<DeleteResponse>> DeleteAsync(ResourceInfo info, string? ns, string name, V1DeleteOptions options, bool dryRun, CancellationToken ct)
    {
        var strategy = strategies.For(StorageInfo(info));
        var key = KindCatalog.Key(info, ns, name);
        for (var attempt = 0; ; attempt++)
        {
            await cache.WaitUntilFreshAsync(ct);
            var current = ResourceCache.Get(cache.Snapshot(info).Items, key);
            if (current is null)
            {
                return NotFound(info, name);
            }

            var failed = CheckPreconditions(info, name, current, options.Preconditions);
            if (failed is not null)
            {
                return failed;
            }

            var admitted = await admission.AdmitDeleteAsync(info, current.Object, ct);
            if (admitted is not null)
            {
                return admitted;
            }

            var obj = ObjectCodec.Clone(current.Object);
            var meta = obj.Metadata;
            var now = KubeJson.TruncateToSeconds(time.GetUtcNow().UtcDateTime);
            var grace = BeforeDelete(strategy, obj, options, now);
            if (grace == Grace.Pending)
            {
                // A graceful deletion is under way and this request does not shorten it; finalizers cannot change now.
                return new DeleteResponse(current, Deleted: false);
            }

            var finalizers = FinalizersForGarbageCollection(strategy.DefaultGarbageCollectionPolicy(info), meta.Finalizers, options);
            if (finalizers is not null)
            {
                meta.Finalizers = finalizers.Count == 0 ? null : finalizers;
            }

            var pendingFinalizers = meta.Finalizers is { Count: > 0 } || strategy.AwaitsFinalization(obj);
            var graceful = grace == Grace.Graceful && (meta.DeletionGracePeriodSeconds ?? 0) > 0;
            if (pendingFinalizers || graceful)
            {
                if (!graceful)
                {
                    MarkAsDeleting(meta, now);
                }

                strategy.BeginDelete(obj);
                var marked = await MarkAsync(info, name, key, current, obj, dryRun, ct);
                if (marked.IsOk || attempt >= MaxConflictRetries || marked.Error!.Code != 409)
                {
                    return marked;
                }

                continue;
            }

            // Nothing holds the object (or its grace period was cut to zero): it goes now.
            if (dryRun)
            {
                return new DeleteResponse(current, Deleted: true);
            }

            var result = await cache.Store.DeleteAsync(key, current.ModRevision, ct);
            switch (result.Status)
            {
                case WriteStatus.Ok:
                    return new DeleteResponse(Written(obj, key, result.Revision), Deleted: true);
                case WriteStatus.NotFound:
                    return NotFound(info, name);
                default:
                    if (attempt < MaxConflictRetries)
                    {
                        continue;
                    }

                    return ApiError.Conflict(info.Group, info.Resource, name, ApiError.OptimisticLockMessage);
            }
        }
    }

    /// <summary>rest.ShouldDeleteDuringUpdate: an update that clears the last finalizer of an object deleted without grace removes it.</summary>
    private static bool ShouldDeleteDuringUpdate(IStrategy strategy, IKubernetesObject<V1ObjectMeta> obj, IKubernetesObject<V1ObjectMeta> old)
        => old.Metadata.DeletionTimestamp is not null
            && obj.Metadata.Finalizers is not { Count: > 0 }
            && (old.Metadata.DeletionGracePeriodSeconds ?? 0) == 0
            && !strategy.AwaitsFinalization(obj);

    private static ApiError? CheckPreconditions(ResourceInfo info, string name, StoredObject current, V1Preconditions? pre)
    {
        if (pre?.Uid is { Length: > 0 } uid && uid != current.Metadata.Uid)
        {
            return ApiError.Conflict(info.Group, info.Resource, name,
                $"Precondition failed: UID in precondition: {uid}, UID in object meta: {current.Metadata.Uid}");
        }

        if (pre?.ResourceVersion is { Length: > 0 } rv && rv != current.Metadata.ResourceVersion)
        {
            return ApiError.Conflict(info.Group, info.Resource, name,
                $"Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {current.Metadata.ResourceVersion}");
        }

        return null;
    }

    /// <summary>Writes the object marked for deletion; an unchanged object is not written again.</summary>
    private async ValueTask<Outcome<DeleteResponse>> MarkAsync(
        ResourceInfo info, string name, string key, StoredObject current, IKubernetesObject<V1ObjectMeta> obj, bool dryRun, CancellationToken ct)
    {
        obj.Metadata.ResourceVersion = current.Metadata.ResourceVersion;
        var bytes = ObjectCodec.Encode(obj);
        if (bytes.AsSpan().SequenceEqual(current.Json))
        {
            return new DeleteResponse(current, Deleted: false);
        }

        if (dryRun)
        {
            return new DeleteResponse(new StoredObject { Key = key, ModRevision = current.ModRevision, Object = obj, Json = bytes }, Deleted: false);
        }

        obj.Metadata.ResourceVersion = null;
        var updated = await cache.Store.UpdateAsync(key, ObjectCodec.Encode(obj), current.ModRevision, ct);
        return updated.Status switch
        {
            WriteStatus.Ok => new DeleteResponse(Written(obj, key, updated.Revision), Deleted: false),
            WriteStatus.NotFound => NotFound(info, name),
            _ => ApiError.Conflict(info.Group, info.Resource, name, ApiError.OptimisticLockMessage),
        };
    }

    private enum Grace
    {
        /// <summary>No grace period applies: the object goes now unless finalizers hold it.</summary>
        None,

        /// <summary>deletionTimestamp and deletionGracePeriodSeconds were set or shortened on the copy.</summary>
        Graceful,

        /// <summary>A graceful deletion is already under way and this request changes nothing.</summary>
        Pending,
    }

    /// <summary>rest.BeforeDelete: starts or shortens a graceful deletion on <paramref name="obj"/>.</summary>
    private static Grace BeforeDelete(IStrategy strategy, IKubernetesObject<V1ObjectMeta> obj, V1DeleteOptions options, DateTime now)
    {
        var meta = obj.Metadata;

        // Negative grace periods mean one second on the delete path.
        if (options.GracePeriodSeconds < 0)
        {
            options.GracePeriodSeconds = 1;
        }

        if (meta.DeletionGracePeriodSeconds < 0)
        {
            meta.DeletionGracePeriodSeconds = 1;
        }

        if (meta.DeletionTimestamp is DateTime pending)
        {
            // Already being deleted: without a grace period the object may go now; with one, only a shorter one changes it.
            var existing = meta.DeletionGracePeriodSeconds ?? 0;
            if (existing == 0)
            {
                return Grace.None;
            }

            if (options.GracePeriodSeconds is not long period || period >= existing)
            {
                return Grace.Pending;
            }

            meta.DeletionTimestamp = pending.AddSeconds(period - existing);
            meta.DeletionGracePeriodSeconds = period;
            return Grace.Graceful;
        }

        if (!strategy.IsGracefulDelete(obj, options, out var grace))
        {
            return Grace.None;
        }

        meta.DeletionTimestamp = now.AddSeconds(grace);
        meta.DeletionGracePeriodSeconds = grace;
        if (meta.Generation is > 0)
        {
            meta.Generation++;
        }

        return Grace.Graceful;
    }

    /// <summary>markAsDeleting: an object kept by finalizers gets deletionTimestamp now and no grace period.</summary>
    private static void MarkAsDeleting(V1ObjectMeta meta, DateTime now)
    {
        if (meta.DeletionTimestamp is null && meta.Generation is > 0)
        {
            meta.Generation++;
        }

        if (meta.DeletionTimestamp is null || meta.DeletionTimestamp > now)
        {
            meta.DeletionTimestamp = now;
        }

        meta.DeletionGracePeriodSeconds = 0;
    }

    /// <summary>
    /// deletionFinalizersForGarbageCollection: the finalizers the object should carry for the requested propagation, or
    /// null when they already match. Orphan adds "orphan", Foreground adds "foregroundDeletion", Background removes both.
    /// </summary>
    internal static List<string>? FinalizersForGarbageCollection(GarbageCollectionPolicy policy, IList<string>? finalizers, V1DeleteOptions options)
    {
        var existing = finalizers ?? [];
        var orphan = ShouldOrphanDependents(policy, existing, options);
        var foreground = ShouldDeleteDependents(policy, existing, options);
        var wanted = existing.Where(f => f is not (OrphanFinalizer or ForegroundFinalizer)).ToList();
        if (orphan)
        {
            wanted.Add(OrphanFinalizer);
        }

        if (foreground)
        {
            wanted.Add(ForegroundFinalizer);
        }

        return new HashSet<string>(existing, StringComparer.Ordinal).SetEquals(wanted) ? null : wanted;
    }

    private static bool ShouldOrphanDependents(GarbageCollectionPolicy policy, IList<string> finalizers, V1DeleteOptions options)
    {
        if (policy == GarbageCollectionPolicy.Unsupported)
        {
            return false;
        }

        // An explicit choice in the request overrides everything.
        if (options.OrphanDependents is bool orphan)
        {
            return orphan;
        }

        switch (options.PropagationPolicy)
        {
            case "Orphan":
                return true;
            case "Background" or "Foreground":
                return false;
        }

        // A finalizer already on the object overrides the kind's default.
        foreach (var f in finalizers)
        {
            switch (f)
            {
                case OrphanFinalizer:
                    return true;
                case ForegroundFinalizer:
                    return false;
            }
        }

        return policy == GarbageCollectionPolicy.OrphanDependents;
    }

    private static bool ShouldDeleteDependents(GarbageCollectionPolicy policy, IList<string> finalizers, V1DeleteOptions options)
    {
        if (policy == GarbageCollectionPolicy.Unsupported || options.OrphanDependents is not null)
        {
            return false;
        }

        switch (options.PropagationPolicy)
        {
            case "Foreground":
                return true;
            case "Background" or "Orphan":
                return false;
        }

        foreach (var f in finalizers)
        {
            switch (f)
            {
                case ForegroundFinalizer:
                    return true;
                case OrphanFinalizer:
                    return false;
            }
        }

        return false;
    }
}
