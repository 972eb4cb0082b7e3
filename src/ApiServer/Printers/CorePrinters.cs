using System.Globalization;
using k8s.Models;
using KubeNet.ApiServer.Http;
using static KubeNet.ApiServer.Printers.Columns;

namespace KubeNet.ApiServer.Printers;

/// <summary>Printers of the core group besides pods: the columns and cells of kube-apiserver 1.32.</summary>
internal static class CorePrinters
{
    public static void Register(Dictionary<(string Group, string Kind), IReadOnlyList<TableColumn>> map)
    {
        map[("", "PodTemplate")] =
        [
            Name(),
            ..ContainersAndImages<V1PodTemplate>(t => t.Template?.Spec?.Containers, priority: 0),
            Text<V1PodTemplate>("Pod Labels", "The labels for the pod template.", t => Formats.Labels(t.Template?.Metadata?.Labels)),
        ];

        map[("", "ReplicationController")] =
        [
            Name(),
            Integer<V1ReplicationController>("Desired", Docs.RcSpecReplicas, rc => rc.Spec?.Replicas ?? 1),
            Integer<V1ReplicationController>("Current", Docs.RcStatusReplicas, rc => rc.Status?.Replicas ?? 0),
            Integer<V1ReplicationController>("Ready", Docs.RcReadyReplicas, rc => rc.Status?.ReadyReplicas ?? 0),
            Age(),
            ..ContainersAndImages<V1ReplicationController>(rc => rc.Spec?.Template?.Spec?.Containers),
            Text<V1ReplicationController>("Selector", Docs.RcSelector, rc => Formats.Labels(rc.Spec?.Selector), 1),
        ];

        map[("", "Service")] =
        [
            Name(),
            Text<V1Service>("Type", Docs.SvcType, s => s.Spec?.Type ?? string.Empty),
            Text<V1Service>("Cluster-IP", Docs.SvcClusterIP, ClusterIP),
            Text<V1Service>("External-IP", Docs.SvcExternalIPs, ExternalIP),
            Text<V1Service>("Port(s)", Docs.SvcPorts, Ports),
            Age(),
            Text<V1Service>("Selector", Docs.SvcSelector, s => Formats.Labels(s.Spec?.Selector), 1),
        ];

        map[("", "Endpoints")] =
        [
            Name(),
            Text<V1Endpoints>("Endpoints", Docs.EndpointsSubsets, Endpoints),
            Age(),
        ];

        map[("", "Node")] =
        [
            Name(),
            Text<V1Node>("Status", "The status of the node", NodeStatus),
            Text<V1Node>("Roles", "The roles of the node", NodeRoles),
            Age(),
            Text<V1Node>("Version", Docs.KubeletVersion, n => n.Status?.NodeInfo?.KubeletVersion ?? string.Empty),
            Text<V1Node>("Internal-IP", Docs.NodeAddresses, n => NodeAddress(n, "InternalIP"), 1),
            Text<V1Node>("External-IP", Docs.NodeAddresses, n => NodeAddress(n, "ExternalIP"), 1),
            Text<V1Node>("OS-Image", Docs.OsImage, n => OrUnknown(n.Status?.NodeInfo?.OsImage), 1),
            Text<V1Node>("Kernel-Version", Docs.KernelVersion, n => OrUnknown(n.Status?.NodeInfo?.KernelVersion), 1),
            Text<V1Node>("Container-Runtime", Docs.ContainerRuntimeVersion, n => OrUnknown(n.Status?.NodeInfo?.ContainerRuntimeVersion), 1),
        ];

        map[("", "Namespace")] =
        [
            Name(),
            Text<V1Namespace>("Status", "The status of the namespace", n => n.Status?.Phase ?? string.Empty),
            Age(),
        ];

        map[("", "Secret")] =
        [
            Name(),
            Text<V1Secret>("Type", Docs.SecretType, s => s.Type ?? string.Empty),
            Of<V1Secret>("Data", "string", Docs.SecretData, (s, _) => (long)(s.Data?.Count ?? 0)),
            Age(),
        ];

        map[("", "ServiceAccount")] =
        [
            Name(),
            Of<V1ServiceAccount>("Secrets", "string", Docs.ServiceAccountSecrets, (s, _) => (long)(s.Secrets?.Count ?? 0)),
            Age(),
        ];

        map[("", "ConfigMap")] =
        [
            Name(),
            Of<V1ConfigMap>("Data", "string", Docs.ConfigMapData, (c, _) => (long)((c.Data?.Count ?? 0) + (c.BinaryData?.Count ?? 0))),
            Age(),
        ];

        // events.k8s.io Events are stored as core Events and print the same way, as upstream prints both from the
        // internal core type.
        map[("", "Event")] = EventPrinter.Columns;
        map[("events.k8s.io", "Event")] = EventPrinter.Columns;

        map[("", "ResourceQuota")] =
        [
            Name(),
            Text<V1ResourceQuota>("Request", "Request represents a minimum amount of cpu/memory that a container may consume.", q => Quota(q, limits: false)),
            Text<V1ResourceQuota>("Limit", "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.", q => Quota(q, limits: true)),
            Age(),
        ];

        map[("", "PersistentVolume")] =
        [
            Name(),
            Text<V1PersistentVolume>("Capacity", Docs.PvCapacity, pv => Formats.Quantity(Formats.Lookup(pv.Spec?.Capacity, "storage"))),
            Text<V1PersistentVolume>("Access Modes", Docs.PvAccessModes, pv => Formats.AccessModes(pv.Spec?.AccessModes)),
            Text<V1PersistentVolume>("Reclaim Policy", Docs.PvReclaimPolicy, pv => pv.Spec?.PersistentVolumeReclaimPolicy ?? string.Empty),
            Text<V1PersistentVolume>("Status", Docs.PvPhase, pv => pv.Metadata.DeletionTimestamp is not null ? "Terminating" : pv.Status?.Phase ?? string.Empty),
            Text<V1PersistentVolume>("Claim", Docs.PvClaimRef, pv => pv.Spec?.ClaimRef is { } claim ? claim.NamespaceProperty + "/" + claim.Name : string.Empty),
            Text<V1PersistentVolume>("StorageClass", "StorageClass of the pv", pv => BetaStorageClass(pv.Metadata) ?? pv.Spec?.StorageClassName ?? string.Empty),
            Text<V1PersistentVolume>("VolumeAttributesClass", "VolumeAttributesClass of the pv", pv => pv.Spec?.VolumeAttributesClassName ?? Formats.Unset),
            Text<V1PersistentVolume>("Reason", Docs.PvReason, pv => pv.Status?.Reason ?? string.Empty),
            Age(),
            Text<V1PersistentVolume>("VolumeMode", Docs.PvVolumeMode, pv => pv.Spec?.VolumeMode ?? Formats.Unset, 1),
        ];

        map[("", "PersistentVolumeClaim")] =
        [
            Name(),
            Text<V1PersistentVolumeClaim>("Status", Docs.PvcPhase, c => c.Metadata.DeletionTimestamp is not null ? "Terminating" : c.Status?.Phase ?? string.Empty),
            Text<V1PersistentVolumeClaim>("Volume", Docs.PvcVolumeName, c => c.Spec?.VolumeName ?? string.Empty),
            Text<V1PersistentVolumeClaim>("Capacity", Docs.PvcCapacity, c => IsBound(c) ? Formats.Quantity(Formats.Lookup(c.Status?.Capacity, "storage")) : string.Empty),
            Text<V1PersistentVolumeClaim>("Access Modes", Docs.PvcAccessModes, c => IsBound(c) ? Formats.AccessModes(c.Status?.AccessModes) : string.Empty),
            Text<V1PersistentVolumeClaim>("StorageClass", "StorageClass of the pvc", c => BetaStorageClass(c.Metadata) ?? c.Spec?.StorageClassName ?? string.Empty),
            Text<V1PersistentVolumeClaim>("VolumeAttributesClass", "VolumeAttributesClass of the pvc", c => c.Spec?.VolumeAttributesClassName ?? Formats.Unset),
            Age(),
            Text<V1PersistentVolumeClaim>("VolumeMode", Docs.PvcVolumeMode, c => c.Spec?.VolumeMode ?? Formats.Unset, 1),
        ];

        map[("", "ComponentStatus")] =
        [
            Name(),
            Text<V1ComponentStatus>("Status", "Status of the component conditions", c => Healthy(c)?.Status switch { null => "Unknown", "True" => "Healthy", _ => "Unhealthy" }),
            Text<V1ComponentStatus>("Message", "Message of the component conditions", c => Healthy(c)?.Message ?? string.Empty),
            Text<V1ComponentStatus>("Error", "Error of the component conditions", c => Healthy(c)?.Error ?? string.Empty),
        ];
    }

