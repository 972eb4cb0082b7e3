using System.Text.Json.Nodes;
using KubeNet.ApiMachinery.Apply;
using static KubeNet.ApiMachinery.Tests.Apply.ApplyTests;

namespace KubeNet.ApiMachinery.Tests.Apply;

public sealed class TrackUpdateTests
{
    private static JsonObject Created(JsonObject obj, string manager = "kubectl-create")
    {
        var created = ServerSideApply.TrackUpdate(null, obj, manager, "Update", obj["apiVersion"]!.GetValue<string>(), T1);
        created["metadata"]!["uid"] = "u-1";
        return created;
    }

    private static JsonObject Copy(JsonObject o) => o.DeepClone().AsObject();

    [Fact]
    public void Create_OwnsEverySetField_LikeKubectlCreate()
    {
        var obj = Created(Deploy(Containers("""[{"name":"web","image":"nginx:1","ports":[{"containerPort":80,"protocol":"TCP"}]}]""", "\"replicas\":1,")));

        Assert.Equal(
            """[{"manager":"kubectl-create","operation":"Update","apiVersion":"apps/v1","time":"2025-01-02T03:04:05Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{".":{},"f:image":{},"f:name":{},"f:ports":{".":{},"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{},"f:protocol":{}}}}}}}}}}]""",
            JsonText(Entries(obj)));
    }

    [Fact]
    public void Update_MovesChangedFieldsToTheWriter()
    {
        var live = Created(Deploy(Containers("""[{"name":"web","image":"nginx:1"}]""", "\"replicas\":1,")));
        var scaled = Copy(live);
        scaled["spec"]!["replicas"] = 3;

        var result = ServerSideApply.TrackUpdate(live, scaled, "scaler", "Update", "apps/v1", T2);

        Assert.Equal(["kubectl-create", "scaler"], Entries(result).Select(e => (string)e!["manager"]!).ToArray());
        Assert.Equal("""{"f:spec":{"f:replicas":{}}}""", JsonText(Entry(result, "scaler")!["fieldsV1"]));
        Assert.DoesNotContain("f:replicas", JsonText(Entry(result, "kubectl-create")!["fieldsV1"]), StringComparison.Ordinal);
        Assert.Equal("2025-01-02T03:04:05Z", (string?)Entry(result, "kubectl-create")!["time"]);

        // The same manager writing again merges into its entry and moves its time.
        var again = Copy(result);
        again["spec"]!["paused"] = true;
        var merged = ServerSideApply.TrackUpdate(result, again, "scaler", "Update", "apps/v1", T2.AddHours(1));
        Assert.Equal("""{"f:spec":{"f:paused":{},"f:replicas":{}}}""", JsonText(Entry(merged, "scaler")!["fieldsV1"]));
        Assert.Equal("2025-01-02T05:00:00Z", (string?)Entry(merged, "scaler")!["time"]);
    }

