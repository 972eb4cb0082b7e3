using k8s.Models;
using static KubeNet.ApiServer.Tests.Printers.Print;

namespace KubeNet.ApiServer.Tests.Printers;

public sealed class OtherPrinterTests
{
    [Fact]
    public void Ingress()
    {
        var ingress = new V1Ingress
        {
            Metadata = Meta("web"),
            Spec = new V1IngressSpec
            {
                IngressClassName = "nginx",
                Rules = [new V1IngressRule { Host = "a.example.com" }, new V1IngressRule(), new V1IngressRule { Host = "b.example.com" }],
                Tls = [new V1IngressTLS { Hosts = ["a.example.com"] }],
            },
            Status = new V1IngressStatus { LoadBalancer = new V1IngressLoadBalancerStatus { Ingress = [new V1IngressLoadBalancerIngress { Ip = "203.0.113.9" }] } },
        };
        var row = Row("networking.k8s.io", "v1", "ingresses", ingress);
        Assert.Equal("nginx", row["Class"]);
        Assert.Equal("a.example.com,b.example.com", row["Hosts"]);
        Assert.Equal("203.0.113.9", row["Address"]);
        Assert.Equal("80, 443", row["Ports"]);

        ingress.Spec = new V1IngressSpec { Rules = [new V1IngressRule()] };
        ingress.Status = null;
        row = Row("networking.k8s.io", "v1", "ingresses", ingress);
        Assert.Equal("<none>", row["Class"]);
        Assert.Equal("*", row["Hosts"]);
        Assert.Equal("", row["Address"]);
        Assert.Equal("80", row["Ports"]);
    }

    [Fact]
    public void IngressWithManyHosts()
    {
        var ingress = new V1Ingress { Metadata = Meta("many"), Spec = new V1IngressSpec { Rules = Enumerable.Range(1, 5).Select(i => new V1IngressRule { Host = $"h{i}" }).ToList() } };
        Assert.Equal("h1,h2,h3 + 2 more...", Row("networking.k8s.io", "v1", "ingresses", ingress)["Hosts"]);
    }

