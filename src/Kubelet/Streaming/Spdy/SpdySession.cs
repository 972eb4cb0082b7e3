using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Threading.Channels;

namespace KubeNet.Kubelet.Streaming.Spdy;

/// <summary>
/// The server side of a SPDY/3.1 session, as kubelets serve port-forward and remote command streams to client-go
/// (moby/spdystream): client-initiated streams (odd ids, increasing) are offered to <c>accept</c>, answered with SYN_REPLY
/// or RST_STREAM, then handed to <c>onStream</c>. Client PINGs are echoed; GOAWAY stops new streams. Frames for streams
/// that do not exist get RST_STREAM INVALID_STREAM and the session goes on; a broken frame or header block ends the session
/// with GOAWAY PROTOCOL_ERROR. Flow control: received data is acknowledged with WINDOW_UPDATE as it is consumed; sending
/// respects the peer's windows once the peer shows it does flow control (spdystream never sends WINDOW_UPDATE, so it
/// would stall forever otherwise).
/// </summary>
internal sealed class SpdySession : IAsyncDisposable
{
    public const int InitialWindow = 65536;
    private const int MaxFramePayload = 1024 * 1024;
    private readonly Stream _transport;
    private readonly Func<SpdyStream, bool> _accept;
    private readonly Action<SpdyStream> _onStream;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly HeaderInflater _inflater = new();
    private readonly HeaderDeflater _deflater = new();
    private readonly ConcurrentDictionary<uint, SpdyStream> _streams = new();
    private readonly CancellationTokenSource _closed = new();
    private uint _lastStreamId;
    private bool _goneAway;
    private int _initialSendWindow = InitialWindow;
    private long _sessionSendWindow = InitialWindow;

    public SpdySession(Stream transport, Func<SpdyStream, bool> accept, Action<SpdyStream> onStream)
    {
        _transport = transport;
        _accept = accept;
        _onStream = onStream;
    }

    /// <summary>True once the peer has sent a WINDOW_UPDATE: from then on sends wait for window.</summary>
    internal bool PeerFlowControl { get; private set; }

    internal CancellationToken Closed => _closed.Token;

    internal object WindowLock { get; } = new();

    internal long SessionSendWindow
    {
        get => _sessionSendWindow;
        set => _sessionSendWindow = value;
    }

