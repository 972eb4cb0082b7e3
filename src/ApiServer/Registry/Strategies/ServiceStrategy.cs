using System.Net;
using k8s.Models;
using KubeNet.ApiMachinery.Errors;
using KubeNet.ApiMachinery.Kinds;
using KubeNet.ApiMachinery.Validation;

namespace KubeNet.ApiServer.Registry.Strategies;

/// <summary>pkg/registry/core/service: DNS-1035 names, defaults, and a cluster IP from 10.96.0.0/12.</summary>
internal sealed class ServiceStrategy(ResourceInfo info) : Strategy<V1Service>(info)
{
    public override bool ReturnsDeletedObject => true;

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

        foreach (var p in spec.Ports ?? [])
        {
            p.Protocol ??= "TCP";
            p.TargetPort ??= (IntOrString)p.Port;
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
        var spec = obj.Spec;
        if (spec?.Type is not ("ClusterIP" or "NodePort" or "LoadBalancer" or "ExternalName"))
        {
            errors.Add(FieldError.NotSupported("spec.type", spec?.Type, ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]));
        }

        if (spec?.Type != "ExternalName" && spec?.ClusterIP != "None" && (spec?.Ports is null || spec.Ports.Count == 0))
        {
            errors.Add(FieldError.Required("spec.ports"));
        }

        if (spec?.SessionAffinity is not ("None" or "ClientIP"))
        {
            errors.Add(FieldError.NotSupported("spec.sessionAffinity", spec?.SessionAffinity, ["ClientIP", "None"]));
        }

        var ports = spec?.Ports ?? [];
        for (var i = 0; i < ports.Count; i++)
        {
            foreach (var msg in NameValidation.IsValidPortNum(ports[i].Port))
            {
                errors.Add(FieldError.Invalid($"spec.ports[{i}].port", ports[i].Port, msg));
            }

            if (ports.Count > 1 && string.IsNullOrEmpty(ports[i].Name))
            {
                errors.Add(FieldError.Required($"spec.ports[{i}].name"));
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
