using k8s.Models;

namespace KubeNet.Controllers.GarbageCollector;

/// <summary>processGraphChanges: how one change reshapes the graph and which objects it sends to the workers. Runs under the graph lock.</summary>
internal sealed partial class GraphBuilder
{
    private void Process(GraphEvent change)
    {
        var meta = change.Meta;
        var uid = meta.Uid;
        if (string.IsNullOrEmpty(uid))
        {
            return;
        }

        var observed = new ObjectIdentity(change.ApiVersion, change.Kind, meta.Name ?? string.Empty, uid, meta.NamespaceProperty ?? string.Empty);
        var found = _uidToNode.TryGetValue(uid, out var existing);
        if (found && !change.Virtual && existing!.Virtual)
        {
            // First sight of an object known only as someone's owner: dependents that named it by other coordinates
            // may hold a bad reference, so the workers look at them again.
            if (observed != existing.Identity)
            {
                foreach (var dep in Partition(existing.Dependents, observed).NonMatching)
                {
                    AttemptToDelete.Add(dep.Identity.Uid);
                }

                existing.Identity = observed;
            }

            existing.Virtual = false;
        }

        switch (change.Type)
        {
            case GraphEventType.Add or GraphEventType.Update when !found:
            {
                var node = new GraphNode(observed)
                {
                    Owners = Owners(meta),
                    BeingDeleted = meta.DeletionTimestamp is not null,
                    DeletingDependents = meta.DeletionTimestamp is not null && HasFinalizer(meta, ForegroundFinalizer),
                };
                _uidToNode[uid] = node;
                AddDependentToOwners(node, node.Owners);
                ProcessTransitions(change.Old, meta, node);
                break;
            }

            case GraphEventType.Add or GraphEventType.Update:
            {
                var node = existing!;
                if (!change.Virtual && (node.Identity.ApiVersion != change.ApiVersion || node.Identity.Kind != change.Kind))
                {
                    node.Identity = node.Identity with { ApiVersion = change.ApiVersion, Kind = change.Kind };
                }

                var owners = Owners(meta);
                var (added, removed, changed) = Diff(node.Owners, owners);
                if (added.Count + removed.Count + changed.Count > 0)
                {
                    AddUnblockedOwnersToDeleteQueue(removed, changed);
                    node.Owners = owners;
                    AddDependentToOwners(node, added);
                    RemoveDependentFromOwners(node, removed);
                }

                if (meta.DeletionTimestamp is not null)
                {
                    node.BeingDeleted = true;
                }

                ProcessTransitions(change.Old, meta, node);
                break;
            }

            case GraphEventType.Delete when found:
                ProcessDelete(change, existing!, observed);
                break;
        }
    }

    private void ProcessDelete(GraphEvent change, GraphNode existing, ObjectIdentity deleted)
    {
        var remove = true;
        if (change.Virtual)
        {
            if (existing.Virtual)
            {
                // Dependents may disagree on this owner's coordinates: keep the node for those that name it otherwise.
                var (matching, nonMatching) = Partition(existing.Dependents, deleted);
                if (nonMatching.Count > 0)
                {
                    remove = false;
                    if (matching.Count > 0)
                    {
                        Absent.Add(deleted);
                        foreach (var dep in matching)
                        {
                            AttemptToDelete.Add(dep.Identity.Uid);
                        }
                    }

                    if (existing.Identity == deleted && AlternateIdentity(nonMatching, deleted) is { } replacement)
                    {
                        existing.Identity = replacement;
                        AttemptToDelete.AddRateLimited(existing.Identity.Uid);
                    }
                }
            }
            else if (existing.Identity != deleted)
            {
                // The object exists by other coordinates: only the references that named the absent ones are wrong.
                remove = false;
                var matching = Partition(existing.Dependents, deleted).Matching;
                if (matching.Count > 0)
                {
                    Absent.Add(deleted);
                    foreach (var dep in matching)
                    {
                        AttemptToDelete.Add(dep.Identity.Uid);
                    }
                }
            }
        }

        if (!remove)
        {
            return;
        }

        _uidToNode.Remove(existing.Identity.Uid);
        RemoveDependentFromOwners(existing, existing.Owners);
        if (existing.Dependents.Count > 0)
        {
            Absent.Add(deleted);
        }

        foreach (var dep in existing.Dependents)
        {
            AttemptToDelete.Add(dep.Identity.Uid);
        }

        // An owner waiting for its dependents may be free to go now.
        foreach (var owner in existing.Owners)
        {
            if (_uidToNode.TryGetValue(owner.Uid, out var ownerNode) && ownerNode.DeletingDependents)
            {
                AttemptToDelete.Add(owner.Uid);
            }
        }
    }

