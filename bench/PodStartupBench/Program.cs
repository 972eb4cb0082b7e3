using System.Globalization;

namespace KubeNet.PodStartupBench;

internal static class Program
{
    public const string Usage = """
        usage: KubeNet.PodStartupBench [flags]   (run with: flock /tmp/kubenet-build.lock dotnet run -c Release --project bench/PodStartupBench -- [flags])

          --pods N          pods, and bare `docker run` containers of the baseline (default 50)
          --clients N       concurrent creators in both phases (default 10)
          --rate R          pods per second in the steady phase (default: half what the baseline shows Docker sustains)
          --timeout S       longest wait for either phase, in seconds (default 300)
          --out PATH        markdown file to update (default docs/BENCHMARKS.md); --no-write leaves it alone
          --keep-data       keep the temporary data directory (with server.log)
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
                    case "--pods": options.Pods = Count(); break;
                    case "--clients": options.Clients = Count(); break;
                    case "--rate":
                        options.Rate = double.TryParse(Next(), NumberStyles.Float, CultureInfo.InvariantCulture, out var r) && r > 0 ? r : throw new ArgumentException("--rate needs a positive number");
                        break;
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
            await Console.Error.WriteLineAsync($"podstartupbench: {ex.Message}\n{Usage}");
            return 2;
        }

        return await Bench.RunAsync(options);
    }
}

internal sealed class Options
{
    public int Pods { get; set; } = 50;

    public int Clients { get; set; } = 10;

    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(5);

    public double? Rate { get; set; }

    public string? Out { get; set; }

    public bool NoWrite { get; set; }

    public bool KeepData { get; set; }

    /// <summary>Only the documented shape replaces the recorded results.</summary>
    public bool Recordable => Pods == 50 && Clients == 10 && Rate is null;
}
