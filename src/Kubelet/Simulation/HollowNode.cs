namespace KubeNet.Kubelet.Simulation;

/// <summary>
/// What one simulated node remembers: its identity, its lease's resourceVersion and which addresses of its /24 pods hold.
/// Kept to a few hundred bytes so thousands of nodes cost little; timers live in the pool, never per node.
/// </summary>
internal sealed class HollowNode(string name, int index, string zone, uint podNetwork, string internalIp)
{
    // .0 is the network, .1 the bridge gateway a real node would own, .255 the broadcast address.
    private const int FirstPodHost = 2;
    private const int LastPodHost = 254;

    private readonly ulong[] used = new ulong[4];
    private int cursor = FirstPodHost;

    public string Name { get; } = name;

    public int Index { get; } = index;

    public string Zone { get; } = zone;

    public uint PodNetwork { get; } = podNetwork;

    public string PodCidr { get; } = PodCidrs.Format(podNetwork) + "/24";

    public string InternalIp { get; } = internalIp;

    /// <summary>The Node's UID, owner of its Lease.</summary>
    public string? Uid { get; set; }

    /// <summary>resourceVersion of the Lease as last written; the next renewal updates from it.</summary>
    public string? LeaseResourceVersion { get; set; }

    public DateTime ReadySince { get; set; }

    public DateTime LastStatusReport { get; set; }

    public bool Contains(uint address) => (address & 0xffffff00u) == PodNetwork;

    /// <summary>The next free pod address, round-robin so a freed address is not handed out again at once.</summary>
    public string AllocatePodIp()
    {
        lock (used)
        {
            for (var i = 0; i <= LastPodHost - FirstPodHost; i++)
            {
                var host = cursor;
                cursor = cursor == LastPodHost ? FirstPodHost : cursor + 1;
                if ((used[host >> 6] & (1UL << (host & 63))) == 0)
                {
                    used[host >> 6] |= 1UL << (host & 63);
                    return PodCidrs.Format(PodNetwork + (uint)host);
                }
            }

            // More pods than addresses (nodeName set by hand past the pod capacity): addresses repeat, as on an exhausted node they would fail.
            var shared = cursor;
            cursor = cursor == LastPodHost ? FirstPodHost : cursor + 1;
            return PodCidrs.Format(PodNetwork + (uint)shared);
        }
    }

    /// <summary>Marks an address a pod already holds (found on relist) as taken.</summary>
    public void MarkUsed(uint address) => Set(address, true);

    public void Release(uint address) => Set(address, false);

    private void Set(uint address, bool taken)
    {
        if (!Contains(address))
        {
            return;
        }

        var host = (int)(address & 0xff);
        lock (used)
        {
            if (taken)
            {
                used[host >> 6] |= 1UL << (host & 63);
            }
            else
            {
                used[host >> 6] &= ~(1UL << (host & 63));
            }
        }
    }
}
