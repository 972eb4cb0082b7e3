using System.Text.Json.Nodes;
using KubeNet.ApiMachinery.Apply;
using KubeNet.ApiMachinery.Json;

namespace KubeNet.ApiMachinery.Tests.Apply;

// Scenarios of upstream's field manager tests (apply create, re-apply, shared ownership, conflicts,
// force, associative lists), checked against the managedFields kube-apiserver 1.32 writes.
public sealed class ApplyTests
{
    internal const string Deployment = "io.k8s.api.apps.v1.Deployment";
    internal static readonly DateTime T1 = new(2025, 1, 2, 3, 4, 5, DateTimeKind.Utc);
    internal static readonly DateTime T2 = new(2025, 1, 2, 4, 0, 0, DateTimeKind.Utc);

    internal static JsonObject Obj(string json) => JsonNode.Parse(json)!.AsObject();

    internal static string JsonText(JsonNode? node) => node!.ToJsonString(KubeJson.NodeOptions);

    internal static JsonObject Deploy(string spec, string labels = """{"app":"web"}""") => Obj($$"""
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"default","labels":{{labels}}},"spec":{{spec}}}
        """);

    // A Deployment spec with one template; extra holds leading spec fields ("replicas":2,).
    internal static string Containers(string containers, string extra = "") =>
        "{" + extra + "\"selector\":{\"matchLabels\":{\"app\":\"web\"}},\"template\":{\"metadata\":{\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":" + containers + "}}}";

    internal static JsonObject Applied(ApplyResult r)
    {
        Assert.True(r.Succeeded, r.Message);
        return r.Object!;
    }

    internal static JsonArray Entries(JsonObject obj) => obj["metadata"]!["managedFields"]!.AsArray();

    internal static JsonNode? Entry(JsonObject obj, string manager) =>
        Entries(obj).FirstOrDefault(e => (string?)e!["manager"] == manager);

    [Fact]
    public void DefinitionFor_MapsKindsToSchemaDefinitions()
    {
        Assert.Equal(Deployment, ServerSideApply.DefinitionFor("apps", "v1", "Deployment"));
        Assert.Equal("io.k8s.api.core.v1.Pod", ServerSideApply.DefinitionFor("", "v1", "Pod"));
        Assert.Equal("io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition", ServerSideApply.DefinitionFor("apiextensions.k8s.io", "v1", "CustomResourceDefinition"));
        Assert.Null(ServerSideApply.DefinitionFor("example.com", "v1", "Widget"));
    }

    [Fact]
    public void Apply_CreatesObject_WithUpstreamManagedFields()
    {
        var applied = Deploy(Containers("""[{"name":"web","image":"nginx:1","ports":[{"containerPort":80}]}]""", "\"replicas\":2,"));

        var obj = Applied(ServerSideApply.Apply(null, applied, Deployment, "kubectl", force: false, T1));

        Assert.Equal(2, (int)obj["spec"]!["replicas"]!);
        Assert.Equal("nginx:1", (string?)obj["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]);
        Assert.Equal(
            """[{"manager":"kubectl","operation":"Apply","apiVersion":"apps/v1","time":"2025-01-02T03:04:05Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{".":{},"f:image":{},"f:name":{},"f:ports":{"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{}}}}}}}}}}]""",
            JsonText(Entries(obj)));
    }

    [Fact]
    public void ReApply_WithoutAField_RemovesIt()
    {
        var first = Applied(ServerSideApply.Apply(null, Deploy(Containers("""[{"name":"web","image":"nginx:1"}]""", "\"replicas\":2,\"minReadySeconds\":5,")), Deployment, "kubectl", false, T1));

        var second = Applied(ServerSideApply.Apply(first, Deploy(Containers("""[{"name":"web","image":"nginx:1"}]"""), labels: "{}"), Deployment, "kubectl", false, T2));

        Assert.Null(second["spec"]!["replicas"]);
        Assert.Null(second["spec"]!["minReadySeconds"]);
        Assert.Null(second["metadata"]!["labels"]);
        Assert.Equal("nginx:1", (string?)second["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]);
        Assert.Equal("2025-01-02T04:00:00Z", (string?)Entry(second, "kubectl")!["time"]);
    }

    [Fact]
    public void TwoManagers_OwnDifferentFields()
    {
        var first = Applied(ServerSideApply.Apply(null, Deploy(Containers("""[{"name":"web","image":"nginx:1"}]""", "\"replicas\":2,")), Deployment, "alice", false, T1));

        var second = Applied(ServerSideApply.Apply(first, Obj("""{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","annotations":{"team":"b"}},"spec":{"paused":true}}"""), Deployment, "bob", false, T2));

        Assert.Equal(2, (int)second["spec"]!["replicas"]!);
        Assert.True((bool)second["spec"]!["paused"]!);
        Assert.Equal("b", (string?)second["metadata"]!["annotations"]!["team"]);
        Assert.Equal("""{"f:metadata":{"f:annotations":{"f:team":{}}},"f:spec":{"f:paused":{}}}""", JsonText(Entry(second, "bob")!["fieldsV1"]));
        Assert.Contains("f:replicas", JsonText(Entry(second, "alice")!["fieldsV1"]), StringComparison.Ordinal);

        // bob stops applying paused: it goes, alice's fields stay.
        var third = Applied(ServerSideApply.Apply(second, Obj("""{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","annotations":{"team":"b"}}}"""), Deployment, "bob", false, T2));
        Assert.Null(third["spec"]!["paused"]);
        Assert.Equal(2, (int)third["spec"]!["replicas"]!);
    }

    [Fact]
    public void SharedField_DifferentValue_Conflicts_SameValue_IsShared()
    {
        var first = Applied(ServerSideApply.Apply(null, Deploy(Containers("""[{"name":"web","image":"nginx:1"}]""", "\"replicas\":2,")), Deployment, "alice", false, T1));
        var replicas = (int n) => Obj("""{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"replicas":""" + n + "}}");

        var conflict = ServerSideApply.Apply(first, replicas(3), Deployment, "bob", false, T2);

        Assert.Equal(ApplyOutcome.Conflict, conflict.Outcome);
        Assert.Equal(409, conflict.StatusCode);
        Assert.Equal("Apply failed with 1 conflict: conflict with \"alice\": .spec.replicas", conflict.Message);
        var c = Assert.Single(conflict.Conflicts);
        Assert.Equal(("alice", "Apply", ".spec.replicas", "conflict with \"alice\""), (c.Manager, c.Operation, c.Field, c.Message));
        var status = conflict.ToStatus()!;
        Assert.Equal(("Failure", "Conflict", 409), (status.Status, status.Reason, status.Code));
        Assert.Equal(("FieldManagerConflict", ".spec.replicas"), (status.Details!.Causes[0].Reason, status.Details.Causes[0].Field));

        var shared = Applied(ServerSideApply.Apply(first, replicas(2), Deployment, "bob", false, T2));
        Assert.Equal("""{"f:spec":{"f:replicas":{}}}""", JsonText(Entry(shared, "bob")!["fieldsV1"]));
        Assert.Contains("f:replicas", JsonText(Entry(shared, "alice")!["fieldsV1"]), StringComparison.Ordinal);

        // alice gives replicas up; bob still owns it, so the value stays.
        var released = Applied(ServerSideApply.Apply(shared, Deploy(Containers("""[{"name":"web","image":"nginx:1"}]""")), Deployment, "alice", false, T2));
        Assert.Equal(2, (int)released["spec"]!["replicas"]!);
        Assert.DoesNotContain("f:replicas", JsonText(Entry(released, "alice")!["fieldsV1"]), StringComparison.Ordinal);
    }

    [Fact]
    public void Force_TakesOwnership()
    {
        var first = Applied(ServerSideApply.Apply(null, Deploy(Containers("""[{"name":"web","image":"nginx:1"}]""", "\"replicas\":2,")), Deployment, "alice", false, T1));

        var forced = Applied(ServerSideApply.Apply(first, Obj("""{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"replicas":5}}"""), Deployment, "bob", force: true, T2));

        Assert.Equal(5, (int)forced["spec"]!["replicas"]!);
        Assert.Equal("""{"f:spec":{"f:replicas":{}}}""", JsonText(Entry(forced, "bob")!["fieldsV1"]));
        Assert.DoesNotContain("f:replicas", JsonText(Entry(forced, "alice")!["fieldsV1"]), StringComparison.Ordinal);
        // Entries sort Apply first, then by time.
        Assert.Equal(["alice", "bob"], Entries(forced).Select(e => (string)e!["manager"]!).ToArray());
    }

    [Fact]
    public void UpdateByAnotherManager_ThenApply_Conflicts()
    {
        var created = ServerSideApply.TrackUpdate(null, Deploy(Containers("""[{"name":"web","image":"nginx:1"}]""", "\"replicas\":1,")), "kubectl-client-side-apply", "Update", "apps/v1", T1);
        created["metadata"]!["uid"] = "u-1";

        var result = ServerSideApply.Apply(created, Deploy(Containers("""[{"name":"web","image":"nginx:2"}]""", "\"replicas\":3,")), Deployment, "kubectl", false, T2);

        Assert.Equal(ApplyOutcome.Conflict, result.Outcome);
        Assert.Equal(
            "Apply failed with 2 conflicts: conflicts with \"kubectl-client-side-apply\" using apps/v1:\n- .spec.replicas\n- .spec.template.spec.containers[name=\"web\"].image",
            result.Message);
        Assert.All(result.Conflicts, c => Assert.Equal("conflict with \"kubectl-client-side-apply\" using apps/v1", c.Message));
        Assert.Equal(("Update", "apps/v1"), (result.Conflicts[0].Operation, result.Conflicts[0].ApiVersion));
    }

    [Fact]
    public void ObjectWithoutManagedFields_FieldsBelongToBeforeFirstApply()
    {
        var live = Deploy(Containers("""[{"name":"web","image":"nginx:1"}]""", "\"replicas\":1,"));
        live["metadata"]!["uid"] = "u-1";

        var result = ServerSideApply.Apply(live, Obj("""{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"replicas":4}}"""), Deployment, "ops", false, T2);

        Assert.Equal("Apply failed with 1 conflict: conflict with \"before-first-apply\" using apps/v1: .spec.replicas", result.Message);
    }

    [Fact]
    public void KubectlServerSideApply_TakesOverClientSideAppliedFields()
    {
        var lastApplied = """{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"annotations":{},"labels":{"app":"web"},"name":"web","namespace":"default"},"spec":{"replicas":1}}""" + "\n";
        var live = Deploy("""{"replicas":1}""");
        live["metadata"]!["annotations"] = new JsonObject { [ServerSideApply.LastAppliedAnnotation] = lastApplied };
        var created = ServerSideApply.TrackUpdate(null, live, "kubectl-client-side-apply", "Update", "apps/v1", T1);
        created["metadata"]!["uid"] = "u-1";

        var obj = Applied(ServerSideApply.Apply(created, Deploy("""{"replicas":3}"""), Deployment, "kubectl", false, T2));

        Assert.Equal(3, (int)obj["spec"]!["replicas"]!);
        Assert.Equal(
            """{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"labels":{"app":"web"},"name":"web","namespace":"default"},"spec":{"replicas":3}}""" + "\n",
            (string?)obj["metadata"]!["annotations"]![ServerSideApply.LastAppliedAnnotation]);
        Assert.Contains("f:replicas", JsonText(Entry(obj, "kubectl")!["fieldsV1"]), StringComparison.Ordinal);
    }

    [Fact]
    public void Containers_MergeAndRemovePerItem()
    {
        var first = Applied(ServerSideApply.Apply(null, Deploy(Containers("""[{"name":"web","image":"nginx:1"}]""")), Deployment, "alice", false, T1));
        var sidecar = Obj("""{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"template":{"spec":{"containers":[{"name":"proxy","image":"envoy:1"}]}}}}""");

        var both = Applied(ServerSideApply.Apply(first, sidecar, Deployment, "bob", false, T2));
        Assert.Equal(["web", "proxy"], Names(both));

        var webOnlyImageChange = Applied(ServerSideApply.Apply(both, Deploy(Containers("""[{"name":"web","image":"nginx:2"}]""")), Deployment, "alice", false, T2));
        Assert.Equal(["web", "proxy"], Names(webOnlyImageChange));
        Assert.Equal("nginx:2", (string?)webOnlyImageChange["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]);

        var bobLeaves = Applied(ServerSideApply.Apply(webOnlyImageChange, Obj("""{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"}}"""), Deployment, "bob", false, T2));
        Assert.Equal(["web"], Names(bobLeaves));
        Assert.Null(Entry(bobLeaves, "bob"));
    }

    [Fact]
    public void Ports_AreKeyedByContainerPortAndProtocol()
    {
        var ports = (string p) => Deploy(Containers("""[{"name":"dns","image":"coredns","ports":""" + p + "}]"));
        var first = Applied(ServerSideApply.Apply(null, ports("""[{"containerPort":53,"protocol":"UDP","name":"dns"},{"containerPort":53,"name":"dns-tcp"},{"containerPort":9153}]"""), Deployment, "kubectl", false, T1));

        Assert.Contains("""k:{\"containerPort\":53,\"protocol\":\"UDP\"}""", JsonText(Entries(first)), StringComparison.Ordinal);
        Assert.Contains("""k:{\"containerPort\":53,\"protocol\":\"TCP\"}""", JsonText(Entries(first)), StringComparison.Ordinal);

        var second = Applied(ServerSideApply.Apply(first, ports("""[{"containerPort":53,"protocol":"UDP","name":"dns"},{"containerPort":9153}]"""), Deployment, "kubectl", false, T2));
        var left = second["spec"]!["template"]!["spec"]!["containers"]![0]!["ports"]!.AsArray();
        Assert.Equal(["53/UDP", "9153/"], left.Select(p => $"{p!["containerPort"]}/{p["protocol"]}").ToArray());
    }

    [Fact]
    public void Env_MergesByName()
    {
        var env = (string e) => Obj("""{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"template":{"spec":{"containers":[{"name":"web","env":""" + e + "}]}}}}");
        var first = Applied(ServerSideApply.Apply(null, Deploy(Containers("""[{"name":"web","image":"nginx:1","env":[{"name":"A","value":"1"}]}]""")), Deployment, "alice", false, T1));

        var second = Applied(ServerSideApply.Apply(first, env("""[{"name":"B","value":"2"}]"""), Deployment, "bob", false, T2));
        Assert.Equal("""[{"name":"A","value":"1"},{"name":"B","value":"2"}]""", JsonText(second["spec"]!["template"]!["spec"]!["containers"]![0]!["env"]));

        var conflict = ServerSideApply.Apply(second, env("""[{"name":"A","value":"9"}]"""), Deployment, "bob", false, T2);
        Assert.Equal("Apply failed with 1 conflict: conflict with \"alice\": .spec.template.spec.containers[name=\"web\"].env[name=\"A\"].value", conflict.Message);

        var third = Applied(ServerSideApply.Apply(second, env("[]"), Deployment, "bob", false, T2));
        Assert.Equal("""[{"name":"A","value":"1"}]""", JsonText(third["spec"]!["template"]!["spec"]!["containers"]![0]!["env"]));
    }

    [Fact]
    public void Errors_AreShapedLikeUpstream()
    {
        var wrongKind = ServerSideApply.Apply(null, Obj("""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"}}"""), Deployment, "kubectl", false, T1);
        Assert.Equal((ApplyOutcome.BadRequest, "invalid object type: /v1, Kind=Pod"), (wrongKind.Outcome, wrongKind.Message));

        var withManaged = ServerSideApply.Apply(null, Obj("""{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","managedFields":[]}}"""), Deployment, "kubectl", false, T1);
        Assert.Equal((400, "metadata.managedFields must be nil"), (withManaged.StatusCode, withManaged.Message));

        var unknown = ServerSideApply.Apply(null, Obj("""{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"default"},"spec":{"replicaz":1}}"""), Deployment, "kubectl", false, T1);
        Assert.Equal((500, "failed to create typed patch object (default/web; apps/v1, Kind=Deployment): .spec.replicaz: field not declared in schema"), (unknown.StatusCode, unknown.Message));

        var duplicate = ServerSideApply.Apply(null, Deploy(Containers("""[{"name":"a"},{"name":"a"}]""")), Deployment, "kubectl", false, T1);
        Assert.Equal("failed to create typed patch object (default/web; apps/v1, Kind=Deployment): .spec.template.spec.containers: duplicate entries for key [name=\"a\"]", duplicate.Message);
    }

    [Fact]
    public void NoOpApply_KeepsObjectAndTime()
    {
        var applied = Deploy(Containers("""[{"name":"web","image":"nginx:1"}]""", "\"replicas\":2,"));
        var first = Applied(ServerSideApply.Apply(null, applied, Deployment, "kubectl", false, T1));

        var again = Applied(ServerSideApply.Apply(first, applied, Deployment, "kubectl", false, T2));

        Assert.Equal(JsonText(first), JsonText(again));
    }

    [Fact]
    public void CustomResources_UseDeducedMerge()
    {
        var widget = (string spec) => Obj("""{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w"},"spec":""" + spec + "}");
        var first = Applied(ServerSideApply.Apply(null, widget("""{"size":1,"tags":["a"]}"""), "com.example.v1.Widget", "alice", false, T1));

        var second = Applied(ServerSideApply.Apply(first, widget("""{"color":"red"}"""), "com.example.v1.Widget", "bob", false, T2));

        Assert.Equal("""{"size":1,"tags":["a"],"color":"red"}""", JsonText(second["spec"]));
        // Without a schema every map entry is owned as a node of its own, like upstream's deduced type.
        Assert.Equal("""{"f:spec":{".":{},"f:size":{},"f:tags":{}}}""", JsonText(Entry(second, "alice")!["fieldsV1"]));
    }

    private static string[] Names(JsonObject deployment) =>
        deployment["spec"]!["template"]!["spec"]!["containers"]!.AsArray().Select(c => (string)c!["name"]!).ToArray();
}
