using System.Buffers.Binary;

namespace KubeNet.Kubelet.Streaming.Spdy;

internal enum SpdyFrameType : ushort
{
    Data = 0,
    SynStream = 1,
    SynReply = 2,
    RstStream = 3,
    Settings = 4,
    Ping = 6,
    GoAway = 7,
    Headers = 8,
    WindowUpdate = 9,
}

internal static class SpdyStatus
{
    public const uint ProtocolError = 1;
    public const uint InvalidStream = 2;
    public const uint RefusedStream = 3;
    public const uint Cancel = 5;
    public const uint InternalError = 6;
    public const uint FlowControlError = 7;
    public const uint StreamInUse = 8;
    public const uint StreamAlreadyClosed = 9;
}

/// <summary>
/// One SPDY/3 frame as read off the wire. Control frames carry their type and version; data frames their stream id.
/// The payload is left raw: the session interprets it per type (and inflates header blocks in order).
/// </summary>
internal sealed record SpdyFrame(SpdyFrameType Type, bool Control, int Version, byte Flags, uint StreamId, byte[] Payload)
{
    public const byte FlagFin = 0x01;
    public const byte FlagUnidirectional = 0x02;
    public const int Version3 = 3;
    public const int MaxPayload = 0xffffff;

    public bool Fin => (Flags & FlagFin) != 0;

    /// <summary>Reads one frame; null at a clean end of stream between frames; SpdyProtocolException when truncated.</summary>
    public static async Task<SpdyFrame?> ReadAsync(Stream stream, int maxPayload, CancellationToken ct)
    {
        var head = new byte[8];
        var read = 0;
        while (read < 8)
        {
            var n = await stream.ReadAsync(head.AsMemory(read), ct);
            if (n == 0)
            {
                return read == 0 ? null : throw new SpdyProtocolException("connection ended inside a frame header");
            }

            read += n;
        }

        var length = (head[5] << 16) | (head[6] << 8) | head[7];
        if (length > maxPayload)
        {
            throw new SpdyProtocolException($"frame of {length} bytes exceeds the limit of {maxPayload}");
        }

        var payload = new byte[length];
        try
        {
            await stream.ReadExactlyAsync(payload, ct);
        }
        catch (EndOfStreamException)
        {
            throw new SpdyProtocolException("connection ended inside a frame");
        }

        var flags = head[4];
        if ((head[0] & 0x80) != 0)
        {
            var version = ((head[0] & 0x7f) << 8) | head[1];
            var type = (SpdyFrameType)((head[2] << 8) | head[3]);
            return new SpdyFrame(type, true, version, flags, 0, payload);
        }

        return new SpdyFrame(SpdyFrameType.Data, false, Version3, flags, BinaryPrimitives.ReadUInt32BigEndian(head) & 0x7fffffff, payload);
    }

    public static byte[] EncodeControl(SpdyFrameType type, byte flags, ReadOnlySpan<byte> payload)
    {
        var frame = new byte[8 + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(frame, 0x8000 | Version3);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), (ushort)type);
        frame[4] = flags;
        WriteLength(frame, payload.Length);
        payload.CopyTo(frame.AsSpan(8));
        return frame;
    }

    public static byte[] Data(uint streamId, byte flags, ReadOnlySpan<byte> data)
    {
        var frame = new byte[8 + data.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame, streamId & 0x7fffffff);
        frame[4] = flags;
        WriteLength(frame, data.Length);
        data.CopyTo(frame.AsSpan(8));
        return frame;
    }

    /// <summary>A control frame whose payload is 32-bit big-endian words (RST_STREAM, PING, GOAWAY, WINDOW_UPDATE).</summary>
    public static byte[] Words(SpdyFrameType type, params uint[] words)
    {
        var payload = new byte[words.Length * 4];
        for (var i = 0; i < words.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(payload.AsSpan(i * 4), words[i]);
        }

        return EncodeControl(type, 0, payload);
    }

    public uint Word(int index) => BinaryPrimitives.ReadUInt32BigEndian(Payload.AsSpan(index * 4));

    private static void WriteLength(byte[] frame, int length)
    {
        frame[5] = (byte)(length >> 16);
        frame[6] = (byte)(length >> 8);
        frame[7] = (byte)length;
    }
}
