using k8s;
using k8s.Autorest;
using k8s.Models;

namespace KubeNet.Conformance.Scheduling;

/// <summary>test/e2e/scheduling/limit_range.go: LimitRange defaults and bounds applied by the LimitRanger admission plugin.</summary>
[Collection(SchedulingCollection.Name)]
public sealed class LimitRangeTests(SchedulingCluster cluster)
{
    private const string PodName = "pfpod";

    private IKubernetes Client => cluster.Client;

    [Fact(DisplayName = "[sig-scheduling] LimitRange should create a LimitRange with defaults and ensure pod has those defaults applied. [Conformance]")]
    public async Task DefaultsAreApplied()
    {
        var ns = await cluster.Cluster.CreateNamespaceAsync("limitrange");
        var min = Resources("50m", "100Mi", "100Gi");
        var max = Resources("500m", "500Mi", "500Gi");
        var defaultLimit = Resources("500m", "500Mi", "500Gi");
        var defaultRequest = Resources("100m", "200Mi", "200Gi");
        var value = Guid.NewGuid().ToString("N");
        var selector = "time=" + value;
        Assert.Empty((await Client.CoreV1.ListNamespacedLimitRangeAsync(ns, labelSelector: selector)).Items);

        var list = await Client.CoreV1.ListNamespacedLimitRangeAsync(ns, labelSelector: selector);
        using var watching = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var added = new TaskCompletionSource<WatchEventType>(TaskCreationOptions.RunContinuationsAsynchronously);
        var watch = Task.Run(async () =>
        {
            try
            {
                await foreach (var (type, _) in Client.CoreV1.WatchListNamespacedLimitRangeAsync(ns, labelSelector: selector, resourceVersion: list.Metadata.ResourceVersion, cancellationToken: watching.Token))
                {
                    added.TrySetResult(type);
                    return;
                }
            }
            catch (OperationCanceledException)
            {
            }
        });

        var limitRange = await Client.CoreV1.CreateNamespacedLimitRangeAsync(
            new V1LimitRange
            {
                Metadata = new V1ObjectMeta { Name = "limit-range", Labels = new Dictionary<string, string> { ["time"] = value } },
                Spec = new V1LimitRangeSpec
                {
                    Limits = [new V1LimitRangeItem { Type = "Container", Min = min, Max = max, DefaultProperty = defaultLimit, DefaultRequest = defaultRequest, MaxLimitRequestRatio = new Dictionary<string, ResourceQuantity>() }],
                },
            },
            ns);
        Assert.Equal(WatchEventType.Added, await added.Task.WaitAsync(TimeSpan.FromSeconds(30)));
        await watch;

        limitRange = await Client.CoreV1.ReadNamespacedLimitRangeAsync(limitRange.Metadata.Name, ns);
        AssertResources(defaultRequest, defaultLimit, new V1ResourceRequirements { Requests = limitRange.Spec.Limits[0].DefaultRequest, Limits = limitRange.Spec.Limits[0].DefaultProperty });

        // No requirements: the LimitRange's defaults.
        var pod = await Client.CoreV1.CreateNamespacedPodAsync(TestPod("pod-no-resources", [], []), ns);
        pod = await Client.CoreV1.ReadNamespacedPodAsync(pod.Metadata.Name, ns);
        AssertResources(defaultRequest, defaultLimit, pod.Spec.Containers[0].Resources);

        // Partial requirements: a limit without a request is the request; the rest comes from the defaults.
        pod = await Client.CoreV1.CreateNamespacedPodAsync(TestPod("pod-partial-resources", Resources(null, "150Mi", "150Gi"), Resources("300m", null, null)), ns);
        pod = await Client.CoreV1.ReadNamespacedPodAsync(pod.Metadata.Name, ns);
        AssertResources(Resources("300m", "150Mi", "150Gi"), Resources("300m", "500Mi", "500Gi"), pod.Spec.Containers[0].Resources);

        await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.CreateNamespacedPodAsync(TestPod(PodName, Resources("10m", "50Mi", "50Gi"), []), ns));
        await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.CreateNamespacedPodAsync(TestPod(PodName, Resources("600m", "600Mi", "600Gi"), []), ns));

        var newMin = Resources("9m", "49Mi", "49Gi");
        limitRange.Spec.Limits[0].Min = newMin;
        limitRange = await Client.CoreV1.ReplaceNamespacedLimitRangeAsync(limitRange, limitRange.Metadata.Name, ns);
        limitRange = await Client.CoreV1.ReadNamespacedLimitRangeAsync(limitRange.Metadata.Name, ns);
        AssertQuantities(newMin, limitRange.Spec.Limits[0].Min);

        await Client.CoreV1.CreateNamespacedPodAsync(TestPod(PodName, Resources("10m", "50Mi", "50Gi"), []), ns);
        await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.CreateNamespacedPodAsync(TestPod(PodName, Resources("600m", "600Mi", "600Gi"), []), ns));

        await Client.CoreV1.DeleteNamespacedLimitRangeAsync(limitRange.Metadata.Name, ns, new V1DeleteOptions { GracePeriodSeconds = 30 });
        Assert.Empty((await Client.CoreV1.ListNamespacedLimitRangeAsync(ns)).Items);

        // Without the LimitRange nothing bounds the pod.
        await Client.CoreV1.CreateNamespacedPodAsync(TestPod(PodName + "2", Resources("600m", "600Mi", "600Gi"), []), ns);
        await Client.CoreV1.DeleteCollectionNamespacedPodAsync(ns, new V1DeleteOptions { GracePeriodSeconds = 0 });
    }

    [Fact(DisplayName = "[sig-scheduling] LimitRange should list, patch and delete a LimitRange by collection [Conformance]")]
    public async Task ListPatchAndDeleteByCollection()
    {
        var ns = await cluster.Cluster.CreateNamespaceAsync("limitrange");
        var name = "e2e-limitrange-" + Guid.NewGuid().ToString("N")[..5];
        var e2eSelector = "e2e-test=" + name;
        var patchedSelector = name + "=patched";
        V1LimitRange Make() => new()
        {
            Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["e2e-test"] = name, [name] = "created" } },
            Spec = new V1LimitRangeSpec
            {
                Limits =
                [
                    new V1LimitRangeItem
                    {
                        Type = "Container",
                        Min = Resources("50m", "100Mi", "100Gi"),
                        Max = Resources("500m", "500Mi", "500Gi"),
                        DefaultProperty = Resources("500m", "500Mi", "500Gi"),
                        DefaultRequest = Resources("100m", "200Mi", "200Gi"),
                        MaxLimitRequestRatio = new Dictionary<string, ResourceQuantity>(),
                    },
                ],
            },
        };

        var limitRange = await Client.CoreV1.CreateNamespacedLimitRangeAsync(Make(), ns);
        var otherNs = await cluster.Cluster.CreateNamespaceAsync(name);
        await Client.CoreV1.CreateNamespacedLimitRangeAsync(Make(), otherNs);

        var all = await Client.CoreV1.ListLimitRangeForAllNamespacesAsync(labelSelector: e2eSelector);
        Assert.Equal(2, all.Items.Count);

        var newMin = Resources("9m", "49Mi", "49Gi");
        limitRange.Spec.Limits[0].Min = newMin;
        var payload = KubernetesJson.Serialize(new V1LimitRange
        {
            Metadata = new V1ObjectMeta { CreationTimestamp = limitRange.Metadata.CreationTimestamp, Labels = new Dictionary<string, string> { [name] = "patched" } },
            Spec = new V1LimitRangeSpec { Limits = limitRange.Spec.Limits },
        });
        var patched = await Client.CoreV1.PatchNamespacedLimitRangeAsync(new V1Patch(payload, V1Patch.PatchType.StrategicMergePatch), name, ns);
        Assert.Equal("patched", patched.Metadata.Labels[name]);
        AssertQuantities(newMin, patched.Spec.Limits[0].Min);

        await Client.CoreV1.DeleteCollectionNamespacedLimitRangeAsync(ns, labelSelector: patchedSelector);
        Assert.Empty((await Client.CoreV1.ListNamespacedLimitRangeAsync(ns, labelSelector: patchedSelector)).Items);
        Assert.Single((await Client.CoreV1.ListLimitRangeForAllNamespacesAsync(labelSelector: e2eSelector)).Items);
    }

    private static Dictionary<string, ResourceQuantity> Resources(string? cpu, string? memory, string? ephemeralStorage)
    {
        var list = new Dictionary<string, ResourceQuantity>();
        if (cpu is not null)
        {
            list["cpu"] = new ResourceQuantity(cpu);
        }

        if (memory is not null)
        {
            list["memory"] = new ResourceQuantity(memory);
        }

        if (ephemeralStorage is not null)
        {
            list["ephemeral-storage"] = new ResourceQuantity(ephemeralStorage);
        }

        return list;
    }

    private static V1Pod TestPod(string name, Dictionary<string, ResourceQuantity> requests, Dictionary<string, ResourceQuantity> limits) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1PodSpec
        {
            Containers = [new V1Container { Name = "pause", Image = "registry.k8s.io/pause:3.10", Resources = new V1ResourceRequirements { Requests = requests, Limits = limits } }],
        },
    };

    private static void AssertResources(IDictionary<string, ResourceQuantity> requests, IDictionary<string, ResourceQuantity> limits, V1ResourceRequirements actual)
    {
        AssertQuantities(requests, actual.Requests);
        AssertQuantities(limits, actual.Limits);
    }

    private static void AssertQuantities(IDictionary<string, ResourceQuantity> expected, IDictionary<string, ResourceQuantity>? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.Keys.Order(), actual!.Keys.Order());
        foreach (var (key, quantity) in expected)
        {
            Assert.Equal(quantity.ToDecimal(), actual[key].ToDecimal());
        }
    }
}
