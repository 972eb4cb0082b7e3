using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using KubeNet.Kubelet.Streaming;
using KubeNet.Kubelet.Streaming.Spdy;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace KubeNet.Kubelet.Runtimes.Docker;

/// <summary>
/// The streaming server's port-forward sessions (CRI PortForward hands out a one-time URL here). Three framings, as
/// kubelets serve them: the WebSocket channel protocol of the client libraries (v4.channel.k8s.io, ?ports=, a data and
/// an error channel per port, each opened by the port as two little-endian bytes); SPDY/3.1 with portforward.k8s.io
/// (kubectl: per forwarded connection an error and a data stream carrying port, streamType and requestID headers); and
/// that same SPDY session tunnelled in WebSocket binary messages (SPDY/3.1+portforward.k8s.io, kubectl's first choice).
/// Every connection goes to the pod's own loopback inside its network namespace.
/// </summary>
internal sealed partial class PortForwarder(ILogger logger)
{
    public const string SpdyProtocol = "portforward.k8s.io";
    public const string TunnelProtocol = "SPDY/3.1+portforward.k8s.io";
    private const string V4Binary = "v4.channel.k8s.io";
    private static readonly TimeSpan TokenLifetime = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, Pending> _pending = new(StringComparer.Ordinal);

    public string Register(string baseUrl, string sandboxId, long pid, IReadOnlyList<int> ports)
    {
        foreach (var (key, old) in _pending)
        {
            if (old.Expires < DateTime.UtcNow)
            {
                _pending.TryRemove(key, out _);
            }
        }

        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        _pending[token] = new Pending(sandboxId, pid, ports, DateTime.UtcNow + TokenLifetime);
        return $"{baseUrl}/portforward/{token}";
    }

    public async Task HandleAsync(HttpContext context)
    {
        var token = (context.Request.Path.Value ?? string.Empty).Trim('/').Split('/').LastOrDefault() ?? string.Empty;
        if (!_pending.TryRemove(token, out var session) || session.Expires < DateTime.UtcNow)
        {
            await PlainAsync(context, 404, "unknown or expired port-forward session");
            return;
        }

        var ct = context.RequestAborted;
        if (context.WebSockets.IsWebSocketRequest)
        {
            var offered = context.WebSockets.WebSocketRequestedProtocols.SelectMany(p => p.Split(',', StringSplitOptions.TrimEntries)).ToList();
            if (offered.Contains(TunnelProtocol))
            {
                using var tunnel = (await RawWebSocket.AcceptAsync(context, TunnelProtocol, TimeSpan.FromSeconds(30)))!;
                await using var stream = WebSocketStream.Create(tunnel, WebSocketMessageType.Binary, ownsWebSocket: false);
                await ServeSpdyAsync(session, stream, ct);
                await CloseQuietlyAsync(tunnel);
                return;
            }

            if (offered.Count > 0 && !offered.Contains(V4Binary))
            {
                await PlainAsync(context, 400, $"none of the requested protocols is supported: use {V4Binary} or {TunnelProtocol}");
                return;
            }

            var (ports, error) = QueryPorts(context.Request.Query["ports"]);
            if (error is not null)
            {
                await PlainAsync(context, 400, error);
                return;
            }

            using var socket = await context.WebSockets.AcceptWebSocketAsync(offered.Count > 0 ? V4Binary : null);
            await ServeWebSocketAsync(session, socket, ports, ct);
            return;
        }

        if (!SpdyUpgrade.IsSpdyRequest(context))
        {
            await PlainAsync(context, 400, "an upgrade to WebSocket or SPDY/3.1 is required");
            return;
        }

        if (await SpdyUpgrade.AcceptAsync(context, [SpdyProtocol], SpdyProtocol) is not { } accepted)
        {
            return;
        }

        await using var transport = accepted.Transport;
        await ServeSpdyAsync(session, transport, ct);
    }

