using System.Collections.Frozen;
using k8s.Models;

namespace KubeNet.ApiMachinery.Kinds;

/// <summary>
/// Every resource kube-apiserver 1.32 serves by default, in discovery order. One table of facts: adding a kind is
/// one row here (see docs/ADDING-A-KIND.md).
/// </summary>
public static class KindCatalog
{
    private static readonly string[] All = ["all"];
    private static readonly string[] ApiExtensions = ["api-extensions"];

    private static SubresourceInfo Status(string kind, string? group = null, string? version = null)
        => new("status", kind, ResourceVerbs.GetPatchUpdate, group, version);

    private static SubresourceInfo Scale(string group = "autoscaling", string version = "v1")
        => new("scale", "Scale", ResourceVerbs.GetPatchUpdate, group, version);

    private static readonly ResourceInfo[] Resources =
    [
        // core/v1
        new() { Group = "", Version = "v1", Resource = "bindings", Kind = "Binding", Namespaced = true, ClrType = typeof(V1Binding), Verbs = ResourceVerbs.CreateOnly },
        new() { Group = "", Version = "v1", Resource = "componentstatuses", Kind = "ComponentStatus", Namespaced = false, ClrType = typeof(V1ComponentStatus), Verbs = ResourceVerbs.ReadOnly, ShortNames = ["cs"] },
        new() { Group = "", Version = "v1", Resource = "configmaps", Kind = "ConfigMap", Namespaced = true, ClrType = typeof(V1ConfigMap), ShortNames = ["cm"] },
        new() { Group = "", Version = "v1", Resource = "endpoints", Kind = "Endpoints", Namespaced = true, ClrType = typeof(V1Endpoints), ShortNames = ["ep"] },
        new()
        {
            Group = "", Version = "v1", Resource = "events", Kind = "Event", Namespaced = true, ClrType = typeof(Corev1Event), ShortNames = ["ev"],
            FieldLabels = ["involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type"],
        },
        new() { Group = "", Version = "v1", Resource = "limitranges", Kind = "LimitRange", Namespaced = true, ClrType = typeof(V1LimitRange), ShortNames = ["limits"] },
        new()
        {
            Group = "", Version = "v1", Resource = "namespaces", Kind = "Namespace", Namespaced = false, ClrType = typeof(V1Namespace), ShortNames = ["ns"],
            Verbs = ["create", "delete", "get", "list", "patch", "update", "watch"],
            Subresources = [new("finalize", "Namespace", ["update"]), Status("Namespace")], FieldLabels = ["status.phase"],
        },
        new()
        {
            Group = "", Version = "v1", Resource = "nodes", Kind = "Node", Namespaced = false, ClrType = typeof(V1Node), ShortNames = ["no"],
            Subresources = [new("proxy", "NodeProxyOptions", ["create", "delete", "get", "patch", "update"]), Status("Node")], FieldLabels = ["spec.unschedulable"],
        },
        new()
        {
            Group = "", Version = "v1", Resource = "persistentvolumeclaims", Kind = "PersistentVolumeClaim", Namespaced = true, ClrType = typeof(V1PersistentVolumeClaim),
            ShortNames = ["pvc"], Subresources = [Status("PersistentVolumeClaim")],
        },
        new()
        {
            Group = "", Version = "v1", Resource = "persistentvolumes", Kind = "PersistentVolume", Namespaced = false, ClrType = typeof(V1PersistentVolume),
            ShortNames = ["pv"], Subresources = [Status("PersistentVolume")],
        },
        new()
        {
            Group = "", Version = "v1", Resource = "pods", Kind = "Pod", Namespaced = true, ClrType = typeof(V1Pod), ShortNames = ["po"], Categories = All,
            Subresources =
            [
                new("attach", "PodAttachOptions", ["create", "get"]),
                new("binding", "Binding", ResourceVerbs.CreateOnly),
                new("ephemeralcontainers", "Pod", ResourceVerbs.GetPatchUpdate),
                new("eviction", "Eviction", ResourceVerbs.CreateOnly, "policy", "v1"),
                new("exec", "PodExecOptions", ["create", "get"]),
                new("log", "Pod", ["get"]),
                new("portforward", "PodPortForwardOptions", ["create", "get"]),
                new("proxy", "PodProxyOptions", ["create", "delete", "get", "patch", "update"]),
                Status("Pod"),
            ],
            FieldLabels = ["spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork", "status.phase", "status.podIP", "status.podIPs", "status.nominatedNodeName"],
        },
        new() { Group = "", Version = "v1", Resource = "podtemplates", Kind = "PodTemplate", Namespaced = true, ClrType = typeof(V1PodTemplate) },
        new()
        {
            Group = "", Version = "v1", Resource = "replicationcontrollers", Kind = "ReplicationController", Namespaced = true, ClrType = typeof(V1ReplicationController),
            ShortNames = ["rc"], Categories = All, Subresources = [Scale(), Status("ReplicationController")], FieldLabels = ["status.replicas"], TracksGeneration = true,
        },
        new()
        {
            Group = "", Version = "v1", Resource = "resourcequotas", Kind = "ResourceQuota", Namespaced = true, ClrType = typeof(V1ResourceQuota),
            ShortNames = ["quota"], Subresources = [Status("ResourceQuota")],
        },
        new() { Group = "", Version = "v1", Resource = "secrets", Kind = "Secret", Namespaced = true, ClrType = typeof(V1Secret), FieldLabels = ["type"] },
        new()
        {
            Group = "", Version = "v1", Resource = "serviceaccounts", Kind = "ServiceAccount", Namespaced = true, ClrType = typeof(V1ServiceAccount), ShortNames = ["sa"],
            Subresources = [new("token", "TokenRequest", ResourceVerbs.CreateOnly, "authentication.k8s.io", "v1")],
        },
        new()
        {
            Group = "", Version = "v1", Resource = "services", Kind = "Service", Namespaced = true, ClrType = typeof(V1Service), ShortNames = ["svc"], Categories = All,
            Subresources = [new("proxy", "ServiceProxyOptions", ["create", "delete", "get", "patch", "update"]), Status("Service")], FieldLabels = ["spec.clusterIP", "spec.type"],
        },

        // apps/v1
        new() { Group = "apps", Version = "v1", Resource = "controllerrevisions", Kind = "ControllerRevision", Namespaced = true, ClrType = typeof(V1ControllerRevision) },
        new()
        {
            Group = "apps", Version = "v1", Resource = "daemonsets", Kind = "DaemonSet", Namespaced = true, ClrType = typeof(V1DaemonSet), ShortNames = ["ds"], Categories = All,
            Subresources = [Status("DaemonSet")], TracksGeneration = true,
        },
        new()
        {
            Group = "apps", Version = "v1", Resource = "deployments", Kind = "Deployment", Namespaced = true, ClrType = typeof(V1Deployment), ShortNames = ["deploy"], Categories = All,
            Subresources = [Scale(), Status("Deployment")], TracksGeneration = true,
        },
        new()
        {
            Group = "apps", Version = "v1", Resource = "replicasets", Kind = "ReplicaSet", Namespaced = true, ClrType = typeof(V1ReplicaSet), ShortNames = ["rs"], Categories = All,
            Subresources = [Scale(), Status("ReplicaSet")], FieldLabels = ["status.replicas"], TracksGeneration = true,
        },
        new()
        {
            Group = "apps", Version = "v1", Resource = "statefulsets", Kind = "StatefulSet", Namespaced = true, ClrType = typeof(V1StatefulSet), ShortNames = ["sts"], Categories = All,
            Subresources = [Scale(), Status("StatefulSet")], TracksGeneration = true,
        },

        // events.k8s.io/v1 shares storage with core/v1 events.
        new()
        {
            Group = "events.k8s.io", Version = "v1", Resource = "events", Kind = "Event", Namespaced = true, ClrType = typeof(Eventsv1Event), ShortNames = ["ev"],
            StorageResource = "events", StorageType = typeof(Corev1Event),
            FieldLabels = ["regarding.kind", "regarding.namespace", "regarding.name", "regarding.uid", "regarding.apiVersion", "regarding.resourceVersion", "regarding.fieldPath", "reason", "reportingController", "type"],
        },

        // authentication.k8s.io/v1 and authorization.k8s.io/v1: answered, never stored.
        new() { Group = "authentication.k8s.io", Version = "v1", Resource = "selfsubjectreviews", Kind = "SelfSubjectReview", Namespaced = false, ClrType = typeof(V1SelfSubjectReview), Verbs = ResourceVerbs.CreateOnly },
        new() { Group = "authentication.k8s.io", Version = "v1", Resource = "tokenreviews", Kind = "TokenReview", Namespaced = false, ClrType = typeof(V1TokenReview), Verbs = ResourceVerbs.CreateOnly },
        new() { Group = "authorization.k8s.io", Version = "v1", Resource = "localsubjectaccessreviews", Kind = "LocalSubjectAccessReview", Namespaced = true, ClrType = typeof(V1LocalSubjectAccessReview), Verbs = ResourceVerbs.CreateOnly },
        new() { Group = "authorization.k8s.io", Version = "v1", Resource = "selfsubjectaccessreviews", Kind = "SelfSubjectAccessReview", Namespaced = false, ClrType = typeof(V1SelfSubjectAccessReview), Verbs = ResourceVerbs.CreateOnly },
        new() { Group = "authorization.k8s.io", Version = "v1", Resource = "selfsubjectrulesreviews", Kind = "SelfSubjectRulesReview", Namespaced = false, ClrType = typeof(V1SelfSubjectRulesReview), Verbs = ResourceVerbs.CreateOnly },
        new() { Group = "authorization.k8s.io", Version = "v1", Resource = "subjectaccessreviews", Kind = "SubjectAccessReview", Namespaced = false, ClrType = typeof(V1SubjectAccessReview), Verbs = ResourceVerbs.CreateOnly },

        // autoscaling: v2 is preferred and the storage version; v1 converts.
        new()
        {
            Group = "autoscaling", Version = "v2", Resource = "horizontalpodautoscalers", Kind = "HorizontalPodAutoscaler", Namespaced = true, ClrType = typeof(V2HorizontalPodAutoscaler),
            ShortNames = ["hpa"], Categories = All, Subresources = [Status("HorizontalPodAutoscaler")], TracksGeneration = true,
        },
        new()
        {
            Group = "autoscaling", Version = "v1", Resource = "horizontalpodautoscalers", Kind = "HorizontalPodAutoscaler", Namespaced = true, ClrType = typeof(V1HorizontalPodAutoscaler),
            ShortNames = ["hpa"], Categories = All, Subresources = [Status("HorizontalPodAutoscaler")], TracksGeneration = true,
            StorageType = typeof(V2HorizontalPodAutoscaler),
        },

        // batch/v1
        new()
        {
            Group = "batch", Version = "v1", Resource = "cronjobs", Kind = "CronJob", Namespaced = true, ClrType = typeof(V1CronJob), ShortNames = ["cj"], Categories = All,
            Subresources = [Status("CronJob")], TracksGeneration = true,
        },
        new()
        {
            Group = "batch", Version = "v1", Resource = "jobs", Kind = "Job", Namespaced = true, ClrType = typeof(V1Job), Categories = All,
            Subresources = [Status("Job")], FieldLabels = ["status.successful"], TracksGeneration = true,
        },

        // certificates.k8s.io/v1
        new()
        {
            Group = "certificates.k8s.io", Version = "v1", Resource = "certificatesigningrequests", Kind = "CertificateSigningRequest", Namespaced = false,
            ClrType = typeof(V1CertificateSigningRequest), ShortNames = ["csr"],
            Subresources = [new("approval", "CertificateSigningRequest", ResourceVerbs.GetPatchUpdate), Status("CertificateSigningRequest")], FieldLabels = ["spec.signerName"],
        },

        // networking.k8s.io/v1
        new() { Group = "networking.k8s.io", Version = "v1", Resource = "ingressclasses", Kind = "IngressClass", Namespaced = false, ClrType = typeof(V1IngressClass) },
        new()
        {
            Group = "networking.k8s.io", Version = "v1", Resource = "ingresses", Kind = "Ingress", Namespaced = true, ClrType = typeof(V1Ingress), ShortNames = ["ing"],
            Subresources = [Status("Ingress")], TracksGeneration = true,
        },
        new() { Group = "networking.k8s.io", Version = "v1", Resource = "networkpolicies", Kind = "NetworkPolicy", Namespaced = true, ClrType = typeof(V1NetworkPolicy), ShortNames = ["netpol"], TracksGeneration = true },

        // policy/v1
        new()
        {
            Group = "policy", Version = "v1", Resource = "poddisruptionbudgets", Kind = "PodDisruptionBudget", Namespaced = true, ClrType = typeof(V1PodDisruptionBudget),
            ShortNames = ["pdb"], Subresources = [Status("PodDisruptionBudget")], TracksGeneration = true,
        },

        // rbac.authorization.k8s.io/v1
        new() { Group = "rbac.authorization.k8s.io", Version = "v1", Resource = "clusterrolebindings", Kind = "ClusterRoleBinding", Namespaced = false, ClrType = typeof(V1ClusterRoleBinding) },
        new() { Group = "rbac.authorization.k8s.io", Version = "v1", Resource = "clusterroles", Kind = "ClusterRole", Namespaced = false, ClrType = typeof(V1ClusterRole) },
        new() { Group = "rbac.authorization.k8s.io", Version = "v1", Resource = "rolebindings", Kind = "RoleBinding", Namespaced = true, ClrType = typeof(V1RoleBinding) },
        new() { Group = "rbac.authorization.k8s.io", Version = "v1", Resource = "roles", Kind = "Role", Namespaced = true, ClrType = typeof(V1Role) },

        // storage.k8s.io/v1
        new() { Group = "storage.k8s.io", Version = "v1", Resource = "csidrivers", Kind = "CSIDriver", Namespaced = false, ClrType = typeof(V1CSIDriver) },
        new() { Group = "storage.k8s.io", Version = "v1", Resource = "csinodes", Kind = "CSINode", Namespaced = false, ClrType = typeof(V1CSINode) },
        new() { Group = "storage.k8s.io", Version = "v1", Resource = "csistoragecapacities", Kind = "CSIStorageCapacity", Namespaced = true, ClrType = typeof(V1CSIStorageCapacity) },
        new() { Group = "storage.k8s.io", Version = "v1", Resource = "storageclasses", Kind = "StorageClass", Namespaced = false, ClrType = typeof(V1StorageClass), ShortNames = ["sc"] },
        new()
        {
            Group = "storage.k8s.io", Version = "v1", Resource = "volumeattachments", Kind = "VolumeAttachment", Namespaced = false, ClrType = typeof(V1VolumeAttachment),
            Subresources = [Status("VolumeAttachment")],
        },

        // admissionregistration.k8s.io/v1
        new() { Group = "admissionregistration.k8s.io", Version = "v1", Resource = "mutatingwebhookconfigurations", Kind = "MutatingWebhookConfiguration", Namespaced = false, ClrType = typeof(V1MutatingWebhookConfiguration), Categories = ApiExtensions },
        new()
        {
            Group = "admissionregistration.k8s.io", Version = "v1", Resource = "validatingadmissionpolicies", Kind = "ValidatingAdmissionPolicy", Namespaced = false,
            ClrType = typeof(V1ValidatingAdmissionPolicy), Categories = ApiExtensions, Subresources = [Status("ValidatingAdmissionPolicy")], TracksGeneration = true,
        },
        new() { Group = "admissionregistration.k8s.io", Version = "v1", Resource = "validatingadmissionpolicybindings", Kind = "ValidatingAdmissionPolicyBinding", Namespaced = false, ClrType = typeof(V1ValidatingAdmissionPolicyBinding), Categories = ApiExtensions, TracksGeneration = true },
        new() { Group = "admissionregistration.k8s.io", Version = "v1", Resource = "validatingwebhookconfigurations", Kind = "ValidatingWebhookConfiguration", Namespaced = false, ClrType = typeof(V1ValidatingWebhookConfiguration), Categories = ApiExtensions },

        // apiextensions.k8s.io/v1: definitions are stored; serving custom resources is separate work.
        new()
        {
            Group = "apiextensions.k8s.io", Version = "v1", Resource = "customresourcedefinitions", Kind = "CustomResourceDefinition", Namespaced = false,
            ClrType = typeof(V1CustomResourceDefinition), ShortNames = ["crd", "crds"], Categories = ApiExtensions, Subresources = [Status("CustomResourceDefinition")], TracksGeneration = true,
        },

        // scheduling, coordination, node, discovery
        new() { Group = "scheduling.k8s.io", Version = "v1", Resource = "priorityclasses", Kind = "PriorityClass", Namespaced = false, ClrType = typeof(V1PriorityClass), ShortNames = ["pc"] },
        new() { Group = "coordination.k8s.io", Version = "v1", Resource = "leases", Kind = "Lease", Namespaced = true, ClrType = typeof(V1Lease) },
        new() { Group = "node.k8s.io", Version = "v1", Resource = "runtimeclasses", Kind = "RuntimeClass", Namespaced = false, ClrType = typeof(V1RuntimeClass) },
        new() { Group = "discovery.k8s.io", Version = "v1", Resource = "endpointslices", Kind = "EndpointSlice", Namespaced = true, ClrType = typeof(V1EndpointSlice) },

        // flowcontrol.apiserver.k8s.io/v1
        new()
        {
            Group = "flowcontrol.apiserver.k8s.io", Version = "v1", Resource = "flowschemas", Kind = "FlowSchema", Namespaced = false, ClrType = typeof(V1FlowSchema),
            Subresources = [Status("FlowSchema")], TracksGeneration = true,
        },
        new()
        {
            Group = "flowcontrol.apiserver.k8s.io", Version = "v1", Resource = "prioritylevelconfigurations", Kind = "PriorityLevelConfiguration", Namespaced = false,
            ClrType = typeof(V1PriorityLevelConfiguration), Subresources = [Status("PriorityLevelConfiguration")], TracksGeneration = true,
        },

        // apiregistration.k8s.io/v1
        new()
        {
            Group = "apiregistration.k8s.io", Version = "v1", Resource = "apiservices", Kind = "APIService", Namespaced = false, ClrType = typeof(V1APIService),
            Categories = ApiExtensions, Subresources = [Status("APIService")],
        },
    ];

