using System.Reflection;
using k8s.Models;
using KubeNet.ApiMachinery.Errors;
using KubeNet.ApiMachinery.Validation;

namespace KubeNet.ApiServer.Registry.Strategies;

/// <summary>
/// ValidatePodSpec and ValidatePodTemplateSpec of pkg/apis/core/validation, for the rules users meet: volumes,
/// containers (names, images, ports, env, volume mounts, resources, probes), restart and DNS policies.
/// </summary>
internal static class PodSpecValidation
{
    private static readonly PropertyInfo[] VolumeSourceProperties =
        typeof(V1Volume).GetProperties().Where(p => p.Name != nameof(V1Volume.Name)).ToArray();

    private static readonly string RelaxedEnvVarNameMessage = "a valid environment variable name must consist only of printable ASCII characters other than '='";

    /// <summary>The JSON names of the volume sources a volume sets.</summary>
    public static IReadOnlyList<string> VolumeSources(V1Volume v) =>
        VolumeSourceProperties.Where(p => p.GetValue(v) is not null).Select(p => JsonName(p)).ToList();

    private static string JsonName(PropertyInfo p) =>
        p.GetCustomAttribute<System.Text.Json.Serialization.JsonPropertyNameAttribute>()?.Name ?? char.ToLowerInvariant(p.Name[0]) + p.Name[1..];

    public static void Template(V1PodTemplateSpec? template, string path, List<FieldError> errors)
    {
        if (template is null)
        {
            errors.Add(FieldError.Required(path));
            return;
        }

        CommonValidation.Labels(template.Metadata?.Labels, path + ".labels", errors);
        CommonValidation.Annotations(template.Metadata?.Annotations, path + ".annotations", errors);
        Spec(template.Spec, path + ".spec", errors);
        if (template.Spec?.EphemeralContainers is { Count: > 0 })
        {
            errors.Add(FieldError.Forbidden(path + ".spec.ephemeralContainers", "ephemeral containers not allowed in pod template"));
        }
    }

