using System.Text.Json;

namespace KubeNet.Kubelet.Streaming.Spdy;

/// <summary>
/// Exec and attach over SPDY/3.1 (client-go's remotecommand fallback when WebSockets are off): the client opens one
/// stream per channel, named by its streamType header (error, stdin, stdout, stderr, resize), and the session starts once
/// every stream the request asked for exists, as the kubelet's createHTTPStreamStreams waits for them. v4 reports the
/// exit as a metav1.Status on the error stream, earlier versions as text; v3 and v4 carry resizes as JSON objects.
/// </summary>
internal sealed class SpdyRemoteCommand : IRemoteCommandChannels, IAsyncDisposable
{
    public const string V4 = "v4.channel.k8s.io";
    public const string V1 = "channel.k8s.io";

    /// <summary>In client-go's order of preference; the client's own order decides.</summary>
    public static readonly string[] Supported = [V4, "v3.channel.k8s.io", "v2.channel.k8s.io", V1];

    private readonly SpdySession _session;
    private readonly string _protocol;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop;
    private readonly int _expected;
    private int _received;
    private Task _run = Task.CompletedTask;
    private SpdyStream? _error;
    private SpdyStream? _stdin;
    private SpdyStream? _stdout;
    private SpdyStream? _stderr;
    private SpdyStream? _resize;

    private SpdyRemoteCommand(Stream transport, string protocol, bool stdin, bool stdout, bool stderr, bool tty, CancellationToken ct)
    {
        _protocol = protocol;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        _expected = 1 + (stdin ? 1 : 0) + (stdout ? 1 : 0) + (stderr ? 1 : 0) + (tty && protocol is V4 or "v3.channel.k8s.io" ? 1 : 0);
        _session = new SpdySession(transport, s => s.Header("streamtype") is "error" or "stdin" or "stdout" or "stderr" or "resize", OnStream);
    }

    /// <summary>Starts serving the session and waits for the client's streams; null when they do not all come in time.</summary>
    public static async Task<SpdyRemoteCommand?> StartAsync(Stream transport, string protocol, bool stdin, bool stdout, bool stderr, bool tty, TimeSpan creationTimeout, CancellationToken ct)
    {
        var command = new SpdyRemoteCommand(transport, protocol, stdin, stdout, stderr, tty, ct);
        command._run = command._session.RunAsync(command._stop.Token);
        var done = await Task.WhenAny(command._ready.Task, command._run, Task.Delay(creationTimeout, ct));
        if (done == command._ready.Task)
        {
            return command;
        }

        await command.DisposeAsync();
        return null;
    }

    private void OnStream(SpdyStream stream)
    {
        lock (_ready)
        {
            switch (stream.Header("streamtype"))
            {
                case "error":
                    _error = stream;
                    break;
                case "stdin":
                    _stdin = stream;
                    break;
                case "stdout":
                    _stdout = stream;
                    break;
                case "stderr":
                    _stderr = stream;
                    break;
                default:
                    _resize = stream;
                    break;
            }

            if (++_received >= _expected)
            {
                _ready.TrySetResult();
            }
        }
    }

    public async Task WriteAsync(byte channel, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        var target = channel switch
        {
            ChannelWebSocket.Stdout => _stdout,
            ChannelWebSocket.Stderr => _stderr,
            ChannelWebSocket.Error => _error,
            _ => null,
        };
        if (target is not null && !target.LocalFinished)
        {
            await target.WriteAsync(data, ct);
        }
    }

    public async Task WriteExitAsync(int? exitCode, string? failure, IReadOnlyList<string>? command, CancellationToken ct)
    {
        var payload = ExitStatus.Payload(_protocol == V4, exitCode, failure, command);
        if (payload is not null)
        {
            await WriteAsync(ChannelWebSocket.Error, payload, ct);
        }
    }

    public async Task ReadLoopAsync(Func<ReadOnlyMemory<byte>, Task> onStdin, Func<Task> onStdinClosed, Func<int, int, Task> onResize, CancellationToken ct)
    {
        async Task StdinAsync(SpdyStream stream)
        {
            // The first protocol version closes stdin as soon as the streams exist (kubelet's v1ProtocolHandler).
            if (_protocol != V1)
            {
                var buffer = new byte[32 * 1024];
                int n;
                while ((n = await stream.ReadAsync(buffer, ct)) > 0)
                {
                    await onStdin(buffer.AsMemory(0, n));
                }
            }

            await onStdinClosed();
        }

        async Task ResizeAsync(SpdyStream stream)
        {
            // client-go writes each size with a json.Encoder: one object, then a newline.
            var buffer = new byte[4096];
            var line = new List<byte>();
            int n;
            while ((n = await stream.ReadAsync(buffer, ct)) > 0)
            {
                for (var i = 0; i < n; i++)
                {
                    var b = buffer[i];
                    if (b != (byte)'\n')
                    {
                        line.Add(b);
                        if (line.Count > 4096)
                        {
                            return;
                        }

                        continue;
                    }

                    if (Size([.. line]) is { } size)
                    {
                        await onResize(size.Width, size.Height);
                    }

                    line.Clear();
                }
            }
        }

        var readers = new List<Task>();
        if (_stdin is { } stdin)
        {
            readers.Add(StdinAsync(stdin));
        }

        if (_resize is { } resize)
        {
            readers.Add(ResizeAsync(resize));
        }

        await Task.WhenAll(readers);
    }

    private static (int Width, int Height)? Size(byte[] json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var width = doc.RootElement.TryGetProperty("Width", out var w) && w.TryGetInt32(out var wv) ? wv : 0;
            var height = doc.RootElement.TryGetProperty("Height", out var h) && h.TryGetInt32(out var hv) ? hv : 0;
            return width > 0 && height > 0 ? (width, height) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Half-closes every stream we write, then ends the session; the client closes the connection when it has read all.</summary>
    public async Task CloseAsync(CancellationToken ct)
    {
        foreach (var stream in new[] { _stdout, _stderr, _error })
        {
            if (stream is not null)
            {
                await stream.CloseAsync(ct);
            }
        }

        await Task.WhenAny(_run, Task.Delay(TimeSpan.FromSeconds(2), ct));
    }

    public async ValueTask DisposeAsync()
    {
        await _session.DisposeAsync();
        await _stop.CancelAsync();
        try
        {
            await _run;
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }
}
