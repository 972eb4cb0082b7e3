using System.Buffers;
using System.Net.WebSockets;
using System.Text.Json;

namespace KubeNet.Kubelet.Streaming;

/// <summary>
/// The Kubernetes remote command protocol over WebSocket (k8s.io/apimachinery wsstream): each binary message is one
/// channel byte then data. Channels: 0 stdin, 1 stdout, 2 stderr, 3 error (a Status in v4 and v5, text in v1),
/// 4 resize ({"Width":w,"Height":h}); v5 adds 255 close, whose one data byte names the channel the client closed.
/// </summary>
internal sealed class ChannelWebSocket(WebSocket socket, string protocol) : IRemoteCommandChannels, IDisposable
{
    public const string V5 = "v5.channel.k8s.io";
    public const string V4 = "v4.channel.k8s.io";
    public const string V1 = "channel.k8s.io";
    public const byte Stdin = 0;
    public const byte Stdout = 1;
    public const byte Stderr = 2;
    public const byte Error = 3;
    public const byte Resize = 4;
    public const byte Close = 255;

    /// <summary>The protocols served, most preferred first, as kubelet and kube-apiserver prefer the newest.</summary>
    public static readonly string[] Supported = [V5, V4, V1];

    private readonly SemaphoreSlim _writeLock = new(1, 1);

    public string Protocol { get; } = protocol;

    public WebSocket Socket { get; } = socket;

    /// <summary>The first protocol of ours the client offers, in our order of preference; null when none.</summary>
    public static string? Negotiate(IEnumerable<string> offered)
    {
        var set = new HashSet<string>(offered.SelectMany(o => o.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)), StringComparer.Ordinal);
        return Supported.FirstOrDefault(set.Contains);
    }

    public async Task WriteAsync(byte channel, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(data.Length + 1);
        try
        {
            buffer[0] = channel;
            data.CopyTo(buffer.AsMemory(1));
            await _writeLock.WaitAsync(ct);
            try
            {
                if (Socket.State == WebSocketState.Open)
                {
                    await Socket.SendAsync(buffer.AsMemory(0, data.Length + 1), WebSocketMessageType.Binary, true, ct);
                }
            }
            finally
            {
                _writeLock.Release();
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Reports how the command ended on the error channel, in the form the negotiated protocol expects.</summary>
    public async Task WriteExitAsync(int? exitCode, string? failure, IReadOnlyList<string>? command, CancellationToken ct)
    {
        var payload = ExitStatus.Payload(Protocol != V1, exitCode, failure, command);
        if (payload is not null)
        {
            await WriteAsync(Error, payload, ct);
        }
    }

    /// <summary>Reads client messages until the socket closes: stdin data, resizes and (v5) stream closes.</summary>
    public async Task ReadLoopAsync(Func<ReadOnlyMemory<byte>, Task> onStdin, Func<Task> onStdinClosed, Func<int, int, Task> onResize, CancellationToken ct)
    {
        var buffer = new byte[32 * 1024];
        using var message = new MemoryStream();
        while (Socket.State == WebSocketState.Open)
        {
            ValueWebSocketReceiveResult result;
            message.SetLength(0);
            do
            {
                result = await Socket.ReceiveAsync(buffer.AsMemory(), ct);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await onStdinClosed();
                    return;
                }

                message.Write(buffer, 0, result.Count);
            }
            while (!result.EndOfMessage);

            if (message.Length == 0)
            {
                continue;
            }

            var data = message.GetBuffer().AsMemory(0, (int)message.Length);
            switch (data.Span[0])
            {
                case Stdin when data.Length > 1:
                    await onStdin(data[1..]);
                    break;
                case Resize when data.Length > 1:
                    try
                    {
                        using var doc = JsonDocument.Parse(data[1..]);
                        var width = doc.RootElement.TryGetProperty("Width", out var w) ? w.GetInt32() : 0;
                        var height = doc.RootElement.TryGetProperty("Height", out var h) ? h.GetInt32() : 0;
                        if (width > 0 && height > 0)
                        {
                            await onResize(width, height);
                        }
                    }
                    catch (JsonException)
                    {
                    }

                    break;
                case Close when Protocol == V5 && data.Length > 1 && data.Span[1] == Stdin:
                    await onStdinClosed();
                    break;
            }
        }
    }

    public async Task CloseAsync(CancellationToken ct)
    {
        if (Socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            await _writeLock.WaitAsync(ct);
            try
            {
                await Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, string.Empty, ct);
            }
            catch (WebSocketException)
            {
            }
            finally
            {
                _writeLock.Release();
            }
        }
    }

    public void Dispose() => _writeLock.Dispose();
}
