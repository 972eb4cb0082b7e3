using KubeNet.ApiMachinery.Kinds;
using KubeNet.ApiServer.Http;

namespace KubeNet.ApiServer.Printers;

/// <summary>
/// Printer columns per kind, as pkg/printers/internalversion/printers.go defines them. Kinds not listed print the
/// default Name and Created At columns.
/// </summary>
internal static class PrinterCatalog
{
    private static readonly Dictionary<(string Group, string Kind), IReadOnlyList<TableColumn>> Columns = new();

    public static IReadOnlyList<TableColumn>? ColumnsFor(ResourceInfo info) => Columns.GetValueOrDefault((info.Group, info.Kind));
}
