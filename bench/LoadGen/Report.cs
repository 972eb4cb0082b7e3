using System.Globalization;
using System.Text;

namespace KubeNet.LoadGen;

/// <summary>The markdown the run prints and writes between the markers of docs/BENCHMARKS.md.</summary>
internal static class Report
{
    public const string Begin = "<!-- loadgen:begin (written by bench/LoadGen; edits inside are overwritten) -->";
    public const string End = "<!-- loadgen:end -->";

    private const double TargetCreates = 2_000;
    private const double TargetGets = 10_000;
    private const double TargetMutatingP99Ms = 50;
    private const double TargetIdleRssMb = 150;

    public static string Markdown(Results r)
    {
        var s = new StringBuilder();
        var m = r.Machine;
        s.AppendLine(Inv($"### Latest run: {r.Started:yyyy-MM-dd HH:mm} UTC"));
        s.AppendLine();
        s.AppendLine(Inv($"Machine: {m.Cores} cores ({m.Cpu}), {m.MemoryBytes / (1024.0 * 1024 * 1024):F1} GiB RAM, {m.Os}, Linux {m.Kernel}, {m.DotNet}; ") +
            $"data directories on {m.Filesystem}. The load generator runs on the same cores as the process it measures. " +
            Inv($"{r.Clients} clients share one HTTP/2 connection (TLS with client certificate); every write is a {Payload.Bytes:N0}-byte ConfigMap. ") +
            $"kube-net runs with {Or(r.ServerGc)}, bare Kestrel with {Or(r.KestrelGc)}.");
        s.AppendLine();
        s.AppendLine("| Phase | ok | failed | ops/s | p50 ms | p99 ms | max ms | response bytes | server CPU µs/op | load generator CPU µs/op |");
        s.AppendLine("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var p in r.Phases)
        {
            s.AppendLine(Inv(
                $"| {p.Name} | {p.Ops:N0} | {p.Errors:N0} | {p.PerSecond:N0} | {p.P50Ms:F2} | {p.P99Ms:F2} | {p.MaxMs:F1} | {p.ResponseBytesPerOp:N0} | {(p.ServerCpuMicrosPerOp is { } us ? us.ToString("N0", CultureInfo.InvariantCulture) : "in process")} | {p.ClientCpuMicrosPerOp:N0} |"));
        }

        s.AppendLine();
        s.AppendLine("| Figure | kube-net | Baseline | Baseline value | Ratio |");
        s.AppendLine("|---|--:|---|--:|--:|");
        Ratio(s, "creates/s", r.Create?.PerSecond, "raw SQLite inserts/s", r.RawSqlite?.PerSecond, "N0");
        Ratio(s, "creates/s", r.Create?.PerSecond, "SqliteStore creates/s", r.Store?.PerSecond, "N0");
        Ratio(s, "creates/s", r.Create?.PerSecond, "bare Kestrel POSTs/s", r.KestrelPost?.PerSecond, "N0");
        Ratio(s, "create p99 ms", r.Create?.P99Ms, "raw SQLite insert p99 ms", r.RawSqlite?.P99Ms, "F2");
        Ratio(s, "create p99 ms", r.Create?.P99Ms, "SqliteStore create p99 ms", r.Store?.P99Ms, "F2");
        Ratio(s, "create p99 ms", r.Create?.P99Ms, "bare Kestrel POST p99 ms", r.KestrelPost?.P99Ms, "F2");
        Ratio(s, "gets/s", r.Get?.PerSecond, "bare Kestrel GETs/s", r.KestrelGet?.PerSecond, "N0");
        Ratio(s, "get p99 ms", r.Get?.P99Ms, "bare Kestrel GET p99 ms", r.KestrelGet?.P99Ms, "F2");
        Ratio(s, "idle RSS MB", Mb(r.ServerIdleRss), "bare Kestrel idle RSS MB", Mb(r.KestrelIdleRss), "F1");
        Ratio(s, "RSS after load MB", Mb(r.ServerLoadedRss), "bare Kestrel RSS after load MB", Mb(r.KestrelLoadedRss), "F1");
        if (r.List is { } list)
        {
            s.AppendLine(Inv($"| LIST limit=500 items/s | {list.PerSecond * 500:N0} | (no baseline) | | |"));
        }

        s.AppendLine();
        s.AppendLine(Inv($"Targets ({m.Cores} cores):"));
        s.AppendLine();
        s.AppendLine("| Target | Goal | Measured | Status |");
        s.AppendLine("|---|--:|--:|---|");
        Target(s, "creates/s", ">= 2,000", r.Create?.PerSecond, "N0", v => v >= TargetCreates);
        Target(s, "gets/s", ">= 10,000", r.Get?.PerSecond, "N0", v => v >= TargetGets);
        Target(s, "p99 mutating (create) ms", "<= 50", r.Create?.P99Ms, "F2", v => v <= TargetMutatingP99Ms);
        Target(s, "idle server RSS MB", "<= 150", Mb(r.ServerIdleRss), "F1", v => v <= TargetIdleRssMb);
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

    /// <summary>Replaces the text between the markers; creates the document around them when it is missing.</summary>
    public static void Update(string path, string markdown, string begin = Begin, string end = End)
    {
        var block = begin + "\n" + markdown + end;
        string text;
        if (File.Exists(path) && File.ReadAllText(path) is var existing
            && existing.IndexOf(begin, StringComparison.Ordinal) is var b and >= 0
            && existing.IndexOf(end, b, StringComparison.Ordinal) is var e and >= 0)
        {
            text = existing[..b] + block + existing[(e + end.Length)..];
        }
        else if (File.Exists(path) && begin != Begin)
        {
            text = File.ReadAllText(path).TrimEnd() + "\n\n" + block + "\n";
        }
        else
        {
            text = "# Benchmarks\n\nRun: `flock /tmp/kubenet-build.lock dotnet run -c Release --project bench/LoadGen`\n\n" + block + "\n";
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
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

    private static double? Mb(long? bytes) => bytes / (1024.0 * 1024.0);

    private static string Or(string value) => string.IsNullOrEmpty(value) ? "(not run)" : value;

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
