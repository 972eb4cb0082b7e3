using System.Runtime.InteropServices;
using System.Text.Json;

namespace KubeNet.LoadGen;

/// <summary>What the figures were measured on, read from /proc and the runtime.</summary>
internal sealed record Machine(int Cores, string Cpu, long MemoryBytes, string Os, string Kernel, string DotNet, string Filesystem)
{
    public static Machine Describe(string dataDirectory)
    {
        var cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown";
        var memKb = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        var os = File.Exists("/etc/os-release")
            ? File.ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))?["PRETTY_NAME=".Length..].Trim('"') ?? "Linux"
            : RuntimeInformation.OSDescription;
        var kernel = File.Exists("/proc/sys/kernel/osrelease") ? File.ReadAllText("/proc/sys/kernel/osrelease").Trim() : RuntimeInformation.OSDescription;
        return new Machine(
            Environment.ProcessorCount,
            cpu,
            long.Parse(memKb, System.Globalization.CultureInfo.InvariantCulture) * 1024,
            os,
            kernel,
            RuntimeInformation.FrameworkDescription,
            FilesystemOf(dataDirectory));
    }

    /// <summary>The type of the file system holding <paramref name="path"/> (fsync cost depends on it: tmpfs would flatter).</summary>
    private static string FilesystemOf(string path)
    {
        var full = Path.GetFullPath(path);
        var best = (Mount: "", Type: "unknown", Device: "");
        foreach (var line in File.ReadLines("/proc/mounts"))
        {
            var f = line.Split(' ');
            if (f.Length >= 3 && (full == f[1] || full.StartsWith(f[1].TrimEnd('/') + "/", StringComparison.Ordinal)) && f[1].Length >= best.Mount.Length)
            {
                best = (f[1], f[2], f[0]);
            }
        }

        return $"{best.Type} ({best.Device} on {best.Mount})";
    }

    /// <summary>Whether the runtimeconfig next to an assembly turns on server GC (the Web SDK's default).</summary>
    public static string GcMode(string assemblyPath)
    {
        var config = Path.ChangeExtension(assemblyPath, ".runtimeconfig.json");
        if (!File.Exists(config))
        {
            return "unknown";
        }

        using var doc = JsonDocument.Parse(File.ReadAllText(config));
        var server = doc.RootElement.TryGetProperty("runtimeOptions", out var ro)
            && ro.TryGetProperty("configProperties", out var cp)
            && cp.TryGetProperty("System.GC.Server", out var gc)
            && gc.ValueKind == JsonValueKind.True;
        var concurrent = !(doc.RootElement.TryGetProperty("runtimeOptions", out ro)
            && ro.TryGetProperty("configProperties", out cp)
            && cp.TryGetProperty("System.GC.Concurrent", out var cc)
            && cc.ValueKind == JsonValueKind.False);
        return (server ? "server GC" : "workstation GC") + (concurrent ? ", concurrent" : ", non-concurrent");
    }
}
