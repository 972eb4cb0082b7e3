using System.Globalization;

namespace KubeNet.SchedulerBench;

/// <summary>Command-line bounds of one run; the defaults are the recorded workloads.</summary>
internal sealed class Options
{
    public const string Usage = """
        usage: dotnet run -c Release --project bench/SchedulerBench -- [flags]

          (default)            SchedulingBasic: --nodes simulated nodes, --init-pods bound first (unmeasured), then
                               --pods created at once without nodeName and scheduled by `kube-net scheduler` (its own
                               process), then the same number created with nodeName preset (the baseline)
          --scale              one server holding --scale-pods pods on --nodes nodes: creation rate, RSS, kubectl
                               get pods -A wall time, p99 of single GET and PATCH sampled during the run
          --shape S            objects (Node objects only, as scheduler_perf), simulated (--hollow-nodes) or both
                               (default both, objects first; the targets are judged on objects)
          --nodes N            nodes (default 5000)
          --init-pods N        pods scheduled before the measured phase (default 1000)
          --pods N             pods of the measured phase and of the baseline (default 10000)
          --clients N          concurrent create requests (default 16)
          --scale-pods N       pods of the scale run (default 150000)
          --scale-namespaces N namespaces the scale run spreads its pods over (default 50)
          --server-dll PATH    measure another kube-net build (the document is then not updated)
          --no-write           print only; do not update docs/BENCHMARKS.md
          --keep-data          keep the work directory
          --scheduler-env N=V  set an environment variable of the scheduler process (a trial: the document is not updated)
          --perf-map           let `perf record -p PID` name JIT-compiled frames in the server and scheduler (W^X off)
        """;

    public bool Help { get; private set; }
    public bool Scale { get; private set; }
    public int Nodes { get; private set; } = 5000;
    public IReadOnlyList<NodeShape> Shapes { get; private set; } = [NodeShape.Objects, NodeShape.Simulated];
    public int InitPods { get; private set; } = 1000;
    public int Pods { get; private set; } = 10000;
    public int Clients { get; private set; } = 16;
    public int ScalePods { get; private set; } = 150_000;
    public int ScaleNamespaces { get; private set; } = 50;
    public string? ServerDll { get; private set; }
    public bool NoWrite { get; private set; }
    public bool KeepData { get; private set; }
    public bool PerfMap { get; private set; }
    public Dictionary<string, string> SchedulerEnvironment { get; } = [];

    // With W^X on, JIT code runs from a double-mapped memfd that perf does not look up in /tmp/perf-PID.map.
    public Dictionary<string, string> ChildEnvironment => PerfMap ? new() { ["DOTNET_PerfMapEnabled"] = "1", ["DOTNET_EnableWriteXorExecute"] = "0" } : [];

    /// <summary>Only a run of the recorded shape, with the server as built, rewrites the document.</summary>
    public bool Recordable => ServerDll is null && !PerfMap && SchedulerEnvironment.Count == 0
        && Nodes == 5000 && Clients == 16
        && (Scale ? ScalePods == 150_000 && ScaleNamespaces == 50 : InitPods == 1000 && Pods == 10000 && Shapes.Count == 2);

    public static Options Parse(string[] args)
    {
        var o = new Options();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Int() => int.TryParse(Next(), NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v > 0
                ? v
                : throw new ArgumentException($"{args[i]} needs a positive number");
            switch (args[i])
            {
                case "-h" or "--help": o.Help = true; break;
                case "--scale": o.Scale = true; break;
                case "--nodes": o.Nodes = Int(); break;
                case "--shape":
                    o.Shapes = Next() switch
                    {
                        "objects" => [NodeShape.Objects],
                        "simulated" => [NodeShape.Simulated],
                        "both" => [NodeShape.Objects, NodeShape.Simulated],
                        _ => throw new ArgumentException("--shape needs objects, simulated or both"),
                    };
                    break;
                case "--init-pods": o.InitPods = Int(); break;
                case "--pods": o.Pods = Int(); break;
                case "--clients": o.Clients = Int(); break;
                case "--scale-pods": o.ScalePods = Int(); break;
                case "--scale-namespaces": o.ScaleNamespaces = Int(); break;
                case "--server-dll": o.ServerDll = Next(); break;
                case "--no-write": o.NoWrite = true; break;
                case "--keep-data": o.KeepData = true; break;
                case "--perf-map": o.PerfMap = true; break;
                case "--scheduler-env":
                    var pair = Next().Split('=', 2);
                    o.SchedulerEnvironment[pair[0]] = pair.Length == 2 ? pair[1] : throw new ArgumentException("--scheduler-env needs NAME=VALUE");
                    break;
                default: throw new ArgumentException($"unknown flag {args[i]}");
            }
        }

        return o;
    }
}
