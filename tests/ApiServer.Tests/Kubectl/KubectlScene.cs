using System.Text.RegularExpressions;
using k8s;
using k8s.Models;
using KubeNet.ApiServer.Tests.Infrastructure;

namespace KubeNet.ApiServer.Tests.Kubectl;

/// <summary>
/// Objects the kubectl acceptance tests need that no controller or kubelet makes here: a Ready node, a Running pod,
/// an event about an object. Status is always written through the status subresource, as a kubelet would.
/// </summary>
internal static class KubectlScene
{
    public static async Task<string> WriteManifestAsync(this ClusterFixture cluster, string text)
    {
        var path = Path.Combine(cluster.DataDirectory, $"manifest-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(path, text);
        return path;
    }

    /// <summary>A node labelled as a control-plane node, Ready, with an internal IP, node info and capacity.</summary>
    public static async Task<V1Node> CreateReadyNodeAsync(this ClusterFixture cluster, string name)
    {
        await cluster.Client.CoreV1.CreateNodeAsync(new V1Node
        {
            Metadata = new V1ObjectMeta
            {
                Name = name,
                Labels = new Dictionary<string, string> { ["node-role.kubernetes.io/control-plane"] = "", ["kubernetes.io/hostname"] = name },
            },
        });
        const string status = """
            {"status":{
              "conditions":[{"type":"Ready","status":"True","reason":"KubeletReady","message":"kubelet is posting ready status",
                             "lastHeartbeatTime":"2025-01-01T00:00:00Z","lastTransitionTime":"2025-01-01T00:00:00Z"}],
              "addresses":[{"type":"InternalIP","address":"192.168.50.10"},{"type":"Hostname","address":"HOST"}],
              "capacity":{"cpu":"4","memory":"8Gi","pods":"110","ephemeral-storage":"100Gi"},
              "allocatable":{"cpu":"4","memory":"8Gi","pods":"110","ephemeral-storage":"100Gi"},
              "nodeInfo":{"machineID":"m","systemUUID":"s","bootID":"b","kernelVersion":"6.1.0-test","osImage":"Debian GNU/Linux 12 (bookworm)",
                          "containerRuntimeVersion":"containerd://1.7.0","kubeletVersion":"v1.32.4","kubeProxyVersion":"v1.32.4",
                          "operatingSystem":"linux","architecture":"amd64"}}}
            """;
        return await cluster.Client.CoreV1.PatchNodeStatusAsync(new V1Patch(status.Replace("HOST", name, StringComparison.Ordinal), V1Patch.PatchType.MergePatch), name);
    }

    /// <summary>Marks a pod Running and Ready with one ready container per spec container, as a kubelet would report it.</summary>
    public static async Task<V1Pod> SetPodRunningAsync(this ClusterFixture cluster, string ns, string name, string podIp = "10.244.0.7", int restarts = 0)
    {
        var pod = await cluster.Client.CoreV1.ReadNamespacedPodAsync(name, ns);
        var containers = string.Join(',', pod.Spec.Containers.Select(c =>
            $$"""{"name":"{{c.Name}}","image":"{{c.Image}}","imageID":"","containerID":"containerd://{{c.Name}}","ready":true,"started":true,"restartCount":{{restarts}},"""
            + """ "state":{"running":{"startedAt":"2025-01-01T00:00:00Z"}}}"""));
        var status = $$$"""
            {"status":{"phase":"Running","podIP":"{{{podIp}}}","podIPs":[{"ip":"{{{podIp}}}"}],"hostIP":"192.168.50.10","startTime":"2025-01-01T00:00:00Z",
              "conditions":[{"type":"Ready","status":"True","lastTransitionTime":"2025-01-01T00:00:00Z"},
                            {"type":"ContainersReady","status":"True","lastTransitionTime":"2025-01-01T00:00:00Z"},
                            {"type":"PodScheduled","status":"True","lastTransitionTime":"2025-01-01T00:00:00Z"}],
              "containerStatuses":[{{{containers}}}]}}
            """;
        return await cluster.Client.CoreV1.PatchNamespacedPodStatusAsync(new V1Patch(status, V1Patch.PatchType.MergePatch), name, ns);
    }

    /// <summary>A core/v1 Event about <paramref name="involved"/>, with the uid kubectl describe selects on.</summary>
    public static Task<Corev1Event> CreateEventAsync(this ClusterFixture cluster, IKubernetesObject<V1ObjectMeta> involved, string reason, string message)
    {
        var now = DateTime.UtcNow;
        return cluster.Client.CoreV1.CreateNamespacedEventAsync(
            new Corev1Event
            {
                Metadata = new V1ObjectMeta { Name = $"{involved.Metadata.Name}.{Guid.NewGuid().ToString("N")[..12]}", NamespaceProperty = involved.Metadata.NamespaceProperty ?? "default" },
                InvolvedObject = new V1ObjectReference
                {
                    ApiVersion = involved.ApiVersion,
                    Kind = involved.Kind,
                    Name = involved.Metadata.Name,
                    NamespaceProperty = involved.Metadata.NamespaceProperty,
                    Uid = involved.Metadata.Uid,
                },
                Reason = reason,
                Message = message,
                Type = "Normal",
                Count = 1,
                FirstTimestamp = now.AddSeconds(-30),
                LastTimestamp = now.AddSeconds(-30),
                Source = new V1EventSource { Component = "default-scheduler" },
            },
            involved.Metadata.NamespaceProperty ?? "default");
    }
}

/// <summary>kubectl's human-readable tables, split into blocks and cells by the header's column positions.</summary>
internal static partial class KubectlTable
{
    // Header cells are separated by at least two spaces: "NOMINATED NODE" and "LAST SEEN" are single headers.
    [GeneratedRegex(@"(?<=^|\s{2})\S+(?: \S+)*")]
    private static partial Regex HeaderCell();

