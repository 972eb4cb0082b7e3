using System.Globalization;
using k8s.Models;
using KubeNet.ApiServer.Http;
using static KubeNet.ApiServer.Printers.Columns;

namespace KubeNet.ApiServer.Printers;

/// <summary>
/// Printers of the networking, discovery, RBAC, storage, coordination, scheduling, node, certificates, flow control,
/// admission and API registration groups: the columns and cells of kube-apiserver 1.32 (and kube-aggregator's for
/// APIServices).
/// </summary>
internal static class OtherPrinters
{
    private const string Networking = "networking.k8s.io";
    private const string Rbac = "rbac.authorization.k8s.io";
    private const string Storage = "storage.k8s.io";
    private const string FlowControl = "flowcontrol.apiserver.k8s.io";
    private const string Admission = "admissionregistration.k8s.io";

    public static void Register(Dictionary<(string Group, string Kind), IReadOnlyList<TableColumn>> map)
    {
        map[(Networking, "Ingress")] =
        [
            Name(),
            Text<V1Ingress>("Class", "The name of the IngressClass resource that should be used for additional configuration", i => i.Spec?.IngressClassName ?? Formats.None),
            Text<V1Ingress>("Hosts", "Hosts that incoming requests are matched against before the ingress rule", IngressHosts),
            Text<V1Ingress>("Address", "Address is a list containing ingress points for the load-balancer", i => Formats.LoadBalancer(i.Status?.LoadBalancer?.Ingress?.Select(x => (x.Ip, x.Hostname)), wide: true)),
            Text<V1Ingress>("Ports", "Ports of TLS configurations that open", i => i.Spec?.Tls is { Count: > 0 } ? "80, 443" : "80"),
            Age(),
        ];

        map[(Networking, "IngressClass")] =
        [
            Name(),
            Text<V1IngressClass>("Controller", "Controller that is responsible for handling this class", c => c.Spec?.Controller ?? string.Empty),
            Text<V1IngressClass>("Parameters", "A reference to a resource with additional parameters", IngressClassParameters),
            Age(),
        ];

        map[(Networking, "NetworkPolicy")] =
        [
            Name(),
            Text<V1NetworkPolicy>("Pod-Selector", Docs.NetpolPodSelector, p => Formats.Selector(p.Spec?.PodSelector ?? new V1LabelSelector())),
            Age(),
        ];

        map[("discovery.k8s.io", "EndpointSlice")] =
        [
            Name(),
            Text<V1EndpointSlice>("AddressType", Docs.SliceAddressType, s => s.AddressType ?? string.Empty),
            Text<V1EndpointSlice>("Ports", Docs.SlicePorts, SlicePorts),
            Text<V1EndpointSlice>("Endpoints", Docs.SliceEndpoints, SliceEndpoints),
            Age(),
        ];

        map[(Rbac, "RoleBinding")] = Bindings<V1RoleBinding>("roleBinding", Docs.RoleBindingRoleRef, b => b.RoleRef, b => b.Subjects);
        map[(Rbac, "ClusterRoleBinding")] = Bindings<V1ClusterRoleBinding>("clusterRoleBinding", Docs.ClusterRoleBindingRoleRef, b => b.RoleRef, b => b.Subjects);

        map[(Storage, "StorageClass")] =
        [
            Name<V1StorageClass>(c => IsDefaultClass(c.Metadata) ? c.Name() + " (default)" : c.Name()),
            Text<V1StorageClass>("Provisioner", Docs.ScProvisioner, c => c.Provisioner ?? string.Empty),
            Text<V1StorageClass>("ReclaimPolicy", Docs.ScReclaimPolicy, c => c.ReclaimPolicy ?? "Delete"),
            Text<V1StorageClass>("VolumeBindingMode", Docs.ScVolumeBindingMode, c => c.VolumeBindingMode ?? "Immediate"),
            Of<V1StorageClass>("AllowVolumeExpansion", "string", Docs.ScAllowVolumeExpansion, (c, _) => c.AllowVolumeExpansion ?? false),
            Age(),
        ];

        map[(Storage, "CSIDriver")] =
        [
            Name(),
            Of<V1CSIDriver>("AttachRequired", "boolean", Docs.CsiAttachRequired, (d, _) => d.Spec?.AttachRequired ?? true),
            Of<V1CSIDriver>("PodInfoOnMount", "boolean", Docs.CsiPodInfoOnMount, (d, _) => d.Spec?.PodInfoOnMount ?? false),
            Of<V1CSIDriver>("StorageCapacity", "boolean", Docs.CsiStorageCapacity, (d, _) => d.Spec?.StorageCapacity ?? false),
            Text<V1CSIDriver>("TokenRequests", Docs.CsiTokenRequests, d => d.Spec?.TokenRequests is { } t ? string.Join(",", t.Select(r => r.Audience)) : Formats.Unset),
            Of<V1CSIDriver>("RequiresRepublish", "boolean", Docs.CsiRequiresRepublish, (d, _) => d.Spec?.RequiresRepublish ?? false),
            Text<V1CSIDriver>("Modes", Docs.CsiVolumeLifecycleModes, d => d.Spec?.VolumeLifecycleModes is { Count: > 0 } m ? string.Join(",", m) : Formats.None),
            Age(),
        ];

        map[(Storage, "CSINode")] =
        [
            Name(),
            Integer<V1CSINode>("Drivers", "Drivers indicates the number of CSI drivers registered on the node", n => n.Spec?.Drivers?.Count ?? 0),
            Age(),
        ];

        map[(Storage, "CSIStorageCapacity")] =
        [
            Name(),
            Text<V1CSIStorageCapacity>("StorageClassName", Docs.CapacityStorageClassName, c => c.StorageClassName ?? string.Empty),
            Text<V1CSIStorageCapacity>("Capacity", Docs.CapacityCapacity, c => c.Capacity?.ToString() ?? Formats.Unset),
        ];

        map[(Storage, "VolumeAttachment")] =
        [
            Name(),
            Of<V1VolumeAttachment>("Attacher", "string", Docs.VaAttacher, (v, _) => v.Spec?.Attacher ?? string.Empty, format: "name"),
            Text<V1VolumeAttachment>("PV", Docs.VaPersistentVolumeName, v => v.Spec?.Source?.PersistentVolumeName ?? string.Empty),
            Text<V1VolumeAttachment>("Node", Docs.VaNodeName, v => v.Spec?.NodeName ?? string.Empty),
            Of<V1VolumeAttachment>("Attached", "boolean", Docs.VaAttached, (v, _) => v.Status?.Attached ?? false),
            Age(),
        ];

        map[("coordination.k8s.io", "Lease")] =
        [
            Name(),
            Text<V1Lease>("Holder", Docs.LeaseHolderIdentity, l => l.Spec?.HolderIdentity ?? string.Empty),
            Age(),
        ];

        map[("scheduling.k8s.io", "PriorityClass")] =
        [
            Name(),
            Integer<V1PriorityClass>("Value", Docs.PriorityClassValue, p => p.Value ?? 0),
            Of<V1PriorityClass>("Global-Default", "boolean", Docs.PriorityClassGlobalDefault, (p, _) => p.GlobalDefault ?? false),
            Age(),
            Text<V1PriorityClass>("PreemptionPolicy", Docs.PriorityClassPreemptionPolicy, p => p.PreemptionPolicy ?? string.Empty),
        ];

        // Upstream describes Handler with a key ObjectMeta's docs lack, so its description is empty.
        map[("node.k8s.io", "RuntimeClass")] =
        [
            Name(),
            Text<V1RuntimeClass>("Handler", string.Empty, r => r.Handler ?? string.Empty),
            Age(),
        ];

        map[("certificates.k8s.io", "CertificateSigningRequest")] =
        [
            Name(),
            Age(),
            Text<V1CertificateSigningRequest>("SignerName", Docs.CsrSignerName, c => Formats.OrNone(c.Spec?.SignerName)),
            Text<V1CertificateSigningRequest>("Requestor", Docs.CsrRequest, c => c.Spec?.Username ?? string.Empty),
            Text<V1CertificateSigningRequest>("RequestedDuration", Docs.CsrExpirationSeconds, c => c.Spec?.ExpirationSeconds is int s ? Durations.Human(TimeSpan.FromSeconds(s)) : Formats.None),
            Text<V1CertificateSigningRequest>("Condition", Docs.CsrConditions, CsrCondition),
        ];

        map[(FlowControl, "FlowSchema")] =
        [
            Name(),
            Text<V1FlowSchema>("PriorityLevel", Docs.FsPriorityLevel, f => f.Spec?.PriorityLevelConfiguration?.Name ?? string.Empty),
            Of<V1FlowSchema>("MatchingPrecedence", "string", Docs.FsMatchingPrecedence, (f, _) => (long)(f.Spec?.MatchingPrecedence ?? 0)),
            Text<V1FlowSchema>("DistinguisherMethod", Docs.FsDistinguisherMethod, f => f.Spec?.DistinguisherMethod?.Type ?? Formats.None),
            Age(),
            Text<V1FlowSchema>("MissingPL", "references a broken or non-existent PriorityLevelConfiguration", f => f.Status?.Conditions?.FirstOrDefault(c => c.Type == "Dangling")?.Status ?? "?"),
        ];

        map[(FlowControl, "PriorityLevelConfiguration")] =
        [
            Name(),
            Text<V1PriorityLevelConfiguration>("Type", Docs.PlType, p => p.Spec?.Type ?? string.Empty),
            Of<V1PriorityLevelConfiguration>("NominalConcurrencyShares", "string", Docs.PlNominalConcurrencyShares, (p, _) => p.Spec?.Limited is { } l ? (long)(l.NominalConcurrencyShares ?? 0) : Formats.None),
            Of<V1PriorityLevelConfiguration>("Queues", "string", Docs.PlQueues, (p, _) => Queuing(p) is { } q ? (long)(q.Queues ?? 0) : Formats.None),
            Of<V1PriorityLevelConfiguration>("HandSize", "string", Docs.PlHandSize, (p, _) => Queuing(p) is { } q ? (long)(q.HandSize ?? 0) : Formats.None),
            Of<V1PriorityLevelConfiguration>("QueueLengthLimit", "string", Docs.PlQueueLengthLimit, (p, _) => Queuing(p) is { } q ? (long)(q.QueueLengthLimit ?? 0) : Formats.None),
            Age(),
        ];

        const string WebhooksDescription = "Webhooks indicates the number of webhooks registered in this configuration";
        map[(Admission, "MutatingWebhookConfiguration")] =
        [
            Name(),
            Integer<V1MutatingWebhookConfiguration>("Webhooks", WebhooksDescription, w => w.Webhooks?.Count ?? 0),
            Age(),
        ];

        map[(Admission, "ValidatingWebhookConfiguration")] =
        [
            Name(),
            Integer<V1ValidatingWebhookConfiguration>("Webhooks", WebhooksDescription, w => w.Webhooks?.Count ?? 0),
            Age(),
        ];

        map[(Admission, "ValidatingAdmissionPolicy")] =
        [
            Name(),
            Integer<V1ValidatingAdmissionPolicy>("Validations", "Validations indicates the number of validation rules defined in this configuration", p => p.Spec?.Validations?.Count ?? 0),
            Text<V1ValidatingAdmissionPolicy>("ParamKind", "ParamKind specifies the kind of resources used to parameterize this policy", p => p.Spec?.ParamKind is { } k ? k.ApiVersion + "/" + k.Kind : Formats.Unset),
            Age(),
        ];

        map[(Admission, "ValidatingAdmissionPolicyBinding")] =
        [
            Name(),
            Text<V1ValidatingAdmissionPolicyBinding>("PolicyName", "PolicyName indicates the policy definition which the policy binding binded to", b => b.Spec?.PolicyName ?? string.Empty),
            Text<V1ValidatingAdmissionPolicyBinding>("ParamRef", "ParamRef indicates the param resource which sets the configration param", b => ParamRef(b.Spec?.ParamRef)),
            Age(),
        ];

        map[("apiregistration.k8s.io", "APIService")] =
        [
            Name(),
            Text<V1APIService>("Service", "The reference to the service that hosts this API endpoint.", a => a.Spec?.Service is { } s ? s.NamespaceProperty + "/" + s.Name : "Local"),
            Text<V1APIService>("Available", "Whether this service is available.", ApiServiceAvailable),
            Age(),
        ];
    }

