using System.Buffers.Binary;
using System.Text;

namespace KubeNet.Kubelet.Streaming.Spdy;

/// <summary>
/// SPDY/3 name/value header blocks. All blocks of one direction share one zlib stream seeded with the SPDY/3 dictionary.
/// Incoming blocks are inflated by <see cref="HeaderInflater"/>; outgoing blocks are written as zlib stored (uncompressed)
/// deflate blocks without a dictionary, which every zlib reader accepts and which needs no compressor state.
/// </summary>
internal static class SpdyHeaders
{
    /// <summary>Upper bound on one inflated header block: a larger block ends the session as a protocol error.</summary>
    public const int MaxBlockSize = 256 * 1024;

    /// <summary>The SPDY/3 zlib dictionary (draft 3, section 2.6.10.1); its Adler-32 is 0xe3c6a7c2.</summary>
    public static readonly byte[] Dictionary = Convert.FromBase64String(
        "AAAAB29wdGlvbnMAAAAEaGVhZAAAAARwb3N0AAAAA3B1dAAAAAZkZWxldGUAAAAFdHJhY2UAAAAGYWNjZXB0AAAADmFjY2VwdC1j" +
        "aGFyc2V0AAAAD2FjY2VwdC1lbmNvZGluZwAAAA9hY2NlcHQtbGFuZ3VhZ2UAAAANYWNjZXB0LXJhbmdlcwAAAANhZ2UAAAAFYWxs" +
        "b3cAAAANYXV0aG9yaXphdGlvbgAAAA1jYWNoZS1jb250cm9sAAAACmNvbm5lY3Rpb24AAAAMY29udGVudC1iYXNlAAAAEGNvbnRl" +
        "bnQtZW5jb2RpbmcAAAAQY29udGVudC1sYW5ndWFnZQAAAA5jb250ZW50LWxlbmd0aAAAABBjb250ZW50LWxvY2F0aW9uAAAAC2Nv" +
        "bnRlbnQtbWQ1AAAADWNvbnRlbnQtcmFuZ2UAAAAMY29udGVudC10eXBlAAAABGRhdGUAAAAEZXRhZwAAAAZleHBlY3QAAAAHZXhw" +
        "aXJlcwAAAARmcm9tAAAABGhvc3QAAAAIaWYtbWF0Y2gAAAARaWYtbW9kaWZpZWQtc2luY2UAAAANaWYtbm9uZS1tYXRjaAAAAAhp" +
        "Zi1yYW5nZQAAABNpZi11bm1vZGlmaWVkLXNpbmNlAAAADWxhc3QtbW9kaWZpZWQAAAAIbG9jYXRpb24AAAAMbWF4LWZvcndhcmRz" +
        "AAAABnByYWdtYQAAABJwcm94eS1hdXRoZW50aWNhdGUAAAATcHJveHktYXV0aG9yaXphdGlvbgAAAAVyYW5nZQAAAAdyZWZlcmVy" +
        "AAAAC3JldHJ5LWFmdGVyAAAABnNlcnZlcgAAAAJ0ZQAAAAd0cmFpbGVyAAAAEXRyYW5zZmVyLWVuY29kaW5nAAAAB3VwZ3JhZGUA" +
        "AAAKdXNlci1hZ2VudAAAAAR2YXJ5AAAAA3ZpYQAAAAd3YXJuaW5nAAAAEHd3dy1hdXRoZW50aWNhdGUAAAAGbWV0aG9kAAAAA2dl" +
        "dAAAAAZzdGF0dXMAAAAGMjAwIE9LAAAAB3ZlcnNpb24AAAAISFRUUC8xLjEAAAADdXJsAAAABnB1YmxpYwAAAApzZXQtY29va2ll" +
        "AAAACmtlZXAtYWxpdmUAAAAGb3JpZ2luMTAwMTAxMjAxMjAyMjA1MjA2MzAwMzAyMzAzMzA0MzA1MzA2MzA3NDAyNDA1NDA2NDA3" +
        "NDA4NDA5NDEwNDExNDEyNDEzNDE0NDE1NDE2NDE3NTAyNTA0NTA1MjAzIE5vbi1BdXRob3JpdGF0aXZlIEluZm9ybWF0aW9uMjA0" +
        "IE5vIENvbnRlbnQzMDEgTW92ZWQgUGVybWFuZW50bHk0MDAgQmFkIFJlcXVlc3Q0MDEgVW5hdXRob3JpemVkNDAzIEZvcmJpZGRl" +
        "bjQwNCBOb3QgRm91bmQ1MDAgSW50ZXJuYWwgU2VydmVyIEVycm9yNTAxIE5vdCBJbXBsZW1lbnRlZDUwMyBTZXJ2aWNlIFVuYXZh" +
        "aWxhYmxlSmFuIEZlYiBNYXIgQXByIE1heSBKdW4gSnVsIEF1ZyBTZXB0IE9jdCBOb3YgRGVjIDAwOjAwOjAwIE1vbiwgVHVlLCBX" +
        "ZWQsIFRodSwgRnJpLCBTYXQsIFN1biwgR01UY2h1bmtlZCx0ZXh0L2h0bWwsaW1hZ2UvcG5nLGltYWdlL2pwZyxpbWFnZS9naWYs" +
        "YXBwbGljYXRpb24veG1sLGFwcGxpY2F0aW9uL3hodG1sK3htbCx0ZXh0L3BsYWluLHRleHQvamF2YXNjcmlwdCxwdWJsaWNwcml2" +
        "YXRlbWF4LWFnZT1nemlwLGRlZmxhdGUsc2RjaGNoYXJzZXQ9dXRmLThjaGFyc2V0PWlzby04ODU5LTEsdXRmLSwqLGVucT0wLg==");

