using k8s;
using KubeNet.ApiServer;
using KubeNet.Kubelet.Simulation;
using KubeNet.Client;
using KubeNet.Controllers;
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
                      [--runtime-endpoint unix://PATH] [--hollow-nodes N] [--node-name NAME]
          apiserver   the API server alone (same storage flags as server)
          controller-manager
                      the controllers alone, against any API server: --kubeconfig FILE [--leader-elect true|false]
                      [--controllers *,foo,-bar]
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
            case "scheduler":
                return await SchedulerAsync(flags);
            case "hollow-nodes":
                return await HollowNodesAsync(flags);
            case "kubelet" or "cri-docker":
                await Console.Error.WriteLineAsync($"kube-net {verb}: this component is not built yet");
                return 2;
            default:
                await Console.Error.WriteLineAsync($"kube-net: unknown verb \"{verb}\"\n{Usage}");
                return 2;
        }
    }

    private static readonly HashSet<string> Known =
    [
        "data-dir", "bind", "secure-port", "storage", "etcd-servers", "runtime", "runtime-endpoint", "hollow-nodes", "node-name", "kubeconfig", "sync", "leader-elect", "controllers", "count",
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
    private static async Task<HollowNodePool?> StartHollowNodesAsync(Dictionary<string, string> flags, KubeApiServer server, ILoggerFactory loggerFactory)
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

        var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(server.KubeconfigPath));
        var pool = await HollowNodePool.StartAsync(client, options, loggerFactory.CreateLogger("KubeNet.HollowNodes"), CancellationToken.None);
        Console.WriteLine($"{count} simulated node(s) ready");
        return pool;
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
            };
            options.Validate();
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
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
            Storage = flags.GetValueOrDefault("storage", "sqlite"),
            SynchronousFull = flags.GetValueOrDefault("sync", "full") != "normal",
        };

        using var loggerFactory = CreateLoggerFactory();
        // The host's console lifetime turns SIGINT and SIGTERM into a graceful stop.
        KubeApiServer server;
        try
        {
            server = await KubeApiServer.StartAsync(options, loggerFactory);
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or ArgumentException or NotSupportedException)
        {
            await Console.Error.WriteLineAsync($"kube-net {verb}: {ex.Message}");
            return 1;
        }

        await using var _ = server;
        Console.WriteLine($"export KUBECONFIG={server.KubeconfigPath}");
        await using var nodes = verb == "server" ? await StartHollowNodesAsync(flags, server, loggerFactory) : null;
        await using var scheduler = verb == "server"
            ? KubeScheduler.Start(new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(server.KubeconfigPath)), new SchedulerOptions { LeaderElect = false }, loggerFactory)
            : null;
        await using var controllers = verb == "server"
            ? ControllerManager.Start(new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(server.KubeconfigPath)), new ControllerManagerOptions { LeaderElect = false }, loggerFactory)
            : null;
        if (verb == "server" && flags.GetValueOrDefault("runtime", "auto") != "none")
        {
            Console.WriteLine("note: the kubelet is not built yet: no local node runs (simulated nodes come from --hollow-nodes N)");
        }

        await server.WaitForShutdownAsync(CancellationToken.None);
        return 0;
    }
}
