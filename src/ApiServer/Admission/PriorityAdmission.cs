using k8s.Models;
using KubeNet.ApiMachinery.Errors;
using KubeNet.ApiMachinery.Kinds;
using KubeNet.ApiServer.Registry;

namespace KubeNet.ApiServer.Admission;

/// <summary>
/// The Priority admission plugin (plugin/pkg/admission/priority): a new pod gets spec.priority and
/// spec.preemptionPolicy from its priorityClassName, or from the global default class when it names none (priority 0
/// without one); an unknown class is Forbidden, as is a priority that disagrees with the class. Only one PriorityClass
/// may be the global default.
/// </summary>
internal sealed class PriorityAdmission(Func<StorageCache?> cache)
{
    private static readonly ResourceInfo PriorityClasses = KindCatalog.Find("scheduling.k8s.io", "v1", "priorityclasses")!;

    public ApiError? AdmitPodCreate(V1Pod pod)
    {
        var spec = pod.Spec ??= new V1PodSpec();
        int priority;
        string? preemptionPolicy;
        if (string.IsNullOrEmpty(spec.PriorityClassName))
        {
            var global = All().Where(c => c.GlobalDefault == true).MinBy(c => c.Value);
            priority = global?.Value ?? 0;
            preemptionPolicy = global?.PreemptionPolicy;
            spec.PriorityClassName = global?.Metadata.Name;
        }
        else
        {
            var found = All().FirstOrDefault(c => c.Metadata.Name == spec.PriorityClassName);
            if (found is null)
            {
                return Forbidden(pod, $"no PriorityClass with name {spec.PriorityClassName} was found");
            }

            priority = found.Value ?? 0;
            preemptionPolicy = found.PreemptionPolicy;
        }

        if (spec.Priority is { } given && given != priority)
        {
            return Forbidden(pod, $"the integer value of priority ({given}) must not be provided in pod spec; priority admission controller computed {priority} from the given PriorityClass name");
        }

        spec.Priority = priority;
        if (preemptionPolicy is not null)
        {
            if (spec.PreemptionPolicy is { } policy && policy != preemptionPolicy)
            {
                return Forbidden(pod, $"the string value of PreemptionPolicy ({policy}) must not be provided in pod spec; priority admission controller computed {preemptionPolicy} from the given PriorityClass name");
            }

            spec.PreemptionPolicy = preemptionPolicy;
        }

        return null;
    }

    /// <summary>Priority and preemption policy are set once at creation; an update that omits them keeps them.</summary>
    public static void AdmitPodUpdate(V1Pod pod, V1Pod old)
    {
        if (pod.Spec is null || old.Spec is null)
        {
            return;
        }

        pod.Spec.Priority ??= old.Spec.Priority;
        pod.Spec.PreemptionPolicy ??= old.Spec.PreemptionPolicy;
    }

    public ApiError? AdmitPriorityClass(V1PriorityClass priorityClass)
    {
        if (priorityClass.GlobalDefault != true)
        {
            return null;
        }

        var other = All().FirstOrDefault(c => c.GlobalDefault == true && c.Metadata.Name != priorityClass.Metadata.Name);
        return other is null ? null
            : ApiError.Forbidden($"priorityclasses.scheduling.k8s.io \"{priorityClass.Metadata.Name}\" is forbidden: PriorityClass {other.Metadata.Name} is already marked as default. Only one default can exist");
    }

    private IEnumerable<V1PriorityClass> All()
    {
        var snapshot = cache()?.Snapshot(PriorityClasses).Items;
        if (snapshot is null)
        {
            yield break;
        }

        foreach (var stored in snapshot)
        {
            if (stored.Object is V1PriorityClass priorityClass)
            {
                yield return priorityClass;
            }
        }
    }

    private static ApiError Forbidden(V1Pod pod, string message) =>
        ApiError.Forbidden($"pods \"{pod.Metadata?.Name ?? string.Empty}\" is forbidden: {message}");
}
