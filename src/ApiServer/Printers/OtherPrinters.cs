using KubeNet.ApiServer.Http;

namespace KubeNet.ApiServer.Printers;

internal static class OtherPrinters
{
    public static void Register(Dictionary<(string Group, string Kind), IReadOnlyList<TableColumn>> map)
    {
    }
}
