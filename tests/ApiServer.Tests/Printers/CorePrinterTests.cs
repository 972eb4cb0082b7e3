using k8s.Models;
using static KubeNet.ApiServer.Tests.Printers.Print;

namespace KubeNet.ApiServer.Tests.Printers;

public sealed class CorePrinterTests
{
    private static V1Service Service(string type, Action<V1Service>? edit = null)
    {
        var service = new V1Service
        {
            Metadata = Meta("web", TimeSpan.FromDays(3)),
            Spec = new V1ServiceSpec
            {
                Type = type,
                ClusterIP = "10.96.0.10",
                ClusterIPs = ["10.96.0.10"],
                Ports = [new V1ServicePort { Port = 80, Protocol = "TCP" }],
                Selector = new Dictionary<string, string> { ["tier"] = "front", ["app"] = "web" },
            },
        };
        edit?.Invoke(service);
        return service;
    }

    private static Dictionary<string, object?> ServiceRow(V1Service service) => Row("", "v1", "services", service);

    [Fact]
    public void ClusterIPService()
    {
        var row = ServiceRow(Service("ClusterIP"));
        Assert.Equal("ClusterIP", row["Type"]);
        Assert.Equal("10.96.0.10", row["Cluster-IP"]);
        Assert.Equal("<none>", row["External-IP"]);
        Assert.Equal("80/TCP", row["Port(s)"]);
        Assert.Equal("3d", row["Age"]);
        Assert.Equal("app=web,tier=front", row["Selector"]);
    }

    [Fact]
    public void NodePortsAndSeveralPorts()
    {
        var row = ServiceRow(Service("NodePort", s => s.Spec.Ports = [new V1ServicePort { Port = 80, NodePort = 30080, Protocol = "TCP" }, new V1ServicePort { Port = 53, Protocol = "UDP" }]));
        Assert.Equal("80:30080/TCP,53/UDP", row["Port(s)"]);
    }

    [Fact]
    public void HeadlessServiceWithoutPortsOrSelector()
    {
        var row = ServiceRow(Service("ClusterIP", s =>
        {
            s.Spec.ClusterIP = "None";
            s.Spec.ClusterIPs = ["None"];
            s.Spec.Ports = null;
            s.Spec.Selector = null;
        }));
        Assert.Equal("None", row["Cluster-IP"]);
        Assert.Equal("<none>", row["Port(s)"]);
        Assert.Equal("<none>", row["Selector"]);
    }

    [Fact]
    public void ExternalIPsOfAClusterIPService()
        => Assert.Equal("1.2.3.4,5.6.7.8", ServiceRow(Service("ClusterIP", s => s.Spec.ExternalIPs = ["1.2.3.4", "5.6.7.8"]))["External-IP"]);

    [Fact]
    public void LoadBalancerWithoutIngressIsPending()
        => Assert.Equal("<pending>", ServiceRow(Service("LoadBalancer"))["External-IP"]);

    [Fact]
    public void LoadBalancerIngressSortedThenExternalIPs()
    {
        var service = Service("LoadBalancer", s =>
        {
            s.Spec.ExternalIPs = ["9.9.9.9"];
            s.Status = new V1ServiceStatus { LoadBalancer = new V1LoadBalancerStatus { Ingress = [new V1LoadBalancerIngress { Hostname = "lb.example.com" }, new V1LoadBalancerIngress { Ip = "203.0.113.5" }] } };
        });
        Assert.Equal("203.0.113.5,lb.example.com,9.9.9.9", ServiceRow(service)["External-IP"]);
    }

    [Fact]
    public void ExternalNameService()
    {
        var row = ServiceRow(Service("ExternalName", s =>
        {
            s.Spec.ExternalName = "db.example.com";
            s.Spec.ClusterIP = null;
            s.Spec.ClusterIPs = null;
        }));
        Assert.Equal("db.example.com", row["External-IP"]);
        Assert.Equal("<none>", row["Cluster-IP"]);
    }

    [Theory]
    [InlineData("True", false, "Ready")]
    [InlineData("True", true, "Ready,SchedulingDisabled")]
    [InlineData("False", false, "NotReady")]
    [InlineData("Unknown", true, "NotReady,SchedulingDisabled")]
    [InlineData(null, false, "Unknown")]
    public void NodeStatus(string? ready, bool unschedulable, string expected)
    {
        var node = new V1Node
        {
            Metadata = Meta("node-1", ns: null),
            Spec = new V1NodeSpec { Unschedulable = unschedulable },
            Status = new V1NodeStatus
            {
                Conditions = ready is null
                    ? [new V1NodeCondition { Type = "MemoryPressure", Status = "False" }]
                    : [new V1NodeCondition { Type = "MemoryPressure", Status = "False" }, new V1NodeCondition { Type = "Ready", Status = ready }],
            },
        };
        Assert.Equal(expected, Row("", "v1", "nodes", node)["Status"]);
    }

