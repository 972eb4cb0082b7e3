using System.Text;
using System.Text.Json.Nodes;
using KubeNet.ApiMachinery.Patch;
using Smp = KubeNet.ApiMachinery.Patch.StrategicMergePatch;

namespace KubeNet.ApiMachinery.Tests.StrategicMergePatch;

// Patches as kubectl 1.32 sends them, applied with the embedded metadata of the built-in types.
public sealed class BuiltInTypesTests
{
    private const string Deployment = "io.k8s.api.apps.v1.Deployment";
    private const string Pod = "io.k8s.api.core.v1.Pod";

    private const string WebDeployment = """
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"default","annotations":{"a":"1"}},
         "spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},
          "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%","maxUnavailable":"25%"}},
          "template":{"metadata":{"labels":{"app":"web"}},"spec":{
           "containers":[
            {"name":"web","image":"nginx:1","ports":[{"containerPort":80,"protocol":"TCP"}],
             "env":[{"name":"A","value":"1"},{"name":"B","value":"2"},{"name":"C","value":"3"}]},
            {"name":"sidecar","image":"busybox"}],
           "volumes":[{"name":"data","emptyDir":{}}],
           "imagePullSecrets":[{"name":"regcred"}],
           "tolerations":[{"key":"a","operator":"Exists"},{"key":"b","operator":"Exists"}]}}}}
        """;

