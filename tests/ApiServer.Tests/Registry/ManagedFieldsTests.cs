using System.Text.Json;
using System.Text.Json.Nodes;
using KubeNet.ApiMachinery.Apply;
using KubeNet.ApiMachinery.Kinds;
using KubeNet.ApiServer.Registry;

namespace KubeNet.ApiServer.Tests.Registry;

/// <summary>
/// A create's managedFields entry, shared between creates of one shape: each create gets the fieldsV1 computing its own
/// field set gives, whatever the scalar values, and list items (keyed by their values) count as shape.
/// </summary>
public sealed class ManagedFieldsTests
{
    private static readonly DateTime T = new(2025, 1, 2, 3, 4, 5, DateTimeKind.Utc);

    [Theory]
    [InlineData("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","labels":{"x":"1"}},"data":{"k":"v"}}""", "ConfigMap")]
    [InlineData("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"b","labels":{"x":"2"}},"data":{"k":"other value"}}""", "ConfigMap")]
    [InlineData("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","labels":{"x":"2"}},"data":{"k2":"v"},"immutable":true}""", "ConfigMap")]
    [InlineData("""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p1"},"spec":{"containers":[{"name":"web","image":"i:1","ports":[{"containerPort":80}]}]},"status":{"phase":"Pending"}}""", "Pod")]
    [InlineData("""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p2"},"spec":{"containers":[{"name":"db","image":"i:2","ports":[{"containerPort":5432}]}]},"status":{"phase":"Running"}}""", "Pod")]
    [InlineData("""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p3"},"spec":{"containers":[{"name":"web","image":"i:1"},{"name":"web","image":"i:1"}],"nodeName":null}}""", "Pod")]
    [InlineData("""{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":{"ports":[{"port":80,"protocol":"TCP"}],"clusterIP":"10.0.0.1","type":"ClusterIP"}}""", "Service")]
    public void EveryCreate_GetsItsOwnFieldSet(string json, string kind)
    {
        var info = KindCatalog.FindKind("", "v1", kind)!;
        var bytes = System.Text.Encoding.UTF8.GetBytes(json);

        // Twice: the second answer comes from the shape already seen.
        for (var i = 0; i < 2; i++)
        {
            var entries = ManagedFields.ForCreate(info, bytes, new WriteOptions { FieldManager = "m" }, T);

            var expected = ServerSideApply.CreatedFields(JsonNode.Parse(json)!.AsObject(), "v1");
            var entry = Assert.Single(entries!);
            Assert.True(JsonNode.DeepEquals(expected, JsonSerializer.SerializeToNode(entry.FieldsV1)), $"{expected!.ToJsonString()} != {JsonSerializer.Serialize(entry.FieldsV1)}");
            Assert.Equal(("m", "Update", "v1", "FieldsV1", T), (entry.Manager, entry.Operation, entry.ApiVersion, entry.FieldsType, entry.Time));
        }
    }

    [Fact]
    public void Shape_KeepsListsAndNamesAndDropsScalars()
    {
        var info = KindCatalog.FindKind("", "v1", "Pod")!;
        static byte[] Bytes(string s) => System.Text.Encoding.UTF8.GetBytes(s);

        var a = ManagedFields.Shape(info, Bytes("""{"metadata":{"name":"a","generation":1},"spec":{"containers":[{"name":"x"}]}}"""));
        var b = ManagedFields.Shape(info, Bytes("""{"metadata":{"name":"b","generation":7},"spec":{"containers":[{"name":"x"}]}}"""));
        var c = ManagedFields.Shape(info, Bytes("""{"metadata":{"name":"b","generation":7},"spec":{"containers":[{"name":"y"}]}}"""));
        var d = ManagedFields.Shape(info, Bytes("""{"metadata":{"name":null,"generation":7},"spec":{"containers":[{"name":"x"}]}}"""));

        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.NotEqual(b, d);
    }
}
