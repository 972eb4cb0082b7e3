using System.Text.Json.Nodes;
using k8s.Models;
using KubeNet.ApiMachinery.Kinds;
using KubeNet.ApiServer.Http;
using static KubeNet.ApiServer.Tests.Printers.Print;

namespace KubeNet.ApiServer.Tests.Printers;

/// <summary>The printer columns as kubectl receives them: a meta.k8s.io/v1 Table with typed cells.</summary>
public sealed class TableWireTests
{
    private static JsonNode Table(string group, string version, string resource, params k8s.IKubernetesObject<V1ObjectMeta>[] objects)
    {
        var bytes = Tables.Build(Kind(group, version, resource), ResponseShape.TableV1, objects.Select(Stored), "7", null, null, null, withColumns: true);
        return JsonNode.Parse(bytes)!;
    }

    [Fact]
    public void DeploymentRowCarriesStringsAndIntegers()
    {
        var deployment = new V1Deployment
        {
            Metadata = Meta("web"),
            Spec = new V1DeploymentSpec { Replicas = 3, Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } }, Template = new V1PodTemplateSpec { Spec = new V1PodSpec { Containers = [new V1Container { Name = "nginx", Image = "nginx" }] } } },
            Status = new V1DeploymentStatus { ReadyReplicas = 3, UpdatedReplicas = 3, AvailableReplicas = 3 },
        };
        var table = Table("apps", "v1", "deployments", deployment);
        Assert.Equal("Table", (string?)table["kind"]);
        var columns = table["columnDefinitions"]!.AsArray();
        Assert.Equal(8, columns.Count);
        Assert.Equal("Up-to-date", (string?)columns[2]!["name"]);
        Assert.Equal("string", (string?)columns[2]!["type"]);
        Assert.Equal(1, (int)columns[7]!["priority"]!);

        var cells = table["rows"]![0]!["cells"]!.AsArray();
        Assert.StartsWith("""["web","3/3",3,3,""", cells.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal("app=web", (string?)cells[7]);
    }

    [Fact]
    public void BooleanCellsAreJsonBooleans()
    {
        var attachment = new V1VolumeAttachment
        {
            Metadata = Meta("csi-1", ns: null),
            Spec = new V1VolumeAttachmentSpec { Attacher = "csi.example.com", NodeName = "n1", Source = new V1VolumeAttachmentSource() },
            Status = new V1VolumeAttachmentStatus { Attached = true },
        };
        var cells = Table("storage.k8s.io", "v1", "volumeattachments", attachment)["rows"]![0]!["cells"]!.AsArray();
        Assert.True((bool)cells[4]!);
    }

    [Fact]
    public void EveryServedKindWithAPrinterStartsItsRowsWithTheObject()
    {
        // Each printer must name its object in a "name"-format column so kubectl can print resource/name.
        foreach (var info in KindCatalog.AllResources)
        {
            var columns = KubeNet.ApiServer.Printers.PrinterCatalog.ColumnsFor(info);
            if (columns is null)
            {
                continue;
            }

            Assert.Contains(columns, c => c.Name == "Name" && c.Format == "name");
            Assert.Equal(columns.Count, columns.Select(c => c.Name).Distinct().Count());
        }
    }

    [Fact]
    public void ACellOfAnUnexpectedTypeIsNullNotAnError()
    {
        // A printer reads its own kind; a foreign object (never stored under that kind) yields empty cells.
        var cells = Table("apps", "v1", "deployments", new V1ConfigMap { Metadata = Meta("odd") })["rows"]![0]!["cells"]!.AsArray();
        Assert.Equal("odd", (string?)cells[0]);
        Assert.Null(cells[1]);
    }
}
