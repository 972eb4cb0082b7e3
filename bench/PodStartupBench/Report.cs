using System.Globalization;
using System.Text;

namespace KubeNet.PodStartupBench;

/// <summary>The markdown the run prints and writes between its markers in docs/BENCHMARKS.md.</summary>
internal static class Report
{
    public const string Begin = "<!-- podstartupbench:begin (written by bench/PodStartupBench; edits inside are overwritten) -->";
    public const string End = "<!-- podstartupbench:end -->";
    public const double TargetP99Ms = 2000;

    public static string Markdown(Results r)
    {
        var m = r.Machine;
        var o = r.Options;
        var p99 = Bench.Percentile(r.PodRunning, 99);
        var dockerP99 = Bench.Percentile(r.DockerRun, 99);
        var s = new StringBuilder();
        s.AppendLine(Inv($"### Latest pod startup run: {r.Started:yyyy-MM-dd HH:mm} UTC, commit {r.Commit}"));
        s.AppendLine();
        s.AppendLine(Inv($"Machine: {m.Cores} cores ({m.Cpu}), {m.MemoryBytes / (1024.0 * 1024 * 1024):F1} GiB RAM, {m.Os}, Linux {m.Kernel}, {m.DotNet}, Docker {r.DockerVersion}. ") +
            Inv($"`kube-net server --runtime docker` (Release) as a separate process on the same cores; {o.Pods} pods and {o.Pods} containers, {o.Clients} concurrent creators in each phase."));
        s.AppendLine();
        var steadyP99 = Bench.Percentile(r.SteadyRunning, 99);
        s.AppendLine("| Figure | p50 | p99 | max |");
        s.AppendLine("|---|--:|--:|--:|");
        s.AppendLine(Inv($"| Burst ({o.Pods} pods by {o.Clients} clients at once): create sent to Running seen on a watch | {Ms(r.PodRunning, 50)} | {Ms(r.PodRunning, 99)} | {Ms(r.PodRunning, 100)} |"));
        s.AppendLine(Inv($"| of which: create sent to bound (spec.nodeName seen on the watch) | {Ms(r.PodScheduled, 50)} | {Ms(r.PodScheduled, 99)} | {Ms(r.PodScheduled, 100)} |"));
        s.AppendLine(Inv($"| Steady ({o.Pods} pods, {r.SteadyRate:F1} pods/s): create sent to Running seen on a watch | {Ms(r.SteadyRunning, 50)} | {Ms(r.SteadyRunning, 99)} | {Ms(r.SteadyRunning, 100)} |"));
        s.AppendLine(Inv($"| of which: create sent to bound | {Ms(r.SteadyScheduled, 50)} | {Ms(r.SteadyScheduled, 99)} | {Ms(r.SteadyScheduled, 100)} |"));
        s.AppendLine(Inv($"| Baseline: bare `docker run -d --network none busybox sleep 3600`, {o.Clients} at a time | {Ms(r.DockerRun, 50)} | {Ms(r.DockerRun, 99)} | {Ms(r.DockerRun, 100)} |"));
        s.AppendLine(Inv($"| **Ratio: burst pods / bare docker run** | **{Ratio(Bench.Percentile(r.PodRunning, 50), Bench.Percentile(r.DockerRun, 50))}x** | **{Ratio(p99, dockerP99)}x** | |"));
        s.AppendLine();
        s.AppendLine(Inv($"Burst: all {o.Pods} pods Running {r.PodTotal.TotalSeconds:F1} s after the first create (server CPU {r.ServerCpu.TotalSeconds:F1} s); all {o.Pods} bare containers running after {r.DockerTotal.TotalSeconds:F1} s ({o.Pods / r.DockerTotal.TotalSeconds:F1} containers/s). ") +
            Inv($"Steady: {o.Pods} pods at {r.SteadyRate:F1} pods/s, all Running {r.SteadyTotal.TotalSeconds:F1} s after the first create (server CPU {r.SteadyCpu.TotalSeconds:F1} s). ") +
            Inv($"Target p99 <= {TargetP99Ms / 1000:F0} s (upstream SLO 5 s): burst **{(p99 <= TargetP99Ms ? "met" : "missed")}**, steady **{(steadyP99 <= TargetP99Ms ? "met" : "missed")}**."));
        s.AppendLine();
        s.AppendLine("Where a pod's time went (p50 / p99 per pod, from the server's log; the kubelet's first sync of the pod and the Docker CRI server's sandbox):");
        s.AppendLine();
        s.AppendLine("| Step | Burst p50 | Burst p99 | Steady p50 | Steady p99 |");
        s.AppendLine("|---|--:|--:|--:|--:|");
        void Row(string step, Func<Breakdown, List<double>> pick) =>
            s.AppendLine(Inv($"| {step} | {Ms(pick(r.BurstBreakdown), 50)} | {Ms(pick(r.BurstBreakdown), 99)} | {Ms(pick(r.SteadyBreakdown), 50)} | {Ms(pick(r.SteadyBreakdown), 99)} |"));
        Row("kubelet: waiting for a start turn (at most 3 pods start at once)", b => b.Turn);
        Row("kubelet: runtime calls (sandbox, volumes, image check, container create and start)", b => b.Runtime);
        Row("  of which sandbox: docker create", b => b.SandboxCreate);
        Row("  of which sandbox: docker start", b => b.SandboxStart);
        Row("  of which sandbox: CNI ADD (loopback, bridge)", b => b.Network);
        Row("kubelet: runtime read back and status patched", b => b.Status);
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

    private static string Ms(List<double> sorted, double p) => sorted.Count == 0 ? "-" : Inv($"{Bench.Percentile(sorted, p):N0} ms");

    private static string Ratio(double a, double b) => b <= 0 || double.IsNaN(a) || double.IsNaN(b) ? "-" : (a / b).ToString("F2", CultureInfo.InvariantCulture);

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
