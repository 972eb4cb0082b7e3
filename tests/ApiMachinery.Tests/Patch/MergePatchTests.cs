using System.Text.Json.Nodes;
using KubeNet.ApiMachinery.Patch;

namespace KubeNet.ApiMachinery.Tests.Patch;

public sealed class MergePatchTests
{
    private static void AssertJson(string expected, JsonNode? actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual), $"expected {expected}, got {actual?.ToJsonString()}");

    // RFC 7386 appendix A, except the two rows upstream rejects (see Rejected below).
    [Theory]
    [InlineData("""{"a":"b"}""", """{"a":"c"}""", """{"a":"c"}""")]
    [InlineData("""{"a":"b"}""", """{"b":"c"}""", """{"a":"b","b":"c"}""")]
    [InlineData("""{"a":"b"}""", """{"a":null}""", """{}""")]
    [InlineData("""{"a":"b","b":"c"}""", """{"a":null}""", """{"b":"c"}""")]
    [InlineData("""{"a":["b"]}""", """{"a":"c"}""", """{"a":"c"}""")]
    [InlineData("""{"a":"c"}""", """{"a":["b"]}""", """{"a":["b"]}""")]
    [InlineData("""{"a":{"b":"c"}}""", """{"a":{"b":"d","c":null}}""", """{"a":{"b":"d"}}""")]
    [InlineData("""{"a":[{"b":"c"}]}""", """{"a":[1]}""", """{"a":[1]}""")]
    [InlineData("""["a","b"]""", """["c","d"]""", """["c","d"]""")]
    [InlineData("""{"a":"b"}""", """["c"]""", """["c"]""")]
    [InlineData("""{"e":null}""", """{"a":1}""", """{"e":null,"a":1}""")]
    [InlineData("""[1,2]""", """{"a":"b","c":null}""", """{"a":"b"}""")]
    [InlineData("""{}""", """{"a":{"bb":{"ccc":null}}}""", """{"a":{"bb":{}}}""")]
    // Kubernetes usage: labels merge, containers (an array) are replaced.
    [InlineData("""{"metadata":{"labels":{"a":"1","b":"2"}},"spec":{"containers":[{"name":"x"}]}}""", """{"metadata":{"labels":{"b":null,"c":"3"}},"spec":{"containers":[{"name":"y"}]}}""", """{"metadata":{"labels":{"a":"1","c":"3"}},"spec":{"containers":[{"name":"y"}]}}""")]
    // evanphx/json-patch v4: nulls inside objects within a replacing array are pruned; null
    // elements stay.
    [InlineData("""{}""", """{"a":[{"b":null,"c":1},null]}""", """{"a":[{"c":1},null]}""")]
    [InlineData("""{"a":{"b":1}}""", """{"a":[{"x":null}]}""", """{"a":[{"x":null}]}""")]
    public void AppliesLikeUpstream(string document, string patch, string expected)
    {
        var original = JsonNode.Parse(document);
        var result = MergePatch.Apply(original, patch);
        Assert.True(result.Succeeded, result.Message);
        AssertJson(expected, result.Document);
        AssertJson(document, original);
    }

    // RFC 7386 lets null and scalars replace the document; kube-apiserver answers 400.
    [Theory]
    [InlineData("null")]
    [InlineData("\"bar\"")]
    [InlineData("42")]
    [InlineData("true")]
    [InlineData("{")]
    [InlineData("")]
    public void Rejected(string patch)
    {
        var result = MergePatch.Apply(JsonNode.Parse("""{"a":"foo"}"""), patch);
        Assert.Equal(PatchError.BadRequest, result.Error);
        Assert.Equal("Invalid JSON Patch", result.Message);
    }

    [Fact]
    public void NullDocumentIsInvalidDocument()
    {
        var result = MergePatch.Apply((JsonNode?)null, JsonNode.Parse("{}"));
        Assert.Equal(PatchError.InvalidDocument, result.Error);
        Assert.Equal("Invalid JSON Document", result.Message);
    }
}
