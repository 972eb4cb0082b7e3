using KubeNet.ApiServer.Http;

namespace KubeNet.ApiServer.Printers;

internal static class WorkloadPrinters
{
    public static void Register(Dictionary<(string Group, string Kind), IReadOnlyList<TableColumn>> map)
    {
    }
}
