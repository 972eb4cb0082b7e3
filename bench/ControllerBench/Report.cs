using System.Globalization;
using System.Text;

namespace KubeNet.ControllerBench;

/// <summary>The markdown the run prints and writes between its markers in docs/BENCHMARKS.md.</summary>
internal static class Report
{
    public const string Begin = "<!-- controllerbench:begin (written by bench/ControllerBench; edits inside are overwritten) -->";
    public const string End = "<!-- controllerbench:end -->";

    public static string Markdown(Results r)
    {
        var m = r.Machine;
        var o = r.Options;
        var s = new StringBuilder();
        s.AppendLine(Inv($"### Latest controller run: {r.Started:yyyy-MM-dd HH:mm} UTC"));
        s.AppendLine();
        s.AppendLine(Inv($"Machine: {m.Cores} cores ({m.Cpu}), {m.MemoryBytes / (1024.0 * 1024 * 1024):F1} GiB RAM, {m.Os}, Linux {m.Kernel}, {m.DotNet}. ") +
            Inv($"`kube-net server --hollow-nodes {o.Nodes} --controllers=-*` (API server, scheduler, simulated nodes) and `kube-net controller-manager` ") +
            $"run as separate processes ({r.ManagerGc}) on the same cores as the benchmark. " +
            Inv($"The controller-manager first rolls out an unmeasured warm-up Deployment of {WarmupReplicas(o):N0} replicas (then scaled to 0)."));
        s.AppendLine();
        s.AppendLine("| Figure | Value |");
        s.AppendLine("|---|--:|");
        s.AppendLine(Inv($"| Deployment of {o.Replicas:N0} replicas: created to all available | {r.DeploymentAvailable.TotalSeconds:F1} s |"));
        s.AppendLine(Inv($"| controller-manager CPU during the rollout | {r.ManagerCpu.TotalSeconds:F1} s ({r.ManagerCpu.TotalMilliseconds * 1000 / o.Replicas:N0} µs per pod) |"));
        s.AppendLine(Inv($"| controller-manager RSS: started / after the warm-up / peak / after | {Mb(r.ManagerIdleRss):F0} / {Mb(r.ManagerWarmRss):F0} / {Mb(r.ManagerPeakRss):F0} / {Mb(r.ManagerFinalRss):F0} MB |"));
        s.AppendLine(Inv($"| server CPU during the rollout (API server, scheduler, {o.Nodes} simulated nodes) | {r.DeploymentServerCpu.TotalSeconds:F1} s |"));
        s.AppendLine(Inv($"| Baseline: {o.Replicas:N0} bare pods created through the API ({o.Clients} clients) | {r.BareCreated.TotalSeconds:F1} s |"));
        s.AppendLine(Inv($"| Baseline: the same pods, created to all ready | {r.BareReady.TotalSeconds:F1} s |"));
        s.AppendLine(Inv($"| server CPU during the baseline | {r.BareServerCpu.TotalSeconds:F1} s |"));
        s.AppendLine(Inv($"| **Ratio: Deployment to all available / bare pods to all ready** | **{Ratio(r.DeploymentAvailable, r.BareReady)}x** |"));
        return s.ToString().TrimEnd() + "\n";
    }

    /// <summary>Replaces the text between the markers; appends them to the document when missing.</summary>
    public static void Update(string path, string markdown)
    {
        var block = Begin + "\n" + markdown + End;
        var existing = File.Exists(path) ? File.ReadAllText(path) : "# Benchmarks\n";
        var b = existing.IndexOf(Begin, StringComparison.Ordinal);
        var e = b >= 0 ? existing.IndexOf(End, b, StringComparison.Ordinal) : -1;
        var text = b >= 0 && e >= 0
            ? existing[..b] + block + existing[(e + End.Length)..]
            : existing.TrimEnd() + "\n\n" + block + "\n";
        File.WriteAllText(path, text);
    }

    private static string Ratio(TimeSpan a, TimeSpan b) => b == TimeSpan.Zero ? "-" : (a / b).ToString("F2", CultureInfo.InvariantCulture);

    private static double Mb(long bytes) => bytes / (1024.0 * 1024.0);

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static int WarmupReplicas(Options o) => Math.Max(1, o.Replicas / 10);
}
