using k8s.Models;
using static KubeNet.ApiServer.Tests.Strategies.StrategyHarness;

namespace KubeNet.ApiServer.Tests.Strategies;

public sealed class ClusterStrategyTests
{
    [Fact]
    public void PersistentVolumeClaimDefaultsAndRequirements()
    {
        var strategy = For("", "v1", "persistentvolumeclaims");
        var pvc = new V1PersistentVolumeClaim
        {
            Metadata = new V1ObjectMeta { Name = "data" },
            Spec = new V1PersistentVolumeClaimSpec
            {
                AccessModes = ["ReadWriteOnce"],
                Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new("1Gi") } },
            },
        };
        Assert.Empty(Create(strategy, pvc));
        Assert.Equal("Filesystem", pvc.Spec.VolumeMode);
        Assert.Equal("Pending", pvc.Status.Phase);

        var bare = new V1PersistentVolumeClaim { Metadata = new V1ObjectMeta { Name = "data" }, Spec = new V1PersistentVolumeClaimSpec() };
        Assert.Equal(["spec.accessModes: Required value: at least 1 access mode is required", "spec.resources[storage]: Required value"], Create(strategy, bare));
    }

    [Fact]
    public void PersistentVolumeDefaults()
    {
        var pv = new V1PersistentVolume
        {
            Metadata = new V1ObjectMeta { Name = "pv" },
            Spec = new V1PersistentVolumeSpec
            {
                AccessModes = ["ReadWriteOnce"],
                Capacity = new Dictionary<string, ResourceQuantity> { ["storage"] = new("1Gi") },
                HostPath = new V1HostPathVolumeSource { Path = "/data" },
            },
        };
        Assert.Empty(Create(For("", "v1", "persistentvolumes"), pv));
        Assert.Equal("Retain", pv.Spec.PersistentVolumeReclaimPolicy);
        Assert.Equal("Filesystem", pv.Spec.VolumeMode);
        Assert.Equal("Pending", pv.Status.Phase);

        var noSource = new V1PersistentVolume { Metadata = new V1ObjectMeta { Name = "pv" }, Spec = new V1PersistentVolumeSpec { AccessModes = ["ReadWriteOnce"], Capacity = pv.Spec.Capacity } };
        Assert.Equal(["spec: Required value: must specify a volume type"], Create(For("", "v1", "persistentvolumes"), noSource));
    }

    [Fact]
    public void StorageClassDefaultsAndFixedFields()
    {
        var strategy = For("storage.k8s.io", "v1", "storageclasses");
        var sc = new V1StorageClass { Metadata = new V1ObjectMeta { Name = "fast" }, Provisioner = "example.com/disk" };
        Assert.Empty(Create(strategy, sc));
        Assert.Equal("Delete", sc.ReclaimPolicy);
        Assert.Equal("Immediate", sc.VolumeBindingMode);

        var changed = Clone(sc);
        changed.Provisioner = "example.com/other";
        changed.Parameters = new Dictionary<string, string> { ["type"] = "ssd" };
        Assert.Equal(["parameters: Forbidden: updates to parameters are forbidden.", "provisioner: Forbidden: updates to provisioner are forbidden."], Update(strategy, changed, sc));
    }

    [Fact]
    public void PriorityClassRules()
    {
        var strategy = For("scheduling.k8s.io", "v1", "priorityclasses");
        var pc = new V1PriorityClass { Metadata = new V1ObjectMeta { Name = "high" }, Value = 1000 };
        Assert.Empty(Create(strategy, pc));
        Assert.Equal("PreemptLowerPriority", pc.PreemptionPolicy);

        var reserved = new V1PriorityClass { Metadata = new V1ObjectMeta { Name = "system-mine" }, Value = 1 };
        Assert.Equal(["metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class"], Create(strategy, reserved));

        var tooHigh = new V1PriorityClass { Metadata = new V1ObjectMeta { Name = "huge" }, Value = 1_000_000_001 };
        Assert.Equal(["value: Forbidden: maximum allowed value of a user defined priority is 1000000000"], Create(strategy, tooHigh));

        var changed = Clone(pc);
        changed.Value = 2000;
        Assert.Equal(["value: Forbidden: may not be changed in an update."], Update(strategy, changed, pc));
    }

    [Fact]
    public void NetworkPolicyTypesFollowTheRules()
    {
        var strategy = For("networking.k8s.io", "v1", "networkpolicies");
        var ingressOnly = new V1NetworkPolicy { Metadata = new V1ObjectMeta { Name = "np" }, Spec = new V1NetworkPolicySpec { PodSelector = new V1LabelSelector() } };
        Assert.Empty(Create(strategy, ingressOnly));
        Assert.Equal(["Ingress"], ingressOnly.Spec.PolicyTypes);

        var both = new V1NetworkPolicy
        {
            Metadata = new V1ObjectMeta { Name = "np" },
            Spec = new V1NetworkPolicySpec { PodSelector = new V1LabelSelector(), Egress = [new V1NetworkPolicyEgressRule { Ports = [new V1NetworkPolicyPort { Port = 53 }] }] },
        };
        Assert.Empty(Create(strategy, both));
        Assert.Equal(["Ingress", "Egress"], both.Spec.PolicyTypes);
        Assert.Equal("TCP", both.Spec.Egress[0].Ports[0].Protocol);
    }

    [Fact]
    public void HorizontalPodAutoscalerDefaultsAndBounds()
    {
        var strategy = For("autoscaling", "v2", "horizontalpodautoscalers");
        var hpa = new V2HorizontalPodAutoscaler
        {
            Metadata = new V1ObjectMeta { Name = "web" },
            Spec = new V2HorizontalPodAutoscalerSpec
            {
                MaxReplicas = 5,
                ScaleTargetRef = new V2CrossVersionObjectReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = "web" },
                Behavior = new V2HorizontalPodAutoscalerBehavior { ScaleDown = new V2HPAScalingRules { StabilizationWindowSeconds = 60 } },
            },
        };
        Assert.Empty(Create(strategy, hpa));
        Assert.Equal(1, hpa.Spec.MinReplicas);
        Assert.Equal(80, hpa.Spec.Metrics[0].Resource.Target.AverageUtilization);
        Assert.Equal("Max", hpa.Spec.Behavior.ScaleUp.SelectPolicy);
        Assert.Equal(0, hpa.Spec.Behavior.ScaleUp.StabilizationWindowSeconds);
        Assert.Equal(2, hpa.Spec.Behavior.ScaleUp.Policies.Count);
        Assert.Equal(60, hpa.Spec.Behavior.ScaleDown.StabilizationWindowSeconds);
        Assert.Equal("Percent", hpa.Spec.Behavior.ScaleDown.Policies[0].Type);

        var bad = new V2HorizontalPodAutoscaler { Metadata = new V1ObjectMeta { Name = "web" }, Spec = new V2HorizontalPodAutoscalerSpec { MinReplicas = 3, MaxReplicas = 2, ScaleTargetRef = new V2CrossVersionObjectReference() } };
        Assert.Equal(
        [
            "spec.scaleTargetRef.kind: Required value",
            "spec.scaleTargetRef.name: Required value",
            "spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`",
        ], Create(strategy, bad));
    }

    [Fact]
    public void RolesNeedVerbsAndBindingsKeepTheirRoleRef()
    {
        var role = new V1Role { Metadata = new V1ObjectMeta { Name = "r" }, Rules = [new V1PolicyRule { ApiGroups = [""], Resources = ["pods"] }, new V1PolicyRule { Verbs = ["get"], NonResourceURLs = ["/healthz"] }] };
        Assert.Equal(
        [
            "rules[0].verbs: Required value: verbs must contain at least one value",
            "rules[1].nonResourceURLs: Invalid value: []string{\"/healthz\"}: namespaced rules cannot apply to non-resource URLs",
        ], Create(For("rbac.authorization.k8s.io", "v1", "roles"), role));

        var strategy = For("rbac.authorization.k8s.io", "v1", "rolebindings");
        var binding = new V1RoleBinding
        {
            Metadata = new V1ObjectMeta { Name = "b" },
            RoleRef = new V1RoleRef { Kind = "Role", Name = "r" },
            Subjects = [new Rbacv1Subject { Kind = "User", Name = "alice" }],
        };
        Assert.Empty(Create(strategy, binding));
        Assert.Equal("rbac.authorization.k8s.io", binding.RoleRef.ApiGroup);
        Assert.Equal("rbac.authorization.k8s.io", binding.Subjects[0].ApiGroup);

        var changed = Clone(binding);
        changed.RoleRef.Name = "other";
        Assert.Equal(["roleRef: Invalid value: rbac.RoleRef{APIGroup:\"rbac.authorization.k8s.io\", Kind:\"Role\", Name:\"other\"}: cannot change roleRef"], Update(strategy, changed, binding));

        var cluster = new V1ClusterRoleBinding { Metadata = new V1ObjectMeta { Name = "cb" }, RoleRef = new V1RoleRef { Kind = "Role", Name = "r" } };
        Assert.Equal(["roleRef.kind: Unsupported value: \"Role\": supported values: \"ClusterRole\""], Create(For("rbac.authorization.k8s.io", "v1", "clusterrolebindings"), cluster));
    }

    [Fact]
    public void CustomResourceDefinitionNameScopeAndStorageVersion()
    {
        var crd = new V1CustomResourceDefinition
        {
            Metadata = new V1ObjectMeta { Name = "widgets.example.com" },
            Spec = new V1CustomResourceDefinitionSpec
            {
                Group = "example.com",
                Scope = "Namespaced",
                Names = new V1CustomResourceDefinitionNames { Plural = "widgets", Kind = "Widget" },
                Versions = [new V1CustomResourceDefinitionVersion { Name = "v1", Served = true, Storage = true }],
            },
        };
        Assert.Empty(Create(For("apiextensions.k8s.io", "v1", "customresourcedefinitions"), crd));
        Assert.Equal("widget", crd.Spec.Names.Singular);
        Assert.Equal("WidgetList", crd.Spec.Names.ListKind);

        var bad = new V1CustomResourceDefinition
        {
            Metadata = new V1ObjectMeta { Name = "widgets" },
            Spec = new V1CustomResourceDefinitionSpec
            {
                Group = "example.com",
                Scope = "Global",
                Names = new V1CustomResourceDefinitionNames { Plural = "widgets", Kind = "Widget" },
                Versions = [new V1CustomResourceDefinitionVersion { Name = "v1", Served = true }],
            },
        };
        Assert.Equal(
        [
            "metadata.name: Invalid value: \"widgets\": must be spec.names.plural+\".\"+spec.group",
            "spec.scope: Unsupported value: \"Global\": supported values: \"Cluster\", \"Namespaced\"",
            "spec.versions: Invalid value: []apiextensions.CustomResourceDefinitionVersion{...}: must have exactly one version marked as storage version",
        ], Create(For("apiextensions.k8s.io", "v1", "customresourcedefinitions"), bad));
    }
}
