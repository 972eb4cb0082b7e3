using System.Collections.Concurrent;
using System.Security.Cryptography;
using Docker.DotNet;
using Docker.DotNet.Models;
using KubeNet.Kubelet.Streaming;
using KubeNet.Kubelet.Streaming.Spdy;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace KubeNet.Kubelet.Runtimes.Docker;

/// <summary>
/// The runtime's streaming server: CRI Exec and Attach hand out a one-time URL here (valid one minute, as upstream's
/// token cache), and the kubelet proxies the client's WebSocket upgrade to it. A session bridges the channel protocol
/// to a Docker exec or attach stream.
/// </summary>
internal sealed partial class StreamingServer(IDockerClient docker, ILogger logger)
{
    private static readonly TimeSpan TokenLifetime = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan StreamCreationTimeout = TimeSpan.FromSeconds(30);
    private readonly ConcurrentDictionary<string, PendingSession> _pending = new(StringComparer.Ordinal);

    /// <summary>http://127.0.0.1:PORT, known once the listener is bound.</summary>
    public string BaseUrl { get; set; } = string.Empty;

    public PortForwarder PortForwards { get; } = new(logger);

    public string Register(PendingSession session)
    {
        foreach (var (key, old) in _pending)
        {
            if (old.Expires < DateTime.UtcNow)
            {
                _pending.TryRemove(key, out _);
            }
        }

        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        _pending[token] = session with { Expires = DateTime.UtcNow + TokenLifetime };
        return $"{BaseUrl}/{(session.Attach ? "attach" : "exec")}/{token}";
    }

    public async Task HandleAsync(HttpContext context)
    {
        var parts = (context.Request.Path.Value ?? string.Empty).Trim('/').Split('/');
        if (parts.Length != 2 || parts[0] is not ("exec" or "attach") || !_pending.TryRemove(parts[1], out var session) || session.Expires < DateTime.UtcNow)
        {
            context.Response.StatusCode = 404;
            await context.Response.WriteAsync("unknown or expired streaming session", context.RequestAborted);
            return;
        }

        if (!context.WebSockets.IsWebSocketRequest && SpdyUpgrade.IsSpdyRequest(context))
        {
            await ServeSpdyAsync(context, session);
            return;
        }

        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = 400;
            await context.Response.WriteAsync("a WebSocket upgrade with one of the protocols " + string.Join(", ", ChannelWebSocket.Supported) + " is required", context.RequestAborted);
            return;
        }

        var protocol = ChannelWebSocket.Negotiate(context.WebSockets.WebSocketRequestedProtocols);
        if (protocol is null)
        {
            context.Response.StatusCode = 400;
            await context.Response.WriteAsync("none of the requested protocols is supported: use one of " + string.Join(", ", ChannelWebSocket.Supported), context.RequestAborted);
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync(protocol);
        using var channels = new ChannelWebSocket(socket, protocol);
        await ServeAsync(session, channels, context.RequestAborted);
    }

    /// <summary>client-go's SPDY fallback: the streams the request asked for must all be opened within the creation timeout.</summary>
    private async Task ServeSpdyAsync(HttpContext context, PendingSession session)
    {
        if (await SpdyUpgrade.AcceptAsync(context, SpdyRemoteCommand.Supported, SpdyRemoteCommand.V1) is not { } accepted)
        {
            return;
        }

        await using var transport = accepted.Transport;
        var channels = await SpdyRemoteCommand.StartAsync(transport, accepted.Protocol, session.Stdin, session.Stdout, session.Stderr, session.Tty, StreamCreationTimeout, context.RequestAborted);
        if (channels is null)
        {
            LogSessionFailed(logger, session.ContainerId, "timed out waiting for client to create streams");
            return;
        }

        await using (channels)
        {
            await ServeAsync(session, channels, context.RequestAborted);
        }
    }

