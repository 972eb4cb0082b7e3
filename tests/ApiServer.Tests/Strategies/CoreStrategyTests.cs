using k8s.Models;
using static KubeNet.ApiServer.Tests.Strategies.StrategyHarness;

namespace KubeNet.ApiServer.Tests.Strategies;

public sealed class CoreStrategyTests
{
    private static V1Pod Pod(params V1Container[] containers) => new()
    {
        Metadata = new V1ObjectMeta { Name = "p" },
        Spec = new V1PodSpec { Containers = containers },
    };

    [Fact]
    public void PodDefaultsIncludeProbeVolumeAndEnvDefaults()
    {
        var pod = Pod(new V1Container
        {
            Name = "c",
            Image = "nginx",
            Resources = new V1ResourceRequirements { Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("500m") } },
            LivenessProbe = new V1Probe { HttpGet = new V1HTTPGetAction { Port = 80 } },
            Env = [new V1EnvVar { Name = "NODE", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "spec.nodeName" } } }],
            VolumeMounts = [new V1VolumeMount { Name = "cfg", MountPath = "/etc/cfg" }],
        });
        pod.Spec.Volumes = [new V1Volume { Name = "cfg", ConfigMap = new V1ConfigMapVolumeSource { Name = "cfg" } }, new V1Volume { Name = "scratch" }];
        Assert.Empty(Create(For("", "v1", "pods"), pod));

        var c = pod.Spec.Containers[0];
        Assert.Equal("Always", c.ImagePullPolicy);
        Assert.Equal("500m", c.Resources.Requests["cpu"].ToString());
        Assert.Equal(1, c.LivenessProbe.TimeoutSeconds);
        Assert.Equal(10, c.LivenessProbe.PeriodSeconds);
        Assert.Equal(1, c.LivenessProbe.SuccessThreshold);
        Assert.Equal(3, c.LivenessProbe.FailureThreshold);
        Assert.Equal("/", c.LivenessProbe.HttpGet.Path);
        Assert.Equal("HTTP", c.LivenessProbe.HttpGet.Scheme);
        Assert.Equal("v1", c.Env[0].ValueFrom.FieldRef.ApiVersion);
        Assert.Equal(420, pod.Spec.Volumes[0].ConfigMap.DefaultMode);
        Assert.NotNull(pod.Spec.Volumes[1].EmptyDir);
        Assert.Equal("default", pod.Spec.ServiceAccountName);
        Assert.Equal("Pending", pod.Status.Phase);
        Assert.Equal("Burstable", pod.Status.QosClass);
    }

    [Fact]
    public void PodVolumesAndMounts()
    {
        var pod = Pod(new V1Container
        {
            Name = "c",
            Image = "nginx",
            VolumeMounts = [new V1VolumeMount { Name = "missing", MountPath = "/a" }, new V1VolumeMount { Name = "data", MountPath = "/a" }],
        });
        pod.Spec.Volumes =
        [
            new V1Volume { Name = "data", EmptyDir = new V1EmptyDirVolumeSource() },
            new V1Volume { Name = "data", EmptyDir = new V1EmptyDirVolumeSource() },
            new V1Volume { Name = "Bad_Name", EmptyDir = new V1EmptyDirVolumeSource(), HostPath = new V1HostPathVolumeSource { Path = "/x" } },
        ];
        var errors = Create(For("", "v1", "pods"), pod);
        Assert.Equal(
        [
            "spec.volumes[1].name: Duplicate value: \"data\"",
            "spec.volumes[2].hostPath: Forbidden: may not specify more than 1 volume type",
            "spec.volumes[2].name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
            "spec.containers[0].volumeMounts[0].name: Not found: \"missing\"",
            "spec.containers[0].volumeMounts[1].mountPath: Invalid value: \"/a\": must be unique",
        ], errors);
    }

    [Fact]
    public void PodContainerRules()
    {
        var pod = Pod(
            new V1Container
            {
                Name = "c",
                Image = "nginx",
                Ports = [new V1ContainerPort { Name = "http", ContainerPort = 80 }, new V1ContainerPort { Name = "http", ContainerPort = 81 }],
                Env = [new V1EnvVar { Name = "A=B", Value = "x" }],
                Resources = new V1ResourceRequirements
                {
                    Requests = new Dictionary<string, ResourceQuantity> { ["memory"] = new("2Gi") },
                    Limits = new Dictionary<string, ResourceQuantity> { ["memory"] = new("1Gi") },
                },
                ReadinessProbe = new V1Probe(),
                LivenessProbe = new V1Probe { Exec = new V1ExecAction { Command = ["true"] }, SuccessThreshold = 2 },
            },
            new V1Container { Name = "c", Image = " nginx" });
        var errors = Create(For("", "v1", "pods"), pod);
        Assert.Equal(
        [
            "spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1",
            "spec.containers[0].readinessProbe: Required value: must specify a handler type",
            "spec.containers[0].ports[1].name: Duplicate value: \"http\"",
            "spec.containers[0].env[0].name: Invalid value: \"A=B\": a valid environment variable name must consist only of printable ASCII characters other than '='",
            "spec.containers[0].resources.requests: Invalid value: \"2Gi\": must be less than or equal to memory limit of 1Gi",
            "spec.containers[1].name: Duplicate value: \"c\"",
            "spec.containers[1].image: Invalid value: \" nginx\": must not have leading or trailing whitespace",
        ], errors);
    }

    private static V1Service Service(string type, params V1ServicePort[] ports) => new()
    {
        Metadata = new V1ObjectMeta { Name = "svc" },
        Spec = new V1ServiceSpec { Type = type, Ports = ports, Selector = Labels("app", "web") },
    };

    [Fact]
    public void ServiceNodePortsAreAllocatedAndKept()
    {
        var strategy = For("", "v1", "services");
        var svc = Service("NodePort", new V1ServicePort { Name = "http", Port = 80 }, new V1ServicePort { Name = "https", Port = 443, NodePort = 30443 });
        Assert.Empty(Create(strategy, svc));
        Assert.InRange(svc.Spec.Ports[0].NodePort!.Value, 30000, 32767);
        Assert.Equal(30443, svc.Spec.Ports[1].NodePort);
        Assert.Equal("80", svc.Spec.Ports[0].TargetPort.Value);

        var resent = Clone(svc);
        resent.Spec.Ports[0].NodePort = null;
        Assert.Empty(Update(strategy, resent, svc));
        Assert.Equal(svc.Spec.Ports[0].NodePort, resent.Spec.Ports[0].NodePort);
    }

    [Fact]
    public void ServicePortRules()
    {
        var strategy = For("", "v1", "services");
        var svc = Service("ClusterIP", new V1ServicePort { Name = "web", Port = 80, NodePort = 30080 }, new V1ServicePort { Name = "web", Port = 70000, TargetPort = "no_such" });
        Assert.Equal(
        [
            "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'",
            "spec.ports[1].name: Duplicate value: \"web\"",
            "spec.ports[1].port: Invalid value: 70000: must be between 1 and 65535, inclusive",
            "spec.ports[1].targetPort: Invalid value: \"no_such\": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
        ], Create(strategy, svc));

        var outOfRange = Service("NodePort", new V1ServicePort { Port = 80, NodePort = 80 });
        Assert.Equal(["spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767"], Create(strategy, outOfRange));
    }

    [Fact]
    public void ExternalNameServiceNeedsAName()
    {
        var strategy = For("", "v1", "services");
        var svc = new V1Service { Metadata = new V1ObjectMeta { Name = "ext" }, Spec = new V1ServiceSpec { Type = "ExternalName" } };
        Assert.Equal(["spec.externalName: Required value"], Create(strategy, svc));
        Assert.Null(svc.Spec.ClusterIP);

        var named = new V1Service { Metadata = new V1ObjectMeta { Name = "ext" }, Spec = new V1ServiceSpec { Type = "ExternalName", ExternalName = "db.example.com." } };
        Assert.Empty(Create(strategy, named));
    }
}
