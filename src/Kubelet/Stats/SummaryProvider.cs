using System.Globalization;
using System.Text.Json.Nodes;
using Grpc.Core;
using k8s.Models;
using KubeNet.Kubelet.Cri;
using KubeNet.Kubelet.Cri.V1;
using KubeNet.Kubelet.Node;
using KubeNet.Kubelet.Pods;
using Microsoft.Extensions.Logging;

namespace KubeNet.Kubelet.Stats;

/// <summary>
/// The kubelet's /stats/summary (stats.k8s.io/v1alpha1 Summary): node CPU, memory and filesystem from /proc and the
/// root directory's filesystem; per pod and container CPU and memory from the runtime's ListContainerStats. CPU rates
/// (usageNanoCores) come from successive cumulative samples, as upstream's CRI stats provider computes them; a
/// background sampler keeps a recent sample so the first request already has a rate.
/// </summary>
internal sealed partial class SummaryProvider(CriClient cri, Func<IEnumerable<V1Pod>> pods, KubeletOptions options, ILogger logger)
{
    private const long MinimumWindowNanos = 500_000_000;
    private readonly Dictionary<string, CpuSample> _cpu = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    private sealed record CpuSample(long Timestamp, ulong Usage, ulong? Rate);

    /// <summary>Samples every interval until stopped, so that rates exist before anyone asks.</summary>
    public async Task RunAsync(TimeSpan interval, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await SummaryAsync(ct);
            }
            catch (RpcException e)
            {
                LogSampleFailed(logger, e.Status.Detail);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }

            try
            {
                await Task.Delay(interval, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public async Task<JsonObject> SummaryAsync(CancellationToken ct)
    {
        var stats = (await cri.Runtime.ListContainerStatsAsync(new ListContainerStatsRequest { Filter = new ContainerStatsFilter() }, cancellationToken: ct)).Stats;
        var now = DateTime.UtcNow;
        var nodeCpu = NodeCpuNanos();
        var nodeTimestamp = (now.Ticks - DateTime.UnixEpoch.Ticks) * 100;
        var seen = new HashSet<string>(StringComparer.Ordinal) { "node" };

        var podsOut = new JsonArray();
        var byPod = stats.GroupBy(s => (s.Attributes.Labels.TryGetValue(CriLabels.PodUid, out var u) ? u : string.Empty)).ToDictionary(g => g.Key, g => g.ToList());
        foreach (var pod in pods())
        {
            var uid = pod.Metadata.Uid;
            var containers = new JsonArray();
            ulong podCpu = 0, podMemory = 0, podRate = 0, podUsage = 0;
            var haveRate = true;
            long podTime = 0;
            foreach (var s in byPod.TryGetValue(uid, out var own) ? own : [])
            {
                seen.Add(s.Attributes.Id);
                var name = s.Attributes.Labels.TryGetValue(CriLabels.ContainerName, out var n) ? n : s.Attributes.Metadata.Name;
                var usage = s.Cpu?.UsageCoreNanoSeconds?.Value ?? 0;
                var rate = Rate(s.Attributes.Id, s.Cpu?.Timestamp ?? nodeTimestamp, usage);
                var workingSet = s.Memory?.WorkingSetBytes?.Value ?? 0;
                var time = Time(s.Cpu?.Timestamp ?? nodeTimestamp);
                podTime = Math.Max(podTime, s.Cpu?.Timestamp ?? nodeTimestamp);
                podCpu += usage;
                podMemory += workingSet;
                podUsage += s.Memory?.UsageBytes?.Value ?? 0;
                podRate += rate ?? 0;
                haveRate &= rate is not null;
                var started = pod.Status?.ContainerStatuses?.FirstOrDefault(c => c.Name == name)?.State?.Running?.StartedAt;
                containers.Add(new JsonObject
                {
                    ["name"] = name,
                    ["startTime"] = Time(started ?? now),
                    ["cpu"] = Cpu(time, usage, rate),
                    ["memory"] = Memory(time, workingSet, s.Memory?.UsageBytes?.Value ?? 0, s.Memory?.RssBytes?.Value ?? 0, s.Memory?.PageFaults?.Value ?? 0, s.Memory?.MajorPageFaults?.Value ?? 0),
                });
            }

            var podObject = new JsonObject
            {
                ["podRef"] = new JsonObject { ["name"] = pod.Metadata.Name, ["namespace"] = pod.Metadata.NamespaceProperty, ["uid"] = uid },
                ["startTime"] = Time(pod.Status?.StartTime ?? pod.Metadata.CreationTimestamp ?? now),
                ["containers"] = containers,
            };
            if (containers.Count > 0)
            {
                var time = Time(podTime);
                podObject["cpu"] = Cpu(time, podCpu, haveRate ? podRate : null);
                podObject["memory"] = Memory(time, podMemory, podUsage, 0, 0, 0);
            }

            podsOut.Add(podObject);
        }

        var nodeRate = Rate("node", nodeTimestamp, nodeCpu);
        Forget(seen);
        var totalMemory = (ulong)Math.Max(0, HostInfo.MemoryBytes);
        var available = (ulong)Math.Max(0, HostInfo.MemoryAvailableBytes);
        var free = (ulong)Math.Max(0, Meminfo("MemFree") ?? 0);
        var (capacity, fsAvailable) = HostInfo.Filesystem(options.RootDirectory);
        var nodeTime = Time(now);
        var fs = new JsonObject
        {
            ["time"] = nodeTime,
            ["availableBytes"] = fsAvailable,
            ["capacityBytes"] = capacity,
            ["usedBytes"] = Math.Max(0, capacity - fsAvailable),
        };
        return new JsonObject
        {
            ["node"] = new JsonObject
            {
                ["nodeName"] = options.NodeName,
                ["startTime"] = Time(BootTime()),
                ["cpu"] = Cpu(nodeTime, nodeCpu, nodeRate),
                ["memory"] = Memory(nodeTime, totalMemory - available, totalMemory - free, 0, 0, 0, available),
                ["fs"] = fs,
                ["runtime"] = new JsonObject { ["imageFs"] = fs.DeepClone() },
            },
            ["pods"] = podsOut,
        };
    }

    /// <summary>The CPU rate since the last sample at least half a second older, or the last rate when samples come faster.</summary>
    private ulong? Rate(string key, long timestamp, ulong usage)
    {
        lock (_lock)
        {
            if (!_cpu.TryGetValue(key, out var previous) || usage < previous.Usage || timestamp <= previous.Timestamp)
            {
                _cpu[key] = new CpuSample(timestamp, usage, null);
                return null;
            }

            if (timestamp - previous.Timestamp < MinimumWindowNanos)
            {
                return previous.Rate;
            }

            var rate = (ulong)((usage - previous.Usage) * 1e9 / (timestamp - previous.Timestamp));
            _cpu[key] = new CpuSample(timestamp, usage, rate);
            return rate;
        }
    }

    private void Forget(HashSet<string> seen)
    {
        lock (_lock)
        {
            foreach (var key in _cpu.Keys.Where(k => !seen.Contains(k)).ToList())
            {
                _cpu.Remove(key);
            }
        }
    }

    private static JsonObject Cpu(string time, ulong usage, ulong? rate)
    {
        var o = new JsonObject { ["time"] = time };
        if (rate is not null)
        {
            o["usageNanoCores"] = rate.Value;
        }

        o["usageCoreNanoSeconds"] = usage;
        return o;
    }

    private static JsonObject Memory(string time, ulong workingSet, ulong usage, ulong rss, ulong faults, ulong majorFaults, ulong? available = null)
    {
        var o = new JsonObject { ["time"] = time };
        if (available is not null)
        {
            o["availableBytes"] = available.Value;
        }

        o["usageBytes"] = usage;
        o["workingSetBytes"] = workingSet;
        o["rssBytes"] = rss;
        o["pageFaults"] = faults;
        o["majorPageFaults"] = majorFaults;
        return o;
    }

    private static string Time(long unixNanos) => Time(DateTime.UnixEpoch.AddTicks(unixNanos / 100));

    private static string Time(DateTime time) => time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>CPU time the host has spent not idle, in nanoseconds, from the first line of /proc/stat (USER_HZ ticks).</summary>
    private static ulong NodeCpuNanos()
    {
        try
        {
            var line = File.ReadLines("/proc/stat").FirstOrDefault(l => l.StartsWith("cpu ", StringComparison.Ordinal));
            if (line is null)
            {
                return 0;
            }

            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(x => ulong.Parse(x, CultureInfo.InvariantCulture)).ToArray();

            // user nice system idle iowait irq softirq steal: busy is everything but idle and iowait.
            var busy = f.Select((v, i) => i is 3 or 4 || i > 7 ? 0 : v).Aggregate(0UL, (a, b) => a + b);
            return busy * 10_000_000UL;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static DateTime BootTime()
    {
        try
        {
            var line = File.ReadLines("/proc/stat").FirstOrDefault(l => l.StartsWith("btime ", StringComparison.Ordinal));
            if (line is not null && long.TryParse(line[6..].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds))
            {
                return DateTime.UnixEpoch.AddSeconds(seconds);
            }
        }
        catch (IOException)
        {
        }

        return DateTime.UtcNow - TimeSpan.FromMilliseconds(Environment.TickCount64);
    }

    private static long? Meminfo(string key)
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
        catch (IOException)
        {
        }

        return null;
    }

    [LoggerMessage(EventId = 6500, Level = LogLevel.Debug, Message = "Stats sample failed: {Message}")]
    private static partial void LogSampleFailed(ILogger logger, string message);
}