    [Fact]
    public void NodeRolesVersionAndWideColumns()
    {
        var node = new V1Node
        {
            Metadata = Meta("node-1", TimeSpan.FromHours(5), ns: null),
            Status = new V1NodeStatus
            {
                Addresses = [new V1NodeAddress { Type = "Hostname", Address = "node-1" }, new V1NodeAddress { Type = "InternalIP", Address = "192.168.1.10" }],
                NodeInfo = new V1NodeSystemInfo { KubeletVersion = "v1.32.4", OsImage = "Debian GNU/Linux 13", KernelVersion = "6.12.0", ContainerRuntimeVersion = "docker://28.0.0" },
            },
        };
        node.Metadata.Labels = new Dictionary<string, string>
        {
            ["node-role.kubernetes.io/worker"] = "",
            ["node-role.kubernetes.io/control-plane"] = "",
            ["node-role.kubernetes.io/"] = "",
            ["kubernetes.io/role"] = "infra",
        };
        var row = Row("", "v1", "nodes", node);
        Assert.Equal("control-plane,infra,worker", row["Roles"]);
        Assert.Equal("5h", row["Age"]);
        Assert.Equal("v1.32.4", row["Version"]);
        Assert.Equal("192.168.1.10", row["Internal-IP"]);
        Assert.Equal("<none>", row["External-IP"]);
        Assert.Equal("Debian GNU/Linux 13", row["OS-Image"]);
        Assert.Equal("docker://28.0.0", row["Container-Runtime"]);
    }

    [Fact]
    public void NodeWithoutRolesOrSystemInfo()
    {
        var row = Row("", "v1", "nodes", new V1Node { Metadata = Meta("bare", ns: null) });
        Assert.Equal("<none>", row["Roles"]);
        Assert.Equal("Unknown", row["Status"]);
        Assert.Equal("<unknown>", row["OS-Image"]);
        Assert.Equal("<unknown>", row["Kernel-Version"]);
    }

    [Fact]
    public void EndpointsListThreeAddressesThenCountTheRest()
    {
        var endpoints = new V1Endpoints
        {
            Metadata = Meta("web"),
            Subsets =
            [
                new V1EndpointSubset
                {
                    Addresses = [new V1EndpointAddress { Ip = "10.0.0.1" }, new V1EndpointAddress { Ip = "fd00::2" }],
                    Ports = [new Corev1EndpointPort { Port = 8080 }, new Corev1EndpointPort { Port = 9090 }],
                },
            ],
        };
        Assert.Equal("10.0.0.1:8080,[fd00::2]:8080,10.0.0.1:9090 + 1 more...", Row("", "v1", "endpoints", endpoints)["Endpoints"]);
        Assert.Equal("<none>", Row("", "v1", "endpoints", new V1Endpoints { Metadata = Meta("empty") })["Endpoints"]);
    }

    [Fact]
    public void HeadlessEndpointsListBareAddresses()
    {
        var endpoints = new V1Endpoints { Metadata = Meta("db"), Subsets = [new V1EndpointSubset { Addresses = [new V1EndpointAddress { Ip = "10.0.0.1" }] }] };
        Assert.Equal("10.0.0.1", Row("", "v1", "endpoints", endpoints)["Endpoints"]);
    }

    [Fact]
    public void NamespaceSecretConfigMapAndServiceAccount()
    {
        Assert.Equal("Active", Row("", "v1", "namespaces", new V1Namespace { Metadata = Meta("dev", ns: null), Status = new V1NamespaceStatus { Phase = "Active" } })["Status"]);

        var secret = Row("", "v1", "secrets", new V1Secret { Metadata = Meta("tls"), Type = "kubernetes.io/tls", Data = new Dictionary<string, byte[]> { ["tls.crt"] = [1], ["tls.key"] = [2] } });
        Assert.Equal("kubernetes.io/tls", secret["Type"]);
        Assert.Equal(2L, secret["Data"]);

        var configMap = new V1ConfigMap { Metadata = Meta("cfg"), Data = new Dictionary<string, string> { ["a"] = "1" }, BinaryData = new Dictionary<string, byte[]> { ["b"] = [0] } };
        Assert.Equal(2L, Row("", "v1", "configmaps", configMap)["Data"]);
        Assert.Equal(0L, Row("", "v1", "configmaps", new V1ConfigMap { Metadata = Meta("empty") })["Data"]);

        Assert.Equal(0L, Row("", "v1", "serviceaccounts", new V1ServiceAccount { Metadata = Meta("default") })["Secrets"]);
    }

