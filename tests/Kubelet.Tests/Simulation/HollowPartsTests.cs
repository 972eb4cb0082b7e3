using System.Threading.Channels;
using KubeNet.Kubelet.Simulation;

namespace KubeNet.Kubelet.Tests.Simulation;

public sealed class HollowPartsTests
{
    [Fact]
    public void Default_options_are_valid()
    {
        var options = new HollowNodeOptions { Count = 256 };
        options.Validate();
        Assert.Equal("hollow-node-", options.NamePrefix);
        Assert.Equal(TimeSpan.FromSeconds(10), options.HeartbeatInterval);
        Assert.Equal(TimeSpan.FromSeconds(2), options.CompletionDelay);
    }

    [Theory]
    [InlineData(0, "10.244.0.0/16", "4")]
    [InlineData(257, "10.244.0.0/16", "4")]
    [InlineData(3, "10.244.0.0/25", "4")]
    [InlineData(3, "fd00::/64", "4")]
    [InlineData(3, "10.244.0.0/16", "four")]
    public void Invalid_options_are_rejected(int count, string cidr, string cpu)
    {
        var options = new HollowNodeOptions { Count = count, PodCidrBase = cidr, Cpu = cpu };
        Assert.ThrowsAny<ArgumentException>(options.Validate);
    }

    [Fact]
    public void Pod_addresses_stay_inside_the_node_range_and_are_reused_after_release()
    {
        var node = new HollowNode("n", 5, "zone-a", PodCidrs.NodeNetwork((10u << 24) | (244u << 16), 5), "172.16.0.7");
        Assert.Equal("10.244.5.0/24", node.PodCidr);

        var addresses = Enumerable.Range(0, 253).Select(_ => node.AllocatePodIp()).ToList();
        Assert.Equal(253, addresses.Distinct().Count());
        Assert.All(addresses, a => Assert.StartsWith("10.244.5.", a, StringComparison.Ordinal));
        Assert.DoesNotContain("10.244.5.0", addresses);
        Assert.DoesNotContain("10.244.5.1", addresses);
        Assert.DoesNotContain("10.244.5.255", addresses);

        Assert.True(PodCidrs.TryParseAddress("10.244.5.77", out var freed));
        node.Release(freed);
        Assert.Equal("10.244.5.77", node.AllocatePodIp());
    }

    [Fact]
    public void Node_addresses_are_private_and_distinct()
    {
        var addresses = Enumerable.Range(0, 5000).Select(i => PodCidrs.Format(PodCidrs.NodeAddress(i))).ToList();
        Assert.Equal(5000, addresses.Distinct().Count());
        Assert.All(addresses, a => Assert.Matches(@"^172\.(1[6-9]|2\d|3[01])\.\d+\.([2-9]|\d\d+)$", a));
    }

    [Fact]
    public async Task Delayed_items_come_out_in_due_order()
    {
        var channel = Channel.CreateUnbounded<int>();
        using var queue = new DelayQueue<int>(channel.Writer);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var loop = queue.RunAsync(cts.Token);

        queue.Add(3, TimeSpan.FromMilliseconds(300));
        queue.Add(2, TimeSpan.FromMilliseconds(150));
        queue.Add(1, TimeSpan.Zero);

        var seen = new List<int>();
        for (var i = 0; i < 3; i++)
        {
            seen.Add(await channel.Reader.ReadAsync(cts.Token));
        }

        Assert.Equal([1, 2, 3], seen);
        Assert.Equal(0, queue.Count);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => loop);
    }
}
