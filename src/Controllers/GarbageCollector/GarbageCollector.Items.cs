using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using KubeNet.Controllers.Discovery;
using Microsoft.Extensions.Logging;

namespace KubeNet.Controllers.GarbageCollector;

/// <summary>What the workers do with one object: attemptToDeleteItem, processDeletingDependentsItem and orphanDependents.</summary>
public sealed partial class GarbageCollector
{
    private const int ConflictRetries = 5;

    private enum ItemResult
    {
        /// <summary>Handled; look again if the node is still virtual.</summary>
        Done,

        /// <summary>Nothing more to do for this item (gone, or a virtual delete will remove it).</summary>
        Forget,
    }

    /// <summary>
    /// Deletes the object when none of its owners exists any more (with the policy its own finalizers ask for), drops
    /// references to absent owners and to owners waiting in the foreground when a live owner remains, and deletes in
    /// the foreground an object that has dependents of its own while its owner waits for it.
    /// </summary>
    private async Task<ItemResult> AttemptToDeleteItemAsync(string uid, CancellationToken ct)
    {
        ObjectIdentity identity;
        bool beingDeleted, deletingDependents;
        lock (_graph.GraphLock)
        {
            var node = _graph.Node(uid);
            if (node is null)
            {
                return ItemResult.Forget;
            }

            identity = node.Identity;
            beingDeleted = node.BeingDeleted;
            deletingDependents = node.DeletingDependents;
        }

        // Being deleted is a one-way trip: its dependents are looked at once it is gone.
        if (beingDeleted && !deletingDependents)
        {
            return ItemResult.Done;
        }

        var resource = Mapping(identity.ApiVersion, identity.Kind);
        var latest = await _rest.GetMetadataAsync(resource, identity.Namespace, identity.Name, ct);
        if (latest is null || latest.Uid != identity.Uid)
        {
            _graph.EnqueueVirtualDelete(identity);
            return ItemResult.Forget;
        }

        if (deletingDependents)
        {
            await ProcessDeletingDependentsAsync(uid, identity, ct);
            return ItemResult.Done;
        }

        var owners = latest.OwnerReferences ?? [];
        if (owners.Count == 0)
        {
            return ItemResult.Done;
        }

        List<V1OwnerReference> solid = [], dangling = [], waiting = [];
        try
        {
            foreach (var owner in owners)
            {
                var (isDangling, ownerMeta) = await IsDanglingAsync(owner, identity, ct);
                if (isDangling)
                {
                    dangling.Add(owner);
                }
                else if (ownerMeta!.DeletionTimestamp is not null && GraphBuilder.HasFinalizer(ownerMeta, GraphBuilder.ForegroundFinalizer))
                {
                    waiting.Add(owner);
                }
                else
                {
                    solid.Add(owner);
                }
            }
        }
        catch (NamespacedOwnerException)
        {
            // A cluster-scoped object cannot be owned by a namespaced one; retrying will not change that.
            LogInvalidOwner(identity.ToString());
            return ItemResult.Forget;
        }

        if (solid.Count > 0)
        {
            if (dangling.Count + waiting.Count > 0)
            {
                // Owners waiting for their dependents must not wait for this one, which a live owner keeps.
                await RemoveOwnerReferencesAsync(resource, identity, [.. dangling.Select(o => o.Uid), .. waiting.Select(o => o.Uid)], ct);
            }

            return ItemResult.Done;
        }

        bool hasDependents, dependentDeletingDependents;
        lock (_graph.GraphLock)
        {
            var node = _graph.Node(uid);
            hasDependents = node is { Dependents.Count: > 0 };
            dependentDeletingDependents = node?.Dependents.Any(d => d.DeletingDependents) == true;
        }

        if (waiting.Count > 0 && hasDependents)
        {
            if (dependentDeletingDependents)
            {
                // Possibly a cycle of foreground deletions: stop blocking the owners, or each would wait for the other.
                await UnblockOwnerReferencesAsync(resource, identity, ct);
            }

            return await DeleteObjectAsync(resource, identity, latest, "Foreground", ct);
        }

        var policy = GraphBuilder.HasFinalizer(latest, GraphBuilder.OrphanFinalizer) ? "Orphan"
            : GraphBuilder.HasFinalizer(latest, GraphBuilder.ForegroundFinalizer) ? "Foreground"
            : "Background";
        LogDeleting(identity.ToString(), policy);
        return await DeleteObjectAsync(resource, identity, latest, policy, ct);
    }