    [Fact]
    public void CoreEventColumns()
    {
        var columns = Columns("", "v1", "events");
        Assert.Equal(["Last Seen", "Type", "Reason", "Object", "Subobject", "Source", "Message", "First Seen", "Count", "Name"], columns.Select(c => c.Name));
        Assert.Equal([0, 0, 0, 0, 1, 1, 0, 1, 1, 1], columns.Select(c => c.Priority));
        Assert.Equal("name", columns[^1].Format);
        Assert.Same(columns, Columns("events.k8s.io", "v1", "events"));
    }

    [Fact]
    public void CoreEvent()
    {
        var e = new Corev1Event
        {
            Metadata = Meta("web-0.1820"),
            InvolvedObject = new V1ObjectReference { Kind = "Pod", Name = "web-0", FieldPath = "spec.containers{c0}" },
            Type = "Normal",
            Reason = "Pulled",
            Message = "  Container image already present\n",
            Source = new V1EventSource { Component = "kubelet", Host = "node-1" },
            FirstTimestamp = Ago(TimeSpan.FromMinutes(10)),
            LastTimestamp = Ago(TimeSpan.FromSeconds(30)),
            Count = 4,
        };
        var row = Row("", "v1", "events", e);
        Assert.Equal("30s", row["Last Seen"]);
        Assert.Equal("Normal", row["Type"]);
        Assert.Equal("Pulled", row["Reason"]);
        Assert.Equal("pod/web-0", row["Object"]);
        Assert.Equal("spec.containers{c0}", row["Subobject"]);
        Assert.Equal("kubelet, node-1", row["Source"]);
        Assert.Equal("Container image already present", row["Message"]);
        Assert.Equal("10m", row["First Seen"]);
        Assert.Equal(4L, row["Count"]);
        Assert.Equal("web-0.1820", row["Name"]);
    }

    [Fact]
    public void EventsApiEventWithSeriesAndReportingController()
    {
        var e = new Corev1Event
        {
            Metadata = Meta("node-1.abc"),
            InvolvedObject = new V1ObjectReference { Kind = "Node" },
            Type = "Warning",
            Reason = "Rebooted",
            EventTime = Ago(TimeSpan.FromHours(2)),
            Series = new Corev1EventSeries { Count = 7, LastObservedTime = Ago(TimeSpan.FromMinutes(4)) },
            ReportingComponent = "kubelet",
        };
        var row = Row("events.k8s.io", "v1", "events", e);
        Assert.Equal("4m", row["Last Seen"]);
        Assert.Equal("120m", row["First Seen"]);
        Assert.Equal(7L, row["Count"]);
        Assert.Equal("node", row["Object"]);
        Assert.Equal("kubelet", row["Source"]);
    }

    [Fact]
    public void SingletonEventCountsOnceAndFallsBackToFirstSeen()
    {
        var e = new Corev1Event { Metadata = Meta("x"), InvolvedObject = new V1ObjectReference { Kind = "Pod", Name = "p" }, EventTime = Ago(TimeSpan.FromSeconds(12)) };
        var row = Row("", "v1", "events", e);
        Assert.Equal(1L, row["Count"]);
        Assert.Equal("12s", row["Last Seen"]);
        Assert.Equal("12s", row["First Seen"]);
    }

    [Fact]
    public void ResourceQuotaSplitsRequestsAndLimits()
    {
        var quota = new V1ResourceQuota
        {
            Metadata = Meta("compute"),
            Status = new V1ResourceQuotaStatus
            {
                Hard = new Dictionary<string, ResourceQuantity> { ["pods"] = new("10"), ["requests.cpu"] = new("2"), ["limits.memory"] = new("2Gi"), ["limits.cpu"] = new("4") },
                Used = new Dictionary<string, ResourceQuantity> { ["pods"] = new("3"), ["requests.cpu"] = new("500m"), ["limits.cpu"] = new("1") },
            },
        };
        var row = Row("", "v1", "resourcequotas", quota);
        Assert.Equal("pods: 3/10, requests.cpu: 500m/2", row["Request"]);
        Assert.Equal("limits.cpu: 1/4, limits.memory: 0/2Gi", row["Limit"]);
    }

