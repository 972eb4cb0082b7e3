using k8s;
using k8s.Models;
using KubeNet.ApiMachinery.Kinds;
using KubeNet.ApiServer.Http;
using KubeNet.ApiServer.Printers;
using KubeNet.ApiServer.Registry;

namespace KubeNet.ApiServer.Tests.Printers;

/// <summary>Prints one object through the catalogue as a Table row would, keyed by column name.</summary>
internal static class Print
{
    public static readonly DateTime Now = new(2025, 3, 1, 12, 0, 0, DateTimeKind.Utc);

    public static ResourceInfo Kind(string group, string version, string resource)
        => KindCatalog.Find(group, version, resource) ?? throw new InvalidOperationException($"{group}/{version} {resource} is not served");

    public static IReadOnlyList<TableColumn> Columns(string group, string version, string resource)
        => PrinterCatalog.ColumnsFor(Kind(group, version, resource)) ?? throw new InvalidOperationException($"{resource} has no printer");

    public static Dictionary<string, object?> Row(string group, string version, string resource, IKubernetesObject<V1ObjectMeta> obj, DateTime? now = null)
    {
        var stored = Stored(obj);
        var row = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var column in Columns(group, version, resource))
        {
            row[column.Name] = column.Cell(stored, now ?? Now);
        }

        return row;
    }

    public static StoredObject Stored(IKubernetesObject<V1ObjectMeta> obj)
        => new() { Key = "/registry/test/" + obj.Metadata.Name, ModRevision = 1, Object = obj, Json = [] };

    public static V1ObjectMeta Meta(string name, TimeSpan? age = null, string? ns = "default")
        => new() { Name = name, NamespaceProperty = ns, CreationTimestamp = Now - (age ?? TimeSpan.FromSeconds(5)) };

    public static DateTime Ago(TimeSpan span) => Now - span;
}
