using k8s;
using k8s.Models;

namespace KubeNet.Scheduler.Tests;

/// <summary>Where pods land: node selectors, node affinity, taints, host ports, pod (anti-)affinity, topology spread.</summary>
[Collection(SchedulerClusterCollection.Name)]
public sealed class PlacementTests(SchedulerCluster cluster)
{
    private const string Zone = "topology.kubernetes.io/zone";
    private const string Hostname = "kubernetes.io/hostname";

    private Kubernetes Client => cluster.Client;

    [Fact]
    public async Task A_node_selector_picks_the_matching_zone()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var pod = SchedulerCluster.Pod("zoned");
        pod.Spec.NodeSelector = new Dictionary<string, string> { [Zone] = "zone-b" };
        await Client.CoreV1.CreateNamespacedPodAsync(pod, ns);
        var scheduled = await cluster.WaitForScheduledAsync(ns, "zoned");
        var node = await Client.CoreV1.ReadNodeAsync(scheduled.Spec.NodeName);
        Assert.Equal("zone-b", node.Metadata.Labels[Zone]);
    }

    [Fact]
    public async Task Required_node_affinity_by_label_or_by_name_is_honoured()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var byLabel = SchedulerCluster.Pod("by-label");
        byLabel.Spec.Affinity = RequiredNodeAffinity(new V1NodeSelectorTerm
        {
            MatchExpressions = [new V1NodeSelectorRequirement { Key = Hostname, OperatorProperty = "In", Values = [cluster.BaseNodes[1]] }],
        });
        var byName = SchedulerCluster.Pod("by-name");
        byName.Spec.Affinity = RequiredNodeAffinity(new V1NodeSelectorTerm
        {
            MatchFields = [new V1NodeSelectorRequirement { Key = "metadata.name", OperatorProperty = "In", Values = [cluster.BaseNodes[2]] }],
        });
        var nowhere = SchedulerCluster.Pod("nowhere");
        nowhere.Spec.Affinity = RequiredNodeAffinity(new V1NodeSelectorTerm
        {
            MatchExpressions = [new V1NodeSelectorRequirement { Key = "foo", OperatorProperty = "In", Values = ["bar", "value2"] }],
        });
        await Client.CoreV1.CreateNamespacedPodAsync(byLabel, ns);
        await Client.CoreV1.CreateNamespacedPodAsync(byName, ns);
        await Client.CoreV1.CreateNamespacedPodAsync(nowhere, ns);

        Assert.Equal(cluster.BaseNodes[1], (await cluster.WaitForScheduledAsync(ns, "by-label")).Spec.NodeName);
        Assert.Equal(cluster.BaseNodes[2], (await cluster.WaitForScheduledAsync(ns, "by-name")).Spec.NodeName);
        var pending = await cluster.WaitForUnschedulableAsync(ns, "nowhere");
        Assert.Equal(
            "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
            SchedulerCluster.ScheduledMessage(pending));
    }

    [Fact]
    public async Task Preferred_node_affinity_steers_the_pod()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var pod = SchedulerCluster.Pod("prefers-c");
        pod.Spec.Affinity = new V1Affinity
        {
            NodeAffinity = new V1NodeAffinity
            {
                PreferredDuringSchedulingIgnoredDuringExecution =
                [
                    new V1PreferredSchedulingTerm
                    {
                        Weight = 50,
                        Preference = new V1NodeSelectorTerm { MatchExpressions = [new V1NodeSelectorRequirement { Key = Zone, OperatorProperty = "In", Values = ["zone-c"] }] },
                    },
                ],
            },
        };
        await Client.CoreV1.CreateNamespacedPodAsync(pod, ns);
        var scheduled = await cluster.WaitForScheduledAsync(ns, "prefers-c");
        Assert.Equal("zone-c", (await Client.CoreV1.ReadNodeAsync(scheduled.Spec.NodeName)).Metadata.Labels[Zone]);
    }

    [Fact]
    public async Task A_taint_keeps_pods_without_a_toleration_away_until_it_is_removed()
    {
        var ns = await cluster.CreateNamespaceAsync();
        await using var nodes = await cluster.StartNodesAsync("tainted-");
        var node = nodes.Names[0];
        var key = "example.com/taint-" + ns;
        await Client.CoreV1.PatchNodeAsync(new V1Patch(new
        {
            metadata = new { labels = new Dictionary<string, string> { [key] = "yes" } },
            spec = new { taints = new[] { new { key, value = "testing", effect = "NoSchedule" } } },
        }, V1Patch.PatchType.MergePatch), node);

        var intolerant = SchedulerCluster.Pod("intolerant");
        intolerant.Spec.NodeSelector = new Dictionary<string, string> { [key] = "yes" };
        await Client.CoreV1.CreateNamespacedPodAsync(intolerant, ns);
        var pending = await cluster.WaitForUnschedulableAsync(ns, "intolerant");
        Assert.Equal(
            $"0/4 nodes are available: 1 node(s) had untolerated taint {{{key}: testing}}, 3 node(s) didn't match Pod's node affinity/selector. "
            + "preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.",
            SchedulerCluster.ScheduledMessage(pending));

        var tolerant = SchedulerCluster.Pod("tolerant");
        tolerant.Spec.NodeSelector = new Dictionary<string, string> { [key] = "yes" };
        tolerant.Spec.Tolerations = [new V1Toleration { Key = key, Value = "testing", Effect = "NoSchedule" }];
        await Client.CoreV1.CreateNamespacedPodAsync(tolerant, ns);
        Assert.Equal(node, (await cluster.WaitForScheduledAsync(ns, "tolerant")).Spec.NodeName);

        await Client.CoreV1.PatchNodeAsync(new V1Patch("""{"spec":{"taints":null}}""", V1Patch.PatchType.MergePatch), node);
        Assert.Equal(node, (await cluster.WaitForScheduledAsync(ns, "intolerant")).Spec.NodeName);
    }

    [Fact]
    public async Task A_host_port_is_taken_once_per_address_and_protocol()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var node = cluster.BaseNodes[0];
        V1Pod WithPort(string name, string protocol, string? hostIp = null)
        {
            var pod = SchedulerCluster.Pod(name);
            pod.Spec.NodeSelector = new Dictionary<string, string> { [Hostname] = node };
            pod.Spec.Containers[0].Ports = [new V1ContainerPort { ContainerPort = 8080, HostPort = 54321, Protocol = protocol, HostIP = hostIp }];
            return pod;
        }

        await Client.CoreV1.CreateNamespacedPodAsync(WithPort("first", "TCP"), ns);
        await cluster.WaitForScheduledAsync(ns, "first");
        await Client.CoreV1.CreateNamespacedPodAsync(WithPort("second", "TCP", "127.0.0.1"), ns);
        var pending = await cluster.WaitForUnschedulableAsync(ns, "second");
        Assert.Equal(
            "0/3 nodes are available: 1 node(s) didn't have free ports for the requested pod ports, 2 node(s) didn't match Pod's node affinity/selector. "
            + "preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.",
            SchedulerCluster.ScheduledMessage(pending));

        await Client.CoreV1.CreateNamespacedPodAsync(WithPort("udp", "UDP"), ns);
        Assert.Equal(node, (await cluster.WaitForScheduledAsync(ns, "udp")).Spec.NodeName);

        await Client.CoreV1.DeleteNamespacedPodAsync("first", ns);
        Assert.Equal(node, (await cluster.WaitForScheduledAsync(ns, "second")).Spec.NodeName);
    }

    [Fact]
    public async Task Required_pod_anti_affinity_places_one_pod_per_node()
    {
        var ns = await cluster.CreateNamespaceAsync();
        for (var i = 0; i < 4; i++)
        {
            var pod = SchedulerCluster.Pod("spread-" + i);
            pod.Metadata.Labels["app"] = "one-per-node";
            pod.Spec.Affinity = new V1Affinity
            {
                PodAntiAffinity = new V1PodAntiAffinity
                {
                    RequiredDuringSchedulingIgnoredDuringExecution =
                    [
                        new V1PodAffinityTerm
                        {
                            TopologyKey = Hostname,
                            LabelSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "one-per-node" } },
                        },
                    ],
                },
            };
            await Client.CoreV1.CreateNamespacedPodAsync(pod, ns);
        }

        var placed = new List<string>();
        var pendingCount = 0;
        for (var i = 0; i < 4; i++)
        {
            var pod = await cluster.WaitForPodAsync(ns, "spread-" + i, p => !string.IsNullOrEmpty(p.Spec.NodeName)
                || p.Status?.Conditions?.Any(c => c.Type == "PodScheduled" && c.Reason == "Unschedulable") == true);
            if (string.IsNullOrEmpty(pod.Spec.NodeName))
            {
                pendingCount++;
                Assert.StartsWith("0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules.", SchedulerCluster.ScheduledMessage(pod), StringComparison.Ordinal);
            }
            else
            {
                placed.Add(pod.Spec.NodeName);
            }
        }

        Assert.Equal(1, pendingCount);
        Assert.Equal(cluster.BaseNodes.Order(), placed.Order());
    }

    [Fact]
    public async Task Required_pod_affinity_follows_the_matching_pod_into_its_zone()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var anchor = SchedulerCluster.Pod("anchor");
        anchor.Metadata.Labels["app"] = "anchor";
        anchor.Spec.NodeSelector = new Dictionary<string, string> { [Zone] = "zone-c" };
        await Client.CoreV1.CreateNamespacedPodAsync(anchor, ns);
        await cluster.WaitForScheduledAsync(ns, "anchor");

        var follower = SchedulerCluster.Pod("follower");
        follower.Spec.Affinity = new V1Affinity
        {
            PodAffinity = new V1PodAffinity
            {
                RequiredDuringSchedulingIgnoredDuringExecution =
                [
                    new V1PodAffinityTerm
                    {
                        TopologyKey = Zone,
                        LabelSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "anchor" } },
                    },
                ],
            },
        };
        await Client.CoreV1.CreateNamespacedPodAsync(follower, ns);
        var placed = await cluster.WaitForScheduledAsync(ns, "follower");
        Assert.Equal("zone-c", (await Client.CoreV1.ReadNodeAsync(placed.Spec.NodeName)).Metadata.Labels[Zone]);
    }

    [Fact]
    public async Task Topology_spread_with_max_skew_one_balances_three_zones()
    {
        var ns = await cluster.CreateNamespaceAsync();
        for (var i = 0; i < 6; i++)
        {
            var pod = SchedulerCluster.Pod("zonal-" + i);
            pod.Metadata.Labels["app"] = "zonal";
            pod.Spec.TopologySpreadConstraints =
            [
                new V1TopologySpreadConstraint
                {
                    MaxSkew = 1,
                    TopologyKey = Zone,
                    WhenUnsatisfiable = "DoNotSchedule",
                    LabelSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "zonal" } },
                },
            ];
            await Client.CoreV1.CreateNamespacedPodAsync(pod, ns);
        }

        var zones = new Dictionary<string, int>();
        for (var i = 0; i < 6; i++)
        {
            var pod = await cluster.WaitForScheduledAsync(ns, "zonal-" + i);
            var zone = (await Client.CoreV1.ReadNodeAsync(pod.Spec.NodeName)).Metadata.Labels[Zone];
            zones[zone] = zones.GetValueOrDefault(zone) + 1;
        }

        Assert.Equal(new Dictionary<string, int> { ["zone-a"] = 2, ["zone-b"] = 2, ["zone-c"] = 2 }, zones);
    }

    [Fact]
    public async Task A_bound_volume_pins_the_pod_to_its_node_and_an_unbound_claim_waits()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var volume = "pv-" + ns;
        await Client.CoreV1.CreatePersistentVolumeAsync(new V1PersistentVolume
        {
            Metadata = new V1ObjectMeta { Name = volume },
            Spec = new V1PersistentVolumeSpec
            {
                Capacity = new Dictionary<string, ResourceQuantity> { ["storage"] = new("1Gi") },
                AccessModes = ["ReadWriteOnce"],
                StorageClassName = string.Empty,
                Local = new V1LocalVolumeSource { Path = "/mnt/disk" },
                NodeAffinity = new V1VolumeNodeAffinity
                {
                    Required = new V1NodeSelector
                    {
                        NodeSelectorTerms = [new V1NodeSelectorTerm { MatchExpressions = [new V1NodeSelectorRequirement { Key = Hostname, OperatorProperty = "In", Values = [cluster.BaseNodes[1]] }] }],
                    },
                },
            },
        });
        try
        {
            foreach (var (claim, volumeName) in new[] { ("bound", volume), ("unbound", (string?)null) })
            {
                await Client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(new V1PersistentVolumeClaim
                {
                    Metadata = new V1ObjectMeta { Name = claim },
                    Spec = new V1PersistentVolumeClaimSpec
                    {
                        AccessModes = ["ReadWriteOnce"],
                        StorageClassName = string.Empty,
                        VolumeName = volumeName,
                        Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new("1Gi") } },
                    },
                }, ns);

                var pod = SchedulerCluster.Pod("uses-" + claim);
                pod.Spec.Volumes = [new V1Volume { Name = "data", PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = claim } }];
                await Client.CoreV1.CreateNamespacedPodAsync(pod, ns);
            }

            Assert.Equal(cluster.BaseNodes[1], (await cluster.WaitForScheduledAsync(ns, "uses-bound")).Spec.NodeName);
            var pending = await cluster.WaitForUnschedulableAsync(ns, "uses-unbound");
            Assert.Equal(
                "0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
                SchedulerCluster.ScheduledMessage(pending));
        }
        finally
        {
            await Client.CoreV1.DeletePersistentVolumeAsync(volume);
        }
    }

    [Fact]
    public async Task Kubectl_shows_where_a_pod_landed_and_why_another_is_pending()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var manifest = $$"""
            apiVersion: v1
            kind: Pod
            metadata:
              name: from-kubectl
              namespace: {{ns}}
            spec:
              nodeSelector:
                topology.kubernetes.io/zone: zone-a
              containers:
              - name: c
                image: busybox
            ---
            apiVersion: v1
            kind: Pod
            metadata:
              name: too-big
              namespace: {{ns}}
            spec:
              containers:
              - name: c
                image: busybox
                resources:
                  requests:
                    cpu: "64"
            """;
        var applied = await cluster.KubectlAsync(manifest, "apply", "-f", "-");
        Assert.True(applied.ExitCode == 0, applied.StdErr);
        await cluster.WaitForScheduledAsync(ns, "from-kubectl");
        await cluster.WaitForUnschedulableAsync(ns, "too-big");

        var node = await cluster.KubectlAsync(null, "get", "pod", "from-kubectl", "-n", ns, "-o", "jsonpath={.spec.nodeName}");
        Assert.Equal(cluster.BaseNodes[0], node.StdOut);

        await cluster.Scheduler.FlushEventsAsync();
        var describe = await cluster.KubectlAsync(null, "describe", "pod", "too-big", "-n", ns);
        Assert.True(describe.ExitCode == 0, describe.StdErr);
        Assert.Contains("FailedScheduling", describe.StdOut, StringComparison.Ordinal);
        Assert.Contains("0/3 nodes are available: 3 Insufficient cpu.", describe.StdOut, StringComparison.Ordinal);
    }

    private static V1Affinity RequiredNodeAffinity(V1NodeSelectorTerm term) => new()
    {
        NodeAffinity = new V1NodeAffinity { RequiredDuringSchedulingIgnoredDuringExecution = new V1NodeSelector { NodeSelectorTerms = [term] } },
    };
}