    /// <summary>
    /// Adds <paramref name="node"/> to its owners' dependents, creating a virtual node for an owner not seen yet (the
    /// workers then ask the API server whether it exists).
    /// </summary>
    private void AddDependentToOwners(GraphNode node, IEnumerable<V1OwnerReference> owners)
    {
        var potentiallyInvalid = false;
        foreach (var owner in owners)
        {
            if (!_uidToNode.TryGetValue(owner.Uid, out var ownerNode))
            {
                ownerNode = new GraphNode(ObjectIdentity.Of(owner, node.Identity.Namespace)) { Virtual = true };
                _uidToNode[owner.Uid] = ownerNode;
                ownerNode.Dependents.Add(node);
                AttemptToDelete.Add(owner.Uid);
                continue;
            }

            ownerNode.Dependents.Add(node);
            if (potentiallyInvalid)
            {
                continue;
            }

            var ownerIsNamespaced = ownerNode.Identity.Namespace.Length > 0;
            if (ownerIsNamespaced && ownerNode.Identity.Namespace != node.Identity.Namespace)
            {
                // A namespaced owner must live in its dependent's namespace.
                potentiallyInvalid = true;
            }
            else if (!ownerNode.Identity.Matches(owner))
            {
                potentiallyInvalid = true;
            }
            else if (!ownerIsNamespaced && ownerNode.Identity.Namespace != node.Identity.Namespace && ownerNode.Virtual)
            {
                // A virtual cluster-scoped owner may be a missing namespaced object referenced from a cluster-scoped child.
                potentiallyInvalid = true;
            }
        }

        if (potentiallyInvalid)
        {
            AttemptToDelete.Add(node.Identity.Uid);
        }
    }

    private void RemoveDependentFromOwners(GraphNode node, IEnumerable<V1OwnerReference> owners)
    {
        foreach (var owner in owners)
        {
            if (_uidToNode.TryGetValue(owner.Uid, out var ownerNode))
            {
                ownerNode.Dependents.Remove(node);
            }
        }
    }

    /// <summary>A removed blocking reference, or one that stops blocking, may release an owner waiting in the foreground.</summary>
    private void AddUnblockedOwnersToDeleteQueue(List<V1OwnerReference> removed, List<(V1OwnerReference Old, V1OwnerReference New)> changed)
    {
        foreach (var r in removed.Where(r => r.BlockOwnerDeletion == true))
        {
            if (_uidToNode.ContainsKey(r.Uid))
            {
                AttemptToDelete.Add(r.Uid);
            }
        }

        foreach (var (old, now) in changed)
        {
            if (old.BlockOwnerDeletion == true && now.BlockOwnerDeletion != true && _uidToNode.ContainsKey(now.Uid))
            {
                AttemptToDelete.Add(now.Uid);
            }
        }
    }

    /// <summary>Deletion starting with the orphan finalizer goes to the orphan workers; with foregroundDeletion, its dependents are examined.</summary>
    private void ProcessTransitions(V1ObjectMeta? old, V1ObjectMeta meta, GraphNode node)
    {
        if (StartsDeletionWith(old, meta, OrphanFinalizer))
        {
            AttemptToOrphan.Add(node.Identity.Uid);
            return;
        }

        if (StartsDeletionWith(old, meta, ForegroundFinalizer))
        {
            node.DeletingDependents = true;
            foreach (var dep in node.Dependents)
            {
                AttemptToDelete.Add(dep.Identity.Uid);
            }

            AttemptToDelete.Add(node.Identity.Uid);
        }
    }

    private static bool StartsDeletionWith(V1ObjectMeta? old, V1ObjectMeta meta, string finalizer)
    {
        if (meta.DeletionTimestamp is null || !HasFinalizer(meta, finalizer))
        {
            return false;
        }

        return old is null || old.DeletionTimestamp is null || !HasFinalizer(old, finalizer);
    }

    public static bool HasFinalizer(V1ObjectMeta meta, string finalizer) => meta.Finalizers?.Contains(finalizer) == true;