    [Fact]
    public void Update_DropsManagersLeftWithNothing()
    {
        var live = Created(Obj("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"k":"v"}}"""), "alice");
        var replaced = Obj("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","uid":"u-1","managedFields":[]},"binaryData":{"b":"AA=="}}""");
        replaced["metadata"]!["managedFields"] = live["metadata"]!["managedFields"]!.DeepClone();

        var result = ServerSideApply.TrackUpdate(live, replaced, "bob", "Update", "v1", T2);

        var entry = Assert.Single(Entries(result));
        Assert.Equal("bob", (string?)entry!["manager"]);
        Assert.Equal("""{"f:binaryData":{".":{},"f:b":{}}}""", JsonText(entry["fieldsV1"]));
    }

    [Fact]
    public void EmptyManagedFields_ClearTracking_AndUntrackedObjectsStayUntracked()
    {
        var live = Created(Obj("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"k":"v"}}"""));
        var reset = Copy(live);
        reset["metadata"]!["managedFields"] = new JsonArray();
        reset["data"]!["k"] = "w";

        var cleared = ServerSideApply.TrackUpdate(live, reset, "editor", "Update", "v1", T2);
        Assert.Null(cleared["metadata"]!["managedFields"]);

        var next = Copy(cleared);
        next["data"]!["k"] = "x";
        var untracked = ServerSideApply.TrackUpdate(cleared, next, "editor", "Update", "v1", T2);
        Assert.Null(untracked["metadata"]!["managedFields"]);
    }

    [Fact]
    public void OmittedManagedFields_KeepTheLiveOnes()
    {
        var live = Created(Obj("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"k":"v"}}"""));
        var update = Obj("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","uid":"u-1"},"data":{"k":"v","j":"w"}}""");

        var result = ServerSideApply.TrackUpdate(live, update, "editor", "Update", "v1", T2);

        Assert.Equal("""{"f:data":{".":{},"f:k":{}}}""", JsonText(Entry(result, "kubectl-create")!["fieldsV1"]));
        Assert.Equal("""{"f:data":{"f:j":{}}}""", JsonText(Entry(result, "editor")!["fieldsV1"]));
    }

    [Fact]
    public void UnchangedWrite_AddsNoEntry()
    {
        var live = Created(Obj("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"k":"v"}}"""));

        var result = ServerSideApply.TrackUpdate(live, Copy(live), "editor", "Update", "v1", T2);

        Assert.Equal(JsonText(live), JsonText(result));
    }

    [Fact]
    public void Status_IsOwnedOnlyThroughTheStatusSubresource()
    {
        var live = Created(Deploy(Containers("""[{"name":"web","image":"nginx:1"}]""", "\"replicas\":1,")));
        var withStatus = Copy(live);
        withStatus["status"] = new JsonObject { ["replicas"] = 1 };

        var main = ServerSideApply.TrackUpdate(live, Copy(withStatus), "writer", "Update", "apps/v1", T2);
        Assert.Null(Entry(main, "writer"));

        var status = ServerSideApply.TrackUpdate(live, Copy(withStatus), "kube-controller-manager", "Update", "apps/v1", T2, subresource: "status");
        var entry = Entry(status, "kube-controller-manager")!;
        Assert.Equal(("status", """{"f:status":{".":{},"f:replicas":{}}}"""), ((string?)entry["subresource"], JsonText(entry["fieldsV1"])));

        // An applier conflicts with the status owner only through the status subresource.
        var conflict = ServerSideApply.Apply(status, Obj("""{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"status":{"replicas":5}}"""), Deployment, "tool", false, T2, subresource: "status");
        Assert.Equal("Apply failed with 1 conflict: conflict with \"kube-controller-manager\" with subresource \"status\" using apps/v1: .status.replicas", conflict.Message);
    }

    [Fact]
    public void UpdatesBeyondTenManagers_MergeIntoAncientChanges()
    {
        var live = Created(Obj("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{}}"""));
        for (var i = 0; i < 11; i++)
        {
            var next = Copy(live);
            next["data"]![$"k{i}"] = "v";
            live = ServerSideApply.TrackUpdate(live, next, $"m{i:00}", "Update", "v1", T1.AddMinutes(i + 1));
        }

        var managers = Entries(live).Select(e => (string)e!["manager"]!).ToList();
        Assert.Equal(10, managers.Count);
        Assert.Equal("ancient-changes", managers[0]);
        Assert.DoesNotContain("kubectl-create", managers);
    }

    [Theory]
    [InlineData("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"n","labels":{"a":"b"},"annotations":{"x":"y"},"finalizers":["f"]},"data":{"k":"v","k2":""},"binaryData":{"b":"AA=="}}""")]
    [InlineData("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"empty","namespace":"n","uid":"u","creationTimestamp":"2025-01-02T03:04:05Z","resourceVersion":"7","generation":1}}""")]
    [InlineData("""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"rs","uid":"u1","controller":true}]},"spec":{"containers":[{"name":"a","image":"i","env":[{"name":"E","value":"1"}],"resources":{}}],"tolerations":[{"key":"k","operator":"Exists"}]},"status":{"phase":"Pending","conditions":[{"type":"Ready","status":"False"}]}}""")]
    [InlineData("""{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":{"ports":[{"port":80,"protocol":"TCP","targetPort":8080}],"selector":{"app":"web"},"type":"ClusterIP"}}""")]
    [InlineData("""{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w"},"spec":{"size":{"x":1},"list":[1,2]},"status":{"ok":true}}""")]
    public void CreatedFields_AreWhatTrackingACreateRecords(string json)
    {
        var obj = Obj(json);
        var apiVersion = obj["apiVersion"]!.GetValue<string>();
        var tracked = ServerSideApply.TrackUpdate(null, Obj(json), "m", "Update", apiVersion, T1);
        var expected = tracked["metadata"]?["managedFields"] is JsonArray { Count: 1 } entries ? JsonText(entries[0]!["fieldsV1"]) : null;

        var fields = ServerSideApply.CreatedFields(obj, apiVersion);

        Assert.Equal(expected, fields is null ? null : JsonText(fields));
    }

    [Fact]
    public void Deployment_CreatedFields_AreWhatTrackingACreateRecords()
    {
        var json = Deploy(Containers("""[{"name":"web","image":"nginx:1","ports":[{"containerPort":80,"protocol":"TCP"}]}]""", "\"replicas\":1,")).ToJsonString();
        var expected = JsonText(Entries(ServerSideApply.TrackUpdate(null, Obj(json), "m", "Update", "apps/v1", T1))[0]!["fieldsV1"]);

        Assert.Equal(expected, JsonText(ServerSideApply.CreatedFields(Obj(json), "apps/v1")));
    }
}
