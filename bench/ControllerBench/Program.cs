using System.Globalization;

namespace KubeNet.ControllerBench;

internal static class Program
{
    public const string Usage = """
        usage: KubeNet.ControllerBench [flags]   (run with: dotnet run -c Release --project bench/ControllerBench -- [flags])

          --replicas N      pods of the Deployment, and of the bare-pod baseline (default 1000)
          --nodes N         simulated nodes of the server (default 100)
          --clients N       concurrent creators of the bare-pod baseline (default 16)
          --timeout S       longest wait for either phase, in seconds (default 600)
          --out PATH        markdown file to update (default docs/BENCHMARKS.md); --no-write leaves it alone
          --keep-data       keep the temporary data directory (with server.log and controller-manager.log)
        """;

    public static async Task<int> Main(string[] args)
    {
        var options = new Options();
        try
        {
            for (var i = 0; i < args.Length; i++)
            {
                var name = args[i];
                string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value");
                int Count() => int.TryParse(Next(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v > 0
                    ? v
                    : throw new ArgumentException($"{name} needs a positive integer");
                switch (name)
                {
                    case "-h" or "--help":
                        Console.WriteLine(Usage);
                        return 0;
                    case "--replicas": options.Replicas = Count(); break;
                    case "--nodes": options.Nodes = Count(); break;
                    case "--clients": options.Clients = Count(); break;
                    case "--timeout": options.Timeout = TimeSpan.FromSeconds(Count()); break;
                    case "--out": options.Out = Next(); break;
                    case "--no-write": options.NoWrite = true; break;
                    case "--keep-data": options.KeepData = true; break;
                    default: throw new ArgumentException($"unknown flag {name}");
                }
            }
        }
        catch (ArgumentException ex)
        {
            await Console.Error.WriteLineAsync($"controllerbench: {ex.Message}\n{Usage}");
            return 2;
        }

        return await Bench.RunAsync(options);
    }
}

internal sealed class Options
{
    public int Replicas { get; set; } = 1000;

    public int Nodes { get; set; } = 100;

    public int Clients { get; set; } = 16;

    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(10);

    public string? Out { get; set; }

    public bool NoWrite { get; set; }

    public bool KeepData { get; set; }

    /// <summary>Only the documented shape replaces the recorded results.</summary>
    public bool Recordable => Replicas == 1000 && Nodes == 100 && Clients == 16;
}
