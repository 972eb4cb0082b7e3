using System.Globalization;

namespace KubeNet.Kubelet.Volumes;

/// <summary>
/// Writes a set of files into a volume directory atomically, as upstream's AtomicWriter: the payload goes into a new
/// timestamped directory, then the ..data link moves to it, and each top-level name links through ..data.
/// A reader following ..data sees one whole set. Unchanged payloads write nothing.
/// </summary>
internal static class AtomicWriter
{
    private const string DataLink = "..data";

    public static void Write(string directory, IReadOnlyDictionary<string, (byte[] Content, int Mode)> payload)
    {
        Directory.CreateDirectory(directory);
        var dataLink = Path.Combine(directory, DataLink);
        var current = new FileInfo(dataLink).LinkTarget;
        if (current is not null && Same(Path.Combine(directory, current), payload))
        {
            return;
        }

        var stamp = "..".Insert(2, DateTime.UtcNow.ToString("yyyy_MM_dd_HH_mm_ss.fffffff", CultureInfo.InvariantCulture));
        var target = Path.Combine(directory, stamp);
        Directory.CreateDirectory(target);
        foreach (var (relative, (content, mode)) in payload)
        {
            var path = Path.Combine(target, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, content);
            File.SetUnixFileMode(path, (UnixFileMode)mode);
        }

        // The ..data link is replaced only once the new payload is complete; readers follow it to whole sets.
        if (current is not null || File.Exists(dataLink))
        {
            File.Delete(dataLink);
        }

        File.CreateSymbolicLink(dataLink, stamp);

        var top = payload.Keys.Select(k => k.Split('/')[0]).ToHashSet(StringComparer.Ordinal);
        foreach (var name in top)
        {
            var link = Path.Combine(directory, name);
            if (new FileInfo(link).LinkTarget is null && !File.Exists(link) && !Directory.Exists(link))
            {
                File.CreateSymbolicLink(link, Path.Combine(DataLink, name));
            }
        }

        foreach (var entry in Directory.EnumerateFileSystemEntries(directory))
        {
            var name = Path.GetFileName(entry);
            if (name == DataLink || name == stamp)
            {
                continue;
            }

            if (name.StartsWith("..", StringComparison.Ordinal))
            {
                Directory.Delete(entry, recursive: true);
            }
            else if (!top.Contains(name))
            {
                File.Delete(entry);
            }
        }
    }

    private static bool Same(string directory, IReadOnlyDictionary<string, (byte[] Content, int Mode)> payload)
    {
        if (!Directory.Exists(directory))
        {
            return false;
        }

        var existing = Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).ToList();
        if (existing.Count != payload.Count)
        {
            return false;
        }

        foreach (var (relative, (content, mode)) in payload)
        {
            var path = Path.Combine(directory, relative);
            if (!File.Exists(path) || (int)File.GetUnixFileMode(path) != mode || !File.ReadAllBytes(path).AsSpan().SequenceEqual(content))
            {
                return false;
            }
        }

        return true;
    }
}