    private static string ClusterIP(V1Service service)
    {
        var spec = service.Spec;
        var ip = spec?.ClusterIPs is { Count: > 0 } ips ? ips[0] : spec?.ClusterIP;
        return Formats.OrNone(ip);
    }

    /// <summary>getServiceExternalIP: external IPs, load balancer ingress points, or the external name, by type.</summary>
    internal static string ExternalIP(V1Service service)
    {
        var spec = service.Spec;
        var externalIPs = spec?.ExternalIPs ?? [];
        switch (spec?.Type)
        {
            case "ClusterIP":
            case "NodePort":
                return externalIPs.Count > 0 ? string.Join(",", externalIPs) : Formats.None;
            case "LoadBalancer":
                var ingress = Formats.LoadBalancer(service.Status?.LoadBalancer?.Ingress?.Select(i => (i.Ip, i.Hostname)), wide: true);
                if (externalIPs.Count > 0)
                {
                    var all = new List<string>();
                    if (ingress.Length > 0)
                    {
                        all.AddRange(ingress.Split(','));
                    }

                    all.AddRange(externalIPs);
                    return string.Join(",", all);
                }

                return ingress.Length > 0 ? ingress : "<pending>";
            case "ExternalName":
                return spec.ExternalName ?? string.Empty;
            default:
                return Durations.Unknown;
        }
    }

