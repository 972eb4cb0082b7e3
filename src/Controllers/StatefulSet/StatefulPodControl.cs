using k8s;
using k8s.Models;
using KubeNet.Client;
using KubeNet.Controllers.Workloads;

namespace KubeNet.Controllers.StatefulSet;

/// <summary>
/// stateful_pod_control.go: creates a pod's PersistentVolumeClaims before the pod, keeps identity and storage of
/// existing pods, sets claim owner references per persistentVolumeClaimRetentionPolicy, and records events as
/// upstream words them ("create Pod web-0 in StatefulSet web successful").
/// </summary>
internal sealed class StatefulPodControl(IKubernetes client, Lister<V1PersistentVolumeClaim> claims, EventRecorder recorder)
{
    private static string Title(string verb) => char.ToUpperInvariant(verb[0]) + verb[1..];

    private void RecordPodEvent(string verb, V1StatefulSet set, V1Pod pod, Exception? error)
    {
        if (error is null)
        {
            recorder.Event(set, EventTypes.Normal, "Successful" + Title(verb), $"{verb} Pod {pod.Metadata.Name} in StatefulSet {set.Metadata.Name} successful");
        }
        else
        {
            recorder.Event(set, EventTypes.Warning, "Failed" + Title(verb),
                $"{verb} Pod {pod.Metadata.Name} in StatefulSet {set.Metadata.Name} failed error: {PodControl.Describe(error)}");
        }
    }

    private void RecordClaimEvent(string verb, V1StatefulSet set, V1Pod pod, V1PersistentVolumeClaim claim, Exception? error)
    {
        if (error is null)
        {
            recorder.Event(set, EventTypes.Normal, "Successful" + Title(verb),
                $"{verb} Claim {claim.Metadata.Name} Pod {pod.Metadata.Name} in StatefulSet {set.Metadata.Name} success");
        }
        else
        {
            recorder.Event(set, EventTypes.Warning, "Failed" + Title(verb),
                $"{verb} Claim {claim.Metadata.Name} for Pod {pod.Metadata.Name} in StatefulSet {set.Metadata.Name} failed error: {PodControl.Describe(error)}");
        }
    }

    public async Task CreatePodAsync(V1StatefulSet set, V1Pod pod, CancellationToken ct)
    {
        await CreateMissingClaimsAsync(set, pod, ct);
        V1Pod created;
        try
        {
            created = await client.CoreV1.CreateNamespacedPodAsync(pod, set.Metadata.NamespaceProperty, cancellationToken: ct);
        }
        catch (Exception ex) when (ApiErrors.IsAlreadyExists(ex))
        {
            throw;
        }
        catch (Exception ex) when (ApiErrors.IsTransient(ex))
        {
            RecordPodEvent("create", set, pod, ex);
            throw;
        }

        RecordPodEvent("create", set, pod, null);

        // The pod has a UID now, so claims that should belong to it can.
        await UpdateClaimsForRetentionPolicyAsync(set, created, ct);
    }

    public async Task DeletePodAsync(V1StatefulSet set, V1Pod pod, CancellationToken ct)
    {
        try
        {
            await client.CoreV1.DeleteNamespacedPodAsync(pod.Metadata.Name, pod.Metadata.NamespaceProperty, cancellationToken: ct);
        }
        catch (Exception ex) when (ApiErrors.IsTransient(ex))
        {
            RecordPodEvent("delete", set, pod, ex);
            throw;
        }

        RecordPodEvent("delete", set, pod, null);
    }

    /// <summary>UpdateStatefulPod: fixes identity, storage and claim ownership, writing the pod only if it changed.</summary>
    public async Task UpdatePodAsync(V1StatefulSet set, V1Pod pod, CancellationToken ct)
    {
        var attempted = false;
        Exception? error = null;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var consistent = true;
            if (!StatefulPods.IdentityMatches(set, pod))
            {
                StatefulPods.UpdateIdentity(set, pod);
                consistent = false;
            }

            try
            {
                if (!StatefulPods.StorageMatches(set, pod))
                {
                    StatefulPods.UpdateStorage(set, pod);
                    consistent = false;
                    await CreateMissingClaimsAsync(set, pod, ct);
                }

                if (!ClaimsMatchRetentionPolicy(set, pod))
                {
                    await UpdateClaimsForRetentionPolicyAsync(set, pod, ct);
                    consistent = false;
                }
            }
            catch (Exception ex) when (ApiErrors.IsTransient(ex) || ex is InvalidOperationException)
            {
                RecordPodEvent("update", set, pod, ex);
                throw;
            }

            if (consistent)
            {
                return;
            }

            attempted = true;
            try
            {
                pod.ApiVersion = "v1";
                pod.Kind = "Pod";
                await client.CoreV1.ReplaceNamespacedPodAsync(pod, pod.Metadata.Name, pod.Metadata.NamespaceProperty, cancellationToken: ct);
                error = null;
                break;
            }
            catch (Exception ex) when (ApiErrors.IsConflict(ex))
            {
                error = ex;
                pod = await client.CoreV1.ReadNamespacedPodAsync(pod.Metadata.Name, pod.Metadata.NamespaceProperty, cancellationToken: ct);
            }
            catch (Exception ex) when (ApiErrors.IsTransient(ex))
            {
                error = ex;
                break;
            }
        }

