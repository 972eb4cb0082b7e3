using System.Globalization;
using System.Text;

namespace KubeNet.LoadGen;

/// <summary>The markdown of the etcd run, written between its own markers of docs/BENCHMARKS.md.</summary>
internal static class EtcdReport
{
    public const string Begin = "<!-- loadgen-etcd:begin (written by bench/LoadGen --etcd; edits inside are overwritten) -->";
    public const string End = "<!-- loadgen-etcd:end -->";

    private const double TargetCreates = 1_000;
    private const double TargetRatio = 0.5;

    public static string Markdown(EtcdResults r)
    {
        var s = new StringBuilder();
        var m = r.Server.Machine;
        s.AppendLine(Inv($"### Latest etcd run: {r.Server.Started:yyyy-MM-dd HH:mm} UTC"));
        s.AppendLine();
        s.AppendLine(Inv($"Machine: {m.Cores} cores ({m.Cpu}), {m.MemoryBytes / (1024.0 * 1024 * 1024):F1} GiB RAM, {m.Os}, Linux {m.Kernel}, {m.DotNet}; ") +
            $"etcd {r.EtcdVersion}, one member, data on {m.Filesystem}. etcd, the load generator and kube-net share the same cores. " +
            Inv($"{r.Server.Clients} concurrent clients; every write is a {Payload.Bytes:N0}-byte ConfigMap. ") +
            $"kube-net runs with {(string.IsNullOrEmpty(r.Server.ServerGc) ? r.AllInOne?.ServerGc ?? "(not run)" : r.Server.ServerGc)}. " +
            "`kube-net apiserver` is the API server alone, as a highly available deployment runs it (controllers and scheduler elsewhere); " +
            "`kube-net server` adds the controller-manager and scheduler in the same process and runs on a fresh etcd member.");
        s.AppendLine();
        s.AppendLine("| Phase | ok | failed | ops/s | p50 ms | p99 ms | max ms | etcd CPU µs/op | kube-net CPU µs/op | load generator CPU µs/op |");
        s.AppendLine("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var p in r.Phases)
        {
            var etcdCpu = r.EtcdCpuMicrosPerOp.TryGetValue(p.Name, out var us) ? us.ToString("N0", CultureInfo.InvariantCulture) : "-";
            var serverCpu = p.ServerCpuMicrosPerOp is { } sus ? sus.ToString("N0", CultureInfo.InvariantCulture) : "in process";
            s.AppendLine(Inv($"| {p.Name} | {p.Ops:N0} | {p.Errors:N0} | {p.PerSecond:N0} | {p.P50Ms:F2} | {p.P99Ms:F2} | {p.MaxMs:F1} | {etcdCpu} | {serverCpu} | {p.ClientCpuMicrosPerOp:N0} |"));
        }

        var rows = new List<(string Name, Results Row)>();
        if (r.Server.Create is not null)
        {
            rows.Add(("kube-net apiserver", r.Server));
        }

        if (r.AllInOne?.Create is not null)
        {
            rows.Add(("kube-net server (all-in-one)", r.AllInOne));
        }

        s.AppendLine();
        s.AppendLine("| Figure | kube-net on etcd | Baseline | Baseline value | Ratio |");
        s.AppendLine("|---|--:|---|--:|--:|");
        foreach (var (name, row) in rows)
        {
            var create = row.Create!;
            Ratio(s, $"{name} creates/s", create.PerSecond, "raw guarded etcd txns/s", r.RawTxn?.PerSecond, "N0");
            Ratio(s, $"{name} creates/s", create.PerSecond, "raw etcd puts/s", r.RawPut?.PerSecond, "N0");
            Ratio(s, $"{name} creates/s", create.PerSecond, "EtcdStore creates/s", r.Store?.PerSecond, "N0");
            Ratio(s, $"{name} create p99 ms", create.P99Ms, "raw guarded etcd txn p99 ms", r.RawTxn?.P99Ms, "F2");
            Ratio(s, $"{name} create p50 ms", create.P50Ms, "raw guarded etcd txn p50 ms", r.RawTxn?.P50Ms, "F2");
        }

        Ratio(s, "EtcdStore creates/s", r.Store?.PerSecond, "raw guarded etcd txns/s", r.RawTxn?.PerSecond, "N0");

        s.AppendLine();
        s.AppendLine(Inv($"Targets ({m.Cores} cores; the API server is `kube-net apiserver`, the all-in-one server is shown beside it):"));
        s.AppendLine();
        s.AppendLine("| Target | Goal | Measured | Status |");
        s.AppendLine("|---|--:|--:|---|");
        foreach (var (name, row) in rows)
        {
            var create = row.Create!;
            Target(s, $"creates/s through {name} on etcd", ">= 1,000", create.PerSecond, "N0", v => v >= TargetCreates);
            var ratio = r.RawTxn is { PerSecond: > 0 } raw ? create.PerSecond / raw.PerSecond : (double?)null;
            Target(s, $"{name} creates/s ÷ raw guarded etcd txns/s", ">= 0.50", ratio, "F2", v => v >= TargetRatio);
        }

        if (r.Phases.Any(p => p.Errors > 0))
        {
            s.AppendLine();
            foreach (var p in r.Phases.Where(p => p.Errors > 0))
            {
                s.AppendLine(Inv($"- {p.Name}: {p.Errors:N0} failed; first: `{p.FirstError}`"));
            }
        }

        return s.ToString().TrimEnd() + "\n";
    }

    private static void Ratio(StringBuilder s, string figure, double? value, string baseline, double? baseValue, string format)
    {
        if (value is not { } v || baseValue is not { } bv)
        {
            return;
        }

        s.AppendLine($"| {figure} | {v.ToString(format, CultureInfo.InvariantCulture)} | {baseline} | {bv.ToString(format, CultureInfo.InvariantCulture)} | {(bv == 0 ? "-" : (v / bv).ToString("F2", CultureInfo.InvariantCulture))}x |");
    }

    private static void Target(StringBuilder s, string name, string goal, double? value, string format, Func<double, bool> met)
    {
        var measured = value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "not measured";
        var status = value is { } w ? (met(w) ? "met" : "**not met**") : "not measured";
        s.AppendLine($"| {name} | {goal} | {measured} | {status} |");
    }

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
