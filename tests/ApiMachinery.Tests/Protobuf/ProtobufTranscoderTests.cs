using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using KubeNet.ApiMachinery.Protobuf;

namespace KubeNet.ApiMachinery.Tests.Protobuf;

public sealed class ProtobufTranscoderTests
{
    private static string Transcode(byte[] body)
    {
        Assert.True(ProtobufTranscoder.TryDecodeEnvelope(body, out _, out _, out var json, out var error), error);
        return Encoding.UTF8.GetString(json);
    }

    private static string Failure(byte[] body)
    {
        Assert.False(ProtobufTranscoder.TryDecodeEnvelope(body, out _, out _, out var json, out var error));
        Assert.Empty(json);
        Assert.False(string.IsNullOrEmpty(error));
        return error!;
    }

    private static void AssertJson(string expected, string actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(actual)), $"expected {expected}\n     got {actual}");

    [Fact]
    public void ConfigMap()
    {
        var body = ProtoBuilder.Envelope("v1", "ConfigMap", b => b
            .Message(1, ProtoBuilder.Meta("settings", "prod", ("app", "web"), ("tier", "front")))
            .Entry(2, "greeting", "hello")
            .Entry(2, "mode", "fast")
            .Entry(3, "raw", new byte[] { 0, 1, 2, 0xFF })
            .Bool(4, true));

        var json = Transcode(body);
        AssertJson("""
            {"apiVersion":"v1","kind":"ConfigMap",
             "metadata":{"name":"settings","namespace":"prod","labels":{"app":"web","tier":"front"}},
             "immutable":true,"data":{"greeting":"hello","mode":"fast"},"binaryData":{"raw":"AAEC/w=="}}
            """, json);
        var cm = KubernetesJson.Deserialize<V1ConfigMap>(json);
        Assert.Equal("settings", cm.Metadata.Name);
        Assert.Equal("front", cm.Metadata.Labels["tier"]);
        Assert.Equal("hello", cm.Data["greeting"]);
        Assert.Equal(new byte[] { 0, 1, 2, 0xFF }, cm.BinaryData["raw"]);
        Assert.True(cm.Immutable);
    }

    [Fact]
    public void SecretWithBinaryData()
    {
        var key = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        var body = ProtoBuilder.Envelope("v1", "Secret", b => b
            .Message(1, ProtoBuilder.Meta("tls", "prod"))
            .Entry(2, "key.bin", key)
            .Entry(2, "password", Encoding.UTF8.GetBytes("s3cr3t"))
            .String(3, "Opaque"));

        var secret = KubernetesJson.Deserialize<V1Secret>(Transcode(body));

        Assert.Equal(key, secret.Data["key.bin"]);
        Assert.Equal("s3cr3t"u8.ToArray(), secret.Data["password"]);
        Assert.Equal("Opaque", secret.Type);
        Assert.Null(secret.Immutable);
    }

    [Fact]
    public void DeploymentWithNestedTemplate()
    {
        var body = ProtoBuilder.Envelope("apps/v1", "Deployment", b => b
            .Message(1, ProtoBuilder.Meta("web", "prod", ("app", "web")))
            .Message(2, spec => spec
                .Varint(1, 3)
                .Message(2, selector => selector.Entry(1, "app", "web"))
                .Message(3, template => template
                    .Message(1, ProtoBuilder.Meta("", "", ("app", "web")))
                    .Message(2, pod => pod
                        .Message(1, volume => volume
                            .String(1, "cache")
                            .Message(2, source => source.Message(2, emptyDir => emptyDir.String(1, "").Message(2, q => q.String(1, "1Gi")))))
                        .Message(2, container => container
                            .String(1, "web")
                            .String(2, "nginx:1.27")
                            .String(3, "nginx").String(3, "-g")
                            .Message(6, port => port.String(1, "http").Varint(2, 0).Varint(3, 8080).String(4, "TCP").String(5, ""))
                            .Message(8, resources => resources
                                .Quantity(1, "cpu", "500m")
                                .Quantity(1, "memory", "128Mi")
                                .Quantity(2, "cpu", "250m"))
                            .Message(10, probe => probe
                                .Message(1, handler => handler.Message(2, get => get
                                    .String(1, "/healthz")
                                    .Message(2, port => port.Varint(1, 1).Varint(2, 0).String(3, "http"))
                                    .String(3, "")
                                    .String(4, "HTTP")))
                                .Varint(2, 5).Varint(3, 1).Varint(4, 10).Varint(5, 1).Varint(6, 3))
                            .String(13, "/dev/termination-log")
                            .String(14, "IfNotPresent")
                            .Bool(16, false))
                        .String(3, "Always")))
                .Message(4, strategy => strategy
                    .String(1, "RollingUpdate")
                    .Message(2, rolling => rolling
                        .Message(1, unavailable => unavailable.Varint(1, 0).Varint(2, 1).String(3, ""))
                        .Message(2, surge => surge.Varint(1, 1).Varint(2, 0).String(3, "25%"))))
                .Varint(5, 0)
                .Varint(6, 10)
                .Bool(7, false)
                .Varint(9, 600))
            .Message(3, _ => { }));

        var json = Transcode(body);
        var deployment = KubernetesJson.Deserialize<V1Deployment>(json);

        Assert.Equal(("apps/v1", "Deployment"), (deployment.ApiVersion, deployment.Kind));
        var spec = deployment.Spec;
        Assert.Equal(3, spec.Replicas);
        Assert.Equal("web", spec.Selector.MatchLabels["app"]);
        Assert.Equal(10, spec.RevisionHistoryLimit);
        Assert.Equal(600, spec.ProgressDeadlineSeconds);
        // Zero non-pointer omitempty scalars stay out, as Go's encoding/json leaves them out.
        Assert.Null(spec.MinReadySeconds);
        Assert.Null(spec.Paused);
        Assert.Equal("RollingUpdate", spec.Strategy.Type);
        Assert.Equal("1", spec.Strategy.RollingUpdate.MaxUnavailable.Value);
        Assert.Equal("25%", spec.Strategy.RollingUpdate.MaxSurge.Value);
        Assert.Contains("\"maxUnavailable\":1", json, StringComparison.Ordinal);
        Assert.Contains("\"maxSurge\":\"25%\"", json, StringComparison.Ordinal);

        var pod = spec.Template.Spec;
        Assert.Equal("Always", pod.RestartPolicy);
        Assert.Null(spec.Template.Metadata.CreationTimestamp);
        var volume = Assert.Single(pod.Volumes);
        Assert.Equal("cache", volume.Name);
        Assert.Equal("1Gi", volume.EmptyDir.SizeLimit.ToString());
        var container = Assert.Single(pod.Containers);
        Assert.Equal(["nginx", "-g"], container.Command);
        var port = Assert.Single(container.Ports);
        Assert.Equal(("http", 8080, "TCP"), (port.Name, port.ContainerPort, port.Protocol));
        Assert.Null(port.HostPort);
        Assert.Equal("500m", container.Resources.Limits["cpu"].ToString());
        Assert.Equal("128Mi", container.Resources.Limits["memory"].ToString());
        Assert.Equal("250m", container.Resources.Requests["cpu"].ToString());
        // Probe's handler is an inlined embedded struct: httpGet sits on the probe itself.
        Assert.Equal("/healthz", container.LivenessProbe.HttpGet.Path);
        Assert.Equal("http", container.LivenessProbe.HttpGet.Port.Value);
        Assert.Equal(5, container.LivenessProbe.InitialDelaySeconds);
        Assert.Equal("IfNotPresent", container.ImagePullPolicy);
        Assert.Null(container.Stdin);
    }

    [Fact]
    public void Namespace()
    {
        var body = ProtoBuilder.Envelope("v1", "Namespace", b => b
            .Message(1, ProtoBuilder.Meta("team-a", "", ("owner", "alice")))
            .Message(2, spec => spec.String(1, "kubernetes"))
            .Message(3, status => status.String(1, "")));

        var json = Transcode(body);
        AssertJson("""
            {"apiVersion":"v1","kind":"Namespace","metadata":{"name":"team-a","labels":{"owner":"alice"}},
             "spec":{"finalizers":["kubernetes"]},"status":{}}
            """, json);
        var ns = KubernetesJson.Deserialize<V1Namespace>(json);
        Assert.Equal(["kubernetes"], ns.Spec.Finalizers);
    }

    [Fact]
    public void TimeIsWholeSecondsAndMicroTimeKeepsSixDigits()
    {
        var body = ProtoBuilder.Envelope("coordination.k8s.io/v1", "Lease", b => b
            .Message(1, m => m.String(1, "node-1").Message(8, t => t.Varint(1, 1_704_067_200).Varint(2, 999_000_000)))
            .Message(2, spec => spec
                .String(1, "node-1")
                .Varint(2, 40)
                .Message(3, t => t.Varint(1, 1_704_067_200).Varint(2, 123_456_789))
                .Message(4, t => t.Varint(1, 1_704_067_201))));

        var json = Transcode(body);
        AssertJson("""
            {"apiVersion":"coordination.k8s.io/v1","kind":"Lease",
             "metadata":{"name":"node-1","creationTimestamp":"2024-01-01T00:00:00Z"},
             "spec":{"holderIdentity":"node-1","leaseDurationSeconds":40,
                     "acquireTime":"2024-01-01T00:00:00.123456Z","renewTime":"2024-01-01T00:00:01.000000Z"}}
            """, json);
        var lease = KubernetesJson.Deserialize<V1Lease>(json);
        Assert.Equal(new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc), lease.Metadata.CreationTimestamp?.ToUniversalTime());
    }

    [Fact]
    public void GoZeroTimeIsLeftOut()
    {
        var body = ProtoBuilder.Envelope("v1", "ConfigMap", b => b
            .Message(1, m => m.String(1, "x").Message(8, t => t.Varint(1, -62_135_596_800))));

        AssertJson("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}}""", Transcode(body));
    }

    [Fact]
    public void PointerFieldsKeepZeroValues()
    {
        var body = ProtoBuilder.Envelope("apps/v1", "Deployment", b => b
            .Message(1, ProtoBuilder.Meta("idle"))
            .Message(2, spec => spec.Varint(1, 0).Message(3, _ => { }).Bool(7, true)));

        var deployment = KubernetesJson.Deserialize<V1Deployment>(Transcode(body));
        Assert.Equal(0, deployment.Spec.Replicas);
        Assert.True(deployment.Spec.Paused);
    }

    [Fact]
    public void ZeroTargetPortMeansUnset()
    {
        var body = ProtoBuilder.Envelope("v1", "Service", b => b
            .Message(1, ProtoBuilder.Meta("svc"))
            .Message(2, spec => spec
                .Message(1, port => port.String(1, "").String(2, "TCP").Varint(3, 80).Message(4, t => t.Varint(1, 0).Varint(2, 0).String(3, "")).Varint(5, 0))
                .Message(1, port => port.String(1, "").String(2, "TCP").Varint(3, 81).Message(4, t => t.Varint(1, 0).Varint(2, 9090).String(3, "")).Varint(5, 0))));

        var svc = KubernetesJson.Deserialize<V1Service>(Transcode(body));

        Assert.Null(svc.Spec.Ports[0].TargetPort);
        Assert.Equal("9090", svc.Spec.Ports[1].TargetPort.Value);
    }

    [Fact]
    public void PackedRepeatedScalars()
    {
        var body = ProtoBuilder.Envelope("v1", "Pod", b => b
            .Message(1, ProtoBuilder.Meta("p"))
            .Message(2, spec => spec.Message(14, security => security.Packed(4, 1000, 300_000).Varint(4, 7))));

        var pod = KubernetesJson.Deserialize<V1Pod>(Transcode(body));
        Assert.Equal([1000L, 300_000L, 7L], pod.Spec.SecurityContext.SupplementalGroups);
    }

    [Fact]
    public void FieldsInAnyOrderAndSplitMessagesMerge()
    {
        var body = ProtoBuilder.Envelope("v1", "ConfigMap", b => b
            .Entry(2, "b", "old")
            .Message(1, m => m.String(1, "merged"))
            .Entry(2, "a", "1")
            .Message(1, m => m.String(3, "ns").Entry(11, "k", "v"))
            .Entry(2, "b", "new"));

        AssertJson("""
            {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"merged","namespace":"ns","labels":{"k":"v"}},"data":{"a":"1","b":"new"}}
            """, Transcode(body));
    }

    [Fact]
    public void UnknownFieldsAreSkipped()
    {
        var body = ProtoBuilder.Envelope("v1", "ConfigMap", b => b
            .Message(1, m => m.String(1, "x").Varint(99, 5).Fixed32(98, 7))
            .Entry(2, "a", "1")
            .Double(101, 1.5)
            .Message(102, u => u.String(1, "whatever"))
            .Varint(103, -1));

        AssertJson("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"},"data":{"a":"1"}}""", Transcode(body));
    }

    [Fact]
    public void MapEntriesWithoutValuesCarryTheZeroValue()
    {
        var body = ProtoBuilder.Envelope("v1", "ResourceQuota", b => b
            .Message(1, m => m.String(1, "q"))
            .Message(2, spec => spec.Message(1, e => e.String(1, "pods")).Message(1, e => e.String(1, "cpu").Message(2, _ => { }))));
        var labels = ProtoBuilder.Envelope("v1", "ConfigMap", b => b.Message(2, e => e.String(1, "empty")));

        AssertJson("""{"apiVersion":"v1","kind":"ResourceQuota","metadata":{"name":"q"},"spec":{"hard":{"cpu":"0","pods":"0"}}}""", Transcode(body));
        AssertJson("""{"apiVersion":"v1","kind":"ConfigMap","data":{"empty":""}}""", Transcode(labels));
    }

    [Fact]
    public void RejectsNumbersJsonCannotCarry()
    {
        var body = ProtoBuilder.Envelope("apiextensions.k8s.io/v1", "CustomResourceDefinition", b => b
            .Message(2, spec => spec.Message(7, version => version.Message(4, validation => validation.Message(1, schema => schema.Double(9, double.NaN))))));

        Assert.Contains("maximum", Failure(body), StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidUtf8BecomesReplacementCharacters()
    {
        var body = ProtoBuilder.Envelope("v1", "ConfigMap", b => b
            .Message(1, m => m.String(1, "x"))
            .Message(2, e => e.String(1, "k").Bytes(2, new byte[] { (byte)'a', 0xC3, 0x28 })));

        var cm = KubernetesJson.Deserialize<V1ConfigMap>(Transcode(body));
        Assert.Equal("a\uFFFD(", cm.Data["k"]);
    }

    [Fact]
    public void CustomResourceDefinitionSchema()
    {
        var body = ProtoBuilder.Envelope("apiextensions.k8s.io/v1", "CustomResourceDefinition", b => b
            .Message(1, ProtoBuilder.Meta("widgets.example.com"))
            .Message(2, spec => spec
                .String(1, "example.com")
                .Message(3, names => names.String(1, "widgets").String(2, "widget").String(3, "wd").String(4, "Widget").String(5, "WidgetList"))
                .String(4, "Namespaced")
                .Message(7, version => version
                    .String(1, "v1").Bool(2, true).Bool(3, true)
                    .Message(4, validation => validation.Message(1, root => root
                        .String(5, "object")
                        .Entry(29, "spec", spec => spec
                            .String(5, "object")
                            .Entry(29, "size", size => size.String(5, "integer").Message(8, d => d.Bytes(1, "3"u8)).Double(9, 10))
                            .Entry(29, "tags", tags => tags.String(5, "array").Message(24, items => items.Message(1, item => item.String(5, "string"))))
                            .Entry(29, "mode", mode => mode.String(5, "string").Message(20, e => e.Bytes(1, "\"fast\""u8)).Message(20, e => e.Bytes(1, "\"slow\""u8)))
                            .String(23, "size")
                            .Message(30, additional => additional.Bool(1, false)))
                        .Entry(29, "status", status => status.String(5, "object").Bool(38, true)))))));

        var json = Transcode(body);
        var crd = KubernetesJson.Deserialize<V1CustomResourceDefinition>(json);

        var root = crd.Spec.Versions[0].Schema.OpenAPIV3Schema;
        var spec = root.Properties["spec"];
        Assert.Equal("integer", spec.Properties["size"].Type);
        Assert.Equal(10d, spec.Properties["size"].Maximum);
        Assert.Equal(["size"], spec.Required);
        Assert.True(root.Properties["status"].XKubernetesPreserveUnknownFields);
        Assert.Equal(["wd"], crd.Spec.Names.ShortNames);
        var node = JsonNode.Parse(json)!["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!["properties"]!["spec"]!;
        Assert.Equal(3, (int)node["properties"]!["size"]!["default"]!);
        Assert.Equal("string", (string?)node["properties"]!["tags"]!["items"]!["type"]);
        Assert.Equal("""["fast","slow"]""", node["properties"]!["mode"]!["enum"]!.ToJsonString());
        Assert.False((bool)node["additionalProperties"]!);
        Assert.True((bool)JsonNode.Parse(json)!["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!["properties"]!["status"]!["x-kubernetes-preserve-unknown-fields"]!);
    }

    [Fact]
    public void RawExtensionEmbedsJsonOrANestedEnvelope()
    {
        var nested = ProtoBuilder.Envelope("v1", "ConfigMap", b => b.Message(1, ProtoBuilder.Meta("inner")));
        var withJson = ProtoBuilder.Envelope("apps/v1", "ControllerRevision", b => b
            .Message(1, ProtoBuilder.Meta("rev"))
            .Message(2, raw => raw.Bytes(1, """{"spec":{"template":{"x":1}}}"""u8))
            .Varint(3, 2));
        var withEnvelope = ProtoBuilder.Envelope("apps/v1", "ControllerRevision", b => b
            .Message(1, ProtoBuilder.Meta("rev"))
            .Message(2, raw => raw.Bytes(1, nested))
            .Varint(3, 3));

        AssertJson("""
            {"apiVersion":"apps/v1","kind":"ControllerRevision","metadata":{"name":"rev"},"data":{"spec":{"template":{"x":1}}},"revision":2}
            """, Transcode(withJson));
        AssertJson("""
            {"apiVersion":"apps/v1","kind":"ControllerRevision","metadata":{"name":"rev"},
             "data":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"inner"}},"revision":3}
            """, Transcode(withEnvelope));
    }

    [Fact]
    public void NamedSliceMapValuesAreArrays()
    {
        var body = ProtoBuilder.Envelope("certificates.k8s.io/v1", "CertificateSigningRequest", b => b
            .Message(1, ProtoBuilder.Meta("csr"))
            .Message(2, spec => spec
                .Bytes(1, "-----BEGIN CERTIFICATE REQUEST-----"u8)
                .String(2, "alice")
                .Entry(6, "scopes", extra => extra.String(1, "read").String(1, "write"))
                .String(7, "kubernetes.io/kube-apiserver-client")));

        var csr = KubernetesJson.Deserialize<V1CertificateSigningRequest>(Transcode(body));

        Assert.Equal("-----BEGIN CERTIFICATE REQUEST-----"u8.ToArray(), csr.Spec.Request);
        Assert.Equal(["read", "write"], csr.Spec.Extra["scopes"]);
    }

    [Theory]
    [InlineData("v1")]
    [InlineData("apps/v1")]
    [InlineData("meta.k8s.io/v1")]
    public void DeleteOptionsInAnyGroupVersion(string apiVersion)
    {
        var body = ProtoBuilder.Envelope(apiVersion, "DeleteOptions", b => b.Varint(1, 0).String(4, "Foreground").String(5, "All"));

        AssertJson($$"""
            {"apiVersion":"{{apiVersion}}","kind":"DeleteOptions","gracePeriodSeconds":0,"propagationPolicy":"Foreground","dryRun":["All"]}
            """, Transcode(body));
    }

    [Fact]
    public void EmbeddedJsonContentTypePassesThrough()
    {
        var body = new ProtoBuilder()
            .Append("k8s\0"u8)
            .Message(1, t => t.String(1, "v1").String(2, "ConfigMap"))
            .Bytes(2, """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"j"}}"""u8)
            .String(4, "application/json")
            .ToArray();

        AssertJson("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"j"}}""", Transcode(body));
    }

    [Fact]
    public void ReportsTheEnvelopeType()
    {
        Assert.True(ProtobufTranscoder.TryDecodeEnvelope(KubectlCaptures.Deployment, out var apiVersion, out var kind, out _, out var error), error);
        Assert.Equal(("apps/v1", "Deployment"), (apiVersion, kind));
    }

    [Fact]
    public void RejectsMissingMagic()
    {
        Assert.Contains("k8s", Failure("{\"kind\":\"ConfigMap\"}"u8.ToArray()), StringComparison.Ordinal);
        Failure([]);
        Failure("k8s"u8.ToArray());
    }

    [Fact]
    public void RejectsUnknownKind()
    {
        var error = Failure(ProtoBuilder.Envelope("v1", "Frobnicator", []));
        Assert.Contains("Frobnicator", error, StringComparison.Ordinal);
        Failure(ProtoBuilder.Envelope("", "", []));
    }

    [Fact]
    public void RejectsTruncatedVarints()
    {
        Assert.Contains("varint", Failure([.. "k8s\0"u8, 0x0A, 0x80]), StringComparison.Ordinal);
        Assert.Contains("varint", Failure(ProtoBuilder.Envelope("v1", "ConfigMap", [0x38, 0xFF, 0xFF])), StringComparison.Ordinal);
        Failure(ProtoBuilder.Envelope("v1", "ConfigMap", [0x38, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F]));
    }

    [Fact]
    public void RejectsLengthsPastTheEnd()
    {
        Assert.Contains("past the end", Failure(ProtoBuilder.Envelope("v1", "ConfigMap", [0x0A, 0x05, 0x0A])), StringComparison.Ordinal);
        Failure([.. "k8s\0"u8, 0x12, 0x7F, 0x00]);
    }

    [Fact]
    public void RejectsWrongWireTypes()
    {
        var error = Failure(ProtoBuilder.Envelope("v1", "ConfigMap", b => b.Varint(2, 1)));
        Assert.Contains("core.v1.ConfigMap.data", error, StringComparison.Ordinal);
        Failure(ProtoBuilder.Envelope("apps/v1", "Deployment", b => b.Message(2, spec => spec.String(1, "three"))));
        Failure([.. "k8s\0"u8, 0x08, 0x01]);
        // Groups (wire types 3 and 4) do not occur in Kubernetes messages.
        Failure(ProtoBuilder.Envelope("v1", "ConfigMap", [0x0B, 0x0C]));
    }

    [Fact]
    public void RejectsUnsupportedEncodings()
    {
        var gzip = new ProtoBuilder().Append("k8s\0"u8).Message(1, t => t.String(1, "v1").String(2, "ConfigMap")).Bytes(2, [1]).String(3, "gzip").ToArray();
        Assert.Contains("gzip", Failure(gzip), StringComparison.Ordinal);
        var yaml = new ProtoBuilder().Append("k8s\0"u8).Message(1, t => t.String(1, "v1").String(2, "ConfigMap")).Bytes(2, [1]).String(4, "application/yaml").ToArray();
        Failure(yaml);
    }

    [Fact]
    public void RejectsRawExtensionsThatAreNotJson()
    {
        Failure(ProtoBuilder.Envelope("apps/v1", "ControllerRevision", b => b.Message(2, raw => raw.Bytes(1, "{not json"u8))));
    }

    [Fact]
    public void RejectsHostileNesting()
    {
        Action<ProtoBuilder> schema = s => s.String(5, "object");
        for (var i = 0; i < 300; i++)
        {
            var inner = schema;
            schema = s => s.Message(28, inner);
        }
        var body = ProtoBuilder.Envelope("apiextensions.k8s.io/v1", "CustomResourceDefinition", b => b
            .Message(2, spec => spec.Message(7, version => version.Message(4, validation => validation.Message(1, schema)))));

        Assert.Contains("deeper", Failure(body), StringComparison.Ordinal);
    }

    [Fact]
    public void NeverThrowsOnCorruptedBodies()
    {
        var random = new Random(1234);
        var captures = new[] { KubectlCaptures.Deployment, KubectlCaptures.ServiceClusterIp, KubectlCaptures.ConfigMap, KubectlCaptures.Ingress };
        for (var i = 0; i < 5000; i++)
        {
            var body = (byte[])captures[i % captures.Length].Clone();
            var flips = random.Next(1, 4);
            for (var f = 0; f < flips; f++)
            {
                body[random.Next(4, body.Length)] = (byte)random.Next(256);
            }
            if (random.Next(4) == 0)
            {
                body = body[..random.Next(4, body.Length)];
            }

            if (ProtobufTranscoder.TryDecodeEnvelope(body, out _, out _, out var json, out _))
            {
                Assert.NotNull(JsonNode.Parse(json));
            }
        }
    }
}