    [Fact]
    public void PersistentVolumeAndClaim()
    {
        var pv = new V1PersistentVolume
        {
            Metadata = Meta("pv-1", ns: null),
            Spec = new V1PersistentVolumeSpec
            {
                Capacity = new Dictionary<string, ResourceQuantity> { ["storage"] = new("10Gi") },
                AccessModes = ["ReadWriteMany", "ReadWriteOnce", "ReadWriteOnce"],
                PersistentVolumeReclaimPolicy = "Retain",
                ClaimRef = new V1ObjectReference { NamespaceProperty = "default", Name = "data" },
                StorageClassName = "standard",
                VolumeMode = "Filesystem",
            },
            Status = new V1PersistentVolumeStatus { Phase = "Bound" },
        };
        var row = Row("", "v1", "persistentvolumes", pv);
        Assert.Equal("10Gi", row["Capacity"]);
        Assert.Equal("RWO,RWX", row["Access Modes"]);
        Assert.Equal("Retain", row["Reclaim Policy"]);
        Assert.Equal("Bound", row["Status"]);
        Assert.Equal("default/data", row["Claim"]);
        Assert.Equal("standard", row["StorageClass"]);
        Assert.Equal("<unset>", row["VolumeAttributesClass"]);
        Assert.Equal("", row["Reason"]);
        Assert.Equal("Filesystem", row["VolumeMode"]);

        var pending = new V1PersistentVolumeClaim { Metadata = Meta("data"), Spec = new V1PersistentVolumeClaimSpec { StorageClassName = "fast" }, Status = new V1PersistentVolumeClaimStatus { Phase = "Pending" } };
        var claim = Row("", "v1", "persistentvolumeclaims", pending);
        Assert.Equal("Pending", claim["Status"]);
        Assert.Equal("", claim["Volume"]);
        Assert.Equal("", claim["Capacity"]);
        Assert.Equal("fast", claim["StorageClass"]);
        Assert.Equal("<unset>", claim["VolumeMode"]);

        var bound = new V1PersistentVolumeClaim
        {
            Metadata = Meta("data"),
            Spec = new V1PersistentVolumeClaimSpec { VolumeName = "pv-1" },
            Status = new V1PersistentVolumeClaimStatus { Phase = "Bound", AccessModes = ["ReadWriteOnce"], Capacity = new Dictionary<string, ResourceQuantity> { ["storage"] = new("10Gi") } },
        };
        bound.Metadata.DeletionTimestamp = Now;
        claim = Row("", "v1", "persistentvolumeclaims", bound);
        Assert.Equal("Terminating", claim["Status"]);
        Assert.Equal("10Gi", claim["Capacity"]);
        Assert.Equal("RWO", claim["Access Modes"]);
    }

    [Fact]
    public void ComponentStatusAndPodTemplate()
    {
        var cs = new V1ComponentStatus { Metadata = Meta("etcd-0", ns: null), Conditions = [new V1ComponentCondition { Type = "Healthy", Status = "True", Message = "ok" }] };
        var row = Row("", "v1", "componentstatuses", cs);
        Assert.Equal("Healthy", row["Status"]);
        Assert.Equal("ok", row["Message"]);
        Assert.False(row.ContainsKey("Age"));

        var template = new V1PodTemplate
        {
            Metadata = Meta("tpl"),
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "web" } },
                Spec = new V1PodSpec { Containers = [new V1Container { Name = "a", Image = "img-a" }, new V1Container { Name = "b", Image = "img-b" }] },
            },
        };
        row = Row("", "v1", "podtemplates", template);
        Assert.Equal("a,b", row["Containers"]);
        Assert.Equal("img-a,img-b", row["Images"]);
        Assert.Equal("app=web", row["Pod Labels"]);
    }

    [Fact]
    public void ReplicationController()
    {
        var rc = new V1ReplicationController
        {
            Metadata = Meta("frontend"),
            Spec = new V1ReplicationControllerSpec { Replicas = 3, Selector = new Dictionary<string, string> { ["app"] = "frontend" } },
            Status = new V1ReplicationControllerStatus { Replicas = 3, ReadyReplicas = 2 },
        };
        var row = Row("", "v1", "replicationcontrollers", rc);
        Assert.Equal(3L, row["Desired"]);
        Assert.Equal(3L, row["Current"]);
        Assert.Equal(2L, row["Ready"]);
        Assert.Equal("", row["Containers"]);
        Assert.Equal("app=frontend", row["Selector"]);
    }
}