    [Fact]
    public void IngressClassAndNetworkPolicy()
    {
        var ingressClass = new V1IngressClass
        {
            Metadata = Meta("nginx", ns: null),
            Spec = new V1IngressClassSpec { Controller = "k8s.io/ingress-nginx", Parameters = new V1IngressClassParametersReference { ApiGroup = "k8s.example.com", Kind = "IngressParameters", Name = "external-lb" } },
        };
        var row = Row("networking.k8s.io", "v1", "ingressclasses", ingressClass);
        Assert.Equal("k8s.io/ingress-nginx", row["Controller"]);
        Assert.Equal("IngressParameters.k8s.example.com/external-lb", row["Parameters"]);

        var policy = new V1NetworkPolicy { Metadata = Meta("deny"), Spec = new V1NetworkPolicySpec { PodSelector = new V1LabelSelector() } };
        Assert.Equal("<none>", Row("networking.k8s.io", "v1", "networkpolicies", policy)["Pod-Selector"]);
        policy.Spec.PodSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["role"] = "db" } };
        Assert.Equal("role=db", Row("networking.k8s.io", "v1", "networkpolicies", policy)["Pod-Selector"]);
    }

    [Fact]
    public void EndpointSlice()
    {
        var slice = new V1EndpointSlice
        {
            Metadata = Meta("web-abc"),
            AddressType = "IPv4",
            Ports = [new Discoveryv1EndpointPort { Port = 80 }, new Discoveryv1EndpointPort { Name = "metrics" }, new Discoveryv1EndpointPort()],
            Endpoints = [new V1Endpoint { Addresses = ["10.0.0.1", "10.0.0.2"] }, new V1Endpoint { Addresses = ["10.0.0.3", "10.0.0.4"] }],
        };
        var row = Row("discovery.k8s.io", "v1", "endpointslices", slice);
        Assert.Equal("IPv4", row["AddressType"]);
        Assert.Equal("80,metrics,*", row["Ports"]);
        Assert.Equal("10.0.0.1,10.0.0.2,10.0.0.3 + 1 more...", row["Endpoints"]);

        row = Row("discovery.k8s.io", "v1", "endpointslices", new V1EndpointSlice { Metadata = Meta("empty"), AddressType = "IPv6" });
        Assert.Equal("<unset>", row["Ports"]);
        Assert.Equal("<unset>", row["Endpoints"]);
    }

    [Fact]
    public void RoleBindingSubjects()
    {
        var binding = new V1RoleBinding
        {
            Metadata = Meta("read"),
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = "view" },
            Subjects =
            [
                new Rbacv1Subject { Kind = "User", Name = "alice" },
                new Rbacv1Subject { Kind = "User", Name = "bob" },
                new Rbacv1Subject { Kind = "Group", Name = "devs" },
                new Rbacv1Subject { Kind = "ServiceAccount", Name = "ci", NamespaceProperty = "build" },
            ],
        };
        var row = Row("rbac.authorization.k8s.io", "v1", "rolebindings", binding);
        Assert.Equal("ClusterRole/view", row["Role"]);
        Assert.Equal("alice, bob", row["Users"]);
        Assert.Equal("devs", row["Groups"]);
        Assert.Equal("build/ci", row["ServiceAccounts"]);

        var cluster = new V1ClusterRoleBinding { Metadata = Meta("admins", ns: null), RoleRef = binding.RoleRef };
        row = Row("rbac.authorization.k8s.io", "v1", "clusterrolebindings", cluster);
        Assert.Equal("ClusterRole/view", row["Role"]);
        Assert.Equal("", row["Users"]);
    }

    [Fact]
    public void RolesAndLimitRangesKeepTheDefaultColumns()
    {
        Assert.Null(KubeNet.ApiServer.Printers.PrinterCatalog.ColumnsFor(Kind("rbac.authorization.k8s.io", "v1", "roles")));
        Assert.Null(KubeNet.ApiServer.Printers.PrinterCatalog.ColumnsFor(Kind("rbac.authorization.k8s.io", "v1", "clusterroles")));
        Assert.Null(KubeNet.ApiServer.Printers.PrinterCatalog.ColumnsFor(Kind("", "v1", "limitranges")));
    }

    [Fact]
    public void StorageClass()
    {
        var sc = new V1StorageClass { Metadata = Meta("standard", ns: null), Provisioner = "rancher.io/local-path" };
        sc.Metadata.Annotations = new Dictionary<string, string> { ["storageclass.kubernetes.io/is-default-class"] = "true" };
        var row = Row("storage.k8s.io", "v1", "storageclasses", sc);
        Assert.Equal("standard (default)", row["Name"]);
        Assert.Equal("rancher.io/local-path", row["Provisioner"]);
        Assert.Equal("Delete", row["ReclaimPolicy"]);
        Assert.Equal("Immediate", row["VolumeBindingMode"]);
        Assert.Equal(false, row["AllowVolumeExpansion"]);
    }

    [Fact]
    public void CsiKindsAndVolumeAttachment()
    {
        var driver = new V1CSIDriver { Metadata = Meta("csi.example.com", ns: null), Spec = new V1CSIDriverSpec { VolumeLifecycleModes = ["Persistent", "Ephemeral"] } };
        var row = Row("storage.k8s.io", "v1", "csidrivers", driver);
        Assert.Equal(true, row["AttachRequired"]);
        Assert.Equal(false, row["PodInfoOnMount"]);
        Assert.Equal("<unset>", row["TokenRequests"]);
        Assert.Equal("Persistent,Ephemeral", row["Modes"]);

        var node = new V1CSINode { Metadata = Meta("node-1", ns: null), Spec = new V1CSINodeSpec { Drivers = [new V1CSINodeDriver { Name = "csi.example.com", NodeID = "n1" }] } };
        Assert.Equal(1L, Row("storage.k8s.io", "v1", "csinodes", node)["Drivers"]);

        var attachment = new V1VolumeAttachment
        {
            Metadata = Meta("csi-123", ns: null),
            Spec = new V1VolumeAttachmentSpec { Attacher = "csi.example.com", NodeName = "node-1", Source = new V1VolumeAttachmentSource { PersistentVolumeName = "pv-1" } },
            Status = new V1VolumeAttachmentStatus { Attached = true },
        };
        row = Row("storage.k8s.io", "v1", "volumeattachments", attachment);
        Assert.Equal("csi.example.com", row["Attacher"]);
        Assert.Equal("pv-1", row["PV"]);
        Assert.Equal("node-1", row["Node"]);
        Assert.Equal(true, row["Attached"]);
    }

    [Fact]
    public void LeasePriorityClassAndRuntimeClass()
    {
        var lease = new V1Lease { Metadata = Meta("kube-scheduler", ns: "kube-system"), Spec = new V1LeaseSpec { HolderIdentity = "host_1234" } };
        Assert.Equal("host_1234", Row("coordination.k8s.io", "v1", "leases", lease)["Holder"]);

        var pc = new V1PriorityClass { Metadata = Meta("system-node-critical", ns: null), Value = 2000001000, PreemptionPolicy = "PreemptLowerPriority" };
        var row = Row("scheduling.k8s.io", "v1", "priorityclasses", pc);
        Assert.Equal(2000001000L, row["Value"]);
        Assert.Equal(false, row["Global-Default"]);
        Assert.Equal("PreemptLowerPriority", row["PreemptionPolicy"]);

        Assert.Equal("runc", Row("node.k8s.io", "v1", "runtimeclasses", new V1RuntimeClass { Metadata = Meta("runc", ns: null), Handler = "runc" })["Handler"]);
    }

    [Theory]
    [InlineData(new string[0], false, "Pending")]
    [InlineData(new[] { "Approved" }, false, "Approved")]
    [InlineData(new[] { "Approved" }, true, "Approved,Issued")]
    [InlineData(new[] { "Approved", "Denied" }, false, "Denied")]
    [InlineData(new[] { "Approved", "Failed" }, false, "Approved,Failed")]
    public void CertificateSigningRequest(string[] conditions, bool issued, string expected)
    {
        var csr = new V1CertificateSigningRequest
        {
            Metadata = Meta("node-csr", ns: null),
            Spec = new V1CertificateSigningRequestSpec { SignerName = "kubernetes.io/kube-apiserver-client-kubelet", Username = "system:node:node-1", ExpirationSeconds = 86400, Request = [1] },
            Status = new V1CertificateSigningRequestStatus
            {
                Conditions = conditions.Select(c => new V1CertificateSigningRequestCondition { Type = c, Status = "True" }).ToList(),
                Certificate = issued ? [1, 2, 3] : null,
            },
        };
        var row = Row("certificates.k8s.io", "v1", "certificatesigningrequests", csr);
        Assert.Equal(expected, row["Condition"]);
        Assert.Equal("kubernetes.io/kube-apiserver-client-kubelet", row["SignerName"]);
        Assert.Equal("system:node:node-1", row["Requestor"]);
        Assert.Equal("24h", row["RequestedDuration"]);
    }

    [Fact]
    public void FlowSchemaAndPriorityLevels()
    {
        var schema = new V1FlowSchema
        {
            Metadata = Meta("exempt", ns: null),
            Spec = new V1FlowSchemaSpec { PriorityLevelConfiguration = new V1PriorityLevelConfigurationReference { Name = "exempt" }, MatchingPrecedence = 1 },
            Status = new V1FlowSchemaStatus { Conditions = [new V1FlowSchemaCondition { Type = "Dangling", Status = "False" }] },
        };
        var row = Row("flowcontrol.apiserver.k8s.io", "v1", "flowschemas", schema);
        Assert.Equal("exempt", row["PriorityLevel"]);
        Assert.Equal(1L, row["MatchingPrecedence"]);
        Assert.Equal("<none>", row["DistinguisherMethod"]);
        Assert.Equal("False", row["MissingPL"]);

        var exempt = new V1PriorityLevelConfiguration { Metadata = Meta("exempt", ns: null), Spec = new V1PriorityLevelConfigurationSpec { Type = "Exempt" } };
        row = Row("flowcontrol.apiserver.k8s.io", "v1", "prioritylevelconfigurations", exempt);
        Assert.Equal("Exempt", row["Type"]);
        Assert.Equal("<none>", row["NominalConcurrencyShares"]);
        Assert.Equal("<none>", row["Queues"]);

        var limited = new V1PriorityLevelConfiguration
        {
            Metadata = Meta("workload-low", ns: null),
            Spec = new V1PriorityLevelConfigurationSpec
            {
                Type = "Limited",
                Limited = new V1LimitedPriorityLevelConfiguration
                {
                    NominalConcurrencyShares = 100,
                    LimitResponse = new V1LimitResponse { Type = "Queue", Queuing = new V1QueuingConfiguration { Queues = 128, HandSize = 6, QueueLengthLimit = 50 } },
                },
            },
        };
        row = Row("flowcontrol.apiserver.k8s.io", "v1", "prioritylevelconfigurations", limited);
        Assert.Equal(100L, row["NominalConcurrencyShares"]);
        Assert.Equal(128L, row["Queues"]);
        Assert.Equal(6L, row["HandSize"]);
        Assert.Equal(50L, row["QueueLengthLimit"]);
    }

    [Fact]
    public void WebhookConfigurationsAndApiServices()
    {
        var webhooks = new V1ValidatingWebhookConfiguration { Metadata = Meta("policy", ns: null), Webhooks = [new V1ValidatingWebhook { Name = "a.example.com" }] };
        Assert.Equal(1L, Row("admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations", webhooks)["Webhooks"]);
        Assert.Equal(0L, Row("admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations", new V1MutatingWebhookConfiguration { Metadata = Meta("m", ns: null) })["Webhooks"]);

        var local = new V1APIService { Metadata = Meta("v1.apps", ns: null), Status = new V1APIServiceStatus { Conditions = [new V1APIServiceCondition { Type = "Available", Status = "True" }] } };
        var row = Row("apiregistration.k8s.io", "v1", "apiservices", local);
        Assert.Equal("Local", row["Service"]);
        Assert.Equal("True", row["Available"]);

        var remote = new V1APIService
        {
            Metadata = Meta("v1beta1.metrics.k8s.io", ns: null),
            Spec = new V1APIServiceSpec { Service = new Apiregistrationv1ServiceReference { NamespaceProperty = "kube-system", Name = "metrics-server" } },
            Status = new V1APIServiceStatus { Conditions = [new V1APIServiceCondition { Type = "Available", Status = "False", Reason = "MissingEndpoints" }] },
        };
        row = Row("apiregistration.k8s.io", "v1", "apiservices", remote);
        Assert.Equal("kube-system/metrics-server", row["Service"]);
        Assert.Equal("False (MissingEndpoints)", row["Available"]);
    }
}
