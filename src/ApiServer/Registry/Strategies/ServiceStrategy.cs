using System.Net;
using k8s.Models;
using KubeNet.ApiMachinery.Errors;
using KubeNet.ApiMachinery.Kinds;
using KubeNet.ApiMachinery.Validation;

namespace KubeNet.ApiServer.Registry.Strategies;

/// <summary>pkg/registry/core/service: DNS-1035 names, defaults, and a cluster IP from 10.96.0.0/12.</summary>
internal sealed class ServiceStrategy(ResourceInfo info) : Strategy<V1Service>(info)
{

    public override IReadOnlyList<string> ValidateName(string name, bool prefix) => NameValidation.NameIsDns1035Label(name, prefix);

    protected override void PrepareForCreate(V1Service obj)
    {
        obj.Status = new V1ServiceStatus { LoadBalancer = new V1LoadBalancerStatus() };
    }

    protected override void PrepareForUpdate(V1Service obj, V1Service old)
    {
        if (obj.Spec is not null && old.Spec is not null && string.IsNullOrEmpty(obj.Spec.ClusterIP))
        {
            obj.Spec.ClusterIP = old.Spec.ClusterIP;
            obj.Spec.ClusterIPs = old.Spec.ClusterIPs;
        }

        // A port sent without its node port keeps the one it had, matched by port name, unless another port took it.
        if (obj.Spec is { Type: "NodePort" or "LoadBalancer", Ports: { } ports } && old.Spec?.Ports is { } oldPorts)
        {
            var taken = ports.Where(p => p.NodePort is > 0).Select(p => p.NodePort!.Value).ToHashSet();
            var byName = new Dictionary<string, int?>();
            foreach (var p in oldPorts)
            {
                byName[p.Name ?? string.Empty] = p.NodePort;
            }

            foreach (var p in ports.Where(p => p.NodePort is null or 0))
            {
                if (byName.TryGetValue(p.Name ?? string.Empty, out var previous) && previous is > 0 && !taken.Contains(previous.Value))
                {
                    p.NodePort = previous;
                }
            }
        }
    }

    protected override void Default(V1Service obj)
    {
        var spec = obj.Spec ??= new V1ServiceSpec();
        spec.Type ??= "ClusterIP";
        spec.SessionAffinity ??= "None";
        if (spec.Type is "ClusterIP" or "NodePort" or "LoadBalancer")
        {
            spec.InternalTrafficPolicy ??= "Cluster";
            spec.IpFamilies ??= ["IPv4"];
            spec.IpFamilyPolicy ??= "SingleStack";
            if (string.IsNullOrEmpty(spec.ClusterIP))
            {
                spec.ClusterIP = AllocateClusterIp();
            }

            spec.ClusterIPs ??= [spec.ClusterIP];
        }

        if (spec.Type is "NodePort" or "LoadBalancer")
        {
            spec.ExternalTrafficPolicy ??= "Cluster";
        }

        if (spec.Type == "LoadBalancer")
        {
            spec.AllocateLoadBalancerNodePorts ??= true;
        }

        foreach (var p in spec.Ports ?? [])
        {
            p.Protocol ??= "TCP";
            if (p.TargetPort?.Value is null or "" or "0")
            {
                p.TargetPort = p.Port;
            }
        }

        if (spec.Type is "NodePort" || (spec.Type is "LoadBalancer" && spec.AllocateLoadBalancerNodePorts == true))
        {
            var used = (spec.Ports ?? []).Where(p => p.NodePort is > 0).Select(p => p.NodePort!.Value).ToHashSet();
            foreach (var p in spec.Ports ?? [])
            {
                if (p.NodePort is null or 0)
                {
                    p.NodePort = AllocateNodePort(used);
                }
            }
        }
    }

    private const int NodePortMin = 30000;
    private const int NodePortMax = 32767;

    // Random free ports in 30000-32767 among this service's own; as with cluster IPs, a cluster-wide bitmap
    // allocator is the upstream design and the next step.
    private static int AllocateNodePort(HashSet<int> used)
    {
        while (true)
        {
            var port = System.Security.Cryptography.RandomNumberGenerator.GetInt32(NodePortMin, NodePortMax + 1);
            if (used.Add(port))
            {
                return port;
            }
        }
    }

