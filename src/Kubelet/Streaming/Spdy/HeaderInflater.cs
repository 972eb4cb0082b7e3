namespace KubeNet.Kubelet.Streaming.Spdy;

/// <summary>
/// A small managed inflater (RFC 1950/1951) for SPDY header blocks. One instance follows one direction's zlib stream
/// across frames: the 32 KiB history, seeded with the SPDY dictionary when the stream asks for it, carries over, and each
/// frame holds whole deflate blocks (the sender flushes after every block). Managed code and explicit bounds make any
/// malformed input end in <see cref="SpdyProtocolException"/>, never in a crash.
/// </summary>
internal sealed class HeaderInflater
{
    private const int WindowSize = 32768;
    private static readonly ushort[] LengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
    private static readonly byte[] LengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
    private static readonly ushort[] DistanceBase = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577];
    private static readonly byte[] DistanceExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
    private static readonly byte[] CodeLengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];
    private static readonly Huffman FixedLiterals = Huffman.Build(FixedLiteralLengths()) ?? throw new InvalidOperationException("fixed literal code");
    private static readonly Huffman FixedDistances = Huffman.Build(Enumerable.Repeat((byte)5, 30).ToArray()) ?? throw new InvalidOperationException("fixed distance code");

    private readonly byte[] _window = new byte[WindowSize];
    private long _total;
    private bool _headerRead;
    private bool _finished;

    // Per-call input state.
    private byte[] _input = [];
    private int _position;
    private int _bitBuffer;
    private int _bitCount;
    private List<byte> _output = [];

    private static byte[] FixedLiteralLengths()
    {
        var lengths = new byte[288];
        Array.Fill(lengths, (byte)8, 0, 144);
        Array.Fill(lengths, (byte)9, 144, 112);
        Array.Fill(lengths, (byte)7, 256, 24);
        Array.Fill(lengths, (byte)8, 280, 8);
        return lengths;
    }

    /// <summary>Inflates one frame's compressed header bytes; throws SpdyProtocolException on anything malformed.</summary>
    public byte[] Inflate(ReadOnlySpan<byte> compressed)
    {
        _input = compressed.ToArray();
        _position = 0;
        _bitBuffer = 0;
        _bitCount = 0;
        _output = [];
        if (!_headerRead)
        {
            ReadZlibHeader();
        }

        while (_position < _input.Length)
        {
            if (_finished)
            {
                throw new SpdyProtocolException("header stream continues after its final block");
            }

            var final = Bits(1) == 1;
            switch (Bits(2))
            {
                case 0:
                    Stored();
                    break;
                case 1:
                    Codes(FixedLiterals, FixedDistances);
                    break;
                case 2:
                    Dynamic();
                    break;
                default:
                    throw new SpdyProtocolException("header stream has an invalid deflate block type");
            }

            // A block may end mid-byte with the next one starting in the same byte, so the bit buffer carries over;
            // the sender's flush leaves each frame's last block ending on a byte boundary.
            _finished = final;
        }

        return [.. _output];
    }

    private void ReadZlibHeader()
    {
        if (_input.Length < 2)
        {
            throw new SpdyProtocolException("header stream is too short for a zlib header");
        }

        var cmf = _input[0];
        var flg = _input[1];
        if ((cmf & 0x0f) != 8 || (cmf >> 4) > 7 || ((cmf << 8) | flg) % 31 != 0)
        {
            throw new SpdyProtocolException("header stream has an invalid zlib header");
        }

        _position = 2;
        if ((flg & 0x20) != 0)
        {
            if (_input.Length < 6)
            {
                throw new SpdyProtocolException("header stream is too short for its dictionary id");
            }

            var id = (uint)((_input[2] << 24) | (_input[3] << 16) | (_input[4] << 8) | _input[5]);
            if (id != SpdyHeaders.DictionaryId)
            {
                throw new SpdyProtocolException("header stream names an unknown zlib dictionary");
            }

            foreach (var b in SpdyHeaders.Dictionary)
            {
                Remember(b);
            }

            _position = 6;
        }

        _headerRead = true;
    }

    private int Bits(int need)
    {
        var value = _bitBuffer;
        while (_bitCount < need)
        {
            if (_position >= _input.Length)
            {
                throw new SpdyProtocolException("header block ends inside a deflate block");
            }

            value |= _input[_position++] << _bitCount;
            _bitCount += 8;
        }

        _bitBuffer = value >> need;
        _bitCount -= need;
        return value & ((1 << need) - 1);
    }

    private void Emit(byte b)
    {
        if (_output.Count >= SpdyHeaders.MaxBlockSize)
        {
            throw new SpdyProtocolException("header block inflates beyond the size limit");
        }

        _output.Add(b);
        Remember(b);
    }

    private void Remember(byte b)
    {
        _window[_total % WindowSize] = b;
        _total++;
    }

    private void Stored()
    {
        _bitBuffer = 0;
        _bitCount = 0;
        if (_position + 4 > _input.Length)
        {
            throw new SpdyProtocolException("stored block header is truncated");
        }

        var length = _input[_position] | (_input[_position + 1] << 8);
        var check = _input[_position + 2] | (_input[_position + 3] << 8);
        if (length != (~check & 0xffff))
        {
            throw new SpdyProtocolException("stored block length does not match its complement");
        }

        _position += 4;
        if (_position + length > _input.Length)
        {
            throw new SpdyProtocolException("stored block is truncated");
        }

        for (var i = 0; i < length; i++)
        {
            Emit(_input[_position++]);
        }
    }

    private int Decode(Huffman h)
    {
        int code = 0, first = 0, index = 0;
        for (var len = 1; len <= Huffman.MaxBits; len++)
        {
            code |= Bits(1);
            var count = h.Count[len];
            if (code - count < first)
            {
                return h.Symbol[index + (code - first)];
            }

            index += count;
            first += count;
            first <<= 1;
            code <<= 1;
        }

        throw new SpdyProtocolException("deflate data has an invalid Huffman code");
    }

    private void Codes(Huffman literals, Huffman distances)
    {
        while (true)
        {
            var symbol = Decode(literals);
            if (symbol < 256)
            {
                Emit((byte)symbol);
                continue;
            }

            if (symbol == 256)
            {
                return;
            }

            symbol -= 257;
            if (symbol >= 29)
            {
                throw new SpdyProtocolException("deflate data has an invalid length symbol");
            }

            var length = LengthBase[symbol] + Bits(LengthExtra[symbol]);
            var ds = Decode(distances);
            if (ds >= 30)
            {
                throw new SpdyProtocolException("deflate data has an invalid distance symbol");
            }

            var distance = DistanceBase[ds] + Bits(DistanceExtra[ds]);
            if (distance > _total || distance > WindowSize)
            {
                throw new SpdyProtocolException("deflate data refers before the start of the stream");
            }

            for (var i = 0; i < length; i++)
            {
                Emit(_window[(_total - distance) % WindowSize]);
            }
        }
    }

    private void Dynamic()
    {
        var literalCount = Bits(5) + 257;
        var distanceCount = Bits(5) + 1;
        var codeCount = Bits(4) + 4;
        if (literalCount > 286 || distanceCount > 30)
        {
            throw new SpdyProtocolException("deflate block has too many codes");
        }

        var lengths = new byte[320];
        for (var i = 0; i < codeCount; i++)
        {
            lengths[CodeLengthOrder[i]] = (byte)Bits(3);
        }

        var lengthCode = Huffman.Build(lengths.AsSpan(0, 19)) ?? throw new SpdyProtocolException("deflate block has an invalid code length code");
        Array.Clear(lengths);
        var index = 0;
        while (index < literalCount + distanceCount)
        {
            var symbol = Decode(lengthCode);
            if (symbol < 16)
            {
                lengths[index++] = (byte)symbol;
                continue;
            }

            byte value = 0;
            int repeat;
            if (symbol == 16)
            {
                if (index == 0)
                {
                    throw new SpdyProtocolException("deflate block repeats a length before the first");
                }

                value = lengths[index - 1];
                repeat = 3 + Bits(2);
            }
            else
            {
                repeat = symbol == 17 ? 3 + Bits(3) : 11 + Bits(7);
            }

            if (index + repeat > literalCount + distanceCount)
            {
                throw new SpdyProtocolException("deflate block has too many code lengths");
            }

            for (var i = 0; i < repeat; i++)
            {
                lengths[index++] = value;
            }
        }

        if (lengths[256] == 0)
        {
            throw new SpdyProtocolException("deflate block has no end-of-block code");
        }

        var literals = Huffman.Build(lengths.AsSpan(0, literalCount)) ?? throw new SpdyProtocolException("deflate block has an invalid literal code");
        var distances = Huffman.Build(lengths.AsSpan(literalCount, distanceCount)) ?? throw new SpdyProtocolException("deflate block has an invalid distance code");
        Codes(literals, distances);
    }

    private sealed class Huffman
    {
        public const int MaxBits = 15;

        public short[] Count { get; } = new short[MaxBits + 1];

        public short[] Symbol { get; private init; } = [];

        /// <summary>Canonical code from lengths; null when over-subscribed (incomplete codes are allowed, as zlib does).</summary>
        public static Huffman? Build(ReadOnlySpan<byte> lengths)
        {
            var h = new Huffman { Symbol = new short[lengths.Length] };
            foreach (var l in lengths)
            {
                h.Count[l]++;
            }

            var left = 1;
            for (var len = 1; len <= MaxBits; len++)
            {
                left <<= 1;
                left -= h.Count[len];
                if (left < 0)
                {
                    return null;
                }
            }

            var offsets = new short[MaxBits + 1];
            for (var len = 1; len < MaxBits; len++)
            {
                offsets[len + 1] = (short)(offsets[len] + h.Count[len]);
            }

            for (short symbol = 0; symbol < lengths.Length; symbol++)
            {
                if (lengths[symbol] != 0)
                {
                    h.Symbol[offsets[lengths[symbol]]++] = symbol;
                }
            }

            return h;
        }
    }
}
