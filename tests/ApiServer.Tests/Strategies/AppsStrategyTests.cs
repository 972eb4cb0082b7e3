using k8s.Models;
using static KubeNet.ApiServer.Tests.Strategies.StrategyHarness;

namespace KubeNet.ApiServer.Tests.Strategies;

public sealed class AppsStrategyTests
{
    private static V1Deployment Deployment(V1LabelSelector? selector, IDictionary<string, string>? templateLabels) => new()
    {
        Metadata = new V1ObjectMeta { Name = "web" },
        Spec = new V1DeploymentSpec { Selector = selector, Template = Template(templateLabels) },
    };

    private static V1LabelSelector Match(params string[] pairs) => new() { MatchLabels = Labels(pairs) };

    [Fact]
    public void DeploymentDefaults()
    {
        var d = Deployment(Match("app", "web"), Labels("app", "web"));
        Assert.Empty(Create(For("apps", "v1", "deployments"), d));
        Assert.Equal(1, d.Spec.Replicas);
        Assert.Equal("RollingUpdate", d.Spec.Strategy.Type);
        Assert.Equal("25%", d.Spec.Strategy.RollingUpdate.MaxUnavailable.Value);
        Assert.Equal("25%", d.Spec.Strategy.RollingUpdate.MaxSurge.Value);
        Assert.Equal(10, d.Spec.RevisionHistoryLimit);
        Assert.Equal(600, d.Spec.ProgressDeadlineSeconds);

        var pod = d.Spec.Template.Spec;
        Assert.Equal("ClusterFirst", pod.DnsPolicy);
        Assert.Equal(30, pod.TerminationGracePeriodSeconds);
        Assert.Equal("default-scheduler", pod.SchedulerName);
        Assert.NotNull(pod.SecurityContext);
        Assert.Equal("/dev/termination-log", pod.Containers[0].TerminationMessagePath);
        Assert.Equal("File", pod.Containers[0].TerminationMessagePolicy);
        Assert.Equal("IfNotPresent", pod.Containers[0].ImagePullPolicy);

        // Pod-only defaults from admission do not reach templates.
        Assert.Null(pod.ServiceAccountName);
        Assert.Null(pod.Tolerations);
        Assert.Null(pod.EnableServiceLinks);
    }

    [Fact]
    public void DeploymentWithoutSelectorNeedsOneAndDoesNotMatch()
    {
        var errors = Create(For("apps", "v1", "deployments"), Deployment(null, Labels("app", "web")));
        Assert.Equal(
        [
            "spec.selector: Required value",
            "spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"web\"}: `selector` does not match template `labels`",
        ], errors);
    }

    [Fact]
    public void DeploymentSelectorMustMatchTemplateLabels()
    {
        var errors = Create(For("apps", "v1", "deployments"), Deployment(Match("app", "web"), Labels("app", "api", "tier", "x")));
        Assert.Equal(["spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"api\", \"tier\":\"x\"}: `selector` does not match template `labels`"], errors);
    }

    [Fact]
    public void DeploymentEmptySelectorIsInvalid()
    {
        var errors = Create(For("apps", "v1", "deployments"), Deployment(new V1LabelSelector(), Labels("app", "web")));
        Assert.Equal(["spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment"], errors);
    }

    [Fact]
    public void DeploymentTemplateMustRestartAlwaysAndReplicasNonNegative()
    {
        var d = Deployment(Match("app", "web"), Labels("app", "web"));
        d.Spec.Template.Spec.RestartPolicy = "Never";
        d.Spec.Replicas = -1;
        var errors = Create(For("apps", "v1", "deployments"), d);
        Assert.Equal(
        [
            "spec.replicas: Invalid value: -1: must be greater than or equal to 0",
            "spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported values: \"Always\"",
        ], errors);
    }

    [Fact]
    public void DeploymentRollingUpdateRules()
    {
        var strategy = For("apps", "v1", "deployments");
        var zero = Deployment(Match("app", "web"), Labels("app", "web"));
        zero.Spec.Strategy = new V1DeploymentStrategy { RollingUpdate = new V1RollingUpdateDeployment { MaxSurge = 0, MaxUnavailable = "0%" } };
        Assert.Equal(["spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0%: may not be 0 when `maxSurge` is 0"], Create(strategy, zero));

        var tooMuch = Deployment(Match("app", "web"), Labels("app", "web"));
        tooMuch.Spec.Strategy = new V1DeploymentStrategy { RollingUpdate = new V1RollingUpdateDeployment { MaxUnavailable = "150%", MaxSurge = "x" } };
        Assert.Equal(
        [
            "spec.strategy.rollingUpdate.maxSurge: Invalid value: x: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
            "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 150%: must not be greater than 100%",
        ], Create(strategy, tooMuch));

        var recreate = Deployment(Match("app", "web"), Labels("app", "web"));
        recreate.Spec.Strategy = new V1DeploymentStrategy { Type = "Recreate", RollingUpdate = new V1RollingUpdateDeployment() };
        Assert.Equal(["spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"], Create(strategy, recreate));
    }

    [Fact]
    public void DeploymentSelectorIsImmutable()
    {
        var strategy = For("apps", "v1", "deployments");
        var old = Deployment(Match("app", "web"), Labels("app", "web", "v", "1"));
        Create(strategy, old);
        var changed = Clone(old);
        changed.Spec.Selector = Match("app", "web", "v", "1");
        Assert.Equal(
            ["spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"web\", \"v\":\"1\"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable"],
            Update(strategy, changed, old));

        var scaled = Clone(old);
        scaled.Spec.Replicas = 5;
        Assert.Empty(Update(strategy, scaled, old));
    }