    public static void Spec(V1PodSpec? spec, string path, List<FieldError> errors)
    {
        spec ??= new V1PodSpec();
        var volumes = Volumes(spec.Volumes, path + ".volumes", errors);
        if (spec.Containers is null || spec.Containers.Count == 0)
        {
            errors.Add(FieldError.Required(path + ".containers"));
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        Containers(spec.InitContainers, path + ".initContainers", names, volumes, errors);
        Containers(spec.Containers, path + ".containers", names, volumes, errors);

        if (spec.RestartPolicy is not ("Always" or "OnFailure" or "Never"))
        {
            if (string.IsNullOrEmpty(spec.RestartPolicy))
            {
                errors.Add(FieldError.Required(path + ".restartPolicy"));
            }
            else
            {
                errors.Add(FieldError.NotSupported(path + ".restartPolicy", spec.RestartPolicy, ["Always", "OnFailure", "Never"]));
            }
        }

        if (spec.DnsPolicy is not ("ClusterFirstWithHostNet" or "ClusterFirst" or "Default" or "None"))
        {
            errors.Add(FieldError.NotSupported(path + ".dnsPolicy", spec.DnsPolicy, ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"]));
        }

        if (spec.ActiveDeadlineSeconds is { } deadline && deadline <= 0)
        {
            errors.Add(FieldError.Invalid(path + ".activeDeadlineSeconds", deadline, "must be between 1 and 2147483647, inclusive"));
        }

        CommonValidation.NonNegative(spec.TerminationGracePeriodSeconds, path + ".terminationGracePeriodSeconds", errors);
        if (!string.IsNullOrEmpty(spec.ServiceAccountName))
        {
            foreach (var msg in NameValidation.NameIsDnsSubdomain(spec.ServiceAccountName, prefix: false))
            {
                errors.Add(FieldError.Invalid(path + ".serviceAccountName", spec.ServiceAccountName, msg));
            }
        }

        if (!string.IsNullOrEmpty(spec.Hostname))
        {
            foreach (var msg in NameValidation.IsDns1123Label(spec.Hostname))
            {
                errors.Add(FieldError.Invalid(path + ".hostname", spec.Hostname, msg));
            }
        }
    }

    private static HashSet<string> Volumes(IList<V1Volume>? volumes, string path, List<FieldError> errors)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < (volumes?.Count ?? 0); i++)
        {
            var v = volumes![i];
            var p = $"{path}[{i}]";
            var sources = VolumeSources(v);
            if (sources.Count == 0)
            {
                errors.Add(FieldError.Required(p, "must specify a volume type"));
            }

            foreach (var extra in sources.Skip(1))
            {
                errors.Add(FieldError.Forbidden(p + "." + extra, "may not specify more than 1 volume type"));
            }

            if (string.IsNullOrEmpty(v.Name))
            {
                errors.Add(FieldError.Required(p + ".name"));
            }
            else
            {
                foreach (var msg in NameValidation.IsDns1123Label(v.Name))
                {
                    errors.Add(FieldError.Invalid(p + ".name", v.Name, msg));
                }
            }

            if (!names.Add(v.Name ?? string.Empty))
            {
                errors.Add(FieldError.Duplicate(p + ".name", v.Name));
            }
        }

        return names;
    }

    private static void Containers(IList<V1Container>? containers, string path, HashSet<string> names, HashSet<string> volumes, List<FieldError> errors)
    {
        for (var i = 0; i < (containers?.Count ?? 0); i++)
        {
            var c = containers![i];
            var p = $"{path}[{i}]";
            if (string.IsNullOrEmpty(c.Name))
            {
                errors.Add(FieldError.Required(p + ".name"));
            }
            else
            {
                foreach (var msg in NameValidation.IsDns1123Label(c.Name))
                {
                    errors.Add(FieldError.Invalid(p + ".name", c.Name, msg));
                }

                if (!names.Add(c.Name))
                {
                    errors.Add(FieldError.Duplicate(p + ".name", c.Name));
                }
            }

            if (string.IsNullOrEmpty(c.Image))
            {
                errors.Add(FieldError.Required(p + ".image"));
            }
            else if (c.Image != c.Image.Trim())
            {
                errors.Add(FieldError.Invalid(p + ".image", c.Image, "must not have leading or trailing whitespace"));
            }

            Probe(c.LivenessProbe, p + ".livenessProbe", mustSucceedOnce: true, errors);
            Probe(c.ReadinessProbe, p + ".readinessProbe", mustSucceedOnce: false, errors);
            Probe(c.StartupProbe, p + ".startupProbe", mustSucceedOnce: true, errors);
            Ports(c.Ports, p + ".ports", errors);
            Env(c.Env, p + ".env", errors);
            VolumeMounts(c.VolumeMounts, p + ".volumeMounts", volumes, errors);
            if (c.ImagePullPolicy is not ("Always" or "IfNotPresent" or "Never"))
            {
                errors.Add(FieldError.NotSupported(p + ".imagePullPolicy", c.ImagePullPolicy, ["Always", "IfNotPresent", "Never"]));
            }

            Resources(c.Resources, p + ".resources", errors);
            if (c.TerminationMessagePolicy is not ("File" or "FallbackToLogsOnError"))
            {
                errors.Add(FieldError.NotSupported(p + ".terminationMessagePolicy", c.TerminationMessagePolicy, ["File", "FallbackToLogsOnError"]));
            }
        }
    }

    private static void Ports(IList<V1ContainerPort>? ports, string path, List<FieldError> errors)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < (ports?.Count ?? 0); i++)
        {
            var port = ports![i];
            var p = $"{path}[{i}]";
            if (!string.IsNullOrEmpty(port.Name))
            {
                var msgs = NameValidation.IsValidPortName(port.Name);
                foreach (var msg in msgs)
                {
                    errors.Add(FieldError.Invalid(p + ".name", port.Name, msg));
                }

                if (msgs.Count == 0 && !names.Add(port.Name))
                {
                    errors.Add(FieldError.Duplicate(p + ".name", port.Name));
                }
            }

            if (port.ContainerPort == 0)
            {
                errors.Add(FieldError.Required(p + ".containerPort"));
            }
            else
            {
                foreach (var msg in NameValidation.IsValidPortNum(port.ContainerPort))
                {
                    errors.Add(FieldError.Invalid(p + ".containerPort", port.ContainerPort, msg));
                }
            }

            if (port.HostPort is { } hostPort and not 0)
            {
                foreach (var msg in NameValidation.IsValidPortNum(hostPort))
                {
                    errors.Add(FieldError.Invalid(p + ".hostPort", hostPort, msg));
                }
            }

            if (string.IsNullOrEmpty(port.Protocol))
            {
                errors.Add(FieldError.Required(p + ".protocol"));
            }
            else if (port.Protocol is not ("TCP" or "UDP" or "SCTP"))
            {
                errors.Add(FieldError.NotSupported(p + ".protocol", port.Protocol, ["SCTP", "TCP", "UDP"]));
            }
        }
    }

    private static void Env(IList<V1EnvVar>? env, string path, List<FieldError> errors)
    {
        for (var i = 0; i < (env?.Count ?? 0); i++)
        {
            var e = env![i];
            var p = $"{path}[{i}]";
            if (string.IsNullOrEmpty(e.Name))
            {
                errors.Add(FieldError.Required(p + ".name"));
            }
            else if (e.Name.Any(ch => ch > 126 || ch < 32 || ch == '='))
            {
                errors.Add(FieldError.Invalid(p + ".name", e.Name, RelaxedEnvVarNameMessage));
            }

            if (e.ValueFrom is { } from)
            {
                var sources = new object?[] { from.FieldRef, from.ResourceFieldRef, from.ConfigMapKeyRef, from.SecretKeyRef }.Count(s => s is not null);
                if (sources == 0)
                {
                    errors.Add(FieldError.Invalid(p + ".valueFrom", string.Empty, "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"));
                }
                else if (sources > 1)
                {
                    errors.Add(FieldError.Invalid(p + ".valueFrom", string.Empty, "may not have more than one field specified at a time"));
                }

                if (!string.IsNullOrEmpty(e.Value))
                {
                    errors.Add(FieldError.Invalid(p + ".valueFrom", string.Empty, "may not be specified when `value` is not empty"));
                }
            }
        }
    }

    private static void VolumeMounts(IList<V1VolumeMount>? mounts, string path, HashSet<string> volumes, List<FieldError> errors)
    {
        var mountPoints = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < (mounts?.Count ?? 0); i++)
        {
            var m = mounts![i];
            var p = $"{path}[{i}]";
            if (string.IsNullOrEmpty(m.Name))
            {
                errors.Add(FieldError.Required(p + ".name"));
            }

            if (!volumes.Contains(m.Name ?? string.Empty))
            {
                errors.Add(new FieldError(FieldErrorType.NotFound, p + ".name", m.Name ?? string.Empty, string.Empty));
            }

            if (string.IsNullOrEmpty(m.MountPath))
            {
                errors.Add(FieldError.Required(p + ".mountPath"));
            }

            if (!mountPoints.Add(m.MountPath ?? string.Empty))
            {
                errors.Add(FieldError.Invalid(p + ".mountPath", m.MountPath, "must be unique"));
            }
        }
    }

    private static void Resources(V1ResourceRequirements? resources, string path, List<FieldError> errors)
    {
        if (resources is null)
        {
            return;
        }

        foreach (var (name, quantity) in resources.Limits ?? new Dictionary<string, ResourceQuantity>())
        {
            Quantity(name, quantity, $"{path}.limits[{name}]", errors);
        }

        foreach (var (name, quantity) in resources.Requests ?? new Dictionary<string, ResourceQuantity>())
        {
            Quantity(name, quantity, $"{path}.requests[{name}]", errors);
            if (resources.Limits is not null && resources.Limits.TryGetValue(name, out var limit) && quantity is not null && limit is not null)
            {
                var overcommit = IsNative(name) && !name.StartsWith("hugepages-", StringComparison.Ordinal);
                var cmp = quantity.ToDecimal().CompareTo(limit.ToDecimal());
                if (cmp != 0 && !overcommit)
                {
                    errors.Add(FieldError.Invalid(path + ".requests", quantity.CanonicalizeString(), $"must be equal to {name} limit of {limit.CanonicalizeString()}"));
                }
                else if (cmp > 0)
                {
                    errors.Add(FieldError.Invalid(path + ".requests", quantity.CanonicalizeString(), $"must be less than or equal to {name} limit of {limit.CanonicalizeString()}"));
                }
            }
        }
    }

    private static void Quantity(string name, ResourceQuantity? quantity, string path, List<FieldError> errors)
    {
        if (quantity is not null && quantity.ToDecimal() < 0)
        {
            errors.Add(FieldError.Invalid(path, quantity.CanonicalizeString(), "must be greater than or equal to 0"));
        }
        else if (quantity is not null && !IsNative(name) && quantity.ToDecimal() != decimal.Truncate(quantity.ToDecimal()))
        {
            errors.Add(FieldError.Invalid(path, quantity.CanonicalizeString(), "must be an integer"));
        }
    }

    // Native resources are unprefixed or in the kubernetes.io domain; others are extended resources.
    private static bool IsNative(string name) => !name.Contains('/', StringComparison.Ordinal) || name.Contains("kubernetes.io/", StringComparison.Ordinal);

    private static void Probe(V1Probe? probe, string path, bool mustSucceedOnce, List<FieldError> errors)
    {
        if (probe is null)
        {
            return;
        }

        var handlers = new (string Name, object? Value)[] { ("exec", probe.Exec), ("httpGet", probe.HttpGet), ("tcpSocket", probe.TcpSocket), ("grpc", probe.Grpc) }
            .Where(h => h.Value is not null).ToList();
        if (handlers.Count == 0)
        {
            errors.Add(FieldError.Required(path, "must specify a handler type"));
        }

        foreach (var extra in handlers.Skip(1))
        {
            errors.Add(FieldError.Forbidden(path + "." + extra.Name, "may not specify more than 1 handler type"));
        }

        if (probe.HttpGet is { } get)
        {
            PortNumOrName(get.Port, path + ".httpGet.port", errors);
            if (get.Scheme is not ("HTTP" or "HTTPS"))
            {
                errors.Add(FieldError.NotSupported(path + ".httpGet.scheme", get.Scheme, ["HTTP", "HTTPS"]));
            }
        }

        if (probe.TcpSocket is { } tcp)
        {
            PortNumOrName(tcp.Port, path + ".tcpSocket.port", errors);
        }

        CommonValidation.NonNegative(probe.InitialDelaySeconds, path + ".initialDelaySeconds", errors);
        CommonValidation.NonNegative(probe.TimeoutSeconds, path + ".timeoutSeconds", errors);
        CommonValidation.NonNegative(probe.PeriodSeconds, path + ".periodSeconds", errors);
        CommonValidation.NonNegative(probe.SuccessThreshold, path + ".successThreshold", errors);
        CommonValidation.NonNegative(probe.FailureThreshold, path + ".failureThreshold", errors);
        if (probe.TerminationGracePeriodSeconds is { } grace && grace <= 0)
        {
            errors.Add(FieldError.Invalid(path + ".terminationGracePeriodSeconds", grace, "must be greater than 0"));
        }

        if (mustSucceedOnce && probe.SuccessThreshold is { } threshold && threshold != 1)
        {
            errors.Add(FieldError.Invalid(path + ".successThreshold", threshold, "must be 1"));
        }
    }

    private static void PortNumOrName(IntOrString? port, string path, List<FieldError> errors)
    {
        var text = port?.Value ?? "0";
        if (int.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var number))
        {
            foreach (var msg in NameValidation.IsValidPortNum(number))
            {
                errors.Add(FieldError.Invalid(path, number, msg));
            }
        }
        else
        {
            foreach (var msg in NameValidation.IsValidPortName(text))
            {
                errors.Add(FieldError.Invalid(path, text, msg));
            }
        }
    }
}