        if (attempted)
        {
            RecordPodEvent("update", set, pod, error);
        }

        if (error is not null)
        {
            throw error;
        }
    }

    /// <summary>createMissingPersistentVolumeClaims: a claim being deleted blocks the pod until it is gone.</summary>
    public async Task CreateMissingClaimsAsync(V1StatefulSet set, V1Pod pod, CancellationToken ct)
    {
        var errors = new List<Exception>();
        foreach (var claim in StatefulPods.Claims(set, pod).Values)
        {
            var existing = claims.Get(claim.Metadata.NamespaceProperty, claim.Metadata.Name);
            if (existing is not null)
            {
                if (existing.Metadata.DeletionTimestamp is not null)
                {
                    errors.Add(new InvalidOperationException($"pvc {claim.Metadata.Name} is being deleted"));
                }

                continue;
            }

            if (pod.Metadata.Uid is not null)
            {
                UpdateClaimOwnerRefs(claim, set, pod);
            }
            else if (RetentionPolicy(set).WhenDeleted == "Delete")
            {
                // Without a pod UID yet only the set's reference can be set.
                UpdateClaimOwnerRefs(claim, set, null);
            }

            try
            {
                await client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(claim, claim.Metadata.NamespaceProperty, cancellationToken: ct);
                RecordClaimEvent("create", set, pod, claim, null);
            }
            catch (Exception ex) when (ApiErrors.IsAlreadyExists(ex))
            {
            }
            catch (Exception ex) when (ApiErrors.IsTransient(ex))
            {
                RecordClaimEvent("create", set, pod, claim, ex);
                errors.Add(ex);
            }
        }

        if (errors.Count > 0)
        {
            throw errors[0];
        }
    }

    /// <summary>PodClaimIsStale: with whenScaled Delete, a claim still owned by an earlier pod of that name must go first.</summary>
    public bool PodClaimIsStale(V1StatefulSet set, V1Pod pod)
    {
        if (RetentionPolicy(set).WhenScaled == "Retain")
        {
            return false;
        }

        foreach (var claim in StatefulPods.Claims(set, pod).Values)
        {
            var existing = claims.Get(claim.Metadata.NamespaceProperty, claim.Metadata.Name);
            if (existing is not null && HasStaleOwnerRef(existing, pod.Metadata, "v1", "Pod"))
            {
                return true;
            }
        }

        return false;
    }

    public bool ClaimsMatchRetentionPolicy(V1StatefulSet set, V1Pod pod)
    {
        foreach (var claim in StatefulPods.Claims(set, pod).Values)
        {
            var existing = claims.Get(claim.Metadata.NamespaceProperty, claim.Metadata.Name);
            if (existing is not null && !IsClaimOwnerUpToDate(existing, set, pod))
            {
                return false;
            }
        }

        return true;
    }

    public async Task UpdateClaimsForRetentionPolicyAsync(V1StatefulSet set, V1Pod pod, CancellationToken ct)
    {
        foreach (var claim in StatefulPods.Claims(set, pod).Values)
        {
            var existing = claims.Get(claim.Metadata.NamespaceProperty, claim.Metadata.Name);
            if (existing is null || IsClaimOwnerUpToDate(existing, set, pod))
            {
                continue;
            }

            var copy = Objects.DeepCopy(existing);
            UpdateClaimOwnerRefs(copy, set, pod);
            copy.ApiVersion = "v1";
            copy.Kind = "PersistentVolumeClaim";
            try
            {
                await client.CoreV1.ReplaceNamespacedPersistentVolumeClaimAsync(copy, copy.Metadata.Name, copy.Metadata.NamespaceProperty, cancellationToken: ct);
            }
            catch (Exception ex) when (ApiErrors.IsNotFound(ex))
            {
            }
            catch (Exception ex) when (ApiErrors.IsTransient(ex))
            {
                throw new InvalidOperationException($"could not update claim {copy.Metadata.Name} for delete policy ownerRefs: {PodControl.Describe(ex)}", ex);
            }
        }
    }

    private static V1StatefulSetPersistentVolumeClaimRetentionPolicy RetentionPolicy(V1StatefulSet set) =>
        set.Spec.PersistentVolumeClaimRetentionPolicy ?? new V1StatefulSetPersistentVolumeClaimRetentionPolicy { WhenDeleted = "Retain", WhenScaled = "Retain" };

    private static bool MatchesRef(V1OwnerReference reference, V1ObjectMeta? obj, string apiVersion, string kind) =>
        obj is not null && reference.ApiVersion == apiVersion && reference.Kind == kind && reference.Name == obj.Name;

    private static bool HasOwnerRef(V1PersistentVolumeClaim claim, V1ObjectMeta? owner) =>
        owner?.Uid is { } uid && claim.Metadata.OwnerReferences?.Any(r => r.Uid == uid) == true;

    private static bool HasStaleOwnerRef(V1PersistentVolumeClaim claim, V1ObjectMeta? owner, string apiVersion, string kind)
    {
        foreach (var reference in claim.Metadata.OwnerReferences ?? [])
        {
            if (MatchesRef(reference, owner, apiVersion, kind))
            {
                return reference.Uid != owner!.Uid;
            }
        }

        return false;
    }

    /// <summary>hasUnexpectedController: a controller other than the set or pod owns the claim.</summary>
    private static bool HasUnexpectedController(V1PersistentVolumeClaim claim, V1StatefulSet set, V1ObjectMeta? pod)
    {
        var policy = RetentionPolicy(set);
        if (policy.WhenScaled == "Retain" && policy.WhenDeleted == "Retain")
        {
            return false;
        }

        foreach (var reference in claim.Metadata.OwnerReferences ?? [])
        {
            if (MatchesRef(reference, set.Metadata, StatefulSetController.ApiVersion, StatefulSetController.Kind))
            {
                if (reference.Uid != set.Metadata.Uid)
                {
                    return true;
                }

                continue;
            }

            if (MatchesRef(reference, pod, "v1", "Pod"))
            {
                if (reference.Uid != pod!.Uid)
                {
                    return true;
                }

                continue;
            }

            if (reference.Controller == true)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>isClaimOwnerUpToDate: the claim's owners are the ones the retention policy calls for.</summary>
    private static bool IsClaimOwnerUpToDate(V1PersistentVolumeClaim claim, V1StatefulSet set, V1Pod pod)
    {
        if (HasStaleOwnerRef(claim, set.Metadata, StatefulSetController.ApiVersion, StatefulSetController.Kind)
            || HasStaleOwnerRef(claim, pod.Metadata, "v1", "Pod"))
        {
            return true;
        }

        if (HasUnexpectedController(claim, set, pod.Metadata))
        {
            return !(HasOwnerRef(claim, set.Metadata) || HasOwnerRef(claim, pod.Metadata));
        }

        if (claim.Metadata.OwnerReferences?.Any(r => (r.Uid == set.Metadata.Uid || r.Uid == pod.Metadata.Uid) && r.Controller != true) == true)
        {
            return false;
        }

        var policy = RetentionPolicy(set);
        var scaledDown = !StatefulPods.InOrdinalRange(pod, set);
        var setRef = HasOwnerRef(claim, set.Metadata);
        var podRef = HasOwnerRef(claim, pod.Metadata);
        return (policy.WhenScaled, policy.WhenDeleted) switch
        {
            ("Retain", "Delete") => setRef && !podRef,
            ("Delete", "Retain") => !setRef && scaledDown == podRef,
            ("Delete", "Delete") => scaledDown != setRef && scaledDown == podRef,
            _ => !setRef && !podRef,
        };
    }

    /// <summary>updateClaimOwnerRefForSetAndPod.</summary>
    private static void UpdateClaimOwnerRefs(V1PersistentVolumeClaim claim, V1StatefulSet set, V1Pod? pod)
    {
        var unexpected = HasUnexpectedController(claim, set, pod?.Metadata);
        var references = (claim.Metadata.OwnerReferences ?? [])
            .Where(r => !MatchesRef(r, set.Metadata, StatefulSetController.ApiVersion, StatefulSetController.Kind) && !MatchesRef(r, pod?.Metadata, "v1", "Pod"))
            .ToList();
        if (!unexpected)
        {
            var policy = RetentionPolicy(set);
            var scaledDown = pod is not null && !StatefulPods.InOrdinalRange(pod, set);
            var addSet = policy.WhenDeleted == "Delete" && !(policy.WhenScaled == "Delete" && scaledDown);
            var addPod = policy.WhenScaled == "Delete" && scaledDown;
            if (addSet)
            {
                references.Add(Objects.NewControllerRef(set.Metadata, StatefulSetController.ApiVersion, StatefulSetController.Kind));
            }

            if (addPod && pod is not null)
            {
                references.Add(Objects.NewControllerRef(pod.Metadata, "v1", "Pod"));
            }
        }

        claim.Metadata.OwnerReferences = references.Count > 0 ? references : null;
    }
}
