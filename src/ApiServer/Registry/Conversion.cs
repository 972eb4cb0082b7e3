using k8s;
using k8s.Models;
using KubeNet.ApiMachinery.Kinds;

namespace KubeNet.ApiServer.Registry;

/// <summary>
/// Converts between a served group-version and the storage version where they differ: autoscaling/v1 HPAs are stored
/// as autoscaling/v2, events.k8s.io/v1 Events as core/v1 Events. Both versions read and write the same objects.
/// </summary>
internal static class Conversion
{
    public static IKubernetesObject<V1ObjectMeta> ToStorage(ResourceInfo info, IKubernetesObject<V1ObjectMeta> obj) => obj switch
    {
        V1HorizontalPodAutoscaler h => HpaToV2(h),
        Eventsv1Event e => EventToCore(e),
        _ => obj,
    };

    public static IKubernetesObject<V1ObjectMeta> FromStorage(ResourceInfo info, IKubernetesObject<V1ObjectMeta> obj)
    {
        if (info.ClrType == obj.GetType())
        {
            return obj;
        }

        IKubernetesObject<V1ObjectMeta> converted = obj switch
        {
            V2HorizontalPodAutoscaler h when info.ClrType == typeof(V1HorizontalPodAutoscaler) => HpaToV1(h),
            Corev1Event e when info.ClrType == typeof(Eventsv1Event) => EventToEvents(e),
            _ => throw new InvalidOperationException($"no conversion from {obj.GetType().Name} to {info.ClrType.Name}"),
        };
        ObjectCodec.SetTypeMeta(converted, info);
        return converted;
    }

    public static bool NeedsConversion(ResourceInfo info) => info.StorageType is not null && info.StorageType != info.ClrType;

    private static V2HorizontalPodAutoscaler HpaToV2(V1HorizontalPodAutoscaler h)
    {
        var metrics = h.Spec?.TargetCPUUtilizationPercentage is int cpu
            ? new List<V2MetricSpec>
            {
                new() { Type = "Resource", Resource = new V2ResourceMetricSource { Name = "cpu", Target = new V2MetricTarget { Type = "Utilization", AverageUtilization = cpu } } },
            }
            : null;
        return new V2HorizontalPodAutoscaler
        {
            ApiVersion = "autoscaling/v2",
            Kind = "HorizontalPodAutoscaler",
            Metadata = h.Metadata,
            Spec = h.Spec is null ? null! : new V2HorizontalPodAutoscalerSpec
            {
                MaxReplicas = h.Spec.MaxReplicas,
                MinReplicas = h.Spec.MinReplicas,
                ScaleTargetRef = h.Spec.ScaleTargetRef is null ? null! : new V2CrossVersionObjectReference
                {
                    ApiVersion = h.Spec.ScaleTargetRef.ApiVersion,
                    Kind = h.Spec.ScaleTargetRef.Kind,
                    Name = h.Spec.ScaleTargetRef.Name,
                },
                Metrics = metrics,
            },
            Status = h.Status is null ? null : new V2HorizontalPodAutoscalerStatus
            {
                CurrentReplicas = h.Status.CurrentReplicas,
                DesiredReplicas = h.Status.DesiredReplicas,
                LastScaleTime = h.Status.LastScaleTime,
                ObservedGeneration = h.Status.ObservedGeneration,
                CurrentMetrics = h.Status.CurrentCPUUtilizationPercentage is int current
                    ? [new V2MetricStatus { Type = "Resource", Resource = new V2ResourceMetricStatus { Name = "cpu", Current = new V2MetricValueStatus { AverageUtilization = current } } }]
                    : null,
            },
        };
    }

    private static V1HorizontalPodAutoscaler HpaToV1(V2HorizontalPodAutoscaler h)
    {
        var cpuTarget = h.Spec?.Metrics?.FirstOrDefault(m => m.Type == "Resource" && m.Resource?.Name == "cpu" && m.Resource.Target?.Type == "Utilization")?.Resource.Target.AverageUtilization;
        var cpuCurrent = h.Status?.CurrentMetrics?.FirstOrDefault(m => m.Type == "Resource" && m.Resource?.Name == "cpu")?.Resource.Current?.AverageUtilization;
        return new V1HorizontalPodAutoscaler
        {
            Metadata = h.Metadata,
            Spec = h.Spec is null ? null : new V1HorizontalPodAutoscalerSpec
            {
                MaxReplicas = h.Spec.MaxReplicas,
                MinReplicas = h.Spec.MinReplicas,
                ScaleTargetRef = h.Spec.ScaleTargetRef is null ? null! : new V1CrossVersionObjectReference
                {
                    ApiVersion = h.Spec.ScaleTargetRef.ApiVersion,
                    Kind = h.Spec.ScaleTargetRef.Kind,
                    Name = h.Spec.ScaleTargetRef.Name,
                },
                TargetCPUUtilizationPercentage = cpuTarget,
            },
            Status = h.Status is null ? null : new V1HorizontalPodAutoscalerStatus
            {
                CurrentReplicas = h.Status.CurrentReplicas ?? 0,
                DesiredReplicas = h.Status.DesiredReplicas,
                LastScaleTime = h.Status.LastScaleTime,
                ObservedGeneration = h.Status.ObservedGeneration,
                CurrentCPUUtilizationPercentage = cpuCurrent,
            },
        };
    }

    private static Corev1Event EventToCore(Eventsv1Event e) => new()
    {
        ApiVersion = "v1",
        Kind = "Event",
        Metadata = e.Metadata,
        EventTime = e.EventTime,
        Series = e.Series is null ? null : new Corev1EventSeries { Count = e.Series.Count, LastObservedTime = e.Series.LastObservedTime },
        ReportingComponent = e.ReportingController ?? string.Empty,
        ReportingInstance = e.ReportingInstance ?? string.Empty,
        Action = e.Action,
        Reason = e.Reason,
        InvolvedObject = e.Regarding ?? new V1ObjectReference(),
        Related = e.Related,
        Message = e.Note,
        Type = e.Type,
        Source = e.DeprecatedSource,
        FirstTimestamp = e.DeprecatedFirstTimestamp,
        LastTimestamp = e.DeprecatedLastTimestamp,
        Count = e.DeprecatedCount,
    };

    private static Eventsv1Event EventToEvents(Corev1Event e) => new()
    {
        Metadata = e.Metadata,
        EventTime = e.EventTime ?? default,
        Series = e.Series is null ? null : new Eventsv1EventSeries { Count = e.Series.Count ?? 0, LastObservedTime = e.Series.LastObservedTime ?? default },
        ReportingController = string.IsNullOrEmpty(e.ReportingComponent) ? null : e.ReportingComponent,
        ReportingInstance = string.IsNullOrEmpty(e.ReportingInstance) ? null : e.ReportingInstance,
        Action = e.Action,
        Reason = e.Reason,
        Regarding = e.InvolvedObject,
        Related = e.Related,
        Note = e.Message,
        Type = e.Type,
        DeprecatedSource = e.Source,
        DeprecatedFirstTimestamp = e.FirstTimestamp,
        DeprecatedLastTimestamp = e.LastTimestamp,
        DeprecatedCount = e.Count,
    };
}
