using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using KubeNet.Kubelet.Cri.V1;
using Microsoft.Extensions.Logging;

namespace KubeNet.Kubelet.Network;

/// <summary>
/// hostPort for sandboxes on the pod network: the runtime holds each TCP host port itself (a listener on the
/// mapping's hostIP, or every address) and relays each connection to podIP:containerPort. Holding the socket is what
/// upstream's host-port manager does too; relaying in user space instead of DNAT keeps the host's iptables untouched
/// (Docker runs with --iptables=false here). A port another process holds fails the sandbox, as upstream's does.
/// </summary>
internal sealed partial class HostPorts(ILogger logger) : IDisposable
{
    private readonly ConcurrentDictionary<string, List<(TcpListener Listener, CancellationTokenSource Stop)>> _open = new(StringComparer.Ordinal);

    public void Open(string sandboxId, string podIp, IEnumerable<PortMapping> mappings)
    {
        var opened = new List<(TcpListener, CancellationTokenSource)>();
        try
        {
            foreach (var m in mappings)
            {
                if (m.HostPort <= 0)
                {
                    continue;
                }

                if (m.Protocol != Protocol.Tcp)
                {
                    LogUnsupportedProtocol(logger, sandboxId, m.Protocol.ToString().ToUpperInvariant(), m.HostPort);
                    continue;
                }

                var address = string.IsNullOrEmpty(m.HostIp) ? IPAddress.Any : IPAddress.Parse(m.HostIp);
                var listener = new TcpListener(address, m.HostPort);
                try
                {
                    listener.Start();
                }
                catch (SocketException e)
                {
                    listener.Dispose();
                    throw new InvalidOperationException($"cannot open hostPort {m.HostPort}/TCP on {address}: {e.Message}", e);
                }

                var stop = new CancellationTokenSource();
                opened.Add((listener, stop));
                var target = new IPEndPoint(IPAddress.Parse(podIp), m.ContainerPort);
                _ = AcceptAsync(listener, target, stop.Token);
                LogOpened(logger, m.HostPort, address.ToString(), target.ToString());
            }
        }
        catch
        {
            Close(opened);
            throw;
        }

        if (opened.Count > 0)
        {
            _open[sandboxId] = opened;
        }
    }

    public void Close(string sandboxId)
    {
        if (_open.TryRemove(sandboxId, out var listeners))
        {
            Close(listeners);
        }
    }

    private static void Close(List<(TcpListener Listener, CancellationTokenSource Stop)> listeners)
    {
        foreach (var (listener, stop) in listeners)
        {
            stop.Cancel();
            listener.Stop();
            listener.Dispose();
            stop.Dispose();
        }
    }

    private static async Task AcceptAsync(TcpListener listener, IPEndPoint target, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            TcpClient accepted;
            try
            {
                accepted = await listener.AcceptTcpClientAsync(ct);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = RelayAsync(accepted, target, ct);
        }
    }

    private static async Task RelayAsync(TcpClient accepted, IPEndPoint target, CancellationToken ct)
    {
        using (accepted)
        using (var backend = new TcpClient())
        {
            try
            {
                await backend.ConnectAsync(target, ct);
                await Server.UpgradeProxy.PumpAsync(accepted.GetStream(), backend.GetStream());
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or IOException)
            {
            }
        }
    }

    public void Dispose()
    {
        foreach (var key in _open.Keys)
        {
            Close(key);
        }
    }

    [LoggerMessage(EventId = 9850, Level = LogLevel.Information, Message = "hostPort {HostPort}/TCP on {Address} relays to {Target}")]
    private static partial void LogOpened(ILogger logger, int hostPort, string address, string target);

    [LoggerMessage(EventId = 9851, Level = LogLevel.Warning, Message = "Sandbox {SandboxId}: hostPort {HostPort}/{Protocol} is not mapped (only TCP host ports are)")]
    private static partial void LogUnsupportedProtocol(ILogger logger, string sandboxId, string protocol, int hostPort);
}