    private static (List<int> Ports, string? Error) QueryPorts(IEnumerable<string?> values)
    {
        var ports = new List<int>();
        foreach (var value in values)
        {
            foreach (var part in (value ?? string.Empty).Split(','))
            {
                if (!ushort.TryParse(part, out var port) || port < 1)
                {
                    return ([], $"unable to parse \"{value}\" as a port");
                }

                ports.Add(port);
            }
        }

        return ports.Count == 0 ? ([], "query parameter \"ports\" is required") : (ports, null);
    }

    private async Task ServeSpdyAsync(Pending session, Stream transport, CancellationToken ct)
    {
        var pairs = new Dictionary<string, (SpdyStream? Data, SpdyStream? Error)>(StringComparer.Ordinal);
        var forwards = new List<Task>();
        await using var spdy = new SpdySession(transport, Accept, stream =>
        {
            var type = stream.Header("streamtype");
            var requestId = stream.Header("requestid")
                ?? (type == "error" ? stream.Id : stream.Id - 2).ToString(System.Globalization.CultureInfo.InvariantCulture);
            lock (pairs)
            {
                pairs.TryGetValue(requestId, out var pair);
                if ((type == "data" && pair.Data is not null) || (type == "error" && pair.Error is not null))
                {
                    var existing = pair.Error;
                    _ = existing?.WriteAsync(Encoding.UTF8.GetBytes($"error processing stream for request {requestId}: {type} stream already assigned"), ct);
                    return;
                }

                if (type == "data")
                {
                    pair.Data = stream;
                }
                else
                {
                    pair.Error = stream;
                }

                pairs[requestId] = pair;
                if (pair is { Data: { } data, Error: { } error })
                {
                    pairs.Remove(requestId);
                    forwards.Add(Task.Run(() => ForwardSpdyAsync(session, data, error, ct), CancellationToken.None));
                }
            }
        });
        await spdy.RunAsync(ct);
        Task[] running;
        lock (pairs)
        {
            running = [.. forwards];
        }

        await Task.WhenAll(running);
    }

    /// <summary>Upstream's checks: a port header that parses as a non-zero 16-bit number and a known stream type.</summary>
    private static bool Accept(SpdyStream stream) =>
        ushort.TryParse(stream.Header("port"), out var port) && port > 0 && stream.Header("streamtype") is "data" or "error";

