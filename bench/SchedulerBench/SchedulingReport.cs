using System.Text;

namespace KubeNet.SchedulerBench;

/// <summary>The markdown of a SchedulingBasic run, written between its markers in docs/BENCHMARKS.md.</summary>
internal static class SchedulingReport
{
    public const string Begin = "<!-- schedulerbench:begin (written by bench/SchedulerBench; edits inside are overwritten) -->";
    public const string End = "<!-- schedulerbench:end -->";

    private const double TargetPodsPerSecond = 1_000;
    private const double UpstreamFloor = 680;

    public static string Markdown(IReadOnlyList<SchedulingResults> runs)
    {
        var s = new StringBuilder();
        var first = runs[0];
        var o = first.Options;
        s.AppendLine(Inv($"### Latest SchedulingBasic run: {first.Started:yyyy-MM-dd HH:mm} UTC, commit {first.Commit}"));
        s.AppendLine();
        s.AppendLine($"Machine: {Print.MachineLine(first.Machine)}. Server, scheduler and benchmark share the same cores; kube-net runs with {first.ServerGc}. " +
            Inv($"{o.Nodes:N0} nodes, {o.InitPods:N0} pods scheduled first, then {o.Pods:N0} pods created by {o.Clients} concurrent clients on one HTTP/2 connection; ") +
            "one fresh server per node shape.");
        foreach (var r in runs)
        {
            s.AppendLine();
            s.AppendLine(Inv($"#### Nodes: {r.Shape.Describe()}, {r.NodesRegistered.TotalSeconds:F0} s to start the server with them"));
            s.AppendLine();
            Shape(s, r);
        }

        s.AppendLine();
        s.AppendLine("| Target | Nodes | Goal | Measured | Status |");
        s.AppendLine("|---|---|--:|--:|---|");
        foreach (var r in runs)
        {
            var pods = r.Scheduled!.PodsPerSecond;
            var judged = r.Shape == NodeShape.Objects ? "" : " (not judged: a heavier shape than upstream's)";
            s.AppendLine(Inv($"| scheduling throughput, pods/s | {r.Shape.ToString().ToLowerInvariant()} | >= {TargetPodsPerSecond:N0} | {pods:N0} | {(pods >= TargetPodsPerSecond ? "met" : "**not met**")}{judged} |"));
            s.AppendLine(Inv($"| upstream CI floor for this workload, pods/s | {r.Shape.ToString().ToLowerInvariant()} | >= {UpstreamFloor:N0} | {pods:N0} | {(pods >= UpstreamFloor ? "met" : "**not met**")}{judged} |"));
        }

        return s.ToString();
    }

    private static void Shape(StringBuilder s, SchedulingResults r)
    {
        var sched = r.Scheduled!;
        var baseline = r.Baseline!;
        s.AppendLine("| Batch | pods | creates/s | create p99 ms | first create to last bound s | pods/s | create→bound avg ms | p50 ms | p99 ms | max ms | scheduler CPU s | server CPU s | bench CPU s | scheduler peak RSS MB | server peak RSS MB |");
        s.AppendLine("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var b in new[] { sched, baseline })
        {
            s.AppendLine(Inv(
                $"| {b.Name} | {b.Pods:N0} | {b.Creates.PerSecond:N0} | {b.Creates.P99Ms:F1} | {b.FirstSendToLastBound.TotalSeconds:F2} | {b.PodsPerSecond:N0} | {b.AvgLatencyMs:F0} | {b.P50LatencyMs:F0} | {b.P99LatencyMs:F0} | {b.MaxLatencyMs:F0} | {b.SchedulerCpu.TotalSeconds:F1} | {b.ServerCpu.TotalSeconds:F1} | {b.BenchCpu.TotalSeconds:F1} | {SchedulingRun.Mb(b.SchedulerPeakRss):F0} | {SchedulingRun.Mb(b.ServerPeakRss):F0} |"));
        }

        s.AppendLine();
        s.AppendLine("| Figure | Scheduled | Baseline (nodeName preset) | Ratio |");
        s.AppendLine("|---|--:|--:|--:|");
        s.AppendLine(Inv($"| pods/s, first create to last pod seen bound | {sched.PodsPerSecond:N0} | {baseline.PodsPerSecond:N0} | {sched.PodsPerSecond / baseline.PodsPerSecond:F2}x |"));
        s.AppendLine(Inv($"| creates/s | {sched.Creates.PerSecond:N0} | {baseline.Creates.PerSecond:N0} | {sched.Creates.PerSecond / baseline.Creates.PerSecond:F2}x |"));
        s.AppendLine(Inv($"| create→bound p99 ms | {sched.P99LatencyMs:F0} | {baseline.P99LatencyMs:F0} | {sched.P99LatencyMs / baseline.P99LatencyMs:F2}x |"));
        s.AppendLine(Inv($"| server CPU µs per pod | {sched.ServerCpu.TotalMicroseconds / sched.Pods:N0} | {baseline.ServerCpu.TotalMicroseconds / baseline.Pods:N0} | {sched.ServerCpu / baseline.ServerCpu:F2}x |"));
        s.AppendLine();
        var cores = sched.SchedulerCpu / sched.FirstSendToLastBound;
        s.AppendLine(Inv($"Scheduler: {sched.SchedulerCpu.TotalMicroseconds / sched.Pods:N0} µs of CPU per pod ({cores:F2} cores on average while the batch ran); RSS idle with the nodes cached {SchedulingRun.Mb(r.SchedulerIdleRss):F0} MB, peak {SchedulingRun.Mb(sched.SchedulerPeakRss):F0} MB, at the end {SchedulingRun.Mb(r.SchedulerEndRss):F0} MB. ") +
            Inv($"Server RSS idle with the nodes {SchedulingRun.Mb(r.ServerIdleRss):F0} MB, at the end {SchedulingRun.Mb(r.ServerEndRss):F0} MB."));
    }

    private static string Inv(FormattableString text) => FormattableString.Invariant(text);
}
