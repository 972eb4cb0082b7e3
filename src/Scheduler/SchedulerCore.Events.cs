using k8s.Models;
using KubeNet.Client;
using KubeNet.Scheduler.Cache;
using KubeNet.Scheduler.Framework;

namespace KubeNet.Scheduler;

/// <summary>
/// Informer event handlers (upstream eventhandlers.go): assigned pods and nodes go to the cache and, where the change
/// may help pending pods, become cluster events for the queue; pending pods of our profiles go to the queue.
/// </summary>
internal sealed partial class SchedulerCore
{
    public IResourceEventHandler<V1Pod> PodHandler => new ResourceEventHandler<V1Pod>
    {
        Add = (pod, _) => OnPodAdd(pod),
        Update = OnPodUpdate,
        Delete = (pod, _) => OnPodDelete(pod),
    };

    public IResourceEventHandler<V1Node> NodeHandler => new ResourceEventHandler<V1Node>
    {
        Add = (node, _) =>
        {
            Cache.AddOrUpdateNode(node);
            Queue.MoveAllToActiveOrBackoff(ClusterEvent.NodeAdd, null, node);
        },
        Update = (oldNode, newNode) =>
        {
            Cache.AddOrUpdateNode(newNode);
            var changes = NodeChanges(oldNode, newNode);
            if (changes != ActionType.None)
            {
                Queue.MoveAllToActiveOrBackoff(new ClusterEvent(EventResource.Node, changes, "NodeUpdate"), oldNode, newNode);
            }
        },
        Delete = (node, _) =>
        {
            Cache.RemoveNode(node.Metadata.Name);
            Queue.MoveAllToActiveOrBackoff(ClusterEvent.NodeDelete, node, null);
        },
    };

    /// <summary>A handler turning changes of a storage object into the given cluster event resource.</summary>
    public IResourceEventHandler<T> StorageHandler<T>(EventResource resource) => new ResourceEventHandler<T>
    {
        Add = (obj, _) => Queue.MoveAllToActiveOrBackoff(new ClusterEvent(resource, ActionType.Add, resource + "Add"), null, obj),
        Update = (oldObj, newObj) => Queue.MoveAllToActiveOrBackoff(new ClusterEvent(resource, ActionType.UpdateOther, resource + "Update"), oldObj, newObj),
    };

    private void OnPodAdd(V1Pod pod)
    {
        if (Terminal(pod))
        {
            return;
        }

        if (Assigned(pod))
        {
            var info = new PodInfo(pod);
            Cache.AddPod(info);
            Queue.MoveAllToActiveOrBackoff(ClusterEvent.AssignedPodAdd, null, info);
        }
        else if (Responsible(pod))
        {
            Queue.Add(new PodInfo(pod));
        }
    }

    private void OnPodUpdate(V1Pod oldPod, V1Pod newPod)
    {
        var wasAssigned = Assigned(oldPod);
        if (Terminal(newPod))
        {
            // Finished pods free their node, as if deleted.
            if (!Terminal(oldPod))
            {
                OnPodDelete(oldPod);
            }

            return;
        }

        if (!Assigned(newPod))
        {
            if (!Responsible(newPod) || Cache.IsAssumed(newPod.Metadata.Uid ?? string.Empty))
            {
                // Binding is under way; the bound version will arrive shortly.
                return;
            }

            Queue.Update(new PodInfo(oldPod), new PodInfo(newPod));
            return;
        }

        var info = new PodInfo(newPod);
        if (!wasAssigned)
        {
            // Bound (by us or another scheduler): no longer pending, now counted on its node.
            if (Responsible(oldPod))
            {
                Queue.Delete(new PodInfo(oldPod));
            }

            Cache.AddPod(info);
            Queue.MoveAllToActiveOrBackoff(ClusterEvent.AssignedPodAdd, null, info);
            return;
        }

        Cache.UpdatePod(info);
        var changes = PodChanges(oldPod, newPod);
        if (changes != ActionType.None)
        {
            Queue.MoveAllToActiveOrBackoff(new ClusterEvent(EventResource.AssignedPod, changes, "AssignedPodUpdate"), new PodInfo(oldPod), info);
        }
    }