    private async Task ForwardSpdyAsync(Pending session, SpdyStream data, SpdyStream error, CancellationToken ct)
    {
        var port = ushort.Parse(data.Header("port")!, System.Globalization.CultureInfo.InvariantCulture);
        try
        {
            using var socket = await NetworkNamespace.ConnectLoopbackAsync(session.Pid, port, ct);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var toPod = Task.Run(
                async () =>
                {
                    var buffer = new byte[32 * 1024];
                    int n;
                    while ((n = await data.ReadAsync(buffer, stop.Token)) > 0)
                    {
                        await socket.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, stop.Token);
                    }

                    socket.Shutdown(SocketShutdown.Send);
                },
                CancellationToken.None);
            var fromPod = new byte[32 * 1024];
            int read;
            while ((read = await socket.ReceiveAsync(fromPod, SocketFlags.None, ct)) > 0)
            {
                await data.WriteAsync(fromPod.AsMemory(0, read), ct);
            }

            await stop.CancelAsync();
            await Quietly(toPod);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            if (!ct.IsCancellationRequested)
            {
                var message = $"error forwarding port {port} to pod {session.SandboxId}, uid : {e.Message}";
                LogForwardFailed(logger, session.SandboxId, port, e.Message);
                await Quietly(error.WriteAsync(Encoding.UTF8.GetBytes(message), ct));
            }
        }
        finally
        {
            await data.CloseAsync(CancellationToken.None);
            await error.CloseAsync(CancellationToken.None);
        }
    }

    private async Task ServeWebSocketAsync(Pending session, WebSocket socket, List<int> ports, CancellationToken ct)
    {
        using var writeLock = new SemaphoreSlim(1, 1);
        async Task SendAsync(int channel, ReadOnlyMemory<byte> data)
        {
            var frame = new byte[data.Length + 1];
            frame[0] = (byte)channel;
            data.CopyTo(frame.AsMemory(1));
            await writeLock.WaitAsync(ct);
            try
            {
                if (socket.State == WebSocketState.Open)
                {
                    await socket.SendAsync(frame, WebSocketMessageType.Binary, true, ct);
                }
            }
            finally
            {
                writeLock.Release();
            }
        }

        var targets = new Socket?[ports.Count];
        var pumps = new List<Task>();
        for (var i = 0; i < ports.Count; i++)
        {
            var portBytes = new[] { (byte)ports[i], (byte)(ports[i] >> 8) };
            await SendAsync(2 * i, portBytes);
            await SendAsync((2 * i) + 1, portBytes);
        }

        for (var i = 0; i < ports.Count; i++)
        {
            var index = i;
            pumps.Add(Task.Run(
                async () =>
                {
                    try
                    {
                        var target = await NetworkNamespace.ConnectLoopbackAsync(session.Pid, ports[index], ct);
                        targets[index] = target;
                        var buffer = new byte[32 * 1024];
                        int n;
                        while ((n = await target.ReceiveAsync(buffer, SocketFlags.None, ct)) > 0)
                        {
                            await SendAsync(2 * index, buffer.AsMemory(0, n));
                        }
                    }
                    catch (Exception e) when (e is IOException or SocketException or WebSocketException or ObjectDisposedException)
                    {
                        LogForwardFailed(logger, session.SandboxId, ports[index], e.Message);
                        await Quietly(SendAsync((2 * index) + 1, Encoding.UTF8.GetBytes($"error forwarding port {ports[index]} to pod {session.SandboxId}, uid : {e.Message}")));
                    }
                },
                CancellationToken.None));
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var reader = Task.Run(
            async () =>
            {
                var buffer = new byte[64 * 1024];
                using var message = new MemoryStream();
                while (socket.State == WebSocketState.Open)
                {
                    var result = await socket.ReceiveAsync(buffer, stop.Token);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        break;
                    }

                    message.Write(buffer, 0, result.Count);
                    if (!result.EndOfMessage)
                    {
                        continue;
                    }

                    var bytes = message.ToArray();
                    message.SetLength(0);
                    if (bytes.Length > 1 && bytes[0] % 2 == 0 && bytes[0] / 2 < ports.Count && targets[bytes[0] / 2] is { } target)
                    {
                        await target.SendAsync(bytes.AsMemory(1), SocketFlags.None, stop.Token);
                    }
                }

                foreach (var target in targets)
                {
                    target?.Shutdown(SocketShutdown.Send);
                }
            },
            CancellationToken.None);

        await Task.WhenAny(Task.WhenAll(pumps), reader);
        await Quietly(Task.WhenAny(Task.WhenAll(pumps), Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None)));
        await stop.CancelAsync();
        foreach (var target in targets)
        {
            target?.Dispose();
        }

        await Quietly(reader);
        await CloseQuietlyAsync(socket);
    }

    private static async Task CloseQuietlyAsync(WebSocket socket)
    {
        try
        {
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
        }
    }

    private static async Task Quietly(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException or WebSocketException)
        {
        }
    }

    private static async Task PlainAsync(HttpContext context, int code, string message)
    {
        context.Response.StatusCode = code;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(message, context.RequestAborted);
    }

    [LoggerMessage(EventId = 7000, Level = LogLevel.Information, Message = "Port-forward to port {Port} of sandbox {SandboxId} failed: {Message}")]
    private static partial void LogForwardFailed(ILogger logger, string sandboxId, int port, string message);

    private sealed record Pending(string SandboxId, long Pid, IReadOnlyList<int> Ports, DateTime Expires);
}
