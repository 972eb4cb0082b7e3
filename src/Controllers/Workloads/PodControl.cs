using k8s;
using k8s.Models;
using KubeNet.Client;

namespace KubeNet.Controllers.Workloads;

/// <summary>
/// controller.RealPodControl: creates pods from a template under a controller reference, deletes and patches them,
/// and records the events upstream records on the owner (SuccessfulCreate, FailedCreate, SuccessfulDelete,
/// FailedDelete).
/// </summary>
internal sealed class PodControl(IKubernetes client, EventRecorder recorder)
{
    /// <summary>controller.SlowStartInitialBatchSize: creations go in batches of 1, 2, 4... until one fails.</summary>
    public const int SlowStartInitialBatchSize = 1;

    public IKubernetes Client { get; } = client;

    public EventRecorder Recorder { get; } = recorder;

    /// <summary>
    /// controller.GetPodFromTemplate: labels, annotations and finalizers of the template on a pod named after the
    /// owner (generateName "owner-"), owned by <paramref name="controllerRef"/>.
    /// </summary>
    public static V1Pod PodFromTemplate(V1PodTemplateSpec template, V1ObjectMeta owner, V1OwnerReference? controllerRef, string? generateName = null)
    {
        var copy = Objects.DeepCopy(template);
        var meta = copy.Metadata ?? new V1ObjectMeta();
        var pod = new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta
            {
                Labels = meta.Labels is null ? null : new Dictionary<string, string>(meta.Labels),
                Annotations = meta.Annotations is null ? null : new Dictionary<string, string>(meta.Annotations),
                Finalizers = meta.Finalizers is null ? null : [.. meta.Finalizers],
                GenerateName = generateName ?? GeneratePrefix(owner.Name),
            },
            Spec = copy.Spec ?? new V1PodSpec(),
        };
        if (controllerRef is not null)
        {
            pod.Metadata.OwnerReferences = [controllerRef];
        }

        return pod;
    }

    // getPodsPrefix: "owner-" unless that is not a valid name prefix.
    private static string GeneratePrefix(string ownerName)
    {
        var prefix = ownerName + "-";
        return prefix.Length <= 253 ? prefix : ownerName;
    }

    public async Task<V1Pod> CreatePodAsync(string ns, V1Pod pod, IKubernetesObject<V1ObjectMeta> owner, CancellationToken ct)
    {
        if (pod.Metadata.Labels is null || pod.Metadata.Labels.Count == 0)
        {
            // Upstream refuses: a pod without labels could never be matched back to its controller.
            throw new InvalidOperationException("unable to create pods, no labels");
        }

        try
        {
            var created = await Client.CoreV1.CreateNamespacedPodAsync(pod, ns, cancellationToken: ct);
            Recorder.Event(owner, EventTypes.Normal, "SuccessfulCreate", "Created pod: " + created.Metadata.Name);
            return created;
        }
        catch (Exception ex) when (ApiErrors.IsTransient(ex) && !ApiErrors.HasStatusCause(ex, "NamespaceTerminating"))
        {
            Recorder.Event(owner, EventTypes.Warning, "FailedCreate", "Error creating: " + Describe(ex));
            throw;
        }
    }

    public async Task DeletePodAsync(string ns, string name, IKubernetesObject<V1ObjectMeta> owner, CancellationToken ct, V1DeleteOptions? options = null)
    {
        try
        {
            await Client.CoreV1.DeleteNamespacedPodAsync(name, ns, options, cancellationToken: ct);
            Recorder.Event(owner, EventTypes.Normal, "SuccessfulDelete", "Deleted pod: " + name);
        }
        catch (Exception ex) when (ApiErrors.IsTransient(ex))
        {
            if (!ApiErrors.IsNotFound(ex))
            {
                Recorder.Event(owner, EventTypes.Warning, "FailedDelete", "Error deleting: " + Describe(ex));
            }

            throw;
        }
    }

    public Task PatchPodAsync(string ns, string name, string strategicMergePatch, CancellationToken ct) =>
        Client.CoreV1.PatchNamespacedPodAsync(new V1Patch(strategicMergePatch, V1Patch.PatchType.StrategicMergePatch), name, ns, cancellationToken: ct);

    /// <summary>The message of an API error as client-go prints it: the Status message when there is one.</summary>
    public static string Describe(Exception ex)
    {
        if (ex is k8s.Autorest.HttpOperationException { Response.Content: { Length: > 0 } content })
        {
            try
            {
                using var doc = System.Text.Json.JsonDocument.Parse(content);
                if (doc.RootElement.TryGetProperty("message", out var message) && message.GetString() is { Length: > 0 } text)
                {
                    return text;
                }
            }
            catch (System.Text.Json.JsonException)
            {
            }
        }

        return ex.Message;
    }
}
