using System.Text;
using Google.Protobuf;

namespace KubeNet.Storage.Etcd;

/// <summary>Keys of the contract (strings) to etcd keys (bytes under the store's prefix) and back.</summary>
internal sealed class EtcdKeys
{
    private readonly byte[] _prefix;

    public EtcdKeys(string keyPrefix)
    {
        _prefix = Encoding.UTF8.GetBytes(keyPrefix);
        CompactKey = Key("compact_rev_key");
        HealthKey = Key("/registry/health");
        (NamespaceStart, NamespaceEnd) = Range("");
    }

    /// <summary>kube-apiserver's compaction bookkeeping key (under the prefix, outside /registry/).</summary>
    public ByteString CompactKey { get; }

    /// <summary>The key kube-apiserver's etcd health check reads (it need not exist).</summary>
    public ByteString HealthKey { get; }

    /// <summary>Every key of this store: all of etcd when there is no prefix.</summary>
    public ByteString NamespaceStart { get; }

    public ByteString NamespaceEnd { get; }

    public ByteString Key(string key)
    {
        byte[] bytes = new byte[_prefix.Length + Encoding.UTF8.GetByteCount(key)];
        _prefix.CopyTo(bytes, 0);
        Encoding.UTF8.GetBytes(key, bytes.AsSpan(_prefix.Length));
        return UnsafeByteOperations.UnsafeWrap(bytes);
    }

    /// <summary>[start, end) of the keys that begin with <paramref name="prefix"/>, as etcd's WithPrefix.</summary>
    public (ByteString Start, ByteString End) Range(string prefix)
    {
        byte[] start = Key(prefix).ToByteArray();
        if (start.Length == 0)
        {
            // The whole keyspace: from the first key, "\0" as range end means "to the last".
            return (ByteString.CopyFrom(0), ByteString.CopyFrom(0));
        }

        return (UnsafeByteOperations.UnsafeWrap(start), PrefixEnd(start));
    }

    /// <summary>Whether <paramref name="etcdKey"/> is under the store's prefix followed by <paramref name="prefix"/> (UTF-8).</summary>
    public bool IsUnder(ByteString etcdKey, byte[] prefix)
    {
        ReadOnlySpan<byte> key = etcdKey.Span;
        return key.StartsWith(_prefix) && key[_prefix.Length..].StartsWith(prefix);
    }

    public string Name(ByteString etcdKey) => Encoding.UTF8.GetString(etcdKey.Span[_prefix.Length..]);

    public KeyValue ToKeyValue(Mvccpb.KeyValue kv) => new(Name(kv.Key), kv.Value.Memory, kv.CreateRevision, kv.ModRevision);

    private static ByteString PrefixEnd(byte[] start)
    {
        byte[] end = (byte[])start.Clone();
        for (int i = end.Length - 1; i >= 0; i--)
        {
            if (end[i] < 0xff)
            {
                end[i]++;
                return UnsafeByteOperations.UnsafeWrap(end.AsMemory(0, i + 1));
            }
        }

        // A prefix of only 0xff bytes has no end: every key after it.
        return ByteString.CopyFrom(0);
    }
}
