using System.Globalization;

namespace KubeNet.PodStartupBench;

/// <summary>
/// Where each measured pod's time went, from the server's log: the kubelet's first sync of the pod (waiting for a
/// start turn, the runtime calls: sandbox, volumes, containers; then reading the runtime back and reporting status)
/// and the Docker CRI server's sandbox (container create, start, CNI ADD). Milliseconds, one entry per pod.
/// </summary>
internal sealed partial class Breakdown
{
    public List<double> Turn { get; } = [];
    public List<double> Runtime { get; } = [];
    public List<double> Status { get; } = [];
    public List<double> SandboxCreate { get; } = [];
    public List<double> SandboxStart { get; } = [];
    public List<double> Network { get; } = [];

    public static void Read(string log, Results results)
    {
        if (!File.Exists(log))
        {
            return;
        }

        foreach (var line in File.ReadLines(log))
        {
            if (FirstSync().Match(line) is { Success: true } f)
            {
                var b = f.Groups["name"].Value.StartsWith("s-", StringComparison.Ordinal) ? results.SteadyBreakdown : results.BurstBreakdown;
                b.Turn.Add(double.Parse(f.Groups["turn"].Value, CultureInfo.InvariantCulture));
                b.Runtime.Add(double.Parse(f.Groups["runtime"].Value, CultureInfo.InvariantCulture));
                b.Status.Add(double.Parse(f.Groups["status"].Value, CultureInfo.InvariantCulture));
            }
            else if (Sandbox().Match(line) is { Success: true } x)
            {
                var b = x.Groups["name"].Value.StartsWith("s-", StringComparison.Ordinal) ? results.SteadyBreakdown : results.BurstBreakdown;
                b.SandboxCreate.Add(double.Parse(x.Groups["create"].Value, CultureInfo.InvariantCulture));
                b.SandboxStart.Add(double.Parse(x.Groups["start"].Value, CultureInfo.InvariantCulture));
                b.Network.Add(double.Parse(x.Groups["network"].Value, CultureInfo.InvariantCulture));
            }
        }

        foreach (var b in new[] { results.BurstBreakdown, results.SteadyBreakdown })
        {
            foreach (var list in new[] { b.Turn, b.Runtime, b.Status, b.SandboxCreate, b.SandboxStart, b.Network })
            {
                list.Sort();
            }
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"Pod podbench-\d+/(?<name>[ps]-\d+) first sync: turn (?<turn>\d+) ms, runtime (?<runtime>\d+) ms, status (?<status>\d+) ms")]
    private static partial System.Text.RegularExpressions.Regex FirstSync();

    [System.Text.RegularExpressions.GeneratedRegex(@"Sandbox of pod podbench-\d+/(?<name>[ps]-\d+) started: \S+ \(create (?<create>\d+) ms, start (?<start>\d+) ms, network (?<network>\d+) ms\)")]
    private static partial System.Text.RegularExpressions.Regex Sandbox();
}
