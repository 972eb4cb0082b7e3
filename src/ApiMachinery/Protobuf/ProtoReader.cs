using System.Buffers.Binary;

namespace KubeNet.ApiMachinery.Protobuf;

internal static class WireType
{
    public const int Varint = 0;
    public const int Fixed64 = 1;
    public const int LengthDelimited = 2;
    public const int Fixed32 = 5;
}

/// <summary>
/// One field occurrence found while scanning a message: its number, wire type, and either the scalar bits
/// (varint, fixed32, fixed64) or where its bytes sit inside the scanned span.
/// </summary>
internal readonly record struct WireField(int Number, int WireType, ulong Bits, int Offset, int Length, int Sequence);

/// <summary>
/// Reads the protobuf wire format without throwing: every read reports truncation or malformed data as an error
/// string, since request bodies come from clients.
/// </summary>
internal ref struct ProtoReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> data = data;
    private int position;

    public readonly bool End => position >= data.Length;

    /// <summary>Reads the next field's tag and value; groups (wire types 3 and 4) are not used by Kubernetes.</summary>
    public bool TryReadField(int sequence, out WireField field, out string? error)
    {
        field = default;
        if (!TryReadVarint(out var tag, out error))
        {
            return false;
        }
        var number = tag >> 3;
        var wireType = (int)(tag & 7);
        if (number is 0 or > 536_870_911)
        {
            error = $"invalid field number {number}";
            return false;
        }
        switch (wireType)
        {
            case WireType.Varint:
                if (!TryReadVarint(out var value, out error))
                {
                    return false;
                }
                field = new WireField((int)number, wireType, value, 0, 0, sequence);
                return true;
            case WireType.Fixed64:
            case WireType.Fixed32:
                var fixedOk = wireType == WireType.Fixed64 ? TryReadFixed64(out var bits, out error) : TryReadFixed32(out bits, out error);
                if (!fixedOk)
                {
                    error = $"field {number}: {error}";
                    return false;
                }
                field = new WireField((int)number, wireType, bits, 0, 0, sequence);
                return true;
            case WireType.LengthDelimited:
                if (!TryReadVarint(out var length, out error))
                {
                    return false;
                }
                if (length > (ulong)(data.Length - position))
                {
                    error = $"field {number}: length {length} runs past the end of the message";
                    return false;
                }
                field = new WireField((int)number, wireType, 0, position, (int)length, sequence);
                position += (int)length;
                return true;
            default:
                error = $"field {number}: unsupported wire type {wireType}";
                return false;
        }
    }

    public bool TryReadVarint(out ulong value, out string? error)
    {
        value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (position >= data.Length)
            {
                error = "truncated varint";
                return false;
            }
            var b = data[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                // The tenth byte may only carry the top bit of a 64-bit value.
                if (shift == 63 && b > 1)
                {
                    break;
                }
                error = null;
                return true;
            }
        }
        error = "varint longer than 64 bits";
        return false;
    }

    public bool TryReadFixed64(out ulong value, out string? error)
    {
        if (data.Length - position < 8)
        {
            value = 0;
            error = "truncated fixed64";
            return false;
        }
        value = BinaryPrimitives.ReadUInt64LittleEndian(data.Slice(position, 8));
        position += 8;
        error = null;
        return true;
    }

    public bool TryReadFixed32(out ulong value, out string? error)
    {
        if (data.Length - position < 4)
        {
            value = 0;
            error = "truncated fixed32";
            return false;
        }
        value = BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(position, 4));
        position += 4;
        error = null;
        return true;
    }
}