    /// <summary>An owner deleted in the foreground: its blocking dependents are deleted first; with none left, it goes.</summary>
    private async Task ProcessDeletingDependentsAsync(string uid, ObjectIdentity identity, CancellationToken ct)
    {
        List<string> blocking;
        lock (_graph.GraphLock)
        {
            var node = _graph.Node(uid);
            if (node is null)
            {
                return;
            }

            blocking = [.. node.BlockingDependents().Select(d => d.DeletingDependents ? string.Empty : d.Identity.Uid)];
        }

        if (blocking.Count == 0)
        {
            await RemoveFinalizerAsync(identity, GraphBuilder.ForegroundFinalizer, ct);
            return;
        }

        foreach (var dependent in blocking.Where(d => d.Length > 0))
        {
            _attemptToDelete.Add(dependent);
        }
    }

    /// <summary>An owner deleted with the orphan finalizer: every dependent loses its reference, then the finalizer goes.</summary>
    private async Task OrphanDependentsAsync(string uid, CancellationToken ct)
    {
        ObjectIdentity owner;
        List<ObjectIdentity> dependents;
        lock (_graph.GraphLock)
        {
            var node = _graph.Node(uid);
            if (node is null)
            {
                return;
            }

            owner = node.Identity;
            dependents = [.. node.Dependents.Select(d => d.Identity)];
        }

        await Parallel.ForEachAsync(dependents, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (dependent, token) =>
            await RemoveOwnerReferencesAsync(Mapping(dependent.ApiVersion, dependent.Kind), dependent, [owner.Uid], token));
        await RemoveFinalizerAsync(owner, GraphBuilder.OrphanFinalizer, ct);
    }

    /// <summary>isDangling: the referenced owner does not exist (by name and uid), answered from the absent cache or the API.</summary>
    private async Task<(bool Dangling, V1ObjectMeta? Owner)> IsDanglingAsync(V1OwnerReference reference, ObjectIdentity item, CancellationToken ct)
    {
        var absentKey = ObjectIdentity.Of(reference, string.Empty);
        if (_graph.Absent.Has(absentKey) || _graph.Absent.Has(absentKey with { Namespace = item.Namespace }))
        {
            return (true, null);
        }

        var resource = Mapping(reference.ApiVersion, reference.Kind);
        if (resource.Namespaced)
        {
            if (item.Namespace.Length == 0)
            {
                throw new NamespacedOwnerException();
            }

            absentKey = absentKey with { Namespace = item.Namespace };
        }

        var owner = await _rest.GetMetadataAsync(resource, item.Namespace, reference.Name, ct);
        if (owner is null || owner.Uid != reference.Uid)
        {
            _graph.Absent.Add(absentKey);
            return (true, null);
        }

        return (false, owner);
    }

    /// <summary>
    /// deleteObject: deletes with the uid and resourceVersion seen as preconditions. When only the resourceVersion moved
    /// and the owners are unchanged, it tries once more on the uid alone.
    /// </summary>
    private async Task<ItemResult> DeleteObjectAsync(ApiResource resource, ObjectIdentity identity, V1ObjectMeta latest, string policy, CancellationToken ct)
    {
        var path = resource.ObjectPath(identity.Namespace, identity.Name);
        var code = await _rest.DeleteAsync(path, Options(identity.Uid, latest.ResourceVersion, policy), ct);
        if (code == HttpStatusCode.Conflict)
        {
            var live = await _rest.GetMetadataAsync(resource, identity.Namespace, identity.Name, ct);
            if (live is null)
            {
                return ItemResult.Done;
            }

            if (live.Uid == identity.Uid && SameOwners(live.OwnerReferences, latest.OwnerReferences))
            {
                code = await _rest.DeleteAsync(path, Options(identity.Uid, null, policy), ct);
            }
        }

        switch (code)
        {
            case HttpStatusCode.NotFound:
                _graph.EnqueueVirtualDelete(identity);
                return ItemResult.Forget;
            case HttpStatusCode.Conflict or HttpStatusCode.MethodNotAllowed:
                throw new HttpRequestException($"deleting {identity}: {(int)code}", null, code);
            default:
                return ItemResult.Done;
        }

        static V1DeleteOptions Options(string uid, string? resourceVersion, string policy) => new()
        {
            PropagationPolicy = policy,
            Preconditions = new V1Preconditions { Uid = uid, ResourceVersion = resourceVersion },
        };
    }

