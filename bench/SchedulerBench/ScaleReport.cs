using System.Text;

namespace KubeNet.SchedulerBench;

/// <summary>The markdown of a scale run, written between its markers in docs/BENCHMARKS.md.</summary>
internal static class ScaleReport
{
    public const string Begin = "<!-- scalebench:begin (written by bench/SchedulerBench --scale; edits inside are overwritten) -->";
    public const string End = "<!-- scalebench:end -->";

    private const double TargetP99Ms = 1000;

    public static string Markdown(ScaleResults r)
    {
        var s = new StringBuilder();
        var o = r.Options;
        var c = r.Creates!;
        s.AppendLine(Inv($"### Latest scale run: {r.Started:yyyy-MM-dd HH:mm} UTC, commit {r.Commit}"));
        s.AppendLine();
        s.AppendLine($"Machine: {Print.MachineLine(r.Machine)}. Server and benchmark share the same cores; kube-net runs with {r.ServerGc}. " +
            Inv($"{o.Nodes:N0} simulated nodes in the server (registered in {r.NodesRegistered.TotalSeconds:F0} s); {o.ScalePods:N0} pods (nodeName preset, 10m CPU, 10Mi) over {o.ScaleNamespaces} namespaces, created by {o.Clients} concurrent clients on one HTTP/2 connection; the simulated nodes report each pod Running."));
        s.AppendLine();
        s.AppendLine("| Figure | Measured |");
        s.AppendLine("|---|--:|");
        s.AppendLine(Inv($"| pods created | {c.Ops:N0} ({c.Errors:N0} failed) |"));
        s.AppendLine(Inv($"| creation rate, pods/s | {c.PerSecond:N0} ({c.Elapsed.TotalSeconds:F0} s) |"));
        s.AppendLine(Inv($"| create p50 / p99 / max ms | {c.P50Ms:F1} / {c.P99Ms:F1} / {c.MaxMs:F0} |"));
        s.AppendLine(Inv($"| server CPU per create (incl. the pod's status writes that overlap), µs | {r.ServerCpuDuringCreates.TotalMicroseconds / Math.Max(1, c.Ops):N0} |"));
        s.AppendLine(Inv($"| wait for the server to use under 0.2 cores after the last create (at most 180 s), s | {r.Settle.TotalSeconds:F0} |"));
        s.AppendLine(Inv($"| server RSS idle (nodes registered, no pods), MB | {SchedulingRun.Mb(r.IdleRss):N0} |"));
        s.AppendLine(Inv($"| server RSS right after the creates, MB | {SchedulingRun.Mb(r.AfterCreatesRss):N0} |"));
        s.AppendLine(Inv($"| server RSS peak (sampled every 200 ms), MB | {SchedulingRun.Mb(r.PeakRss):N0} |"));
        s.AppendLine(Inv($"| server RSS at the end, MB | {SchedulingRun.Mb(r.EndRss):N0} |"));
        s.AppendLine(Inv($"| `kubectl get pods -A --chunk-size=500` wall time, s | {r.KubectlWall.TotalSeconds:F1} (exit {r.KubectlExit}{(r.KubectlExit == 0 ? "" : ": " + r.KubectlError.Split('\n')[0][..Math.Min(80, r.KubectlError.Split('\n')[0].Length)])}) |"));
        s.AppendLine();
        s.AppendLine("| Single-object requests (own connection, 5/s each) | GETs | GET p50 / p99 / max ms | PATCHes | PATCH p50 / p99 / max ms | failed |");
        s.AppendLine("|---|--:|--:|--:|--:|--:|");
        foreach (var (name, x) in new[] { ("while the pods are created", r.DuringCreates), ("while kubectl lists every pod", r.DuringKubectl) })
        {
            var g = x.Get();
            var p = x.Patch();
            s.AppendLine(Inv($"| {name} | {g.Count:N0} | {g.P50:F1} / {g.P99:F1} / {g.Max:F0} | {p.Count:N0} | {p.P50:F1} / {p.P99:F1} / {p.Max:F0} | {x.Errors:N0} |"));
        }

        var getP99 = Math.Max(r.DuringCreates.Get().P99, r.DuringKubectl.Get().P99);
        var patchP99 = Math.Max(r.DuringCreates.Patch().P99, r.DuringKubectl.Patch().P99);
        s.AppendLine();
        s.AppendLine("| Target | Goal | Measured (worse part) | Status |");
        s.AppendLine("|---|--:|--:|---|");
        s.AppendLine(Inv($"| p99 mutating single-object (PATCH), ms | <= {TargetP99Ms:N0} | {patchP99:F1} | {(patchP99 <= TargetP99Ms ? "met" : "**not met**")} |"));
        s.AppendLine(Inv($"| p99 single-object GET, ms | <= {TargetP99Ms:N0} | {getP99:F1} | {(getP99 <= TargetP99Ms ? "met" : "**not met**")} |"));
        return s.ToString();
    }

    private static string Inv(FormattableString text) => FormattableString.Invariant(text);
}
