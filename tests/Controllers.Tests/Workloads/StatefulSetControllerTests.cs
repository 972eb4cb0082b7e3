using k8s;
using k8s.Models;
using KubeNet.Controllers.Tests.Infrastructure;

namespace KubeNet.Controllers.Tests.Workloads;

/// <summary>StatefulSets on simulated nodes: ordered creation, stable names, claims, updates and rollbacks.</summary>
[Collection(ClusterCollection.Name)]
public sealed class StatefulSetControllerTests(ClusterFixture cluster)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static string Manifest(string name, int replicas, string image, string policy = "OrderedReady") => $"""
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
          volumeClaimTemplates:
          - metadata:
              name: data
            spec:
              accessModes: ["ReadWriteOnce"]
              resources:
                requests:
                  storage: 1Gi
        """;

    [Fact]
    public async Task Pods_appear_in_order_with_stable_names_and_claims()
    {
        var ns = await cluster.CreateNamespaceAsync("sts");
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
}
