using System.Diagnostics;
using KubeNet.LoadGen;

namespace KubeNet.SchedulerBench;

internal static class Print
{
    public static void Machine(Machine m, string work)
    {
        Console.WriteLine($"machine: {m.Cores} cores ({m.Cpu}), {m.MemoryBytes / (1024.0 * 1024 * 1024):F1} GiB, {m.Os}, Linux {m.Kernel}, {m.DotNet}; data on {m.Filesystem}");
        Console.WriteLine($"work directory: {work}");
    }

    public static string MachineLine(Machine m) =>
        FormattableString.Invariant($"{m.Cores} cores ({m.Cpu}), {m.MemoryBytes / (1024.0 * 1024 * 1024):F1} GiB RAM, {m.Os}, Linux {m.Kernel}, {m.DotNet}; data directory on {m.Filesystem}");

    /// <summary>Rewrites the text between the markers of docs/BENCHMARKS.md (appending the section when it is new).</summary>
    public static void Update(Options options, string markdown, string begin, string end)
    {
        if (options.NoWrite)
        {
            return;
        }

        if (!options.Recordable)
        {
            Console.WriteLine("note: a run of another shape or build does not update the benchmarks document");
            return;
        }

        var target = Path.Combine(KubeNet.Bench.BenchHost.FindRepoRoot(), "docs", "BENCHMARKS.md");
        var text = File.ReadAllText(target);
        var block = begin + "\n" + markdown.TrimEnd() + "\n" + end;
        var start = text.IndexOf(begin, StringComparison.Ordinal);
        var stop = text.IndexOf(end, StringComparison.Ordinal);
        text = start >= 0 && stop > start
            ? text[..start] + block + text[(stop + end.Length)..]
            : text.TrimEnd() + "\n\n" + block + "\n";
        File.WriteAllText(target, text);
        Console.WriteLine($"updated {target}");
    }
}

internal static class Git
{
    /// <summary>The commit the measured build came from (short hash, "+dirty" when the work tree has changes).</summary>
    public static string Commit()
    {
        try
        {
            var repo = KubeNet.Bench.BenchHost.FindRepoRoot();
            var hash = Run(repo, "rev-parse --short HEAD").Trim();
            // The document this benchmark writes does not make the measured build dirty.
            var dirty = Run(repo, "status --porcelain --untracked-files=no").Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Any(line => !line.EndsWith("docs/BENCHMARKS.md", StringComparison.Ordinal));
            return hash + (dirty ? "+dirty" : "");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return "unknown";
        }
    }

    private static string Run(string directory, string arguments)
    {
        var info = new ProcessStartInfo("git", arguments) { WorkingDirectory = directory, RedirectStandardOutput = true, UseShellExecute = false };
        using var process = Process.Start(info) ?? throw new InvalidOperationException("git did not start");
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return output;
    }
}