    /// <summary>Serves frames until the peer closes the connection or breaks the protocol.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, _closed.Token);
        try
        {
            while (true)
            {
                var frame = await SpdyFrame.ReadAsync(_transport, MaxFramePayload, linked.Token);
                if (frame is null)
                {
                    break;
                }

                await HandleAsync(frame, linked.Token);
            }
        }
        catch (SpdyProtocolException)
        {
            await TryWriteAsync(SpdyFrame.Words(SpdyFrameType.GoAway, _lastStreamId, 1), CancellationToken.None);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            await _closed.CancelAsync();
            foreach (var stream in _streams.Values)
            {
                stream.RemoteReset();
            }

            _streams.Clear();
        }
    }

    private async Task HandleAsync(SpdyFrame frame, CancellationToken ct)
    {
        if (!frame.Control)
        {
            if (frame.StreamId == 0)
            {
                throw new SpdyProtocolException("data frame for stream 0");
            }

            if (!_streams.TryGetValue(frame.StreamId, out var target) || target.RemoteFinished)
            {
                await WriteAsync(SpdyFrame.Words(SpdyFrameType.RstStream, frame.StreamId, target is null ? SpdyStatus.InvalidStream : SpdyStatus.StreamAlreadyClosed), ct);
                return;
            }

            await target.ReceiveAsync(frame.Payload, frame.Fin, ct);
            Forget(target);
            return;
        }

        if (frame.Version != SpdyFrame.Version3)
        {
            throw new SpdyProtocolException($"unsupported SPDY version {frame.Version}");
        }

        switch (frame.Type)
        {
            case SpdyFrameType.SynStream:
                await SynStreamAsync(frame, ct);
                break;
            case SpdyFrameType.SynReply:
            case SpdyFrameType.Headers:
                {
                    // Header blocks must be inflated in order to keep the compression context, even when ignored.
                    Require(frame, frame.Payload.Length >= 4);
                    var id = frame.Word(0) & 0x7fffffff;
                    SpdyHeaders.Parse(_inflater.Inflate(frame.Payload.AsSpan(4)));
                    if (!_streams.TryGetValue(id, out var known) || frame.Type == SpdyFrameType.SynReply)
                    {
                        // The server opens no streams, so a SYN_REPLY never matches one of ours.
                        await WriteAsync(SpdyFrame.Words(SpdyFrameType.RstStream, id, known is null ? SpdyStatus.InvalidStream : SpdyStatus.ProtocolError), ct);
                    }
                    else if (frame.Fin)
                    {
                        await known.ReceiveAsync(ReadOnlyMemory<byte>.Empty, true, ct);
                        Forget(known);
                    }

                    break;
                }

            case SpdyFrameType.RstStream:
                Require(frame, frame.Payload.Length == 8);
                if (_streams.TryRemove(frame.Word(0) & 0x7fffffff, out var reset))
                {
                    reset.RemoteReset();
                }

                break;
            case SpdyFrameType.Settings:
                Settings(frame);
                break;
            case SpdyFrameType.Ping:
                Require(frame, frame.Payload.Length == 4);
                if ((frame.Word(0) & 1) == 1)
                {
                    await WriteAsync(SpdyFrame.Words(SpdyFrameType.Ping, frame.Word(0)), ct);
                }

                break;
            case SpdyFrameType.GoAway:
                Require(frame, frame.Payload.Length == 8);
                _goneAway = true;
                break;
            case SpdyFrameType.WindowUpdate:
                WindowUpdate(frame);
                break;
            default:
                // Unknown control frame types are ignored (draft 3, section 2.2.1).
                break;
        }
    }

    private static void Require(SpdyFrame frame, bool valid)
    {
        if (!valid)
        {
            throw new SpdyProtocolException($"{frame.Type} frame has an invalid length {frame.Payload.Length}");
        }
    }

    private async Task SynStreamAsync(SpdyFrame frame, CancellationToken ct)
    {
        Require(frame, frame.Payload.Length >= 10);
        var id = frame.Word(0) & 0x7fffffff;
        var block = _inflater.Inflate(frame.Payload.AsSpan(10));
        var headers = SpdyHeaders.Parse(block);
        if (id == 0 || id % 2 == 0 || id <= _lastStreamId)
        {
            await WriteAsync(SpdyFrame.Words(SpdyFrameType.RstStream, id, SpdyStatus.ProtocolError), ct);
            return;
        }

        _lastStreamId = id;
        if (_goneAway)
        {
            await WriteAsync(SpdyFrame.Words(SpdyFrameType.RstStream, id, SpdyStatus.RefusedStream), ct);
            return;
        }

        var stream = new SpdyStream(this, id, headers, _initialSendWindow, frame.Fin || (frame.Flags & SpdyFrame.FlagUnidirectional) != 0);
        if (!_accept(stream))
        {
            await WriteAsync(SpdyFrame.Words(SpdyFrameType.RstStream, id, SpdyStatus.Cancel), ct);
            return;
        }

        _streams[id] = stream;
        var reply = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(reply, id);
        await _writeLock.WaitAsync(ct);
        try
        {
            // The deflater's state is per direction: frames carrying header blocks go out in the order they are built.
            var compressed = _deflater.Deflate(SpdyHeaders.Serialize([]));
            await _transport.WriteAsync(SpdyFrame.EncodeControl(SpdyFrameType.SynReply, 0, [.. reply, .. compressed]), ct);
            await _transport.FlushAsync(ct);
        }
        finally
        {
            _writeLock.Release();
        }

        _onStream(stream);
    }

    private void Settings(SpdyFrame frame)
    {
        Require(frame, frame.Payload.Length >= 4);
        var count = frame.Word(0);
        Require(frame, count <= (MaxFramePayload - 4) / 8 && frame.Payload.Length == 4 + (8 * count));
        for (var i = 0; i < count; i++)
        {
            var id = frame.Word(1 + (2 * i)) & 0xffffff;
            var value = frame.Word(2 + (2 * i));
            if (id == 7 && value <= int.MaxValue)
            {
                // SETTINGS_INITIAL_WINDOW_SIZE applies to streams opened from now on.
                _initialSendWindow = (int)value;
            }
        }
    }

    private void WindowUpdate(SpdyFrame frame)
    {
        Require(frame, frame.Payload.Length == 8);
        var id = frame.Word(0) & 0x7fffffff;
        var delta = frame.Word(1) & 0x7fffffff;
        lock (WindowLock)
        {
            PeerFlowControl = true;
            if (id == 0)
            {
                _sessionSendWindow += delta;
            }
            else if (_streams.TryGetValue(id, out var stream))
            {
                stream.SendWindow += delta;
            }

            // A WINDOW_UPDATE for a closed or unknown stream is allowed and ignored (draft 3.1, section 2.6.8).
        }
    }

    private void Forget(SpdyStream stream)
    {
        if (stream.RemoteFinished && stream.LocalFinished)
        {
            _streams.TryRemove(stream.Id, out _);
        }
    }

    internal void Finished(SpdyStream stream) => Forget(stream);

    internal async Task WriteAsync(byte[] frame, CancellationToken ct)
    {
        await _writeLock.WaitAsync(ct);
        try
        {
            await _transport.WriteAsync(frame, ct);
            await _transport.FlushAsync(ct);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task TryWriteAsync(byte[] frame, CancellationToken ct)
    {
        try
        {
            await WriteAsync(frame, ct);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// Ends the session: GOAWAY, then the read loop stops. The lock and token source stay undisposed on purpose: stream
    /// writers and the read loop may still be finishing and must see a cancelled session, not a disposed one.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (!_closed.IsCancellationRequested)
        {
            // A peer that stopped reading must not hold the session open: the GOAWAY gets a short while to go out.
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await TryWriteAsync(SpdyFrame.Words(SpdyFrameType.GoAway, _lastStreamId, 0), timeout.Token);
            await _closed.CancelAsync();
        }
    }
}

/// <summary>One stream of a session: incoming DATA is read as a byte stream, outgoing bytes become DATA frames.</summary>
internal sealed class SpdyStream
{
    private const int MaxChunk = 32 * 1024;
    private readonly SpdySession _session;
    private readonly Channel<ReadOnlyMemory<byte>> _incoming = Channel.CreateBounded<ReadOnlyMemory<byte>>(new BoundedChannelOptions(64) { SingleReader = true, SingleWriter = true });
    private ReadOnlyMemory<byte> _pending;
    private bool _reset;

    internal SpdyStream(SpdySession session, uint id, Dictionary<string, List<string>> headers, int sendWindow, bool remoteFinished)
    {
        _session = session;
        Id = id;
        Headers = headers;
        SendWindow = sendWindow;
        if (remoteFinished)
        {
            RemoteFinished = true;
            _incoming.Writer.TryComplete();
        }
    }

    public uint Id { get; }

    public IReadOnlyDictionary<string, List<string>> Headers { get; }

    public bool RemoteFinished { get; private set; }

    public bool LocalFinished { get; private set; }

    internal long SendWindow { get; set; }

    public string? Header(string name) => Headers.TryGetValue(name, out var values) && values.Count > 0 ? values[0] : null;

    internal async Task ReceiveAsync(ReadOnlyMemory<byte> data, bool fin, CancellationToken ct)
    {
        if (data.Length > 0)
        {
            await _incoming.Writer.WriteAsync(data, ct);
        }

        if (fin)
        {
            RemoteFinished = true;
            _incoming.Writer.TryComplete();
        }
    }

    internal void RemoteReset()
    {
        _reset = true;
        RemoteFinished = true;
        LocalFinished = true;
        _incoming.Writer.TryComplete();
    }

    /// <summary>Reads incoming data; 0 once the peer half-closed or reset the stream.</summary>
    public async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct)
    {
        if (_pending.IsEmpty)
        {
            try
            {
                if (!await _incoming.Reader.WaitToReadAsync(ct) || !_incoming.Reader.TryRead(out _pending))
                {
                    return 0;
                }
            }
            catch (ChannelClosedException)
            {
                return 0;
            }
        }

        var n = Math.Min(buffer.Length, _pending.Length);
        _pending[..n].CopyTo(buffer);
        _pending = _pending[n..];
        if (!_reset)
        {
            // Give the window back as the data is consumed: one update for the stream, one for the session.
            await _session.WriteAsync([.. SpdyFrame.Words(SpdyFrameType.WindowUpdate, Id, (uint)n), .. SpdyFrame.Words(SpdyFrameType.WindowUpdate, 0, (uint)n)], ct);
        }

        return n;
    }

    public async Task WriteAsync(ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        while (data.Length > 0)
        {
            if (_reset || LocalFinished)
            {
                throw new IOException($"SPDY stream {Id} is closed");
            }

            var chunk = Math.Min(data.Length, MaxChunk);
            if (_session.PeerFlowControl)
            {
                chunk = await TakeWindowAsync(chunk, ct);
            }

            await _session.WriteAsync(SpdyFrame.Data(Id, 0, data.Span[..chunk]), ct);
            data = data[chunk..];
        }
    }

    private async Task<int> TakeWindowAsync(int wanted, CancellationToken ct)
    {
        while (true)
        {
            lock (_session.WindowLock)
            {
                var available = (int)Math.Min(wanted, Math.Min(SendWindow, _session.SessionSendWindow));
                if (available > 0)
                {
                    SendWindow -= available;
                    _session.SessionSendWindow -= available;
                    return available;
                }
            }

            if (_reset)
            {
                throw new IOException($"SPDY stream {Id} was reset");
            }

            // Windows reopen with the peer's WINDOW_UPDATE, read by the session loop.
            await Task.Delay(5, ct);
        }
    }

    /// <summary>Half-closes our side: an empty DATA frame with FIN.</summary>
    public async Task CloseAsync(CancellationToken ct)
    {
        if (LocalFinished)
        {
            return;
        }

        LocalFinished = true;
        try
        {
            await _session.WriteAsync(SpdyFrame.Data(Id, SpdyFrame.FlagFin, []), ct);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
        {
        }

        _session.Finished(this);
    }

    public async Task ResetAsync(uint status, CancellationToken ct)
    {
        if (_reset)
        {
            return;
        }

        RemoteReset();
        await _session.WriteAsync(SpdyFrame.Words(SpdyFrameType.RstStream, Id, status), ct);
        _session.Finished(this);
    }
}
