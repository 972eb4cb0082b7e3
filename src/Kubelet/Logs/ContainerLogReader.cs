using System.Globalization;
using System.Text;
using System.Text.Json;

namespace KubeNet.Kubelet.Logs;

/// <summary>What pods/log asks for (PodLogOptions).</summary>
internal sealed record LogOptions(bool Follow, long? TailLines, long? SinceSeconds, DateTime? SinceTime, bool Timestamps, long? LimitBytes);

/// <summary>
/// Reads a container's log file in either format upstream's kuberuntime/logs reads: CRI lines
/// (`2016-10-06T00:17:09.669794202Z stdout F text`, P for partial lines) and Docker json-file lines
/// (`{"log":"text\n","stream":"stdout","time":"..."}`); applies tailLines, since, timestamps and limitBytes, and follows
/// the file while the container runs.
/// </summary>
internal static class ContainerLogReader
{
    public static async Task CopyAsync(string path, LogOptions options, Stream output, Func<bool> stillRunning, CancellationToken ct)
    {
        long written = 0;
        var limit = options.LimitBytes ?? long.MaxValue;
        var since = options.SinceTime ?? (options.SinceSeconds is { } s ? DateTime.UtcNow.AddSeconds(-s) : (DateTime?)null);

        async Task<bool> EmitAsync(LogLine line)
        {
            if (since is not null && line.Time < since)
            {
                return true;
            }

            var text = options.Timestamps ? line.Time.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture) + " " + line.Content : line.Content;
            var bytes = Encoding.UTF8.GetBytes(text);
            var room = limit - written;
            if (room <= 0)
            {
                return false;
            }

            var count = (int)Math.Min(bytes.Length, room);
            await output.WriteAsync(bytes.AsMemory(0, count), ct);
            written += count;
            return written < limit;
        }

        if (!File.Exists(path))
        {
            return;
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var lines = new List<LogLine>();
        while (await reader.ReadLineAsync(ct) is { } raw)
        {
            if (Parse(raw) is { } line)
            {
                lines.Add(line);
            }
        }

        var start = options.TailLines is { } tail ? Math.Max(0, lines.Count - (int)Math.Min(tail, int.MaxValue)) : 0;
        for (var i = start; i < lines.Count; i++)
        {
            if (!await EmitAsync(lines[i]))
            {
                return;
            }
        }

        await output.FlushAsync(ct);
        if (!options.Follow)
        {
            return;
        }

        var pending = new StringBuilder();
        var idle = 0;
        while (!ct.IsCancellationRequested)
        {
            var chunk = await reader.ReadToEndAsync(ct);
            if (chunk.Length > 0)
            {
                idle = 0;
                pending.Append(chunk);
                var text = pending.ToString();
                var last = text.LastIndexOf('\n');
                if (last >= 0)
                {
                    pending.Clear().Append(text[(last + 1)..]);
                    foreach (var raw in text[..last].Split('\n'))
                    {
                        if (Parse(raw) is { } line && !await EmitAsync(line))
                        {
                            return;
                        }
                    }

                    await output.FlushAsync(ct);
                }

                continue;
            }

            // The container ended and its last lines are out: the stream ends as upstream's follow does.
            if (!stillRunning() && ++idle > 2)
            {
                return;
            }

            await Task.Delay(200, ct);
        }
    }

    /// <summary>The last lines of a log, at most maxBytes (the FallbackToLogsOnError termination message).</summary>
    public static string? Tail(string path, int lines, int maxBytes)
    {
        try
        {
            var all = File.ReadAllLines(path).Select(Parse).Where(l => l is not null).Select(l => l!.Content).ToList();
            var text = string.Concat(all.Skip(Math.Max(0, all.Count - lines)));
            return text.Length > maxBytes ? text[^maxBytes..] : text;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private sealed record LogLine(DateTime Time, string Stream, string Content);

    private static LogLine? Parse(string raw)
    {
        if (raw.Length == 0)
        {
            return null;
        }

        if (raw[0] == '{')
        {
            try
            {
                using var doc = JsonDocument.Parse(raw);
                var root = doc.RootElement;
                var time = root.TryGetProperty("time", out var t) ? ParseTime(t.GetString()) : DateTime.UtcNow;
                return new LogLine(time, root.TryGetProperty("stream", out var s) ? s.GetString() ?? "stdout" : "stdout", root.TryGetProperty("log", out var l) ? l.GetString() ?? string.Empty : string.Empty);
            }
            catch (JsonException)
            {
                return null;
            }
        }

        var parts = raw.Split(' ', 4);
        if (parts.Length < 4)
        {
            return null;
        }

        var content = parts[2] == "P" ? parts[3] : parts[3] + "\n";
        return new LogLine(ParseTime(parts[0]), parts[1], content);
    }

    private static DateTime ParseTime(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return DateTime.UtcNow;
        }

        var nanos = Runtimes.Docker.DockerLabels.Nanos(text);
        return DateTime.UnixEpoch.AddTicks(nanos / 100);
    }
}