    /// <summary>RoleRef as "Kind/name", then (wide) users, groups and service accounts each joined with ", ".</summary>
    private static TableColumn[] Bindings<T>(string noun, string roleRefDescription, Func<T, V1RoleRef?> roleRef, Func<T, IList<Rbacv1Subject>?> subjects)
        where T : class =>
    [
        Name(),
        Text<T>("Role", roleRefDescription, b => roleRef(b) is { } r ? r.Kind + "/" + r.Name : "/"),
        Age(),
        Text<T>("Users", "Users in the " + noun, b => Subjects(subjects(b), "User"), 1),
        Text<T>("Groups", "Groups in the " + noun, b => Subjects(subjects(b), "Group"), 1),
        Text<T>("ServiceAccounts", "ServiceAccounts in the " + noun, b => Subjects(subjects(b), "ServiceAccount"), 1),
    ];

    private static string Subjects(IList<Rbacv1Subject>? subjects, string kind)
        => string.Join(", ", (subjects ?? []).Where(s => s.Kind == kind).Select(s => kind == "ServiceAccount" ? s.NamespaceProperty + "/" + s.Name : s.Name));

    /// <summary>formatHosts: up to three rule hosts, "*" when no rule names one, then " + N more..." over all rules.</summary>
    internal static string IngressHosts(V1Ingress ingress)
    {
        const int Max = 3;
        var rules = ingress.Spec?.Rules ?? [];
        var list = new List<string>(Max);
        var more = false;
        foreach (var rule in rules)
        {
            if (list.Count == Max)
            {
                more = true;
            }

            if (!more && !string.IsNullOrEmpty(rule.Host))
            {
                list.Add(rule.Host);
            }
        }

        if (list.Count == 0)
        {
            return "*";
        }

        var text = string.Join(",", list);
        return more ? text + " + " + Formats.Int(rules.Count - Max) + " more..." : text;
    }

