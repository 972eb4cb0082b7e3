using System.Net;
using System.Net.Sockets;

namespace KubeNet.Kubelet.Simulation;

/// <summary>IPv4 arithmetic for node pod CIDRs (one /24 each) and node addresses.</summary>
internal static class PodCidrs
{
    // Node addresses come from 172.16.0.0/12: private, never routed here, and nothing ever connects to them.
    private const uint NodeAddressBase = (172u << 24) | (16u << 16);

    /// <summary>How many /24s the range holds; 0 when it is not an IPv4 CIDR of prefix 24 or shorter.</summary>
    public static long NodeCapacity(string cidr) => TryParse(cidr, out _, out var prefix) ? 1L << (24 - prefix) : 0;

    public static bool TryParse(string cidr, out uint network, out int prefix)
    {
        network = 0;
        prefix = 0;
        var slash = cidr.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || !IPAddress.TryParse(cidr.AsSpan(0, slash), out var ip) || ip.AddressFamily != AddressFamily.InterNetwork
            || !int.TryParse(cidr.AsSpan(slash + 1), out prefix) || prefix is < 0 or > 24)
        {
            return false;
        }

        var bytes = ip.GetAddressBytes();
        var value = ((uint)bytes[0] << 24) | ((uint)bytes[1] << 16) | ((uint)bytes[2] << 8) | bytes[3];
        network = prefix == 0 ? 0 : value & (uint.MaxValue << (32 - prefix));
        return true;
    }

    /// <summary>The network address of the index-th /24 of the range.</summary>
    public static uint NodeNetwork(uint baseNetwork, int index) => baseNetwork + ((uint)index << 8);

    /// <summary>Node addresses skip .0, .1 and .255 of each /24 so none looks like a network, gateway or broadcast address.</summary>
    public static uint NodeAddress(int index) => NodeAddressBase + ((uint)(index / 253) << 8) + (uint)(index % 253) + 2;

    public static string Format(uint address) =>
        $"{address >> 24}.{(address >> 16) & 0xff}.{(address >> 8) & 0xff}.{address & 0xff}";

    public static bool TryParseAddress(string? text, out uint address)
    {
        address = 0;
        if (text is null || !IPAddress.TryParse(text, out var ip) || ip.AddressFamily != AddressFamily.InterNetwork)
        {
            return false;
        }

        var bytes = ip.GetAddressBytes();
        address = ((uint)bytes[0] << 24) | ((uint)bytes[1] << 16) | ((uint)bytes[2] << 8) | bytes[3];
        return true;
    }
}
