using k8s.Models;

namespace KubeNet.ApiServer.Registry.Strategies;

/// <summary>
/// The defaults pkg/apis/core/v1/defaults.go gives a pod spec wherever it appears: in pods and in the templates of
/// workloads. Pod-only defaults (service account, priority, tolerations from admission) stay in <see cref="PodStrategy"/>.
/// </summary>
internal static class PodSpecDefaults
{
    private const int DefaultFileMode = 420; // 0644

    /// <summary>SetDefaults_PodSpec and the defaults of everything inside it.</summary>
    public static void Apply(V1PodSpec spec)
    {
        spec.DnsPolicy ??= "ClusterFirst";
        spec.RestartPolicy ??= "Always";
        spec.TerminationGracePeriodSeconds ??= 30;
        spec.SecurityContext ??= new V1PodSecurityContext();
        spec.SchedulerName ??= "default-scheduler";
        foreach (var c in (spec.Containers ?? []).Concat(spec.InitContainers ?? []))
        {
            Container(c, spec.HostNetwork == true);
        }

        foreach (var v in spec.Volumes ?? [])
        {
            Volume(v);
        }
    }

    public static void Apply(V1PodTemplateSpec? template)
    {
        if (template is not null)
        {
            template.Spec ??= new V1PodSpec();
            Apply(template.Spec);
        }
    }

    private static void Container(V1Container c, bool hostNetwork)
    {
        c.TerminationMessagePath ??= "/dev/termination-log";
        c.TerminationMessagePolicy ??= "File";
        c.ImagePullPolicy ??= PodStrategy.ImagePullPolicyFor(c.Image);

        // ResourceRequirements is a struct upstream: it always serializes, as "resources: {}" when empty.
        c.Resources ??= new V1ResourceRequirements();
        foreach (var p in c.Ports ?? [])
        {
            p.Protocol ??= "TCP";

            // Host-network pods listen on the host: the host port is the container port.
            if (hostNetwork && (p.HostPort ?? 0) == 0)
            {
                p.HostPort = p.ContainerPort;
            }
        }

        foreach (var e in c.Env ?? [])
        {
            if (e.ValueFrom?.FieldRef is { } fieldRef)
            {
                fieldRef.ApiVersion ??= "v1";
            }
        }

        Probe(c.LivenessProbe);
        Probe(c.ReadinessProbe);
        Probe(c.StartupProbe);
        Handler(c.Lifecycle?.PostStart);
        Handler(c.Lifecycle?.PreStop);
    }

    private static void Probe(V1Probe? probe)
    {
        if (probe is null)
        {
            return;
        }

        probe.TimeoutSeconds ??= 1;
        probe.PeriodSeconds ??= 10;
        probe.SuccessThreshold ??= 1;
        probe.FailureThreshold ??= 3;
        HttpGet(probe.HttpGet);
    }

    private static void Handler(V1LifecycleHandler? handler) => HttpGet(handler?.HttpGet);

    private static void HttpGet(V1HTTPGetAction? action)
    {
        if (action is null)
        {
            return;
        }

        if (string.IsNullOrEmpty(action.Path))
        {
            action.Path = "/";
        }

        action.Scheme ??= "HTTP";
    }

    private static void Volume(V1Volume v)
    {
        // A volume that names no source is an emptyDir (SetDefaults_Volume).
        if (PodSpecValidation.VolumeSources(v).Count == 0)
        {
            v.EmptyDir = new V1EmptyDirVolumeSource();
        }

        if (v.Secret is { } secret)
        {
            secret.DefaultMode ??= DefaultFileMode;
        }

        if (v.ConfigMap is { } configMap)
        {
            configMap.DefaultMode ??= DefaultFileMode;
        }

        if (v.DownwardAPI is { } downward)
        {
            downward.DefaultMode ??= DefaultFileMode;
            foreach (var item in downward.Items ?? [])
            {
                if (item.FieldRef is { } fieldRef)
                {
                    fieldRef.ApiVersion ??= "v1";
                }
            }
        }

        if (v.Projected is { } projected)
        {
            projected.DefaultMode ??= DefaultFileMode;
            foreach (var source in projected.Sources ?? [])
            {
                if (source.ServiceAccountToken is { } token)
                {
                    token.ExpirationSeconds ??= 3600;
                }

                foreach (var item in source.DownwardAPI?.Items ?? [])
                {
                    if (item.FieldRef is { } fieldRef)
                    {
                        fieldRef.ApiVersion ??= "v1";
                    }
                }
            }
        }

        if (v.HostPath is { } hostPath)
        {
            hostPath.Type ??= string.Empty;
        }

        if (v.Iscsi is { } iscsi)
        {
            iscsi.IscsiInterface ??= "default";
        }
    }
}