    /// <summary>The tables kubectl printed, one per resource type (separated by blank lines).</summary>
    public static List<Table> Parse(string stdout)
        => [.. stdout.Replace("\r", "", StringComparison.Ordinal)
            .Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(block => block.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            .Where(lines => lines.Length > 0)
            .Select(Table.FromLines)];

    public static Table Single(string stdout)
    {
        var tables = Parse(stdout);
        Assert.True(tables.Count == 1, $"expected one table, got {tables.Count}:\n{stdout}");
        return tables[0];
    }

    internal sealed record Table(IReadOnlyList<string> Headers, IReadOnlyList<IReadOnlyDictionary<string, string>> Rows)
    {
        public static Table FromLines(string[] lines)
        {
            // A row's cell starts where its header starts, so empty cells (a node without a version) keep their place.
            var headers = HeaderCell().Matches(lines[0]).Select(m => (Name: m.Value, Start: m.Index)).ToList();
            var rows = new List<IReadOnlyDictionary<string, string>>();
            foreach (var line in lines.Skip(1))
            {
                var row = new Dictionary<string, string>(StringComparer.Ordinal);
                for (var i = 0; i < headers.Count; i++)
                {
                    var start = headers[i].Start;
                    var end = i + 1 < headers.Count ? headers[i + 1].Start : line.Length;
                    row[headers[i].Name] = start >= line.Length ? "" : line[start..Math.Min(end, line.Length)].Trim();
                }

                rows.Add(row);
            }

            return new Table([.. headers.Select(h => h.Name)], rows);
        }

        /// <summary>The row named <paramref name="name"/>; with -A, the one in namespace <paramref name="ns"/>.</summary>
        public IReadOnlyDictionary<string, string> Row(string name, string? ns = null)
            => Rows.SingleOrDefault(r => r.TryGetValue("NAME", out var n) && n == name && (ns is null || r["NAMESPACE"] == ns))
               ?? throw new Xunit.Sdk.XunitException($"no row named {name} in\n{string.Join(' ', Headers)}\n{string.Join('\n', Rows.Select(r => string.Join(" | ", r.Values)))}");
    }
}