    // Random addresses in 10.96.0.0/12 (minus the first, which the kubernetes service holds); collisions are
    // vanishingly rare at test scale. A bitmap allocator is the upstream design and the next step.
    private static string AllocateClusterIp()
    {
        var offset = System.Security.Cryptography.RandomNumberGenerator.GetInt32(2, (1 << 20) - 1);
        var value = (10u << 24) | (96u << 16) | (uint)offset;
        return new IPAddress([(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value]).ToString();
    }

    protected override void Validate(V1Service obj, List<FieldError> errors)
    {
        var spec = obj.Spec ?? new V1ServiceSpec();
        if (spec.Type is not ("ClusterIP" or "NodePort" or "LoadBalancer" or "ExternalName"))
        {
            errors.Add(FieldError.NotSupported("spec.type", spec.Type, ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]));
        }

        if (spec.Type == "ExternalName")
        {
            if (!string.IsNullOrEmpty(spec.ClusterIP))
            {
                errors.Add(FieldError.Forbidden("spec.clusterIPs", "may not be set for ExternalName services"));
            }

            // The CNAME may end with a dot to mark it fully qualified.
            var cname = (spec.ExternalName ?? string.Empty).TrimEnd('.');
            if (cname.Length == 0)
            {
                errors.Add(FieldError.Required("spec.externalName"));
            }
            else
            {
                foreach (var msg in NameValidation.IsDns1123Subdomain(cname))
                {
                    errors.Add(FieldError.Invalid("spec.externalName", cname, msg));
                }
            }
        }

        if (spec.Type != "ExternalName" && spec.ClusterIP != "None" && (spec.Ports is null || spec.Ports.Count == 0))
        {
            errors.Add(FieldError.Required("spec.ports"));
        }

        var ports = spec.Ports ?? [];
        var names = new HashSet<string>(StringComparer.Ordinal);
        var nodePorts = new HashSet<(int, string?)>();
        for (var i = 0; i < ports.Count; i++)
        {
            ValidatePort(ports[i], $"spec.ports[{i}]", ports.Count > 1, names, errors);
            if (ports[i].NodePort is { } nodePort and not 0)
            {
                if (spec.Type is "ClusterIP" or "ExternalName")
                {
                    errors.Add(FieldError.Forbidden($"spec.ports[{i}].nodePort", $"may not be used when `type` is '{spec.Type}'"));
                }
                else if (nodePort is < NodePortMin or > NodePortMax)
                {
                    errors.Add(FieldError.Invalid($"spec.ports[{i}].nodePort", nodePort, $"provided port is not in the valid range. The range of valid ports is {NodePortMin}-{NodePortMax}"));
                }

                if (!nodePorts.Add((nodePort, ports[i].Protocol)))
                {
                    errors.Add(FieldError.Duplicate($"spec.ports[{i}].nodePort", nodePort));
                }
            }
        }

        if (spec.SessionAffinity is not ("None" or "ClientIP"))
        {
            errors.Add(FieldError.NotSupported("spec.sessionAffinity", spec.SessionAffinity, ["ClientIP", "None"]));
        }

        CommonValidation.Labels(spec.Selector, "spec.selector", errors);
    }

    private static void ValidatePort(V1ServicePort port, string path, bool requireName, HashSet<string> names, List<FieldError> errors)
    {
        if (requireName && string.IsNullOrEmpty(port.Name))
        {
            errors.Add(FieldError.Required(path + ".name"));
        }
        else if (!string.IsNullOrEmpty(port.Name))
        {
            foreach (var msg in NameValidation.IsDns1123Label(port.Name))
            {
                errors.Add(FieldError.Invalid(path + ".name", port.Name, msg));
            }

            if (!names.Add(port.Name))
            {
                errors.Add(FieldError.Duplicate(path + ".name", port.Name));
            }
        }

        foreach (var msg in NameValidation.IsValidPortNum(port.Port))
        {
            errors.Add(FieldError.Invalid(path + ".port", port.Port, msg));
        }

        if (string.IsNullOrEmpty(port.Protocol))
        {
            errors.Add(FieldError.Required(path + ".protocol"));
        }
        else if (port.Protocol is not ("SCTP" or "TCP" or "UDP"))
        {
            errors.Add(FieldError.NotSupported(path + ".protocol", port.Protocol, ["SCTP", "TCP", "UDP"]));
        }

        var target = port.TargetPort?.Value ?? "0";
        if (int.TryParse(target, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var number))
        {
            foreach (var msg in NameValidation.IsValidPortNum(number))
            {
                errors.Add(FieldError.Invalid(path + ".targetPort", number, msg));
            }
        }
        else
        {
            foreach (var msg in NameValidation.IsValidPortName(target))
            {
                errors.Add(FieldError.Invalid(path + ".targetPort", target, msg));
            }
        }
    }

    protected override void ValidateUpdate(V1Service obj, V1Service old, List<FieldError> errors)
    {
        if (!string.IsNullOrEmpty(old.Spec?.ClusterIP) && old.Spec.Type != "ExternalName" && obj.Spec?.Type != "ExternalName" && obj.Spec?.ClusterIP != old.Spec.ClusterIP)
        {
            errors.Add(FieldError.Invalid("spec.clusterIPs[0]", obj.Spec?.ClusterIP, "may not change once set"));
        }
    }
}
