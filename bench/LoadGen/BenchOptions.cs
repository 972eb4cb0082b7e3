using System.Globalization;

namespace KubeNet.LoadGen;

/// <summary>
/// Bounds of one run. Every phase stops at its count or its time limit, whichever comes first, so a run ends by
/// itself in about two minutes on two cores.
/// </summary>
internal sealed class BenchOptions
{
    public const string Usage = """
        usage: KubeNet.LoadGen [flags]   (run with: dotnet run -c Release --project bench/LoadGen -- [flags])

          --clients N            concurrent clients (default 16)
          --creates N            ConfigMap creates through the API server (default 20000; also bounded by --create-seconds 30)
          --gets N               GETs of random created objects (default 400000; also bounded by --get-seconds 10)
          --lists N              LISTs with limit=500 (default 5000; also bounded by --list-seconds 8)
          --baseline-writes N    inserts for the raw SQLite and SqliteStore baselines (default 50000; bounded by --baseline-seconds 20)
          --kestrel-seconds S    length of each bare Kestrel phase (default 10)
          --warmup-seconds S     unmeasured warm-up before each HTTP phase (default 2)
          --server-warmup-seconds S  unmeasured creates before the server's create phase (default: --warmup-seconds;
                                 10 with --etcd, so the server's create path is compiled to its final tier first)
          --idle-seconds S       idle time before the idle RSS sample (default 5)
          --server-dll PATH      kube-net.dll to start (default src/KubeNet/bin/<this configuration>/net10.0/kube-net.dll)
          --out PATH             markdown file to update (default docs/BENCHMARKS.md); --no-write leaves it alone
          --only LIST            comma-separated subset of: sqlite,store,kestrel,server (default all)
          --perf-map             start the servers with DOTNET_PerfMapEnabled=1 and W^X off so `perf record -p PID` names JIT frames
                                 (for profiling only: W^X off changes the figures)
          --server-env NAME=VALUE  extra environment for the kube-net server (repeatable), e.g. DOTNET_gcServer=0 to try
                                 a runtime setting; such a run does not update the benchmarks document
          --server-arg ARG       an extra argument for the kube-net server (repeatable), e.g. --server-arg --controllers=-* to
                                 measure without the in-process controllers; such a run does not update the benchmarks document
          --keep-data            keep the temporary data directories
          --etcd                 the etcd run instead: a local etcd member, raw dotnet-etcd puts and guarded transactions,
                                 EtcdStore.CreateAsync, then creates, gets and lists (same bounds) through
                                 `kube-net apiserver --etcd-servers` and, on a fresh member, `kube-net server --storage etcd`
          --etcd-rows LIST       with --etcd, which servers to measure: apiserver,server (default both; a run with one
                                 does not update the benchmarks document)
        """;

    public int Clients { get; private set; } = 16;
    public int Creates { get; private set; } = 20_000;
    public TimeSpan CreateDuration { get; private set; } = TimeSpan.FromSeconds(30);
    public int Gets { get; private set; } = 400_000;
    public TimeSpan GetDuration { get; private set; } = TimeSpan.FromSeconds(10);
    public int Lists { get; private set; } = 5_000;
    public TimeSpan ListDuration { get; private set; } = TimeSpan.FromSeconds(8);
    public int BaselineWrites { get; private set; } = 50_000;
    public TimeSpan BaselineDuration { get; private set; } = TimeSpan.FromSeconds(20);
    public TimeSpan KestrelDuration { get; private set; } = TimeSpan.FromSeconds(10);
    public TimeSpan Warmup { get; private set; } = TimeSpan.FromSeconds(2);
    public TimeSpan? ServerWarmup { get; private set; }

    public TimeSpan ServerCreateWarmup => ServerWarmup ?? (Etcd ? TimeSpan.FromSeconds(10) : Warmup);
    public TimeSpan Idle { get; private set; } = TimeSpan.FromSeconds(5);
    public string? ServerDll { get; private set; }
    public string? Out { get; private set; }
    public bool NoWrite { get; private set; }
    public bool PerfMap { get; private set; }
    public bool KeepData { get; private set; }
    public bool Help { get; private set; }
    public bool Etcd { get; private set; }
    public Dictionary<string, string> ServerEnvironment { get; } = new(StringComparer.Ordinal);
    public List<string> ServerArguments { get; } = [];
    public HashSet<string> Only { get; } = new(StringComparer.Ordinal) { "sqlite", "store", "kestrel", "server" };
    public HashSet<string> EtcdRows { get; } = new(StringComparer.Ordinal) { "apiserver", "server" };

    /// <summary>Only a complete run with the server as shipped may replace the recorded results.</summary>
    public bool Recordable => Only.Count == 4 && EtcdRows.Count == 2 && ServerEnvironment.Count == 0 && ServerArguments.Count == 0 && !PerfMap && ServerDll is null;

    public static BenchOptions Parse(string[] args)
    {
        var o = new BenchOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value");
            int Count() => int.TryParse(Next(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v > 0
                ? v
                : throw new ArgumentException($"{name} needs a positive integer");
            TimeSpan Seconds() => double.TryParse(Next(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v >= 0 && v <= 600
                ? TimeSpan.FromSeconds(v)
                : throw new ArgumentException($"{name} needs seconds between 0 and 600");

            switch (name)
            {
                case "-h" or "--help": o.Help = true; break;
                case "--clients": o.Clients = Count(); break;
                case "--creates": o.Creates = Count(); break;
                case "--create-seconds": o.CreateDuration = Seconds(); break;
                case "--gets": o.Gets = Count(); break;
                case "--get-seconds": o.GetDuration = Seconds(); break;
                case "--lists": o.Lists = Count(); break;
                case "--list-seconds": o.ListDuration = Seconds(); break;
                case "--baseline-writes": o.BaselineWrites = Count(); break;
                case "--baseline-seconds": o.BaselineDuration = Seconds(); break;
                case "--kestrel-seconds": o.KestrelDuration = Seconds(); break;
                case "--warmup-seconds": o.Warmup = Seconds(); break;
                case "--server-warmup-seconds": o.ServerWarmup = Seconds(); break;
                case "--idle-seconds": o.Idle = Seconds(); break;
                case "--server-dll": o.ServerDll = Next(); break;
                case "--out": o.Out = Next(); break;
                case "--no-write": o.NoWrite = true; break;
                case "--perf-map": o.PerfMap = true; break;
                case "--keep-data": o.KeepData = true; break;
                case "--etcd": o.Etcd = true; break;
                case "--server-env":
                    var pair = Next();
                    var eq = pair.IndexOf('=', StringComparison.Ordinal);
                    if (eq <= 0)
                    {
                        throw new ArgumentException("--server-env needs NAME=VALUE");
                    }

                    o.ServerEnvironment[pair[..eq]] = pair[(eq + 1)..];
                    break;
                case "--server-arg": o.ServerArguments.Add(Next()); break;
                case "--etcd-rows":
                    o.EtcdRows.Clear();
                    foreach (var part in Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        if (part is not ("apiserver" or "server"))
                        {
                            throw new ArgumentException($"unknown etcd row \"{part}\"");
                        }

                        o.EtcdRows.Add(part);
                    }

                    break;
                case "--only":
                    o.Only.Clear();
                    foreach (var part in Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        if (part is not ("sqlite" or "store" or "kestrel" or "server"))
                        {
                            throw new ArgumentException($"unknown phase group \"{part}\"");
                        }

                        o.Only.Add(part);
                    }

                    break;
                default: throw new ArgumentException($"unknown flag {name}");
            }
        }

        return o;
    }
}
