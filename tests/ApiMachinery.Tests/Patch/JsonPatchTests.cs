using System.Text.Json.Nodes;
using KubeNet.ApiMachinery.Patch;

namespace KubeNet.ApiMachinery.Tests.Patch;

public sealed class JsonPatchTests
{
    private static void AssertJson(string expected, JsonNode? actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual), $"expected {expected}, got {actual?.ToJsonString()}");

    // RFC 6902 appendix A, the examples that must succeed.
    [Theory]
    [InlineData("""{"foo":"bar"}""", """[{"op":"add","path":"/baz","value":"qux"}]""", """{"baz":"qux","foo":"bar"}""")]
    [InlineData("""{"foo":["bar","baz"]}""", """[{"op":"add","path":"/foo/1","value":"qux"}]""", """{"foo":["bar","qux","baz"]}""")]
    [InlineData("""{"baz":"qux","foo":"bar"}""", """[{"op":"remove","path":"/baz"}]""", """{"foo":"bar"}""")]
    [InlineData("""{"foo":["bar","qux","baz"]}""", """[{"op":"remove","path":"/foo/1"}]""", """{"foo":["bar","baz"]}""")]
    [InlineData("""{"baz":"qux","foo":"bar"}""", """[{"op":"replace","path":"/baz","value":"boo"}]""", """{"baz":"boo","foo":"bar"}""")]
    [InlineData("""{"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}}""", """[{"op":"move","from":"/foo/waldo","path":"/qux/thud"}]""", """{"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}}""")]
    [InlineData("""{"foo":["all","grass","cows","eat"]}""", """[{"op":"move","from":"/foo/1","path":"/foo/3"}]""", """{"foo":["all","cows","eat","grass"]}""")]
    [InlineData("""{"baz":"qux","foo":["a",2,"c"]}""", """[{"op":"test","path":"/baz","value":"qux"},{"op":"test","path":"/foo/1","value":2}]""", """{"baz":"qux","foo":["a",2,"c"]}""")]
    [InlineData("""{"foo":"bar"}""", """[{"op":"add","path":"/child","value":{"grandchild":{}}}]""", """{"foo":"bar","child":{"grandchild":{}}}""")]
    [InlineData("""{"foo":"bar"}""", """[{"op":"add","path":"/baz","value":"qux","xyz":123}]""", """{"foo":"bar","baz":"qux"}""")]
    [InlineData("""{"/":9,"~1":10}""", """[{"op":"test","path":"/~01","value":10}]""", """{"/":9,"~1":10}""")]
    [InlineData("""{"foo":["bar"]}""", """[{"op":"add","path":"/foo/-","value":["abc","def"]}]""", """{"foo":["bar",["abc","def"]]}""")]
    // Pointer escaping and copy.
    [InlineData("""{"a/b":{"c~d":1}}""", """[{"op":"replace","path":"/a~1b/c~0d","value":2}]""", """{"a/b":{"c~d":2}}""")]
    [InlineData("""{"a":{"b":[1,2]}}""", """[{"op":"copy","from":"/a/b","path":"/c"},{"op":"add","path":"/c/0","value":0}]""", """{"a":{"b":[1,2]},"c":[0,1,2]}""")]
    // Kubernetes-style label edits.
    [InlineData("""{"metadata":{"labels":{"app":"web"}}}""", """[{"op":"add","path":"/metadata/labels/example.com~1tier","value":"front"}]""", """{"metadata":{"labels":{"app":"web","example.com/tier":"front"}}}""")]
    [InlineData("""{"spec":{"containers":[{"name":"a"},{"name":"b"}]}}""", """[{"op":"remove","path":"/spec/containers/0"}]""", """{"spec":{"containers":[{"name":"b"}]}}""")]
    // evanphx/json-patch v4, as kube-apiserver runs it: replace adds a missing object member,
    // negative indexes count from the end, a null patch is no operations.
    [InlineData("""{"a":1}""", """[{"op":"replace","path":"/b","value":2}]""", """{"a":1,"b":2}""")]
    [InlineData("""{"a":[1,2,3]}""", """[{"op":"remove","path":"/a/-1"}]""", """{"a":[1,2]}""")]
    [InlineData("""{"a":[1,2,3]}""", """[{"op":"add","path":"/a/-1","value":9}]""", """{"a":[1,2,3,9]}""")]
    [InlineData("""{"a":1}""", "null", """{"a":1}""")]
    [InlineData("""{"a":1}""", "[]", """{"a":1}""")]
    [InlineData("""{"a":null}""", """[{"op":"test","path":"/a","value":null}]""", """{"a":null}""")]
    [InlineData("""{"a":1}""", """[{"op":"add","path":"/b"}]""", """{"a":1,"b":null}""")]
    [InlineData("""[1,2]""", """[{"op":"add","path":"/0","value":0}]""", """[0,1,2]""")]
    public void AppliesLikeUpstream(string document, string patch, string expected)
    {
        var result = JsonPatch.Apply(JsonNode.Parse(document), patch);
        Assert.True(result.Succeeded, result.Message);
        AssertJson(expected, result.Document);
    }

    // RFC 6902 appendix A error examples and the ways kube-apiserver answers 422.
    [Theory]
    [InlineData("""{"baz":"qux"}""", """[{"op":"test","path":"/baz","value":"bar"}]""", "testing value /baz failed: test failed")]
    [InlineData("""{"foo":"bar"}""", """[{"op":"add","path":"/baz/bat","value":"qux"}]""", "add operation does not apply: doc is missing path: \"/baz/bat\": missing value")]
    [InlineData("""{"/":9,"~1":10}""", """[{"op":"test","path":"/~01","value":"10"}]""", "testing value /~01 failed: test failed")]
    [InlineData("""{"a":1}""", """[{"op":"remove","path":"/b"}]""", "error in remove for path: '/b': Unable to remove nonexistent key: b: missing value")]
    [InlineData("""{"a":[1]}""", """[{"op":"add","path":"/a/5","value":1}]""", "error in add for path: '/a/5': Unable to access invalid index: 5: invalid index referenced")]
    [InlineData("""{"a":[1]}""", """[{"op":"add","path":"/a/x","value":1}]""", "error in add for path: '/a/x': value was not a proper array index: 'x': strconv.Atoi: parsing \"x\": invalid syntax")]
    [InlineData("""{"a":[1]}""", """[{"op":"replace","path":"/a/1","value":1}]""", "replace operation does not apply: doc is missing key: /a/1: missing value")]
    [InlineData("""{"a":1}""", """[{"op":"move","from":"/b","path":"/c"}]""", "error in move for path: 'b': Unable to remove nonexistent key: b: missing value")]
    [InlineData("""{"a":1}""", """[{"op":"frob","path":"/a"}]""", "Unexpected kind: frob")]
    [InlineData("""{"a":1}""", """[{"path":"/a"}]""", "Unexpected kind: unknown")]
    [InlineData("""{"a":1}""", """[{"op":"add","value":1}]""", "add operation failed to decode path: missing value")]
    [InlineData("""{"a":1}""", """[{"op":"add","path":"","value":1}]""", "add operation does not apply: doc is missing path: \"\": missing value")]
    [InlineData("""{"a":"s"}""", """[{"op":"add","path":"/a/b","value":1}]""", "add operation does not apply: doc is missing path: \"/a/b\": missing value")]
    public void FailuresAreApplyFailed(string document, string patch, string message)
    {
        var original = JsonNode.Parse(document);
        var result = JsonPatch.Apply(original, patch);
        Assert.False(result.Succeeded);
        Assert.Equal(PatchError.ApplyFailed, result.Error);
        Assert.Equal(message, result.Message);
        Assert.Null(result.Document);
        AssertJson(document, original);
    }

    [Fact]
    public void AFailedOperationLeavesTheDocumentUnchanged()
    {
        var original = JsonNode.Parse("""{"a":1}""");
        var result = JsonPatch.Apply(original, """[{"op":"add","path":"/b","value":2},{"op":"test","path":"/a","value":5}]""");
        Assert.Equal(PatchError.ApplyFailed, result.Error);
        AssertJson("""{"a":1}""", original);
    }

    [Fact]
    public void SuccessDoesNotModifyTheInputs()
    {
        var original = JsonNode.Parse("""{"a":{"b":1}}""");
        var patch = JsonNode.Parse("""[{"op":"add","path":"/c","value":{"d":1}},{"op":"move","from":"/a","path":"/e"}]""");
        var result = JsonPatch.Apply(original, patch);
        Assert.True(result.Succeeded, result.Message);
        AssertJson("""{"c":{"d":1},"e":{"b":1}}""", result.Document);
        AssertJson("""{"a":{"b":1}}""", original);
        AssertJson("""[{"op":"add","path":"/c","value":{"d":1}},{"op":"move","from":"/a","path":"/e"}]""", patch);
    }

    [Theory]
    [InlineData("""{"op":"add"}""", "json: cannot unmarshal object into Go value of type jsonpatch.Patch")]
    [InlineData("""[1]""", "json: cannot unmarshal number into Go value of type jsonpatch.Operation")]
    [InlineData("""["add"]""", "json: cannot unmarshal string into Go value of type jsonpatch.Operation")]
    [InlineData("""[""", "unexpected end of JSON input")]
    [InlineData("", "unexpected end of JSON input")]
    [InlineData("""x""", "invalid character 'x' looking for beginning of value")]
    public void UndecodablePatchesAreBadRequest(string patch, string message)
    {
        var result = JsonPatch.Apply(JsonNode.Parse("{}"), patch);
        Assert.Equal(PatchError.BadRequest, result.Error);
        Assert.Equal(message, result.Message);
    }

    [Fact]
    public void TooManyOperations()
    {
        var operations = new JsonArray();
        for (var i = 0; i <= JsonPatch.MaxOperations; i++)
        {
            operations.Add(new JsonObject { ["op"] = "test", ["path"] = "/a", ["value"] = 1 });
        }
        var result = JsonPatch.Apply(JsonNode.Parse("""{"a":1}"""), operations);
        Assert.Equal(PatchError.TooManyOperations, result.Error);
        Assert.Equal("The allowed maximum operations in a JSON patch is 10000, got 10001", result.Message);
    }
}