    private static IReadOnlyList<V1OwnerReference> Owners(V1ObjectMeta meta) => meta.OwnerReferences is { Count: > 0 } refs ? [.. refs] : [];

    private static (List<V1OwnerReference> Added, List<V1OwnerReference> Removed, List<(V1OwnerReference Old, V1OwnerReference New)> Changed) Diff(
        IReadOnlyList<V1OwnerReference> old, IReadOnlyList<V1OwnerReference> now)
    {
        var byUid = new Dictionary<string, V1OwnerReference>(StringComparer.Ordinal);
        foreach (var r in old)
        {
            byUid[r.Uid] = r;
        }

        var added = new List<V1OwnerReference>();
        var changed = new List<(V1OwnerReference, V1OwnerReference)>();
        foreach (var r in now)
        {
            if (byUid.Remove(r.Uid, out var before))
            {
                if (!SameReference(before, r))
                {
                    changed.Add((before, r));
                }
            }
            else
            {
                added.Add(r);
            }
        }

        return (added, [.. byUid.Values], changed);
    }

    private static bool SameReference(V1OwnerReference a, V1OwnerReference b)
        => a.Uid == b.Uid && a.Name == b.Name && a.Kind == b.Kind && a.ApiVersion == b.ApiVersion
            && a.Controller == b.Controller && a.BlockOwnerDeletion == b.BlockOwnerDeletion;

    /// <summary>partitionDependents: dependents that reference <paramref name="owner"/> by exactly these coordinates, and those that do not.</summary>
    private static (List<GraphNode> Matching, List<GraphNode> NonMatching) Partition(IEnumerable<GraphNode> dependents, ObjectIdentity owner)
    {
        var matching = new List<GraphNode>();
        var nonMatching = new List<GraphNode>();
        var ownerIsNamespaced = owner.Namespace.Length > 0;
        foreach (var dep in dependents)
        {
            bool match = false, mismatch = false;
            if (ownerIsNamespaced && owner.Namespace != dep.Identity.Namespace)
            {
                mismatch = true;
            }
            else
            {
                foreach (var r in dep.Owners.Where(r => r.Uid == owner.Uid))
                {
                    if (owner.Matches(r))
                    {
                        match = true;
                    }
                    else
                    {
                        mismatch = true;
                    }
                }
            }

            if (match)
            {
                matching.Add(dep);
            }

            if (mismatch)
            {
                nonMatching.Add(dep);
            }
        }

        return (matching, nonMatching);
    }

    /// <summary>getAlternateOwnerIdentity: another way dependents name the same uid, to verify next.</summary>
    private static ObjectIdentity? AlternateIdentity(IEnumerable<GraphNode> dependents, ObjectIdentity absent)
    {
        var clusterScoped = absent.Namespace.Length == 0;
        var candidates = new SortedSet<ObjectIdentity>(Comparer<ObjectIdentity>.Create(Compare));
        foreach (var dep in dependents)
        {
            foreach (var r in dep.Owners.Where(r => r.Uid == absent.Uid))
            {
                if (absent.Matches(r) && (clusterScoped || absent.Namespace == dep.Identity.Namespace))
                {
                    continue;
                }

                var candidate = ObjectIdentity.Of(r, dep.Identity.Namespace);
                if (clusterScoped && candidate.ApiVersion == absent.ApiVersion && candidate.Kind == absent.Kind)
                {
                    candidate = candidate with { Namespace = string.Empty };
                }

                if (candidate != absent)
                {
                    candidates.Add(candidate);
                }
            }
        }

        if (candidates.Count == 0)
        {
            return null;
        }

        // The first alternative after the absent identity, wrapping around to the first.
        var following = candidates.FirstOrDefault(c => Compare(absent, c) < 0);
        return following != default ? following : candidates.Min;
    }

    private static int Compare(ObjectIdentity a, ObjectIdentity b)
    {
        var c = string.CompareOrdinal(a.Kind, b.Kind);
        if (c == 0)
        {
            c = string.CompareOrdinal(a.ApiVersion, b.ApiVersion);
        }

        if (c == 0)
        {
            c = string.CompareOrdinal(a.Namespace, b.Namespace);
        }

        if (c == 0)
        {
            c = string.CompareOrdinal(a.Name, b.Name);
        }

        return c == 0 ? string.CompareOrdinal(a.Uid, b.Uid) : c;
    }
}
