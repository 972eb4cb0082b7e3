using k8s;
using k8s.Models;
using KubeNet.Controllers.Tests.Infrastructure;

namespace KubeNet.Controllers.Tests.Workloads;

/// <summary>StatefulSets on simulated nodes: ordered creation, stable names, claims, updates and rollbacks.</summary>
[Collection(ClusterCollection.Name)]
public sealed class StatefulSetControllerTests(ClusterFixture cluster)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static string Manifest(string name, int replicas, string image, string policy = "OrderedReady", bool claims = true) => $"""
        apiVersion: apps/v1
        kind: StatefulSet
        metadata:
          name: {name}
        spec:
          serviceName: {name}
          replicas: {replicas}
          podManagementPolicy: {policy}
          selector:
            matchLabels:
              app: {name}
          template:
            metadata:
              labels:
                app: {name}
            spec:
              containers:
              - name: nginx
                image: {image}
        """ + (claims ? """

          volumeClaimTemplates:
          - metadata:
              name: data
            spec:
              accessModes: ["ReadWriteOnce"]
              resources:
                requests:
                  storage: 1Gi
        """ : string.Empty);

    [Fact]
    public async Task Pods_appear_in_order_with_stable_names_and_claims()
    {
        var ns = await cluster.CreateNamespaceAsync("sts");
        await using var binder = new VolumeBinderStandIn(cluster.Client, ns);
        var order = new List<string>();
        var readyWhenAdded = new Dictionary<string, bool>();
        var ready = new HashSet<string>();
        using var stop = new CancellationTokenSource(Timeout);
        var watch = Task.Run(async () =>
        {
            try
            {
                await foreach (var (type, pod) in cluster.Client.CoreV1.WatchListNamespacedPodAsync(ns, cancellationToken: stop.Token))
                {
                    lock (order)
                    {
                        if (type == WatchEventType.Added)
                        {
                            order.Add(pod.Metadata.Name);
                            readyWhenAdded[pod.Metadata.Name] = ready.Count == order.Count - 1;
                        }

                        if (pod.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true)
                        {
                            ready.Add(pod.Metadata.Name);
                        }
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
        await Task.Delay(200);

        var apply = await cluster.KubectlWithInputAsync(Manifest("web", 3, "nginx:1.25"), "apply", "-n", ns, "-f", "-");
        Assert.True(apply.ExitCode == 0, apply.ToString());
        var rollout = await cluster.KubectlAsync("rollout", "status", "statefulset/web", "-n", ns, "--timeout=60s");
        Assert.True(rollout.ExitCode == 0, rollout.ToString());
        await stop.CancelAsync();
        await watch;

        Assert.Equal(["web-0", "web-1", "web-2"], order.Take(3));
        Assert.All(readyWhenAdded, p => Assert.True(p.Value, $"{p.Key} was created before its predecessors were ready"));

        var set = await cluster.Client.AppsV1.ReadNamespacedStatefulSetAsync("web", ns);
        Assert.Equal(3, set.Status.Replicas);
        Assert.Equal(3, set.Status.ReadyReplicas);
        Assert.Equal(3, set.Status.AvailableReplicas);
        Assert.Equal(set.Status.CurrentRevision, set.Status.UpdateRevision);
        Assert.StartsWith("web-", set.Status.CurrentRevision, StringComparison.Ordinal);
        Assert.Equal(set.Metadata.Generation, set.Status.ObservedGeneration);

        var claims = await cluster.Client.CoreV1.ListNamespacedPersistentVolumeClaimAsync(ns);
        Assert.Equal(["data-web-0", "data-web-1", "data-web-2"], claims.Items.Select(c => c.Metadata.Name).Order());
        var pod = await cluster.Client.CoreV1.ReadNamespacedPodAsync("web-1", ns);
        Assert.Equal("web-1", pod.Spec.Hostname);
        Assert.Equal("web", pod.Spec.Subdomain);
        Assert.Equal("web-1", pod.Metadata.Labels["statefulset.kubernetes.io/pod-name"]);
        Assert.Equal("1", pod.Metadata.Labels["apps.kubernetes.io/pod-index"]);
        Assert.Equal(set.Status.CurrentRevision, pod.Metadata.Labels["controller-revision-hash"]);
        Assert.Equal("data-web-1", pod.Spec.Volumes.Single(v => v.Name == "data").PersistentVolumeClaim.ClaimName);

        var revisions = await cluster.Client.AppsV1.ListNamespacedControllerRevisionAsync(ns);
        var revision = Assert.Single(revisions.Items);
        Assert.Equal(set.Status.CurrentRevision, revision.Metadata.Name);
        Assert.Equal(1, revision.Revision);
    }

    [Fact]
    public async Task Rolling_updates_respect_the_partition_and_rollout_undo_history_and_restart_work()
    {
        var ns = await cluster.CreateNamespaceAsync("stsroll");
        var apply = await cluster.KubectlWithInputAsync(Manifest("db", 3, "nginx:1.25", "Parallel", claims: false), "apply", "-n", ns, "-f", "-");
        Assert.True(apply.ExitCode == 0, apply.ToString());
        await RolloutAsync(ns);
        var first = (await cluster.Client.AppsV1.ReadNamespacedStatefulSetAsync("db", ns)).Status.CurrentRevision;

        // Partition 2: only db-2 moves to the new template.
        await cluster.KubectlOkAsync("patch", "statefulset", "db", "-n", ns, "-p", """{"spec":{"updateStrategy":{"rollingUpdate":{"partition":2}}}}""");
        await cluster.KubectlOkAsync("set", "image", "statefulset/db", "nginx=nginx:1.26", "-n", ns);
        await ClusterFixture.EventuallyAsync(async () =>
        {
            var set = await cluster.Client.AppsV1.ReadNamespacedStatefulSetAsync("db", ns);
            var images = await ImagesAsync(ns);
            return set.Status.UpdatedReplicas == 1 && images.SequenceEqual(["nginx:1.25", "nginx:1.25", "nginx:1.26"]);
        }, Timeout, () => "the partitioned update did not reach db-2 only");
        var partial = await cluster.Client.AppsV1.ReadNamespacedStatefulSetAsync("db", ns);
        Assert.Equal(first, partial.Status.CurrentRevision);
        Assert.NotEqual(first, partial.Status.UpdateRevision);
        var status = await cluster.KubectlOkAsync("rollout", "status", "statefulset/db", "-n", ns, "--timeout=30s");
        Assert.Contains("partitioned roll out complete: 1 new pods have been updated", status, StringComparison.Ordinal);

        // Partition 0: everything moves, from the highest ordinal down; the update revision becomes current.
        await cluster.KubectlOkAsync("patch", "statefulset", "db", "-n", ns, "-p", """{"spec":{"updateStrategy":{"rollingUpdate":{"partition":0}}}}""");
        await RolloutAsync(ns);
        Assert.Equal(["nginx:1.26", "nginx:1.26", "nginx:1.26"], await ImagesAsync(ns));
        var updated = await cluster.Client.AppsV1.ReadNamespacedStatefulSetAsync("db", ns);
        Assert.Equal(updated.Status.UpdateRevision, updated.Status.CurrentRevision);

        var history = await cluster.KubectlOkAsync("rollout", "history", "statefulset/db", "-n", ns);
        Assert.Contains("REVISION", history, StringComparison.Ordinal);
        Assert.Equal(2, history.Split('\n').Count(l => l.StartsWith('1') || l.StartsWith('2')));

        // Undo reuses revision 1's ControllerRevision as revision 3.
        var undo = await cluster.KubectlAsync("rollout", "undo", "statefulset/db", "-n", ns);
        Assert.True(undo.ExitCode == 0, undo.ToString());
        await RolloutAsync(ns);
        Assert.Equal(["nginx:1.25", "nginx:1.25", "nginx:1.25"], await ImagesAsync(ns));
        var rolledBack = await cluster.Client.AppsV1.ReadNamespacedStatefulSetAsync("db", ns);
        Assert.Equal(first, rolledBack.Status.CurrentRevision);
        var revisions = await cluster.Client.AppsV1.ListNamespacedControllerRevisionAsync(ns);
        Assert.Equal(3L, revisions.Items.Single(r => r.Metadata.Name == first).Revision);
        var skipped = await cluster.KubectlAsync("rollout", "undo", "statefulset/db", "--to-revision=3", "-n", ns);
        Assert.True(skipped.ExitCode == 0, skipped.ToString());
        Assert.Contains("skipped rollback (current template already matches revision 3)", skipped.StdOut, StringComparison.Ordinal);

        // Restart: a new template annotation, so every pod is replaced.
        var before = (await cluster.Client.CoreV1.ListNamespacedPodAsync(ns)).Items.Select(p => p.Metadata.Uid).ToHashSet();
        await cluster.KubectlOkAsync("rollout", "restart", "statefulset/db", "-n", ns);
        await RolloutAsync(ns);
        await ClusterFixture.EventuallyAsync(async () =>
        {
            var pods = (await cluster.Client.CoreV1.ListNamespacedPodAsync(ns)).Items;
            return pods.Count == 3 && pods.All(p => !before.Contains(p.Metadata.Uid) && p.Metadata.Annotations?.ContainsKey("kubectl.kubernetes.io/restartedAt") == true);
        }, Timeout, () => "rollout restart did not replace every pod");

        // Scaling down removes the highest ordinals.
        await cluster.KubectlOkAsync("scale", "statefulset/db", "--replicas=1", "-n", ns);
        await ClusterFixture.EventuallyAsync(async () =>
            (await cluster.Client.CoreV1.ListNamespacedPodAsync(ns)).Items.Select(p => p.Metadata.Name).SequenceEqual(["db-0"]),
            Timeout, () => "scaling down did not leave db-0 alone");
    }

    private async Task RolloutAsync(string ns)
    {
        var rollout = await cluster.KubectlAsync("rollout", "status", "statefulset/db", "-n", ns, "--timeout=60s");
        Assert.True(rollout.ExitCode == 0, rollout.ToString());
    }

    private async Task<List<string>> ImagesAsync(string ns)
    {
        var pods = await cluster.Client.CoreV1.ListNamespacedPodAsync(ns);
        return pods.Items.Where(p => p.Metadata.DeletionTimestamp is null).OrderBy(p => p.Metadata.Name, StringComparer.Ordinal)
            .Select(p => p.Spec.Containers[0].Image).ToList();
    }
}
