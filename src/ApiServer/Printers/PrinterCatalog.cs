using System.Collections.Frozen;
using KubeNet.ApiMachinery.Kinds;
using KubeNet.ApiServer.Http;

namespace KubeNet.ApiServer.Printers;

/// <summary>
/// Printer columns per kind, as pkg/printers/internalversion/printers.go defines them for kube-apiserver 1.32. Kinds
/// not listed (roles, cluster roles, limit ranges, custom resource definitions, ...) print upstream's default Name
/// and Created At columns, as they do there. Every column is always sent: kubectl hides priority 1 columns unless
/// asked for -o wide.
/// </summary>
internal static class PrinterCatalog
{
    private static readonly FrozenDictionary<(string Group, string Kind), IReadOnlyList<TableColumn>> Columns = Build();

    public static IReadOnlyList<TableColumn>? ColumnsFor(ResourceInfo info) => Columns.GetValueOrDefault((info.Group, info.Kind));

    private static FrozenDictionary<(string Group, string Kind), IReadOnlyList<TableColumn>> Build()
    {
        var map = new Dictionary<(string Group, string Kind), IReadOnlyList<TableColumn>>
        {
            [("", "Pod")] = PodPrinter.Columns,
        };
        CorePrinters.Register(map);
        WorkloadPrinters.Register(map);
        OtherPrinters.Register(map);
        return map.ToFrozenDictionary();
    }
}
