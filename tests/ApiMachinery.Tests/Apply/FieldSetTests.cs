using System.Text.Json.Nodes;
using KubeNet.ApiMachinery.Apply;
using KubeNet.ApiMachinery.Json;

namespace KubeNet.ApiMachinery.Tests.Apply;

public sealed class FieldSetTests
{
    private static string Json(JsonNode node) => node.ToJsonString(KubeJson.NodeOptions);

    private static PathElement F(string name) => PathElement.Field(name);

    private static PathElement K(string name, string value) => PathElement.OfKey([new(name, JsonValue.Create(value))]);

    // fieldsV1 of a Deployment created by kubectl create, as kube-apiserver 1.32 stores it.
    private const string KubectlCreateFields =
        """{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:progressDeadlineSeconds":{},"f:replicas":{},"f:revisionHistoryLimit":{},"f:selector":{},"f:strategy":{"f:rollingUpdate":{".":{},"f:maxSurge":{},"f:maxUnavailable":{}},"f:type":{}},"f:template":{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"nginx\"}":{".":{},"f:image":{},"f:imagePullPolicy":{},"f:name":{},"f:ports":{".":{},"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{},"f:protocol":{}}},"f:resources":{},"f:terminationMessagePath":{},"f:terminationMessagePolicy":{}}},"f:dnsPolicy":{},"f:restartPolicy":{},"f:schedulerName":{},"f:securityContext":{},"f:terminationGracePeriodSeconds":{}}}}}""";

    [Fact]
    public void FieldsV1_RoundTripsUpstreamBytes()
    {
        var set = FieldSet.FromFieldsV1(JsonNode.Parse(KubectlCreateFields));

        Assert.Equal(KubectlCreateFields, Json(set.ToFieldsV1()));
        Assert.True(set.Has([F("spec"), F("template"), F("spec"), F("containers"), K("name", "nginx")]));
        Assert.True(set.Has([F("metadata"), F("labels")]));
        Assert.False(set.Has([F("spec")]));
    }

    [Fact]
    public void FieldsV1_SetMembersAndOrdering()
    {
        const string fields = """{"f:metadata":{"f:finalizers":{".":{},"v:\"a.io/x\"":{},"v:\"b.io/y\"":{}}},"f:spec":{"f:ports":{"k:{\"port\":53,\"protocol\":\"TCP\"}":{".":{},"f:port":{}},"k:{\"port\":53,\"protocol\":\"UDP\"}":{".":{},"f:port":{}}}}}""";
        var set = FieldSet.FromFieldsV1(JsonNode.Parse(fields));

        Assert.Equal(fields, Json(set.ToFieldsV1()));
        Assert.True(set.Has([F("metadata"), F("finalizers"), PathElement.OfValue(JsonValue.Create("b.io/y"))]));
    }

    [Fact]
    public void Serialize_SortsFieldsKeysAndValues()
    {
        var set = new FieldSet();
        set.Insert([F("spec"), F("containers"), K("name", "web"), F("image")]);
        set.Insert([F("spec"), F("containers"), K("name", "web")]);
        set.Insert([F("spec"), F("containers"), K("name", "api")]);
        set.Insert([F("metadata"), F("labels"), F("app")]);
        set.Insert([F("apiVersion")]);

        Assert.Equal(
            """{"f:apiVersion":{},"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"api\"}":{},"k:{\"name\":\"web\"}":{".":{},"f:image":{}}}}}""",
            Json(set.ToFieldsV1()));
    }

    [Fact]
    public void KeyElement_PrintsAndSerializesLikeUpstream()
    {
        var pe = PathElement.OfKey([new("protocol", JsonValue.Create("TCP")), new("containerPort", JsonValue.Create(80))]);

        Assert.Equal("[containerPort=80,protocol=\"TCP\"]", pe.ToString());
        Assert.Equal("k:{\"containerPort\":80,\"protocol\":\"TCP\"}", pe.Serialize());
        Assert.Equal(pe, PathElement.Deserialize(pe.Serialize()));
        Assert.Equal("[=\"x\"]", PathElement.OfValue(JsonValue.Create("x")).ToString());
        Assert.Equal(".spec.replicas", FieldPath.ToString([F("spec"), F("replicas")]));
    }

    [Fact]
    public void UnknownPrefixes_AreDropped()
    {
        var set = FieldSet.FromFieldsV1(JsonNode.Parse("""{"f:a":{},"z:future":{}}"""));

        Assert.Equal("""{"f:a":{}}""", Json(set.ToFieldsV1()));
    }

    [Fact]
    public void SetOperations()
    {
        var a = FieldSet.Of([F("a")], [F("b"), F("c")], [F("b"), F("d")]);
        var b = FieldSet.Of([F("b"), F("c")], [F("e")]);

        Assert.Equal(".a\n.e\n.b.c\n.b.d", a.Union(b).ToString());
        Assert.Equal(".b.c", a.Intersection(b).ToString());
        Assert.Equal(".a\n.b.d", a.Difference(b).ToString());
        Assert.True(a.Difference(a).IsEmpty);
        // A parent path does not remove the paths below it, unless recursively.
        var parent = FieldSet.Of([F("b")]);
        Assert.Equal(".a\n.b.c\n.b.d", a.Difference(parent).ToString());
        Assert.Equal(".a", a.RecursiveDifference(parent).ToString());
    }
}