    /// <summary>Served group-versions in discovery order, preferred version first within a group.</summary>
    public static IReadOnlyList<ResourceInfo> AllResources => Resources;

    private static readonly FrozenDictionary<(string Group, string Version, string Resource), ResourceInfo> ByGvr =
        Resources.ToFrozenDictionary(r => (r.Group, r.Version, r.Resource));

    private static readonly FrozenDictionary<(string Group, string Version, string Kind), ResourceInfo> ByGvk =
        Resources.GroupBy(r => (r.Group, r.Version, r.Kind)).ToFrozenDictionary(g => g.Key, g => g.First());

    public static IReadOnlyList<string> Groups { get; } = Resources.Select(r => r.Group).Distinct().ToArray();

    public static IReadOnlyList<string> VersionsOf(string group) => Resources.Where(r => r.Group == group).Select(r => r.Version).Distinct().ToArray();

    public static string PreferredVersion(string group) => VersionsOf(group)[0];

    public static IEnumerable<ResourceInfo> In(string group, string version) => Resources.Where(r => r.Group == group && r.Version == version);

    public static ResourceInfo? Find(string group, string version, string resource) => ByGvr.GetValueOrDefault((group, version, resource));

    public static ResourceInfo? FindKind(string group, string version, string kind) => ByGvk.GetValueOrDefault((group, version, kind));

    public static bool ServesGroupVersion(string group, string version) => Resources.Any(r => r.Group == group && r.Version == version);

    /// <summary>The key prefix of a storage resource, "/registry/pods/"; built-in plurals do not collide across groups.</summary>
    public static string KeyPrefix(ResourceInfo info) => "/registry/" + info.StoredResource + "/";

    public static string Key(ResourceInfo info, string? ns, string name)
        => info.Namespaced ? KeyPrefix(info) + ns + "/" + name : KeyPrefix(info) + name;
}