    private Task RemoveOwnerReferencesAsync(ApiResource resource, ObjectIdentity identity, IReadOnlyCollection<string> ownerUids, CancellationToken ct)
        => PatchMetadataAsync(resource, identity, meta =>
        {
            var refs = meta.OwnerReferences ?? [];
            var kept = refs.Where(r => !ownerUids.Contains(r.Uid)).ToList();
            return kept.Count == refs.Count ? null : ("ownerReferences", References(kept));
        }, ct);

    private Task UnblockOwnerReferencesAsync(ApiResource resource, ObjectIdentity identity, CancellationToken ct)
        => PatchMetadataAsync(resource, identity, meta =>
        {
            var refs = meta.OwnerReferences ?? [];
            if (!refs.Any(r => r.BlockOwnerDeletion == true))
            {
                return null;
            }

            foreach (var r in refs.Where(r => r.BlockOwnerDeletion == true))
            {
                r.BlockOwnerDeletion = false;
            }

            return ("ownerReferences", References(refs));
        }, ct);

    private Task RemoveFinalizerAsync(ObjectIdentity identity, string finalizer, CancellationToken ct)
        => PatchMetadataAsync(Mapping(identity.ApiVersion, identity.Kind), identity, meta =>
        {
            if (!GraphBuilder.HasFinalizer(meta, finalizer))
            {
                return null;
            }

            var kept = meta.Finalizers!.Where(f => f != finalizer).ToList();
            return ("finalizers", kept.Count == 0 ? null : new JsonArray([.. kept.Select(f => (JsonNode)JsonValue.Create(f))]));
        }, ct);

    /// <summary>
    /// Reads the object, lets <paramref name="change"/> compute one metadata member from it, and writes that member with
    /// a merge patch pinned to the resourceVersion read; a conflict reads and tries again.
    /// </summary>
    private async Task PatchMetadataAsync(ApiResource resource, ObjectIdentity identity, Func<V1ObjectMeta, (string Member, JsonNode? Value)?> change, CancellationToken ct)
    {
        var path = resource.ObjectPath(identity.Namespace, identity.Name);
        for (var attempt = 0; attempt < ConflictRetries; attempt++)
        {
            var meta = await _rest.GetMetadataAsync(resource, identity.Namespace, identity.Name, ct);
            if (meta is null || meta.Uid != identity.Uid || change(meta) is not { } patch)
            {
                return;
            }

            var body = new JsonObject
            {
                ["metadata"] = new JsonObject { ["resourceVersion"] = meta.ResourceVersion, [patch.Member] = patch.Value },
            };
            var code = await _rest.MergePatchAsync(path, body.ToJsonString(), ct);
            if (code != HttpStatusCode.Conflict)
            {
                return;
            }
        }

        throw new HttpRequestException($"patching {identity}: conflicts {ConflictRetries} times in a row", null, HttpStatusCode.Conflict);
    }

    private static JsonNode? References(IList<V1OwnerReference> refs) => refs.Count == 0 ? null : JsonNode.Parse(KubernetesJson.Serialize(refs));

    private static bool SameOwners(IList<V1OwnerReference>? a, IList<V1OwnerReference>? b)
        => KubernetesJson.Serialize(a ?? []) == KubernetesJson.Serialize(b ?? []);

    private ApiResource Mapping(string apiVersion, string kind)
        => _discovery?.ForKind(apiVersion, kind) ?? throw new RestMappingException($"no resource is served for {apiVersion}, Kind={kind}");

    [LoggerMessage(EventId = 4705, Level = LogLevel.Debug, Message = "Garbage collector: deleting {Item} with propagation {Policy}")]
    private partial void LogDeleting(string item, string policy);

    [LoggerMessage(EventId = 4706, Level = LogLevel.Information, Message = "Garbage collector: {Item} is cluster-scoped but refers to a namespaced owner; ignored")]
    private partial void LogInvalidOwner(string item);
}

/// <summary>A cluster-scoped object names a namespaced owner (namespacedOwnerOfClusterScopedObjectErr).</summary>
internal sealed class NamespacedOwnerException : Exception;