    [Fact]
    public void ReplicaSetDefaultsAndEmptySelectorWording()
    {
        var strategy = For("apps", "v1", "replicasets");
        var rs = new V1ReplicaSet { Metadata = new V1ObjectMeta { Name = "rs" }, Spec = new V1ReplicaSetSpec { Selector = Match("a", "b"), Template = Template(Labels("a", "b")) } };
        Assert.Empty(Create(strategy, rs));
        Assert.Equal(1, rs.Spec.Replicas);

        var empty = new V1ReplicaSet { Metadata = new V1ObjectMeta { Name = "rs" }, Spec = new V1ReplicaSetSpec { Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string>() }, Template = Template(null) } };
        Assert.Equal(["spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment"], Create(strategy, empty));
    }

    [Fact]
    public void StatefulSetDefaults()
    {
        var sts = new V1StatefulSet
        {
            Metadata = new V1ObjectMeta { Name = "db" },
            Spec = new V1StatefulSetSpec
            {
                Selector = Match("app", "db"),
                Template = Template(Labels("app", "db")),
                VolumeClaimTemplates = [new V1PersistentVolumeClaim { Metadata = new V1ObjectMeta { Name = "data" }, Spec = new V1PersistentVolumeClaimSpec { AccessModes = ["ReadWriteOnce"] } }],
            },
        };
        Assert.Empty(Create(For("apps", "v1", "statefulsets"), sts));
        Assert.Equal("OrderedReady", sts.Spec.PodManagementPolicy);
        Assert.Equal("RollingUpdate", sts.Spec.UpdateStrategy.Type);
        Assert.Equal(0, sts.Spec.UpdateStrategy.RollingUpdate.Partition);
        Assert.Equal("Retain", sts.Spec.PersistentVolumeClaimRetentionPolicy.WhenDeleted);
        Assert.Equal("Retain", sts.Spec.PersistentVolumeClaimRetentionPolicy.WhenScaled);
        Assert.Equal(1, sts.Spec.Replicas);
        Assert.Equal(10, sts.Spec.RevisionHistoryLimit);
        Assert.Equal("Filesystem", sts.Spec.VolumeClaimTemplates[0].Spec.VolumeMode);
        Assert.Equal("Pending", sts.Spec.VolumeClaimTemplates[0].Status.Phase);
    }

    [Fact]
    public void StatefulSetNamesAreDnsLabelsAndOnlySomeFieldsMayChange()
    {
        var strategy = For("apps", "v1", "statefulsets");
        Assert.NotEmpty(strategy.ValidateName("db.example", prefix: false));

        var old = new V1StatefulSet { Metadata = new V1ObjectMeta { Name = "db" }, Spec = new V1StatefulSetSpec { Selector = Match("app", "db"), Template = Template(Labels("app", "db")) } };
        Create(strategy, old);
        var renamed = Clone(old);
        renamed.Spec.ServiceName = "other";
        Assert.Equal(
            ["spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"],
            Update(strategy, renamed, old));

        var scaled = Clone(old);
        scaled.Spec.Replicas = 3;
        scaled.Spec.Template.Spec.Containers[0].Image = "busybox:1.37";
        Assert.Empty(Update(strategy, scaled, old));

        var empty = new V1StatefulSet { Metadata = new V1ObjectMeta { Name = "db" }, Spec = new V1StatefulSetSpec { Selector = new V1LabelSelector(), Template = Template(null) } };
        Assert.Equal(["spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for statefulset"], Create(strategy, empty));
    }

    [Fact]
    public void DaemonSetDefaultsAndRollingUpdateRules()
    {
        var strategy = For("apps", "v1", "daemonsets");
        var ds = new V1DaemonSet { Metadata = new V1ObjectMeta { Name = "agent" }, Spec = new V1DaemonSetSpec { Selector = Match("app", "agent"), Template = Template(Labels("app", "agent")) } };
        Assert.Empty(Create(strategy, ds));
        Assert.Equal("RollingUpdate", ds.Spec.UpdateStrategy.Type);
        Assert.Equal("1", ds.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable.Value);
        Assert.Equal("0", ds.Spec.UpdateStrategy.RollingUpdate.MaxSurge.Value);
        Assert.Equal(10, ds.Spec.RevisionHistoryLimit);

        var both = Clone(ds);
        both.Spec.UpdateStrategy.RollingUpdate.MaxSurge = "10%";
        Assert.Equal(["spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 10%: may not be set when maxUnavailable is non-zero"], Update(strategy, both, ds));

        var none = Clone(ds);
        none.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable = 0;
        Assert.Equal(["spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0"], Update(strategy, none, ds));

        var moved = Clone(ds);
        moved.Spec.Selector = Match("app", "other");
        moved.Spec.Template.Metadata.Labels["app"] = "other";
        Assert.Equal(
            ["spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"other\"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable"],
            Update(strategy, moved, ds));
    }

    [Fact]
    public void SelectorExpressionsAreValidated()
    {
        var selector = new V1LabelSelector
        {
            MatchExpressions =
            [
                new V1LabelSelectorRequirement { Key = "app", OperatorProperty = "In" },
                new V1LabelSelectorRequirement { Key = "tier", OperatorProperty = "Exists", Values = ["x"] },
            ],
        };
        var errors = Create(For("apps", "v1", "deployments"), Deployment(selector, Labels("app", "web", "tier", "x")));
        Assert.Contains("spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'", errors);
        Assert.Contains("spec.selector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'", errors);
    }
}