    private static JsonNode? Apply(string definition, string original, string patch)
    {
        var originalNode = JsonNode.Parse(original);
        var result = Smp.Apply(originalNode, Encoding.UTF8.GetBytes(patch), definition);
        Assert.True(result.Succeeded, result.Message);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(original), originalNode), "the original is not modified");
        return result.Document;
    }

    private static JsonNode? PodSpec(JsonNode? deployment) => deployment!["spec"]!["template"]!["spec"];

    private static void AssertJson(string expected, JsonNode? actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual), $"expected {expected}, got {actual?.ToJsonString()}");

    [Theory]
    [InlineData("apps", "v1", "Deployment", "io.k8s.api.apps.v1.Deployment")]
    [InlineData("", "v1", "Pod", "io.k8s.api.core.v1.Pod")]
    [InlineData("", "v1", "ConfigMap", "io.k8s.api.core.v1.ConfigMap")]
    [InlineData("batch", "v1", "CronJob", "io.k8s.api.batch.v1.CronJob")]
    [InlineData("networking.k8s.io", "v1", "Ingress", "io.k8s.api.networking.v1.Ingress")]
    [InlineData("rbac.authorization.k8s.io", "v1", "ClusterRole", "io.k8s.api.rbac.v1.ClusterRole")]
    [InlineData("autoscaling", "v1", "Scale", "io.k8s.api.autoscaling.v1.Scale")]
    [InlineData("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition")]
    [InlineData("apiregistration.k8s.io", "v1", "APIService", "io.k8s.kube-aggregator.pkg.apis.apiregistration.v1.APIService")]
    [InlineData("example.com", "v1", "Widget", null)]
    [InlineData("apps", "v1", "DeploymentList", null)]
    public void DefinitionForKinds(string group, string version, string kind, string? expected) =>
        Assert.Equal(expected, Smp.DefinitionFor(group, version, kind));

    [Fact]
    public void SetImageMergesContainersByName()
    {
        var result = Apply(Deployment, WebDeployment, """{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:2"}]}}}}""");
        var containers = PodSpec(result)!["containers"]!.AsArray();
        Assert.Equal(["web", "sidecar"], containers.Select(c => (string)c!["name"]!));
        Assert.Equal("nginx:2", (string)containers[0]!["image"]!);
        Assert.Equal(3, containers[0]!["env"]!.AsArray().Count);
        Assert.Equal("busybox", (string)containers[1]!["image"]!);
    }

    [Fact]
    public void RolloutRestartAddsTemplateAnnotation()
    {
        var result = Apply(Deployment, WebDeployment,
            """{"spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":"2025-01-01T00:00:00Z"}}}}}""");
        AssertJson("""{"labels":{"app":"web"},"annotations":{"kubectl.kubernetes.io/restartedAt":"2025-01-01T00:00:00Z"}}""", result!["spec"]!["template"]!["metadata"]);
        Assert.Equal(2, (int)result["spec"]!["replicas"]!);
    }

    [Fact]
    public void ClientSideApplyDeletesEnvEntryAndKeepsOrder()
    {
        // What kubectl apply sends after B was removed from the last-applied env list.
        var result = Apply(Deployment, WebDeployment, """
            {"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"web"},{"name":"sidecar"}],
             "containers":[{"$setElementOrder/env":[{"name":"A"},{"name":"C"}],"env":[{"$patch":"delete","name":"B"}],"name":"web"}]}}}}
            """);
        var containers = PodSpec(result)!["containers"]!.AsArray();
        Assert.Equal(["web", "sidecar"], containers.Select(c => (string)c!["name"]!));
        AssertJson("""[{"name":"A","value":"1"},{"name":"C","value":"3"}]""", containers[0]!["env"]);
        Assert.DoesNotContain("$", result!.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public void SetEnvUpdatesOneEntryByName()
    {
        var result = Apply(Deployment, WebDeployment,
            """{"spec":{"template":{"spec":{"containers":[{"name":"web","env":[{"name":"B","value":"two"},{"name":"D","value":"4"}]}]}}}}""");
        var env = PodSpec(result)!["containers"]![0]!["env"]!.AsArray();
        // Upstream puts patch items not in the live list before the remaining live items.
        Assert.Equal(["A", "B", "D", "C"], env.Select(e => (string)e!["name"]!));
        Assert.Equal("two", (string)env[1]!["value"]!);
    }

    [Fact]
    public void PortsMergeByContainerPort()
    {
        var result = Apply(Deployment, WebDeployment,
            """{"spec":{"template":{"spec":{"containers":[{"name":"web","ports":[{"containerPort":80,"name":"http"},{"containerPort":443}]}]}}}}""");
        AssertJson("""[{"containerPort":80,"protocol":"TCP","name":"http"},{"containerPort":443}]""", PodSpec(result)!["containers"]![0]!["ports"]);
    }

    [Fact]
    public void VolumesMergeByNameAndRetainKeysClearsTheOldSource()
    {
        var result = Apply(Deployment, WebDeployment,
            """{"spec":{"template":{"spec":{"volumes":[{"$retainKeys":["configMap","name"],"configMap":{"name":"cm"},"name":"data"},{"name":"cache","emptyDir":{}}]}}}}""");
        AssertJson("""[{"name":"data","configMap":{"name":"cm"}},{"name":"cache","emptyDir":{}}]""", PodSpec(result)!["volumes"]);
    }

    [Fact]
    public void DeploymentStrategyRetainKeys()
    {
        var result = Apply(Deployment, WebDeployment, """{"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}}""");
        AssertJson("""{"type":"Recreate"}""", result!["spec"]!["strategy"]);
    }

    [Fact]
    public void RetainKeysRejectsAFieldItDoesNotList()
    {
        var result = Smp.Apply(JsonNode.Parse(WebDeployment),
            """{"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate","rollingUpdate":{"maxSurge":1}}}}"""u8, Deployment);
        Assert.Equal(PatchError.BadRequest, result.Error);
        Assert.Equal("invalid patch format of retainKeys", result.Message);
    }

    [Fact]
    public void TolerationsHaveNoStrategyAndAreReplaced()
    {
        var result = Apply(Deployment, WebDeployment, """{"spec":{"template":{"spec":{"tolerations":[{"key":"c","operator":"Exists"}]}}}}""");
        AssertJson("""[{"key":"c","operator":"Exists"}]""", PodSpec(result)!["tolerations"]);
    }

    [Fact]
    public void ImagePullSecretsMergeByName()
    {
        var result = Apply(Deployment, WebDeployment, """{"spec":{"template":{"spec":{"imagePullSecrets":[{"name":"other"}]}}}}""");
        AssertJson("""[{"name":"other"},{"name":"regcred"}]""", PodSpec(result)!["imagePullSecrets"]);
    }

    [Fact]
    public void ReplaceDirectiveInAListReplacesIt()
    {
        var result = Apply(Deployment, WebDeployment,
            """{"spec":{"template":{"spec":{"containers":[{"$patch":"replace"},{"name":"only","image":"x"}]}}}}""");
        AssertJson("""[{"name":"only","image":"x"}]""", PodSpec(result)!["containers"]);
    }

    [Fact]
    public void ReplaceAndDeleteDirectivesInMaps()
    {
        var result = Apply(Deployment, WebDeployment,
            """{"metadata":{"annotations":{"$patch":"replace","b":"2"}},"spec":{"selector":{"$patch":"delete"}}}""");
        AssertJson("""{"b":"2"}""", result!["metadata"]!["annotations"]);
        AssertJson("{}", result["spec"]!["selector"]);
    }

    [Fact]
    public void NullDeletesAndNewSubtreesDropNulls()
    {
        var result = Apply(Deployment, WebDeployment,
            """{"metadata":{"annotations":{"a":null},"labels":{"x":"1","y":null}},"spec":{"replicas":null}}""");
        AssertJson("{}", result!["metadata"]!["annotations"]);
        AssertJson("""{"x":"1"}""", result["metadata"]!["labels"]);
        Assert.False(result["spec"]!.AsObject().ContainsKey("replicas"));
    }

    [Fact]
    public void FinalizersMergeAndDeleteFromPrimitiveList()
    {
        const string pod = """{"metadata":{"name":"p","finalizers":["a","b"]},"spec":{"containers":[{"name":"c","image":"i"}]}}""";
        AssertJson("""["c","a","b"]""", Apply(Pod, pod, """{"metadata":{"finalizers":["c","a"]}}""")!["metadata"]!["finalizers"]);
        AssertJson("""["b"]""", Apply(Pod, pod, """{"metadata":{"$deleteFromPrimitiveList/finalizers":["a"]}}""")!["metadata"]!["finalizers"]);
    }

    [Fact]
    public void OwnerReferencesMergeByUid()
    {
        const string pod = """{"metadata":{"name":"p","ownerReferences":[{"uid":"1","kind":"ReplicaSet","name":"rs"}]}}""";
        var result = Apply(Pod, pod, """{"metadata":{"ownerReferences":[{"uid":"1","controller":true},{"uid":"2","kind":"Job","name":"j"}]}}""");
        AssertJson("""[{"uid":"1","kind":"ReplicaSet","name":"rs","controller":true},{"uid":"2","kind":"Job","name":"j"}]""", result!["metadata"]!["ownerReferences"]);
    }

    [Fact]
    public void ServicePortsMergeByPortAndStatusConditionsByType()
    {
        const string service = """{"metadata":{"name":"s"},"spec":{"ports":[{"port":80,"targetPort":8080}]}}""";
        var result = Apply("io.k8s.api.core.v1.Service", service, """{"spec":{"ports":[{"port":80,"name":"http"},{"port":443}]}}""");
        AssertJson("""[{"port":80,"targetPort":8080,"name":"http"},{"port":443}]""", result!["spec"]!["ports"]);

        const string pod = """{"metadata":{"name":"p"},"status":{"conditions":[{"type":"Ready","status":"False"},{"type":"Initialized","status":"True"}]}}""";
        result = Apply(Pod, pod, """{"status":{"conditions":[{"type":"Ready","status":"True"}]}}""");
        AssertJson("""[{"type":"Ready","status":"True"},{"type":"Initialized","status":"True"}]""", result!["status"]!["conditions"]);
    }

    [Fact]
    public void SchemaFieldsNamedLikeDirectivesAreData()
    {
        const string crd = """{"metadata":{"name":"w.example.com"},"spec":{"group":"example.com","versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object"}}}]}}""";
        var result = Apply("io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition", crd,
            """{"spec":{"versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object","$ref":"#/x"}}}]}}""");
        Assert.Equal("#/x", (string)result!["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!["$ref"]!);
    }

    [Fact]
    public void NullPatchChangesNothing() =>
        AssertJson(WebDeployment, Apply(Deployment, WebDeployment, "null"));

    [Theory]
    [InlineData("{", PatchError.BadRequest, "unexpected end of JSON input")]
    [InlineData("<x>", PatchError.BadRequest, "invalid character '<' looking for beginning of value")]
    [InlineData("[]", PatchError.BadRequest, "json: cannot unmarshal array into Go value of type map[string]interface {}")]
    [InlineData("\"s\"", PatchError.BadRequest, "json: cannot unmarshal string into Go value of type map[string]interface {}")]
    [InlineData("""{"metadata":{"$patch":"remove"}}""", PatchError.ApplyFailed, "unknown patch type: remove in map: map[$patch:remove]")]
    [InlineData("""{"spec":{"template":{"spec":{"containers":[{"$patch":"merge"}]}}}}""", PatchError.ApplyFailed, "merging lists cannot yet be specified in the patch")]
    [InlineData("""{"spec":{"template":{"spec":{"containers":[{"image":"x"}]}}}}""", PatchError.ApplyFailed, "map: map[image:x] does not contain declared merge key: name")]
    [InlineData("""{"metadata":{"$unknown":1}}""", PatchError.BadRequest, "unknown patch directive $unknown in map: map[$unknown:1]")]
    [InlineData("""{"metadata":{"$retainKeys":"name"}}""", PatchError.BadRequest, "invalid patch format of retainKeys")]
    [InlineData("""{"metadata":{"$setElementOrderfinalizers":[]}}""", PatchError.BadRequest, "invalid patch format of setElementOrder list")]
    [InlineData("""{"metadata":{"$deleteFromPrimitiveList":["a"]}}""", PatchError.BadRequest, "invalid patch format of primitive list")]
    [InlineData("""{"metadata":{"finalizers":[["a"]]}}""", PatchError.ApplyFailed, "list element types are not identical: [[x] [[a]]]")]
    public void RejectsLikeUpstream(string patch, PatchError error, string message)
    {
        var original = JsonNode.Parse(WebDeployment)!;
        original["metadata"]!["finalizers"] = new JsonArray("x");
        var result = Smp.Apply(original, Encoding.UTF8.GetBytes(patch), Deployment);
        Assert.Equal(error, result.Error);
        Assert.Equal(message, result.Message);
    }

    [Theory]
    [InlineData("""{"metadata":{"name":"a","name":"b"}}""")]
    [InlineData("""{"metadata":{"labels":{"x":"1"}},"metadata":{}}""")]
    public void DuplicateKeysNeverThrow(string patch)
    {
        var result = Smp.Apply(JsonNode.Parse(WebDeployment), Encoding.UTF8.GetBytes(patch), Deployment);
        Assert.True(result.Succeeded || result.Error == PatchError.BadRequest, result.Message);
    }

    [Fact]
    public void ListsOfListsAreUnprocessable()
    {
        var result = Smp.Apply(JsonNode.Parse("""{"metadata":{"finalizers":[["a"]]}}"""), """{"metadata":{"finalizers":["b"]}}"""u8, Deployment);
        Assert.Equal(PatchError.ApplyFailed, result.Error);
        Assert.Equal("lists of lists are not supported", result.Message);
    }

    [Fact]
    public void UnknownDefinitionAndBadDocument()
    {
        var unknown = Smp.Apply(JsonNode.Parse("{}"), "{}"u8, "com.example.v1.Widget");
        Assert.Equal(PatchError.BadRequest, unknown.Error);
        Assert.Equal("strategic merge patch format is not supported", unknown.Message);
        Assert.Equal(PatchError.InvalidDocument, Smp.Apply(null, "{}"u8, Deployment).Error);
        Assert.Equal(PatchError.InvalidDocument, Smp.Apply(JsonNode.Parse("[]"), "{}"u8, Deployment).Error);
    }
}