    private static string IngressClassParameters(V1IngressClass ingressClass)
    {
        var p = ingressClass.Spec?.Parameters;
        if (p is null)
        {
            return Formats.None;
        }

        var kind = p.ApiGroup is null ? p.Kind : p.Kind + "." + p.ApiGroup;
        return kind + "/" + p.Name;
    }

    /// <summary>formatDiscoveryPorts: up to three port numbers (names, or "*" for all ports).</summary>
    private static string SlicePorts(V1EndpointSlice slice)
    {
        const int Max = 3;
        var list = new List<string>(Max);
        var count = 0;
        var more = false;
        foreach (var port in slice.Ports ?? [])
        {
            if (list.Count < Max)
            {
                list.Add(port.Port is int number ? Formats.Int(number) : port.Name ?? "*");
            }
            else
            {
                more = true;
            }

            count++;
        }

        return Formats.ListWithMore(list, more, count, Max);
    }

    /// <summary>formatDiscoveryEndpoints: up to three addresses over all endpoints.</summary>
    internal static string SliceEndpoints(V1EndpointSlice slice)
    {
        const int Max = 3;
        var list = new List<string>(Max);
        var count = 0;
        var more = false;
        foreach (var address in (slice.Endpoints ?? []).SelectMany(e => e.Addresses ?? []))
        {
            if (list.Count < Max)
            {
                list.Add(address);
            }
            else
            {
                more = true;
            }

            count++;
        }

        return Formats.ListWithMore(list, more, count, Max);
    }

