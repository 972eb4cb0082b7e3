using k8s;
using KubeNet.ApiServer;
using KubeNet.Kubelet.Simulation;
using KubeNet.Client;
using KubeNet.Controllers;
using KubeNet.Cluster;
using KubeNet.Scheduler;
using Microsoft.Extensions.Logging;

namespace KubeNet;

/// <summary>The kube-net command line: one verb per component plus `server`, which runs them all in one process.</summary>
internal static class CommandLine
{
    private const string Usage = """
        usage: kube-net <verb> [flags]

          server      the all-in-one cluster: API server on embedded storage (and, as they land, the other components)
                      [--data-dir DIR (default ./.kube-net)] [--bind 127.0.0.1] [--secure-port 6443]
                      [--storage sqlite|etcd] [--etcd-servers URL[,URL]] [--runtime auto|docker|none]
                      [--etcd-cafile F --etcd-certfile F --etcd-keyfile F] [--etcd-compaction-interval 5m]
                      [--pki-dir DIR (cluster CA shared by several API servers; default DATA-DIR/pki)]
                      [--runtime-endpoint unix://PATH] [--hollow-nodes N] [--node-name NAME]
                      [--controllers *,foo,-bar ("-*" or empty: no controllers in this process)]
                      [--scheduler true|false (false: no scheduler in this process)]
          apiserver   the API server alone (same storage flags as server)
          kubelet     the kubelet alone: --kubeconfig FILE [--node-name N] [--runtime-endpoint unix://PATH]
                      [--root-dir DIR] [--kubelet-port 10250] [--address 127.0.0.1] [--pod-cidr CIDR]
          cri-docker  the Docker CRI server alone: --listen unix://PATH [--root-dir DIR]
          controller-manager
                      the controllers alone, against any API server: --kubeconfig FILE [--leader-elect true|false]
                      [--controllers *,foo,-bar] [--root-ca-file FILE] [--terminated-pod-gc-threshold N]
          scheduler   the scheduler alone, against any API server: --kubeconfig FILE [--leader-elect true|false]
          hollow-nodes
                      simulated nodes alone, against any API server: --kubeconfig FILE --count N
          version     print the version
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            Console.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }

        var verb = args[0];
        Dictionary<string, string> flags;
        try
        {
            flags = ParseFlags(args[1..]);
        }
        catch (ArgumentException ex)
        {
            await Console.Error.WriteLineAsync($"kube-net {verb}: {ex.Message}");
            return 2;
        }

        switch (verb)
        {
            case "version":
                Console.WriteLine("kube-net v1.32.4-kube-net");
                return 0;
            case "server" or "apiserver":
                return await ServeAsync(verb, flags);
            case "controller-manager":
                return await ControllerManagerAsync(flags);
            case "kubelet":
                return await NodeCommands.KubeletAsync(flags, CreateLoggerFactory());
            case "cri-docker":
                return await NodeCommands.CriDockerAsync(flags, CreateLoggerFactory());
            case "scheduler":
                return await SchedulerAsync(flags);
            case "hollow-nodes":
                return await HollowNodesAsync(flags);
            default:
                await Console.Error.WriteLineAsync($"kube-net: unknown verb \"{verb}\"\n{Usage}");
                return 2;
        }
    }

    private static readonly HashSet<string> Known =
    [
        "data-dir", "bind", "secure-port", "storage", "etcd-servers", "etcd-cafile", "etcd-certfile", "etcd-keyfile", "etcd-compaction-interval", "pki-dir", "runtime", "runtime-endpoint", "hollow-nodes", "node-name", "kubeconfig", "sync", "leader-elect", "controllers", "scheduler", .. NodeCommands.Flags,
        "root-ca-file", "terminated-pod-gc-threshold", "count",
    ];

    private static Dictionary<string, string> ParseFlags(string[] args)
    {
        var flags = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            var a = args[i];
            if (!a.StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"unexpected argument \"{a}\"");
            }

            var eq = a.IndexOf('=', StringComparison.Ordinal);
            var name = eq > 0 ? a[2..eq] : a[2..];
            if (!Known.Contains(name))
            {
                throw new ArgumentException($"unknown flag --{name}");
            }

            if (eq > 0)
            {
                flags[name] = a[(eq + 1)..];
            }
            else if (i + 1 < args.Length)
            {
                flags[name] = args[++i];
            }
            else
            {
                throw new ArgumentException($"flag --{name} needs a value");
            }
        }

        return flags;
    }

    /// <summary>--hollow-nodes N: simulated nodes that register, heartbeat and run the pods bound to them, in this process.</summary>
    private static HollowNodeOptions? HollowNodes(Dictionary<string, string> flags)
    {
        var count = int.Parse(flags.GetValueOrDefault("hollow-nodes", "0"), System.Globalization.CultureInfo.InvariantCulture);
        if (count <= 0)
        {
            return null;
        }

        var options = new HollowNodeOptions { Count = count };
        if (count > 256)
        {
            // One /24 per node: a wide range for large simulated clusters.
            options.PodCidrBase = "10.128.0.0/9";
        }

        return options;
    }

    /// <summary>`kube-net controller-manager --kubeconfig F`: the controllers alone, campaigning for leadership.</summary>
    private static async Task<int> ControllerManagerAsync(Dictionary<string, string> flags)
    {
        if (!flags.TryGetValue("kubeconfig", out var kubeconfig))
        {
            await Console.Error.WriteLineAsync("kube-net controller-manager: --kubeconfig FILE is required");
            return 2;
        }

        ControllerManagerOptions options;
        try
        {
            options = new ControllerManagerOptions
            {
                LeaderElect = bool.Parse(flags.GetValueOrDefault("leader-elect", "true")),
                Controllers = flags.GetValueOrDefault("controllers", "*").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                RootCaPem = flags.TryGetValue("root-ca-file", out var caFile) ? File.ReadAllText(caFile) : ControllerManagerOptions.RootCaFromKubeconfig(kubeconfig),
                TerminatedPodGcThreshold = int.Parse(flags.GetValueOrDefault("terminated-pod-gc-threshold", "12500"), System.Globalization.CultureInfo.InvariantCulture),
            };
            options.Validate();
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or IOException or k8s.Exceptions.KubeConfigException)
        {
            await Console.Error.WriteLineAsync($"kube-net controller-manager: {ex.Message}");
            return 2;
        }

        using var loggerFactory = CreateLoggerFactory();
        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));
        using var stop = new CancellationTokenSource();
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            stop.Cancel();
        });
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        await using (ControllerManager.Start(client, options, loggerFactory))
        {
            try
            {
                await Task.Delay(Timeout.Infinite, stop.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }

        return 0;
    }

    /// <summary>A Go duration such as 5m, 90s, 1h30m or 0; null when it is not one.</summary>
    private static TimeSpan? GoDuration(string text)
    {
        var match = System.Text.RegularExpressions.Regex.Match(text, @"^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$");
        if (text == "0")
        {
            return TimeSpan.Zero;
        }

        if (!match.Success || text.Length == 0)
        {
            return null;
        }

        int Part(int i) => match.Groups[i].Success ? int.Parse(match.Groups[i].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
        return new TimeSpan(0, Part(1), Part(2), Part(3), Part(4));
    }

    /// <summary>
    /// The in-process controller-manager of `server`: --controllers as kube-controller-manager reads it, where "-*"
    /// or an empty list runs none (for a controller-manager started separately against this server).
    /// </summary>
    private static ControllerManagerOptions? ServerControllers(string value)
    {
        var names = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (names.Length == 0 || names.Contains("-*"))
        {
            return null;
        }

        var options = new ControllerManagerOptions { LeaderElect = false, Controllers = names };
        options.Validate();
        return options;
    }

    /// <summary>`kube-net scheduler --kubeconfig F`: the scheduler alone, campaigning for the kube-scheduler Lease.</summary>
    private static async Task<int> SchedulerAsync(Dictionary<string, string> flags)
    {
        if (!flags.TryGetValue("kubeconfig", out var kubeconfig))
        {
            await Console.Error.WriteLineAsync("kube-net scheduler: --kubeconfig FILE is required");
            return 2;
        }

        SchedulerOptions options;
        try
        {
            options = new SchedulerOptions { LeaderElect = bool.Parse(flags.GetValueOrDefault("leader-elect", "true")) };
            options.Validate();
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            await Console.Error.WriteLineAsync($"kube-net scheduler: {ex.Message}");
            return 2;
        }

        using var loggerFactory = CreateLoggerFactory();
        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));
        await using (KubeScheduler.Start(client, options, loggerFactory))
        {
            await WaitForStopSignalAsync();
        }

        return 0;
    }

    /// <summary>`kube-net hollow-nodes --kubeconfig F --count N`: simulated nodes alone, against any API server.</summary>
    private static async Task<int> HollowNodesAsync(Dictionary<string, string> flags)
    {
        if (!flags.TryGetValue("kubeconfig", out var kubeconfig)
            || !int.TryParse(flags.GetValueOrDefault("count", "1"), System.Globalization.CultureInfo.InvariantCulture, out var count) || count < 1)
        {
            await Console.Error.WriteLineAsync("kube-net hollow-nodes: --kubeconfig FILE is required and --count N must be a positive number");
            return 2;
        }

        using var loggerFactory = CreateLoggerFactory();
        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));
        var options = new HollowNodeOptions { Count = count, PodCidrBase = count > 256 ? "10.128.0.0/9" : "10.244.0.0/16" };
        await using (await HollowNodePool.StartAsync(client, options, loggerFactory.CreateLogger("KubeNet.HollowNodes"), CancellationToken.None))
        {
            Console.WriteLine($"{count} simulated node(s) ready");
            await WaitForStopSignalAsync();
        }

        return 0;
    }

    private static async Task WaitForStopSignalAsync()
    {
        using var stop = new CancellationTokenSource();
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            stop.Cancel();
        });
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static ILoggerFactory CreateLoggerFactory() => LoggerFactory.Create(b => b.AddSimpleConsole(o =>
    {
        o.SingleLine = true;
        o.TimestampFormat = "HH:mm:ss.fff ";
    }).SetMinimumLevel(LogLevel.Information).AddFilter("Microsoft.AspNetCore", LogLevel.Warning));

    private static async Task<int> ServeAsync(string verb, Dictionary<string, string> flags)
    {
        var options = new ApiServerOptions
        {
            DataDirectory = flags.GetValueOrDefault("data-dir", ".kube-net"),
            BindAddress = flags.GetValueOrDefault("bind", "127.0.0.1"),
            SecurePort = int.Parse(flags.GetValueOrDefault("secure-port", "6443"), System.Globalization.CultureInfo.InvariantCulture),
            Storage = flags.GetValueOrDefault("storage", flags.ContainsKey("etcd-servers") ? "etcd" : "sqlite"),
            SynchronousFull = flags.GetValueOrDefault("sync", "full") != "normal",
            PkiDirectory = flags.GetValueOrDefault("pki-dir"),
            EtcdCaFile = flags.GetValueOrDefault("etcd-cafile"),
            EtcdCertFile = flags.GetValueOrDefault("etcd-certfile"),
            EtcdKeyFile = flags.GetValueOrDefault("etcd-keyfile"),
        };
        foreach (var url in flags.GetValueOrDefault("etcd-servers", "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            options.EtcdServers.Add(url);
        }

        if (flags.TryGetValue("etcd-compaction-interval", out var interval))
        {
            if (GoDuration(interval) is not { } duration)
            {
                await Console.Error.WriteLineAsync($"kube-net {verb}: --etcd-compaction-interval \"{interval}\" is not a duration such as 5m or 90s");
                return 2;
            }

            options.EtcdCompactionInterval = duration;
        }

        var all = verb == "server";
        ControllerManagerOptions? controllers = null;
        var scheduler = false;
        if (all)
        {
            try
            {
                controllers = ServerControllers(flags.GetValueOrDefault("controllers", "*"));
                scheduler = bool.Parse(flags.GetValueOrDefault("scheduler", "true"));
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException)
            {
                await Console.Error.WriteLineAsync($"kube-net {verb}: {ex.Message}");
                return 2;
            }
        }

        using var loggerFactory = CreateLoggerFactory();
        var clusterOptions = new LocalClusterOptions
        {
            ApiServer = options,
            HollowNodes = all ? HollowNodes(flags) : null,
            // --scheduler=false leaves scheduling to a scheduler started separately against this server.
            Scheduler = scheduler,
            // On etcd several servers may share one cluster: their controller-managers elect one leader.
            Controllers = controllers is null ? null : new ControllerManagerOptions { LeaderElect = options.Storage == "etcd", Controllers = controllers.Controllers },
        };

        // The host's console lifetime turns SIGINT and SIGTERM into a graceful stop.
        LocalCluster cluster;
        try
        {
            cluster = await LocalCluster.StartAsync(clusterOptions, loggerFactory);
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or ArgumentException or NotSupportedException)
        {
            await Console.Error.WriteLineAsync($"kube-net {verb}: {ex.Message}");
            return 1;
        }

        await using var _ = cluster;
        Console.WriteLine($"export KUBECONFIG={cluster.KubeconfigPath}");
        if (clusterOptions.HollowNodes is { } hollow)
        {
            Console.WriteLine($"{hollow.Count} simulated node(s) ready");
        }

        await using var localNode = all ? await NodeCommands.StartLocalNodeAsync(flags, cluster.Server, options.DataDirectory, loggerFactory) : null;

        await cluster.WaitForShutdownAsync(CancellationToken.None);
        return 0;
    }
}