    /// <summary>makePortString: "80/TCP", or "80:30080/TCP" with a node port; "&lt;none&gt;" without ports.</summary>
    internal static string Ports(V1Service service)
    {
        var ports = service.Spec?.Ports;
        if (ports is null || ports.Count == 0)
        {
            return Formats.None;
        }

        return string.Join(",", ports.Select(p => p.NodePort is int node && node > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{p.Port}:{node}/{p.Protocol}")
            : string.Create(CultureInfo.InvariantCulture, $"{p.Port}/{p.Protocol}")));
    }

    /// <summary>formatEndpoints: up to three host:port pairs (bare IPs for port-less subsets), then " + N more...".</summary>
    internal static string Endpoints(V1Endpoints endpoints)
    {
        var subsets = endpoints.Subsets;
        if (subsets is null || subsets.Count == 0)
        {
            return Formats.None;
        }

        const int Max = 3;
        var list = new List<string>(Max);
        var more = false;
        var count = 0;
        foreach (var subset in subsets)
        {
            var addresses = subset.Addresses ?? [];
            if (subset.Ports is null || subset.Ports.Count == 0)
            {
                // Headless services may have no ports.
                count += addresses.Count;
                foreach (var address in addresses)
                {
                    if (list.Count == Max)
                    {
                        more = true;
                        break;
                    }

                    list.Add(address.Ip);
                }

                continue;
            }

            foreach (var port in subset.Ports)
            {
                count += addresses.Count;
                foreach (var address in addresses)
                {
                    if (list.Count == Max)
                    {
                        more = true;
                        break;
                    }

                    list.Add(Formats.HostPort(address.Ip, port.Port));
                }
            }
        }

        var text = string.Join(",", list);
        return more ? text + " + " + Formats.Int(count - Max) + " more..." : text;
    }

    /// <summary>Ready or NotReady from the Ready condition (Unknown without one), then SchedulingDisabled when cordoned.</summary>
    internal static string NodeStatus(V1Node node)
    {
        var ready = node.Status?.Conditions?.LastOrDefault(c => c.Type == "Ready");
        var status = ready is null ? "Unknown" : ready.Status == "True" ? "Ready" : "NotReady";
        return node.Spec?.Unschedulable == true ? status + ",SchedulingDisabled" : status;
    }

    /// <summary>Roles from node-role.kubernetes.io/&lt;role&gt; labels and the kubernetes.io/role label, sorted.</summary>
    internal static string NodeRoles(V1Node node)
    {
        const string RolePrefix = "node-role.kubernetes.io/";
        var roles = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in node.Metadata.Labels ?? new Dictionary<string, string>())
        {
            if (key.StartsWith(RolePrefix, StringComparison.Ordinal))
            {
                if (key.Length > RolePrefix.Length)
                {
                    roles.Add(key[RolePrefix.Length..]);
                }
            }
            else if (key == "kubernetes.io/role" && value.Length > 0)
            {
                roles.Add(value);
            }
        }

        return roles.Count == 0 ? Formats.None : string.Join(",", roles);
    }

    private static string NodeAddress(V1Node node, string type)
        => node.Status?.Addresses?.FirstOrDefault(a => a.Type == type)?.Address ?? Formats.None;

    private static string OrUnknown(string? value) => string.IsNullOrEmpty(value) ? Durations.Unknown : value;

    /// <summary>"resource: used/hard" pairs sorted by resource; limits.* resources go to the Limit column.</summary>
    private static string Quota(V1ResourceQuota quota, bool limits)
    {
        var hard = quota.Status?.Hard;
        if (hard is null || hard.Count == 0)
        {
            return string.Empty;
        }

        var parts = new List<string>();
        foreach (var resource in hard.Keys.Order(StringComparer.Ordinal))
        {
            var pieces = resource.Split('.');
            var isLimit = pieces.Length > 1 && pieces[0] == "limits";
            if (isLimit != limits)
            {
                continue;
            }

            parts.Add(resource + ": " + Formats.Quantity(Formats.Lookup(quota.Status?.Used, resource)) + "/" + Formats.Quantity(hard[resource]));
        }

        return string.Join(", ", parts);
    }

    /// <summary>The beta storage-class annotation, which still wins over spec.storageClassName when present.</summary>
    private static string? BetaStorageClass(V1ObjectMeta metadata)
        => metadata.Annotations is { } a && a.TryGetValue("volume.beta.kubernetes.io/storage-class", out var c) ? c : null;

    private static bool IsBound(V1PersistentVolumeClaim claim) => !string.IsNullOrEmpty(claim.Spec?.VolumeName);

    private static V1ComponentCondition? Healthy(V1ComponentStatus status) => status.Conditions?.FirstOrDefault(c => c.Type == "Healthy");
}
