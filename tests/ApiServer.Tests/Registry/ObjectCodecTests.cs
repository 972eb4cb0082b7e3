using System.Text.Json;
using k8s;
using k8s.Models;
using KubeNet.ApiMachinery.Json;
using KubeNet.ApiServer.Registry;

namespace KubeNet.ApiServer.Tests.Registry;

/// <summary>
/// A create's stored and served JSON are its first encoding with managedFields and resourceVersion set into metadata:
/// byte for byte what encoding the object with those fields writes, wherever they fall among metadata's other fields.
/// </summary>
public sealed class ObjectCodecTests
{
    private static readonly DateTime T = new(2025, 1, 2, 3, 4, 5, DateTimeKind.Utc);

    public static TheoryData<string> Objects() => new()
    {
        """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"n","uid":"u","creationTimestamp":"2025-01-02T03:04:05Z","labels":{"a":"b"}},"data":{"k":"v"}}""",
        """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"annotations":{"x":"y"},"finalizers":["f"],"generateName":"g-","name":"g-abc","selfLink":"/s"}}""",
        """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"uid":"u"}}""",
        """{"apiVersion":"v1","kind":"ConfigMap","metadata":{}}""",
        """{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"rs","uid":"u1","controller":true}],"uid":"u"},"spec":{"containers":[{"name":"a","image":"i"}]},"status":{"phase":"Pending"}}""",
        """{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","namespace":"n\u00e9","generation":1,"labels":{"k\"q":"<v>"}},"spec":{"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"a","image":"i"}]}}}}""",
    };

    [Theory]
    [MemberData(nameof(Objects))]
    public void ResourceVersion_SetIntoTheJson_IsTheEncodedObject(string json)
    {
        var obj = Decode(json);
        var stored = ObjectCodec.Encode(obj);

        obj.Metadata.ResourceVersion = "12345";
        var spliced = ObjectCodec.WithMetadataProperty(stored, "resourceVersion", ObjectCodec.RevisionJson("12345"));

        Assert.NotNull(spliced);
        Assert.Equal(System.Text.Encoding.UTF8.GetString(ObjectCodec.Encode(obj)), System.Text.Encoding.UTF8.GetString(spliced));
    }

    [Theory]
    [MemberData(nameof(Objects))]
    public void ManagedFields_SetIntoTheJson_AreTheEncodedObject(string json)
    {
        var obj = Decode(json);
        var plain = ObjectCodec.Encode(obj);
        IList<V1ManagedFieldsEntry> entries =
        [
            new V1ManagedFieldsEntry { Manager = "m", Operation = "Update", ApiVersion = "v1", Time = T, FieldsType = "FieldsV1", FieldsV1 = JsonDocument.Parse("""{"f:data":{".":{},"f:k":{}}}""").RootElement },
        ];

        obj.Metadata.ManagedFields = entries;
        var spliced = ObjectCodec.WithMetadataProperty(plain, "managedFields", KubeJson.SerializeToUtf8Bytes(entries));

        Assert.NotNull(spliced);
        Assert.Equal(System.Text.Encoding.UTF8.GetString(ObjectCodec.Encode(obj)), System.Text.Encoding.UTF8.GetString(spliced));
    }

    [Fact]
    public void AFieldAlreadyThere_IsNotSetAgain()
    {
        var obj = Decode("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","resourceVersion":"1"}}""");

        Assert.Null(ObjectCodec.WithMetadataProperty(ObjectCodec.Encode(obj), "resourceVersion", ObjectCodec.RevisionJson("2")));
        Assert.Null(ObjectCodec.WithMetadataProperty("""{"kind":"ConfigMap"}"""u8, "resourceVersion", ObjectCodec.RevisionJson("2")));
    }

    private static IKubernetesObject<V1ObjectMeta> Decode(string json)
    {
        var kind = JsonDocument.Parse(json).RootElement.GetProperty("kind").GetString();
        var type = kind switch
        {
            "Pod" => typeof(V1Pod),
            "Deployment" => typeof(V1Deployment),
            _ => typeof(V1ConfigMap),
        };
        return ObjectCodec.Decode(System.Text.Encoding.UTF8.GetBytes(json), type);
    }
}
