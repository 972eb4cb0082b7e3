using System.Text.Json;
using System.Text.Json.Nodes;
using KubeNet.Kubelet.Cri.V1;
using Microsoft.Extensions.Logging;

namespace KubeNet.Kubelet.Network;

/// <summary>
/// Pod networking for sandboxes: a network namespace per sandbox (the pause container's), wired by the CNI bridge
/// plugin to one Linux bridge with addresses from host-local in the node's pod CIDR, plus the loopback plugin. The host
/// holds the gateway address so it reaches pods (probes); pods get no default route and nothing is masqueraded, so pod
/// traffic never leaves the node. The bridge plugin turns IPv4 forwarding on for gateways; it is put back as it was.
/// </summary>
internal sealed partial class SandboxNetwork(string binDirectory, string stateDirectory, string bridgeName, ILogger logger) : IDisposable
{
    private const string NetworkName = "kube-net";
    private const string ForwardingSwitch = "/proc/sys/net/ipv4/ip_forward";
    private readonly SemaphoreSlim _lock = new(1, 1);
    private string? _podCidr;

    public string BridgeName { get; } = bridgeName;

    public HostPorts HostPorts { get; } = new(logger);

    public void SetPodCidr(string cidr) => _podCidr = cidr;

    public (bool Ready, string Reason, string Message) Readiness()
    {
        if (!File.Exists(Path.Combine(binDirectory, "bridge")) || !File.Exists(Path.Combine(binDirectory, "host-local")))
        {
            return (false, "NetworkPluginNotReady", $"CNI plugins bridge and host-local are missing from {binDirectory}: install containernetworking-plugins");
        }

        return _podCidr is null
            ? (false, "NetworkPluginNotReady", "no pod CIDR: the kubelet has not sent one (UpdateRuntimeConfig)")
            : (true, string.Empty, string.Empty);
    }

    public async Task AttachAsync(string sandboxId, long pid, PodSandboxConfig config, CancellationToken ct)
    {
        if (_podCidr is null)
        {
            throw new InvalidOperationException("no pod CIDR yet: the kubelet has not sent one (UpdateRuntimeConfig)");
        }

        var netns = $"/proc/{pid}/ns/net";
        await _lock.WaitAsync(ct);
        try
        {
            var forwarding = ReadForwarding();
            await Cni.InvokeAsync(binDirectory, "ADD", sandboxId, netns, "lo", Loopback(), ct);
            JsonNode? result;
            try
            {
                result = await Cni.InvokeAsync(binDirectory, "ADD", sandboxId, netns, "eth0", Bridge(), ct);
            }
            finally
            {
                RestoreForwarding(forwarding);
            }

            var address = result?["ips"]?.AsArray().Select(ip => ip?["address"]?.GetValue<string>()).FirstOrDefault(a => a is not null);
            if (address is null)
            {
                throw new InvalidOperationException("CNI bridge returned no address");
            }

            var ip = address.Split('/')[0];
            Directory.CreateDirectory(RecordDirectory);
            await File.WriteAllTextAsync(RecordPath(sandboxId), JsonSerializer.Serialize(new Dictionary<string, string> { ["ip"] = ip, ["cidr"] = _podCidr }), ct);
            LogAttached(logger, config.Metadata.Namespace, config.Metadata.Name, ip);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Releases the sandbox's address and interface; harmless when already done or never attached.</summary>
    public async Task DetachAsync(string sandboxId, long pid, CancellationToken ct)
    {
        if (!File.Exists(RecordPath(sandboxId)))
        {
            return;
        }

        var netns = pid > 0 ? $"/proc/{pid}/ns/net" : string.Empty;
        await _lock.WaitAsync(ct);
        try
        {
            var record = JsonNode.Parse(await File.ReadAllTextAsync(RecordPath(sandboxId), ct));
            var cidr = record?["cidr"]?.GetValue<string>() ?? _podCidr;
            if (cidr is not null)
            {
                await Cni.InvokeAsync(binDirectory, "DEL", sandboxId, netns, "eth0", Bridge(cidr), ct);
            }

            File.Move(RecordPath(sandboxId), RecordPath(sandboxId) + ".released", overwrite: true);
        }
        catch (InvalidOperationException e)
        {
            LogDetachFailed(logger, sandboxId, e.Message);
        }
        finally
        {
            _lock.Release();
        }
    }

    public string? AddressOf(string sandboxId)
    {
        var path = RecordPath(sandboxId);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(File.ReadAllText(path))?["ip"]?.GetValue<string>();
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            return null;
        }
    }

    public void Forget(string sandboxId)
    {
        File.Delete(RecordPath(sandboxId));
        File.Delete(RecordPath(sandboxId) + ".released");
    }

    private string RecordDirectory => Path.Combine(stateDirectory, "sandboxes");

    private string RecordPath(string sandboxId) => Path.Combine(RecordDirectory, sandboxId + ".json");

    private static JsonObject Loopback() => new()
    {
        ["cniVersion"] = Cni.Version,
        ["name"] = "lo",
        ["type"] = "loopback",
    };

    private JsonObject Bridge(string? cidr = null) => new()
    {
        ["cniVersion"] = Cni.Version,
        ["name"] = NetworkName,
        ["type"] = "bridge",
        ["bridge"] = BridgeName,
        ["isGateway"] = true,
        ["isDefaultGateway"] = false,
        ["ipMasq"] = false,
        ["hairpinMode"] = true,
        ["ipam"] = new JsonObject
        {
            ["type"] = "host-local",
            ["ranges"] = new JsonArray(new JsonArray(new JsonObject { ["subnet"] = cidr ?? _podCidr })),
            ["dataDir"] = Path.Combine(stateDirectory, "ipam"),
        },
    };

    private static string? ReadForwarding()
    {
        try
        {
            return File.ReadAllText(ForwardingSwitch).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static void RestoreForwarding(string? value)
    {
        if (value is "0")
        {
            try
            {
                File.WriteAllText(ForwardingSwitch, "0");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
    }

    public void Dispose()
    {
        HostPorts.Dispose();
        _lock.Dispose();
    }

    [LoggerMessage(EventId = 6150, Level = LogLevel.Information, Message = "Pod {Namespace}/{Name} attached to the pod network at {Ip}")]
    private static partial void LogAttached(ILogger logger, string @namespace, string name, string ip);

    [LoggerMessage(EventId = 6151, Level = LogLevel.Warning, Message = "Releasing the network of sandbox {SandboxId} failed: {Message}")]
    private static partial void LogDetachFailed(ILogger logger, string sandboxId, string message);
}
