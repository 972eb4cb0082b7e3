using k8s.Models;

namespace KubeNet.Controllers.GarbageCollector;

/// <summary>An object's coordinates as an owner reference names them, plus its namespace (empty when cluster-scoped).</summary>
internal readonly record struct ObjectIdentity(string ApiVersion, string Kind, string Name, string Uid, string Namespace)
{
    public static ObjectIdentity Of(V1OwnerReference owner, string ns) => new(owner.ApiVersion, owner.Kind, owner.Name, owner.Uid, ns);

    /// <summary>ownerReferenceMatchesCoordinates: a reference names this object when all four coordinates agree.</summary>
    public bool Matches(V1OwnerReference owner)
        => owner.Uid == Uid && owner.Name == Name && owner.Kind == Kind && owner.ApiVersion == ApiVersion;

    public override string ToString()
        => $"[{ApiVersion}/{Kind}, namespace: {Namespace}, name: {Name}, uid: {Uid}]";
}

/// <summary>
/// One object in the dependency graph (garbagecollector's node). A virtual node stands for an owner some dependent
/// names but no informer has shown yet. Every field is read and written under the graph's lock.
/// </summary>
internal sealed class GraphNode(ObjectIdentity identity)
{
    public ObjectIdentity Identity { get; set; } = identity;

    public HashSet<GraphNode> Dependents { get; } = [];

    public IReadOnlyList<V1OwnerReference> Owners { get; set; } = [];

    /// <summary>True until an informer event shows the object.</summary>
    public bool Virtual { get; set; }

    public bool BeingDeleted { get; set; }

    /// <summary>Being deleted with the foregroundDeletion finalizer: waiting for its blocking dependents to go.</summary>
    public bool DeletingDependents { get; set; }

    /// <summary>Dependents whose reference to this node has blockOwnerDeletion set.</summary>
    public IEnumerable<GraphNode> BlockingDependents()
        => Dependents.Where(d => d.Owners.Any(o => o.Uid == Identity.Uid && o.BlockOwnerDeletion == true));
}

/// <summary>A bounded, least-recently-used set of owners known to be absent (the absentOwnerCache).</summary>
internal sealed class AbsentOwnerCache(int capacity)
{
    private readonly LinkedList<ObjectIdentity> _order = new();
    private readonly Dictionary<ObjectIdentity, LinkedListNode<ObjectIdentity>> _entries = [];
    private readonly Lock _lock = new();

    public void Add(ObjectIdentity identity)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(identity, out var existing))
            {
                _order.Remove(existing);
                _order.AddFirst(existing);
                return;
            }

            _entries[identity] = _order.AddFirst(identity);
            if (_entries.Count > capacity)
            {
                _entries.Remove(_order.Last!.Value);
                _order.RemoveLast();
            }
        }
    }

    public bool Has(ObjectIdentity identity)
    {
        lock (_lock)
        {
            if (!_entries.TryGetValue(identity, out var node))
            {
                return false;
            }

            _order.Remove(node);
            _order.AddFirst(node);
            return true;
        }
    }
}
