using System.Net.Sockets;
using System.Text.Json;
using Grpc.Core;
using KubeNet.Kubelet.Cri;
using KubeNet.Kubelet.Cri.V1;

namespace KubeNet.Kubelet.Runtimes.Docker;

/// <summary>
/// ContainerStats and ListContainerStats from Docker's stats API in one-shot mode (one sample, no second read a second
/// later): cumulative CPU time and memory. Usage rates are the kubelet's to compute from successive samples, as
/// upstream's CRI stats provider does.
/// </summary>
internal sealed partial class DockerRuntimeService
{
    private static readonly Dictionary<string, HttpClient> StatsClients = new(StringComparer.Ordinal);

    public override async Task<ContainerStatsResponse> ContainerStats(ContainerStatsRequest request, ServerCallContext context)
    {
        var c = await InspectOrNullAsync(request.ContainerId, context.CancellationToken);
        if (c is null || DockerLabels.Get(c.Config.Labels, DockerLabels.Type) != DockerLabels.TypeContainer)
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"could not find container \"{request.ContainerId}\""));
        }

        var stats = await StatsAsync(c.ID, c.Config.Labels, context.CancellationToken)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"could not find container \"{request.ContainerId}\""));
        return new ContainerStatsResponse { Stats = stats };
    }

    public override async Task<ListContainerStatsResponse> ListContainerStats(ListContainerStatsRequest request, ServerCallContext context)
    {
        var filter = request.Filter;
        var selector = filter?.LabelSelector is { Count: > 0 } s ? new Dictionary<string, string>(s) : [];
        if (!string.IsNullOrEmpty(filter?.PodSandboxId))
        {
            selector[DockerLabels.SandboxId] = filter.PodSandboxId;
        }

        var found = await ListDockerAsync(DockerLabels.TypeContainer, selector, context.CancellationToken, filter?.Id);

        // Only running containers have usage; stopped ones would report zeros that mean nothing.
        var samples = await Task.WhenAll(found.Where(c => c.State == "running").Select(c => StatsAsync(c.ID, c.Labels, context.CancellationToken)));
        var response = new ListContainerStatsResponse();
        response.Stats.Add(samples.Where(x => x is not null).Select(x => x!));
        return response;
    }

    private async Task<Cri.V1.ContainerStats?> StatsAsync(string id, IDictionary<string, string> dockerLabels, CancellationToken ct)
    {
        var http = StatsClient(options.DockerEndpoint);
        using var response = await http.GetAsync(new Uri($"http://docker/containers/{Uri.EscapeDataString(id)}/stats?stream=false&one-shot=true", UriKind.Absolute), ct);
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, $"docker stats {id}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}"));
        }

        using var doc = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(ct), cancellationToken: ct);
        var root = doc.RootElement;
        var timestamp = root.TryGetProperty("read", out var read) ? DockerLabels.Nanos(read.GetString()) : 0;
        if (timestamp == 0)
        {
            timestamp = DockerLabels.Nanos(DateTime.UtcNow);
        }

        var (labels, annotations) = DockerLabels.Decode(dockerLabels);
        var attributes = new ContainerAttributes { Id = id, Metadata = DockerLabels.ContainerMetadata(dockerLabels) };
        attributes.Labels.Add(labels);
        attributes.Annotations.Add(annotations);
        var stats = new Cri.V1.ContainerStats
        {
            Attributes = attributes,
            Cpu = new CpuUsage { Timestamp = timestamp },
            Memory = new MemoryUsage { Timestamp = timestamp },
            WritableLayer = new FilesystemUsage { Timestamp = timestamp, FsId = new FilesystemIdentifier { Mountpoint = "/var/lib/docker" } },
        };
        if (root.TryGetProperty("cpu_stats", out var cpu) && cpu.TryGetProperty("cpu_usage", out var usage) && usage.TryGetProperty("total_usage", out var total))
        {
            stats.Cpu.UsageCoreNanoSeconds = new UInt64Value { Value = total.GetUInt64() };
        }

        if (root.TryGetProperty("memory_stats", out var memory) && memory.TryGetProperty("usage", out var used))
        {
            // The working set is usage less inactive file pages, as cAdvisor counts it (cgroup v1 and v2 names).
            var bytes = used.GetUInt64();
            ulong inactive = 0, rss = 0, faults = 0, majorFaults = 0;
            if (memory.TryGetProperty("stats", out var detail))
            {
                inactive = Field(detail, "total_inactive_file") ?? Field(detail, "inactive_file") ?? 0;
                rss = Field(detail, "total_rss") ?? Field(detail, "anon") ?? 0;
                faults = Field(detail, "total_pgfault") ?? Field(detail, "pgfault") ?? 0;
                majorFaults = Field(detail, "total_pgmajfault") ?? Field(detail, "pgmajfault") ?? 0;
            }

            stats.Memory.UsageBytes = new UInt64Value { Value = bytes };
            stats.Memory.WorkingSetBytes = new UInt64Value { Value = bytes > inactive ? bytes - inactive : 0 };
            stats.Memory.RssBytes = new UInt64Value { Value = rss };
            stats.Memory.PageFaults = new UInt64Value { Value = faults };
            stats.Memory.MajorPageFaults = new UInt64Value { Value = majorFaults };
        }

        return stats;
    }

    private static ulong? Field(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetUInt64(out var n) ? n : null;

    /// <summary>A plain HTTP client on Docker's socket: Docker.DotNet's stats call has no one-shot mode.</summary>
    private static HttpClient StatsClient(string dockerEndpoint)
    {
        lock (StatsClients)
        {
            if (StatsClients.TryGetValue(dockerEndpoint, out var existing))
            {
                return existing;
            }

            var path = CriClient.ParseEndpoint(dockerEndpoint);
            var handler = new SocketsHttpHandler
            {
                ConnectCallback = async (_, ct) =>
                {
                    var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                    try
                    {
                        await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), ct);
                        return new NetworkStream(socket, ownsSocket: true);
                    }
                    catch
                    {
                        socket.Dispose();
                        throw;
                    }
                },
                PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            };
            var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
            StatsClients[dockerEndpoint] = client;
            return client;
        }
    }
}