    /// <summary>The default-class annotation, GA or beta, set to "true".</summary>
    private static bool IsDefaultClass(V1ObjectMeta metadata)
        => metadata.Annotations is { } a
            && ((a.TryGetValue("storageclass.kubernetes.io/is-default-class", out var ga) && ga == "true")
                || (a.TryGetValue("storageclass.beta.kubernetes.io/is-default-class", out var beta) && beta == "true"));

    /// <summary>Denied or Approved or Pending, then ",Failed" and ",Issued" as they apply.</summary>
    internal static string CsrCondition(V1CertificateSigningRequest csr)
    {
        var types = csr.Status?.Conditions?.Select(c => c.Type).ToHashSet(StringComparer.Ordinal) ?? [];
        var status = types.Contains("Denied") ? "Denied" : types.Contains("Approved") ? "Approved" : "Pending";
        if (types.Contains("Failed"))
        {
            status += ",Failed";
        }

        if (csr.Status?.Certificate is { Length: > 0 })
        {
            status += ",Issued";
        }

        return status;
    }

    private static V1QueuingConfiguration? Queuing(V1PriorityLevelConfiguration p) => p.Spec?.Limited?.LimitResponse?.Queuing;

    /// <summary>"namespace/name", "*/name" when the namespace is open, or the selector, "&lt;unset&gt;" without a reference.</summary>
    private static string ParamRef(V1ParamRef? paramRef)
    {
        if (paramRef is null)
        {
            return Formats.Unset;
        }

        if (!string.IsNullOrEmpty(paramRef.Name))
        {
            return string.IsNullOrEmpty(paramRef.NamespaceProperty) ? "*/" + paramRef.Name : paramRef.NamespaceProperty + "/" + paramRef.Name;
        }

        return paramRef.Selector is { } selector ? Formats.SelectorStruct(selector) : Formats.Unset;
    }

    /// <summary>True, or "False (Reason)" with the Available condition's reason, or Unknown without the condition.</summary>
    private static string ApiServiceAvailable(V1APIService service)
    {
        var condition = service.Status?.Conditions?.FirstOrDefault(c => c.Type == "Available");
        if (condition is null)
        {
            return "Unknown";
        }

        return condition.Status != "True" && !string.IsNullOrEmpty(condition.Reason)
            ? string.Create(CultureInfo.InvariantCulture, $"{condition.Status} ({condition.Reason})")
            : condition.Status;
    }
}
