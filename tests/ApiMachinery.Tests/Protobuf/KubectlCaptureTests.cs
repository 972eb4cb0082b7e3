using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using KubeNet.ApiMachinery.Protobuf;

namespace KubeNet.ApiMachinery.Tests.Protobuf;

/// <summary>Real kubectl bodies, checked against Go's own JSON for the same objects.</summary>
public sealed class KubectlCaptureTests
{
    public static TheoryData<string> Names => KubectlCaptures.Names;

    private static byte[] Body(string name) =>
        (byte[])typeof(KubectlCaptures).GetProperty(name, BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;

    private static JsonNode? WithoutNulls(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.Where(p => p.Value is not null).Select(p => KeyValuePair.Create(p.Key, WithoutNulls(p.Value)))),
        JsonArray a => new JsonArray(a.Select(WithoutNulls).ToArray()),
        null => null,
        _ => node.DeepClone(),
    };

    [Theory]
    [MemberData(nameof(Names))]
    public void TranscodesToWhatGoMarshalsForTheSameObject(string name)
    {
        Assert.True(ProtobufTranscoder.TryDecodeEnvelope(Body(name), out _, out _, out var json, out var error), error);

        var expected = WithoutNulls(JsonNode.Parse(KubectlCaptures.ExpectedJson(name)));
        var actual = JsonNode.Parse(json);
        Assert.True(JsonNode.DeepEquals(expected, actual), $"expected {expected?.ToJsonString()}\n     got {Encoding.UTF8.GetString(json)}");
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void EnvelopeTypeMatchesTheClientModel(string name)
    {
        Assert.True(ProtobufTranscoder.TryDecodeEnvelope(Body(name), out var apiVersion, out var kind, out var json, out var error), error);

        var model = typeof(V1ConfigMap).Assembly.GetTypes().Single(t =>
            t.GetCustomAttribute<KubernetesEntityAttribute>() is { } e
            && e.Kind == kind
            && (string.IsNullOrEmpty(e.Group) ? e.ApiVersion : e.Group + "/" + e.ApiVersion) == apiVersion);
        var deserialize = typeof(KubernetesJson).GetMethods()
            .Single(m => m.Name == nameof(KubernetesJson.Deserialize) && m.GetParameters()[0].ParameterType == typeof(string))
            .MakeGenericMethod(model);
        var obj = Assert.IsAssignableFrom<IKubernetesObject<V1ObjectMeta>>(deserialize.Invoke(null, [Encoding.UTF8.GetString(json), null]));
        Assert.Equal(apiVersion, obj.ApiVersion);
        Assert.Equal(kind, obj.Kind);
    }

    [Fact]
    public void ConfigMapKeepsBinaryDataBytes()
    {
        Assert.True(ProtobufTranscoder.TryDecodeEnvelope(KubectlCaptures.ConfigMap, out _, out _, out var json, out var error), error);
        var cm = KubernetesJson.Deserialize<V1ConfigMap>(Encoding.UTF8.GetString(json));

        Assert.Equal("cm1", cm.Metadata.Name);
        Assert.Null(cm.Metadata.CreationTimestamp);
        Assert.Equal(new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" }, cm.Data);
        Assert.Equal(new byte[] { 0x00, 0xFF, 0xFE, 0x01, (byte)'k', (byte)'8', (byte)'s' }, cm.BinaryData["blob"]);
    }

    [Fact]
    public void ServiceTargetPortsAreNumberAndName()
    {
        Assert.True(ProtobufTranscoder.TryDecodeEnvelope(KubectlCaptures.ServiceClusterIp, out _, out _, out var json, out var error), error);
        var svc = KubernetesJson.Deserialize<V1Service>(Encoding.UTF8.GetString(json));

        Assert.Equal(["8080", "https"], svc.Spec.Ports.Select(p => p.TargetPort.Value));
        Assert.Equal([80, 443], svc.Spec.Ports.Select(p => p.Port));
    }

    [Fact]
    public void TokenRequestCarriesAudiencesAndExpiry()
    {
        Assert.True(ProtobufTranscoder.TryDecodeEnvelope(KubectlCaptures.TokenRequest, out var apiVersion, out var kind, out var json, out var error), error);
        var request = KubernetesJson.Deserialize<Authenticationv1TokenRequest>(Encoding.UTF8.GetString(json));

        Assert.Equal(("authentication.k8s.io/v1", "TokenRequest"), (apiVersion, kind));
        Assert.Equal(["api"], request.Spec.Audiences);
        Assert.Equal(3600, request.Spec.ExpirationSeconds);
    }
}