    public const uint DictionaryId = 0xe3c6a7c2;

    /// <summary>Parses an inflated block: a count, then length-prefixed names and values (values NUL-separated).</summary>
    public static Dictionary<string, List<string>> Parse(ReadOnlySpan<byte> block)
    {
        var headers = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        var count = ReadLength(ref block);
        for (var i = 0; i < count; i++)
        {
            var nameLength = ReadLength(ref block);
            if (nameLength == 0 || nameLength > block.Length)
            {
                throw new SpdyProtocolException("header block has an empty or truncated name");
            }

            var name = Encoding.UTF8.GetString(block[..nameLength]);
            block = block[nameLength..];
            var valueLength = ReadLength(ref block);
            if (valueLength > block.Length)
            {
                throw new SpdyProtocolException("header block has a truncated value");
            }

            var values = Encoding.UTF8.GetString(block[..valueLength]).Split('\0');
            block = block[valueLength..];
            if (!headers.TryAdd(name, [.. values]))
            {
                throw new SpdyProtocolException($"header block repeats the name {name}");
            }
        }

        return headers;
    }

    private static int ReadLength(ref ReadOnlySpan<byte> block)
    {
        if (block.Length < 4)
        {
            throw new SpdyProtocolException("header block is truncated");
        }

        var value = BinaryPrimitives.ReadUInt32BigEndian(block);
        block = block[4..];
        return value > MaxBlockSize ? throw new SpdyProtocolException("header block length is out of range") : (int)value;
    }

    /// <summary>Serializes headers (names lower-cased, as SPDY requires) into an uncompressed block.</summary>
    public static byte[] Serialize(IEnumerable<KeyValuePair<string, string>> headers)
    {
        var list = headers.ToList();
        using var buffer = new MemoryStream();
        Span<byte> four = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(four, (uint)list.Count);
        buffer.Write(four);
        foreach (var (name, value) in list)
        {
            foreach (var bytes in new[] { Encoding.UTF8.GetBytes(name.ToLowerInvariant()), Encoding.UTF8.GetBytes(value) })
            {
                BinaryPrimitives.WriteUInt32BigEndian(four, (uint)bytes.Length);
                buffer.Write(four);
                buffer.Write(bytes);
            }
        }

        return buffer.ToArray();
    }
}

/// <summary>
/// Wraps outgoing header blocks into one continuing zlib stream of stored deflate blocks: the zlib header once, then per
/// block non-final stored blocks and the sync-flush marker, so each frame ends exactly as a sync flush leaves it.
/// </summary>
internal sealed class HeaderDeflater
{
    private bool _started;

    public byte[] Deflate(ReadOnlySpan<byte> block)
    {
        using var output = new MemoryStream();
        if (!_started)
        {
            // CMF 0x78 (deflate, 32 KiB window), FLG 0x01: no preset dictionary, check bits valid.
            output.Write([0x78, 0x01]);
            _started = true;
        }

        Span<byte> lengths = stackalloc byte[4];
        do
        {
            var length = Math.Min(block.Length, ushort.MaxValue);
            output.WriteByte(0);
            BinaryPrimitives.WriteUInt16LittleEndian(lengths, (ushort)length);
            BinaryPrimitives.WriteUInt16LittleEndian(lengths[2..], (ushort)~length);
            output.Write(lengths);
            output.Write(block[..length]);
            block = block[length..];
        }
        while (block.Length > 0);

        // An empty stored block, as zlib's Z_SYNC_FLUSH ends every SPDY header block: Go's inflater hands out a
        // block's bytes only when the next block header is read, and without this marker it would read past the frame
        // (an unexpected EOF that poisons the whole session's header stream).
        output.Write([0x00, 0x00, 0x00, 0xff, 0xff]);
        return output.ToArray();
    }
}

/// <summary>A violation of the SPDY protocol by the peer; the session answers it with RST_STREAM or GOAWAY.</summary>
internal sealed class SpdyProtocolException(string message) : Exception(message);
