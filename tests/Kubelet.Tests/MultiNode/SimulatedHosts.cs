using System.Diagnostics;
using System.Text.RegularExpressions;
using KubeNet.ApiServer.Tests.Infrastructure;

namespace KubeNet.Kubelet.Tests.MultiNode;

/// <summary>
/// Simulated hosts on one machine: one network namespace per host, each joined by a veth pair to a bridge in the root
/// namespace that holds the "control plane" address. Addresses come from 10.213.N.0/24 (N from this process id, so
/// two runs do not collide): .1 on the bridge, .2, .3, ... in the hosts. Nothing routes or NATs beyond the bridge.
/// Names carry the creating process id, so what a crashed run left behind is found and removed by the next one.
/// </summary>
internal sealed partial class SimulatedHosts : IAsyncDisposable
{
    private const string NamespacePrefix = "kubenet-mn-";
    private const string LinkPrefix = "kmn";

    private readonly int _owner = Environment.ProcessId;
    private readonly List<SimulatedHost> _hosts = [];
    private bool _disposed;

    private SimulatedHosts()
    {
        var subnet = 20 + (_owner % 200);
        Prefix = $"10.213.{subnet}";
    }

    /// <summary>The first three octets of the hosts' /24.</summary>
    public string Prefix { get; }

    /// <summary>The root namespace's address on the bridge, where the API server listens.</summary>
    public string ControlPlaneAddress => Prefix + ".1";

    public IReadOnlyList<SimulatedHost> Hosts => _hosts;

    public string BridgeName => $"{LinkPrefix}{_owner}b";

    public static async Task<SimulatedHosts> CreateAsync(int count)
    {
        await RemoveStaleAsync();
        var hosts = new SimulatedHosts();
        try
        {
            await IpAsync("link", "add", hosts.BridgeName, "type", "bridge");
            await IpAsync("addr", "add", hosts.ControlPlaneAddress + "/24", "dev", hosts.BridgeName);
            await IpAsync("link", "set", hosts.BridgeName, "up");
            for (var i = 0; i < count; i++)
            {
                var host = new SimulatedHost($"{NamespacePrefix}{hosts._owner}-{i}", $"{hosts.Prefix}.{i + 2}", $"{LinkPrefix}{hosts._owner}v{i}");
                hosts._hosts.Add(host);
                await IpAsync("netns", "add", host.Namespace);
                await IpAsync("link", "add", host.HostLink, "type", "veth", "peer", "name", "eth0", "netns", host.Namespace);
                await IpAsync("link", "set", host.HostLink, "master", hosts.BridgeName);
                await IpAsync("link", "set", host.HostLink, "up");
                await IpAsync("-n", host.Namespace, "addr", "add", host.Address + "/24", "dev", "eth0");
                await IpAsync("-n", host.Namespace, "link", "set", "eth0", "up");
                await IpAsync("-n", host.Namespace, "link", "set", "lo", "up");
            }
        }
        catch
        {
            await hosts.DisposeAsync();
            throw;
        }

        return hosts;
    }

    /// <summary>Network namespaces and links of this machine that this class made, by name.</summary>
    public static async Task<(string[] Namespaces, string[] Links)> ListOursAsync()
    {
        var namespaces = (await IpAsync("netns", "list")).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.Split(' ')[0])
            .Where(n => n.StartsWith(NamespacePrefix, StringComparison.Ordinal))
            .ToArray();
        var links = (await IpAsync("-o", "link", "show")).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => LinkLine().Match(l))
            .Where(m => m.Success)
            .Select(m => m.Groups[1].Value)
            .ToArray();
        return (namespaces, links);
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;

        // Deleting a namespace destroys the interfaces in it, and with them the host ends of their veth pairs.
        foreach (var host in _hosts)
        {
            await TryIpAsync("netns", "del", host.Namespace);
            await TryIpAsync("link", "del", host.HostLink);
        }

        await TryIpAsync("link", "del", BridgeName);
    }

    /// <summary>Removes the namespaces and links of runs whose process is gone.</summary>
    private static async Task RemoveStaleAsync()
    {
        var (namespaces, links) = await ListOursAsync();
        foreach (var ns in namespaces)
        {
            if (int.TryParse(ns[NamespacePrefix.Length..].Split('-')[0], out var pid) && !IsAlive(pid))
            {
                await TryIpAsync("netns", "del", ns);
            }
        }

        foreach (var link in links)
        {
            var match = LinkName().Match(link);
            if (match.Success && !IsAlive(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)))
            {
                await TryIpAsync("link", "del", link);
            }
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static async Task<string> IpAsync(params string[] args)
    {
        var result = await ProcessRunner.RunAsync("ip", args, timeout: TimeSpan.FromSeconds(30));
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"setting up the simulated hosts needs root and iproute2:\n{result}");
        }

        return result.StdOut;
    }

    private static async Task TryIpAsync(params string[] args) => await ProcessRunner.RunAsync("ip", args, timeout: TimeSpan.FromSeconds(30));

    [GeneratedRegex(@"^\d+:\s+(kmn\d+[bv]\d*)[@:]")]
    private static partial Regex LinkLine();

    [GeneratedRegex(@"^kmn(\d+)[bv]")]
    private static partial Regex LinkName();
}

/// <summary>One simulated host: its network namespace, its address there, and the root namespace's end of its link.</summary>
internal sealed record SimulatedHost(string Namespace, string Address, string HostLink);
