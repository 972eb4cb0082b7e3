using System.Text.Json.Nodes;

namespace KubeNet.ApiMachinery.Apply;

internal sealed record FieldConflict(ManagerId Manager, PathElement[] Path)
{
    public string Field => FieldPath.ToString(Path);
}

// The structured-merge-diff updater: computes ownership for updates and merges, prunes and checks
// conflicts for applies. Every manager's set is treated as being of the current apiVersion: this
// server keeps one schema per kind and no conversions between versions.
internal sealed class Updater(SchemaType type, FieldSet? ignored)
{
    private FieldSet Filter(FieldSet set) => ignored is null || ignored.IsEmpty ? set : set.RecursiveDifference(ignored);

    // Other managers lose the fields this write changed (a conflict unless forced) and the fields it
    // removed; managers left with nothing are dropped.
    private Comparison? UpdateCore(JsonNode oldObj, JsonNode newObj, Dictionary<ManagerId, VersionedSet> managers, ManagerId workflow, bool force, out List<FieldConflict> conflicts)
    {
        conflicts = [];
        var compare = Comparison.Of(type, oldObj, newObj).ExcludeFields(ignored);
        var changed = compare.Modified.Union(compare.Added);
        var conflictSets = new Dictionary<ManagerId, FieldSet>();
        foreach (var (manager, vs) in managers.OrderBy(p => p.Key.Identifier, StringComparer.Ordinal))
        {
            if (manager == workflow)
            {
                continue;
            }
            var conflictSet = vs.Set.Intersection(changed);
            if (!conflictSet.IsEmpty)
            {
                conflictSets[manager] = conflictSet;
                conflicts.AddRange(conflictSet.Paths().Select(p => new FieldConflict(manager, p)));
            }
        }
        if (!force && conflicts.Count > 0)
        {
            return null;
        }
        conflicts = [];
        foreach (var manager in managers.Keys.ToList())
        {
            if (manager == workflow)
            {
                continue;
            }
            var vs = managers[manager];
            var set = vs.Set;
            if (conflictSets.TryGetValue(manager, out var conflictSet))
            {
                set = set.Difference(conflictSet);
            }
            if (!compare.Removed.IsEmpty)
            {
                set = set.Difference(compare.Removed);
            }
            managers[manager] = vs with { Set = set };
        }
        foreach (var manager in managers.Where(p => p.Value.Set.IsEmpty).Select(p => p.Key).ToList())
        {
            managers.Remove(manager);
        }
        return compare;
    }

    public void Update(JsonNode liveObj, JsonNode newObj, string version, Dictionary<ManagerId, VersionedSet> managers, ManagerId manager)
    {
        var compare = UpdateCore(liveObj, newObj, managers, manager, force: true, out _)!;
        var previous = managers.TryGetValue(manager, out var vs) ? vs.Set : new FieldSet();
        var set = Filter(previous.Difference(compare.Removed).Union(compare.Modified).Union(compare.Added));
        if (set.IsEmpty)
        {
            managers.Remove(manager);
        }
        else
        {
            managers[manager] = new VersionedSet(set, version, false);
        }
    }

    // Returns the merged object, or null with conflicts, or null with no conflicts when the apply
    // changes nothing.
    public JsonNode? Apply(JsonNode liveObj, JsonNode configObj, string version, Dictionary<ManagerId, VersionedSet> managers, ManagerId manager, bool force, out List<FieldConflict> conflicts, out List<ValidationError> errors)
    {
        conflicts = [];
        var merged = TypedMerge.Merge(type, liveObj, configObj, out errors) ?? new JsonObject();
        if (errors.Count > 0)
        {
            return null;
        }
        var lastSet = managers.TryGetValue(manager, out var last) ? last.Set : null;
        managers[manager] = new VersionedSet(Filter(Typed.ToFieldSet(type, configObj)), version, true);
        var newObj = Prune(merged, managers, lastSet);
        if (UpdateCore(liveObj, newObj, managers, manager, force, out conflicts) is null)
        {
            return null;
        }
        return JsonValues.Equal(liveObj, newObj) ? null : newObj;
    }

    // Removes what the applier applied last time and no longer applies, unless another manager
    // (or the applier's new configuration) owns it.
    private JsonNode Prune(JsonNode merged, Dictionary<ManagerId, VersionedSet> managers, FieldSet? lastSet)
    {
        if (lastSet is null || lastSet.IsEmpty)
        {
            return merged;
        }
        var last = lastSet.EnsureNamedFieldsAreMembers(type);
        var pruned = Remove(merged, last);

        var managed = new FieldSet();
        foreach (var vs in managers.Values)
        {
            managed = managed.Union(vs.Set);
        }
        var mergedSet = Typed.ToFieldSet(type, merged).EnsureNamedFieldsAreMembers(type);
        var prunedSet = Typed.ToFieldSet(type, pruned).EnsureNamedFieldsAreMembers(type);
        pruned = Remove(merged, mergedSet.Difference(prunedSet.Union(managed.EnsureNamedFieldsAreMembers(type))));

        // Only what the applier owned last time may go: unowned or updater-owned values stay.
        prunedSet = Typed.ToFieldSet(type, pruned).EnsureNamedFieldsAreMembers(type);
        return Remove(merged, mergedSet.Difference(prunedSet).Intersection(last));
    }

    private JsonNode Remove(JsonNode value, FieldSet toRemove) =>
        toRemove.IsEmpty ? value : Typed.RemoveItems(type, value, toRemove, out _) ?? new JsonObject();
}
