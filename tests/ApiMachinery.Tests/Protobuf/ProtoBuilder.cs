using System.Text;

namespace KubeNet.ApiMachinery.Tests.Protobuf;

/// <summary>
/// A minimal protobuf writer for building request bodies by hand. Callers write fields in number order and map
/// entries sorted by key, as client-go's generated marshallers do.
/// </summary>
internal sealed class ProtoBuilder
{
    private readonly MemoryStream stream = new();

    public ProtoBuilder Varint(int field, long value)
    {
        Tag(field, 0);
        WriteVarint((ulong)value);
        return this;
    }

    public ProtoBuilder Bool(int field, bool value) => Varint(field, value ? 1 : 0);

    public ProtoBuilder String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    public ProtoBuilder Bytes(int field, ReadOnlySpan<byte> value)
    {
        Tag(field, 2);
        WriteVarint((ulong)value.Length);
        stream.Write(value);
        return this;
    }

    /// <summary>A packed repeated varint field, which decoders must accept though gogo writes proto2 unpacked.</summary>
    public ProtoBuilder Packed(int field, params long[] values)
    {
        var inner = new ProtoBuilder();
        foreach (var value in values)
        {
            inner.WriteVarint((ulong)value);
        }
        return Bytes(field, inner.ToArray());
    }

    public ProtoBuilder Double(int field, double value)
    {
        Tag(field, 1);
        stream.Write(BitConverter.GetBytes(value));
        return this;
    }

    public ProtoBuilder Fixed32(int field, uint value)
    {
        Tag(field, 5);
        stream.Write(BitConverter.GetBytes(value));
        return this;
    }

    public ProtoBuilder Message(int field, Action<ProtoBuilder> build)
    {
        var inner = new ProtoBuilder();
        build(inner);
        return Bytes(field, inner.ToArray());
    }

    public ProtoBuilder Entry(int field, string key, string value) => Message(field, e => e.String(1, key).String(2, value));

    public ProtoBuilder Entry(int field, string key, byte[] value) => Message(field, e => e.String(1, key).Bytes(2, value));

    public ProtoBuilder Entry(int field, string key, Action<ProtoBuilder> value) => Message(field, e => e.String(1, key).Message(2, value));

    /// <summary>A resource.Quantity map entry (ResourceList).</summary>
    public ProtoBuilder Quantity(int field, string key, string quantity) => Entry(field, key, q => q.String(1, quantity));

    public ProtoBuilder Append(ReadOnlySpan<byte> raw)
    {
        stream.Write(raw);
        return this;
    }

    public byte[] ToArray() => stream.ToArray();

    /// <summary>ObjectMeta as gogo writes it: every non-pointer string, generation and the empty creationTimestamp.</summary>
    public static Action<ProtoBuilder> Meta(string name, string ns = "", params (string Key, string Value)[] labels) => m =>
    {
        m.String(1, name).String(2, "").String(3, ns).String(4, "").String(5, "").String(6, "").Varint(7, 0).Message(8, _ => { });
        foreach (var (key, value) in labels.OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            m.Entry(11, key, value);
        }
    };

    /// <summary>The k8s\0 + runtime.Unknown envelope client-go's protobuf serializer writes.</summary>
    public static byte[] Envelope(string apiVersion, string kind, byte[] raw) =>
        new ProtoBuilder()
            .Append("k8s\0"u8)
            .Message(1, t => t.String(1, apiVersion).String(2, kind))
            .Bytes(2, raw)
            .String(3, "")
            .String(4, "")
            .ToArray();

    public static byte[] Envelope(string apiVersion, string kind, Action<ProtoBuilder> build)
    {
        var body = new ProtoBuilder();
        build(body);
        return Envelope(apiVersion, kind, body.ToArray());
    }

    private void Tag(int field, int wireType) => WriteVarint(((ulong)field << 3) | (uint)wireType);

    private void WriteVarint(ulong value)
    {
        while (value >= 0x80)
        {
            stream.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        stream.WriteByte((byte)value);
    }
}
