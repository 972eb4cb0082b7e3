using k8s;
using k8s.Models;
using KubeNet.ApiMachinery.Validation;
using KubeNet.Client;

namespace KubeNet.Controllers.Common;

/// <summary>
/// controller.RealPodControl: creates pods from a template under a controller reference, deletes and patches them,
/// and records the SuccessfulCreate / FailedCreate / SuccessfulDelete / FailedDelete events on the owner.
/// </summary>
internal sealed class PodControl(IKubernetes client, EventRecorder recorder)
{
    public const string SuccessfulCreateReason = "SuccessfulCreate";
    public const string FailedCreateReason = "FailedCreate";
    public const string SuccessfulDeleteReason = "SuccessfulDelete";
    public const string FailedDeleteReason = "FailedDelete";

    /// <summary>
    /// controller.GetPodFromTemplate: labels, annotations and finalizers of the template, a copy of its spec, the
    /// owner's name as generateName prefix, and the controller reference.
    /// </summary>
    public static V1Pod GetPodFromTemplate(V1PodTemplateSpec template, V1ObjectMeta owner, V1OwnerReference? controllerRef)
    {
        var meta = template.Metadata;
        var prefix = owner.Name + "-";
        if (NameValidation.NameIsDnsSubdomain(prefix, prefix: true).Count != 0)
        {
            prefix = owner.Name;
        }

        return new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta
            {
                GenerateName = prefix,
                Labels = meta?.Labels is { } labels ? new Dictionary<string, string>(labels) : [],
                Annotations = meta?.Annotations is { } annotations ? new Dictionary<string, string>(annotations) : null,
                Finalizers = meta?.Finalizers is { } finalizers ? [.. finalizers] : null,
                OwnerReferences = controllerRef is null ? null : [controllerRef],
            },
            Spec = ObjectCopy.DeepCopy(template.Spec ?? new V1PodSpec()),
        };
    }

    /// <summary>Creates one pod of <paramref name="owner"/>; throws the API error after recording FailedCreate.</summary>
    public async Task<V1Pod> CreatePodAsync(
        string ns, V1PodTemplateSpec template, IKubernetesObject<V1ObjectMeta> owner, V1OwnerReference controllerRef, CancellationToken ct, string? nodeName = null)
    {
        var pod = GetPodFromTemplate(template, owner.Metadata, controllerRef);
        if (nodeName is not null)
        {
            pod.Spec.NodeName = nodeName;
        }

        if (pod.Metadata.Labels.Count == 0)
        {
            throw new InvalidOperationException("unable to create pods, no labels");
        }

        try
        {
            var created = await client.CoreV1.CreateNamespacedPodAsync(pod, ns, cancellationToken: ct);
            recorder.Event(owner, EventTypes.Normal, SuccessfulCreateReason, "Created pod: " + created.Metadata.Name);
            return created;
        }
        catch (Exception ex) when (ApiErrors.IsTransient(ex) && !ct.IsCancellationRequested)
        {
            // A namespace being deleted refuses every create; there is nothing to report.
            if (!ApiErrors.HasStatusCause(ex, ApiErrors.NamespaceTerminatingCause))
            {
                recorder.Event(owner, EventTypes.Warning, FailedCreateReason, "Error creating: " + ApiErrors.Message(ex));
            }

            throw;
        }
    }

    /// <summary>Deletes a pod with default options; a missing pod throws without an event, as upstream.</summary>
    public async Task DeletePodAsync(string ns, string name, IKubernetesObject<V1ObjectMeta> owner, CancellationToken ct)
    {
        try
        {
            await client.CoreV1.DeleteNamespacedPodAsync(name, ns, cancellationToken: ct);
        }
        catch (Exception ex) when (ApiErrors.IsTransient(ex) && !ct.IsCancellationRequested)
        {
            if (!ApiErrors.IsNotFound(ex))
            {
                recorder.Event(owner, EventTypes.Warning, FailedDeleteReason, "Error deleting: " + ApiErrors.Message(ex));
            }

            throw;
        }

        recorder.Event(owner, EventTypes.Normal, SuccessfulDeleteReason, "Deleted pod: " + name);
    }

    /// <summary>A strategic merge patch of a pod (adoption and release of controller references).</summary>
    public Task PatchPodAsync(string ns, string name, string patch, CancellationToken ct) =>
        client.CoreV1.PatchNamespacedPodAsync(new V1Patch(patch, V1Patch.PatchType.StrategicMergePatch), name, ns, cancellationToken: ct);
}