    private void OnPodDelete(V1Pod pod)
    {
        var uid = pod.Metadata.Uid ?? string.Empty;
        if (Assigned(pod) || Cache.NodeOf(uid) is not null)
        {
            Cache.RemovePod(uid);
            Queue.MoveAllToActiveOrBackoff(ClusterEvent.AssignedPodDelete, new PodInfo(pod), null);
        }

        if (!Assigned(pod) && Responsible(pod))
        {
            var info = new PodInfo(pod);
            Queue.Delete(info);
            foreach (var fwk in _profiles.Values)
            {
                fwk.GetWaitingPod(uid)?.Reject("", "pod was deleted");
            }
        }
    }

    /// <summary>nodeSchedulingPropertiesChange: which parts of a node that matter to scheduling changed.</summary>
    internal static ActionType NodeChanges(V1Node oldNode, V1Node newNode)
    {
        var changes = ActionType.None;
        if ((oldNode.Spec?.Unschedulable == true) != (newNode.Spec?.Unschedulable == true))
        {
            changes |= ActionType.UpdateNodeTaint;
        }

        if (!QuantitiesEqual(oldNode.Status?.Allocatable, newNode.Status?.Allocatable))
        {
            changes |= ActionType.UpdateNodeAllocatable;
        }

        if (!MapsEqual(oldNode.Metadata.Labels, newNode.Metadata.Labels))
        {
            changes |= ActionType.UpdateNodeLabel;
        }

        if (!TaintsEqual(oldNode.Spec?.Taints, newNode.Spec?.Taints))
        {
            changes |= ActionType.UpdateNodeTaint;
        }

        if (!ConditionsEqual(oldNode.Status?.Conditions, newNode.Status?.Conditions))
        {
            changes |= ActionType.UpdateNodeCondition;
        }

        if (!MapsEqual(oldNode.Metadata.Annotations, newNode.Metadata.Annotations))
        {
            changes |= ActionType.UpdateNodeAnnotation;
        }

        return changes;
    }

    /// <summary>The pod changes that can help pending pods: new labels, or smaller requests.</summary>
    internal static ActionType PodChanges(V1Pod oldPod, V1Pod newPod)
    {
        var changes = ActionType.None;
        if (!MapsEqual(oldPod.Metadata.Labels, newPod.Metadata.Labels))
        {
            changes |= ActionType.UpdatePodLabel;
        }

        var before = PodRequests.Compute(oldPod.Spec ?? new V1PodSpec(), out _, out _);
        var after = PodRequests.Compute(newPod.Spec ?? new V1PodSpec(), out _, out _);
        if (after.MilliCpu < before.MilliCpu || after.MemoryBytes < before.MemoryBytes || after.EphemeralStorageBytes < before.EphemeralStorageBytes)
        {
            changes |= ActionType.UpdatePodScaleDown;
        }

        return changes;
    }

    private static bool MapsEqual(IDictionary<string, string>? a, IDictionary<string, string>? b)
    {
        if ((a?.Count ?? 0) != (b?.Count ?? 0))
        {
            return false;
        }

        if (a is null || b is null)
        {
            return true;
        }

        foreach (var (k, v) in a)
        {
            if (!b.TryGetValue(k, out var other) || !string.Equals(v, other, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private static bool QuantitiesEqual(IDictionary<string, ResourceQuantity>? a, IDictionary<string, ResourceQuantity>? b)
    {
        if ((a?.Count ?? 0) != (b?.Count ?? 0))
        {
            return false;
        }

        if (a is null || b is null)
        {
            return true;
        }

        foreach (var (k, v) in a)
        {
            if (!b.TryGetValue(k, out var other) || v.ToDecimal() != other.ToDecimal())
            {
                return false;
            }
        }

        return true;
    }

    private static bool TaintsEqual(IList<V1Taint>? a, IList<V1Taint>? b)
    {
        if ((a?.Count ?? 0) != (b?.Count ?? 0))
        {
            return false;
        }

        for (var i = 0; i < (a?.Count ?? 0); i++)
        {
            if (a![i].Key != b![i].Key || a[i].Value != b[i].Value || a[i].Effect != b[i].Effect)
            {
                return false;
            }
        }

        return true;
    }

    // Heartbeat times change every report; only a condition's status matters to scheduling.
    private static bool ConditionsEqual(IList<V1NodeCondition>? a, IList<V1NodeCondition>? b)
    {
        if ((a?.Count ?? 0) != (b?.Count ?? 0))
        {
            return false;
        }

        foreach (var c in a ?? [])
        {
            if (b!.FirstOrDefault(o => o.Type == c.Type)?.Status != c.Status)
            {
                return false;
            }
        }

        return true;
    }
}
