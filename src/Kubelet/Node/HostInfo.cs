using System.Globalization;

namespace KubeNet.Kubelet.Node;

/// <summary>What the host is: capacity (cpu, memory, ephemeral storage) and identity, read from /proc and /etc.</summary>
internal static class HostInfo
{
    public static int Cpus => Environment.ProcessorCount;

    public static long MemoryBytes => ReadMeminfo("MemTotal") ?? 0;

    public static long MemoryAvailableBytes => ReadMeminfo("MemAvailable") ?? 0;

    public static (long Capacity, long Available) Filesystem(string path)
    {
        try
        {
            var drive = new DriveInfo(Path.GetFullPath(path));
            return (drive.TotalSize, drive.AvailableFreeSpace);
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return (0, 0);
        }
    }

    public static string KernelVersion => ReadFirstLine("/proc/sys/kernel/osrelease") ?? Environment.OSVersion.Version.ToString();

    public static string MachineId => ReadFirstLine("/etc/machine-id") ?? ReadFirstLine("/var/lib/dbus/machine-id") ?? string.Empty;

    public static string BootId => ReadFirstLine("/proc/sys/kernel/random/boot_id") ?? string.Empty;

    public static string OsImage
    {
        get
        {
            try
            {
                foreach (var line in File.ReadLines("/etc/os-release"))
                {
                    if (line.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))
                    {
                        return line["PRETTY_NAME=".Length..].Trim('"');
                    }
                }
            }
            catch (IOException)
            {
            }

            return "Linux";
        }
    }

    public static string Architecture => System.Runtime.InteropServices.RuntimeInformation.OSArchitecture switch
    {
        System.Runtime.InteropServices.Architecture.Arm64 => "arm64",
        _ => "amd64",
    };

    private static long? ReadMeminfo(string key)
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/meminfo"))
            {
                if (line.StartsWith(key + ":", StringComparison.Ordinal))
                {
                    var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    return long.Parse(parts[1], CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (Exception e) when (e is IOException or FormatException)
        {
        }

        return null;
    }

    private static string? ReadFirstLine(string path)
    {
        try
        {
            return File.ReadLines(path).FirstOrDefault()?.Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