    private async Task ServeAsync(PendingSession session, IRemoteCommandChannels channels, CancellationToken ct)
    {
        try
        {
            await RunAsync(session, channels, ct);
        }
        catch (Exception e) when (e is DockerApiException or IOException or System.Net.WebSockets.WebSocketException or OperationCanceledException or HttpRequestException)
        {
            LogSessionFailed(logger, session.ContainerId, e.Message);
            if (!ct.IsCancellationRequested)
            {
                try
                {
                    await channels.WriteExitAsync(null, e.Message, session.Command, CancellationToken.None);
                }
                catch (Exception again) when (again is IOException or System.Net.WebSockets.WebSocketException or ObjectDisposedException)
                {
                }
            }
        }

        try
        {
            await channels.CloseAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is IOException or System.Net.WebSockets.WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
    }

    private async Task RunAsync(PendingSession session, IRemoteCommandChannels channels, CancellationToken ct)
    {
        string? execId = null;
        MultiplexedStream stream;
        if (session.Attach)
        {
            stream = await docker.Containers.AttachContainerAsync(session.ContainerId, session.Tty, new ContainerAttachParameters
            {
                Stream = true,
                Stdin = session.Stdin,
                Stdout = session.Stdout,
                Stderr = session.Stderr,
            }, ct);
        }
        else
        {
            var created = await docker.Exec.ExecCreateContainerAsync(session.ContainerId, new ContainerExecCreateParameters
            {
                Cmd = [.. session.Command],
                AttachStdin = session.Stdin,
                AttachStdout = session.Stdout,
                AttachStderr = session.Stderr,
                Tty = session.Tty,
            }, ct);
            execId = created.ID;
            stream = await docker.Exec.StartAndAttachContainerExecAsync(execId, session.Tty, ct);
        }

        using (stream)
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var input = channels.ReadLoopAsync(
                async data =>
                {
                    if (session.Stdin)
                    {
                        var bytes = data.ToArray();
                        await stream.WriteAsync(bytes, 0, bytes.Length, stop.Token);
                    }
                },
                () =>
                {
                    if (session.Stdin)
                    {
                        try
                        {
                            stream.CloseWrite();
                        }
                        catch (Exception e) when (e is IOException or ObjectDisposedException or NotSupportedException)
                        {
                        }
                    }

                    return Task.CompletedTask;
                },
                async (width, height) =>
                {
                    if (!session.Tty)
                    {
                        return;
                    }

                    var size = new ContainerResizeParameters { Width = width, Height = height };
                    if (execId is null)
                    {
                        await docker.Containers.ResizeContainerTtyAsync(session.ContainerId, size, stop.Token);
                    }
                    else
                    {
                        await docker.Exec.ResizeContainerExecTtyAsync(execId, size, stop.Token);
                    }
                },
                stop.Token);

            var buffer = new byte[32 * 1024];
            while (true)
            {
                var read = await stream.ReadOutputAsync(buffer, 0, buffer.Length, ct);
                if (read.EOF)
                {
                    break;
                }

                var channel = read.Target == MultiplexedStream.TargetStream.StandardError ? ChannelWebSocket.Stderr : ChannelWebSocket.Stdout;
                await channels.WriteAsync(channel, buffer.AsMemory(0, read.Count), ct);
            }

            int? exitCode = null;
            if (execId is not null)
            {
                // The exec's exit code lands a moment after its output ends.
                for (var i = 0; i < 50; i++)
                {
                    var inspect = await docker.Exec.InspectContainerExecAsync(execId, ct);
                    if (!inspect.Running)
                    {
                        exitCode = (int)inspect.ExitCode;
                        break;
                    }

                    await Task.Delay(20, ct);
                }
            }

            await channels.WriteExitAsync(exitCode, null, session.Command, ct);

            // Close gracefully and let the client answer: cancelling a receive aborts the socket, and an abort can
            // drop the status frame still in flight through the proxies.
            await channels.CloseAsync(ct);
            await Task.WhenAny(input, Task.Delay(TimeSpan.FromSeconds(2), ct));
            await stop.CancelAsync();
            try
            {
                await input;
            }
            catch (Exception e) when (e is OperationCanceledException or System.Net.WebSockets.WebSocketException or IOException)
            {
            }
        }
    }

    [LoggerMessage(EventId = 6110, Level = LogLevel.Warning, Message = "Streaming session for container {ContainerId} failed: {Message}")]
    private static partial void LogSessionFailed(ILogger logger, string containerId, string message);
}

/// <summary>What an Exec or Attach call asked for, kept until the client connects.</summary>
internal sealed record PendingSession(bool Attach, string ContainerId, IReadOnlyList<string> Command, bool Tty, bool Stdin, bool Stdout, bool Stderr)
{
    public DateTime Expires { get; init; }
}
