using System.Globalization;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace KubeNet.Conformance.Scheduling;

/// <summary>The pause pod configuration of test/e2e/scheduling (pausePodConfig).</summary>
internal sealed record PausePodConfig
{
    public required string Name { get; init; }

    public string? Namespace { get; init; }

    public Dictionary<string, string>? Labels { get; init; }

    public Dictionary<string, string>? NodeSelector { get; init; }

    public V1Affinity? Affinity { get; init; }

    public V1ResourceRequirements? Resources { get; init; }

    public List<V1Toleration>? Tolerations { get; init; }

    public List<V1ContainerPort>? Ports { get; init; }

    public string? PriorityClassName { get; init; }

    public List<string>? Finalizers { get; init; }
}

/// <summary>
/// The e2e framework steps the sig-scheduling scenarios use (e2epod, e2enode, WaitForSchedulerAfterAction,
/// verifyResult), over the C# client. Waits poll with short intervals and end with a clear failure.
/// </summary>
internal static class SchedulingSteps
{
    public const string PauseImage = "registry.k8s.io/pause:3.10";
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    /// <summary>e2enode.GetReadySchedulableNodes: Ready, not cordoned, without NoSchedule/NoExecute taints.</summary>
    public static async Task<List<V1Node>> ReadySchedulableNodesAsync(IKubernetes client)
    {
        var nodes = await client.CoreV1.ListNodeAsync();
        return [.. nodes.Items.Where(n =>
            n.Spec?.Unschedulable != true
            && n.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true
            && !(n.Spec?.Taints ?? []).Any(t => t.Effect is "NoSchedule" or "NoExecute"))];
    }

    public static V1Pod PausePod(PausePodConfig conf) => new()
    {
        Metadata = new V1ObjectMeta { Name = conf.Name, Labels = conf.Labels ?? new Dictionary<string, string>(), Finalizers = conf.Finalizers },
        Spec = new V1PodSpec
        {
            NodeSelector = conf.NodeSelector,
            Affinity = conf.Affinity,
            Tolerations = conf.Tolerations,
            PriorityClassName = conf.PriorityClassName,
            Containers =
            [
                new V1Container
                {
                    Name = conf.Name,
                    Image = PauseImage,
                    Ports = conf.Ports,
                    Resources = conf.Resources,
                },
            ],
        },
    };

    public static Task<V1Pod> CreatePausePodAsync(IKubernetes client, string ns, PausePodConfig conf) =>
        client.CoreV1.CreateNamespacedPodAsync(PausePod(conf), conf.Namespace ?? ns);

    /// <summary>runPausePod: create, then wait until Running.</summary>
    public static async Task<V1Pod> RunPausePodAsync(IKubernetes client, string ns, PausePodConfig conf)
    {
        var pod = await CreatePausePodAsync(client, ns, conf);
        return await WaitForPodRunningAsync(client, pod.Metadata.NamespaceProperty, pod.Metadata.Name);
    }

    public static Task<V1Pod> WaitForPodRunningAsync(IKubernetes client, string ns, string name) =>
        WaitForPodAsync(client, ns, name, "running", p => p.Status?.Phase == "Running");

    /// <summary>e2epod.WaitForPodNotPending: the pod left the Pending phase.</summary>
    public static Task<V1Pod> WaitForPodNotPendingAsync(IKubernetes client, string ns, string name) =>
        WaitForPodAsync(client, ns, name, "not pending", p => p.Status?.Phase is { } phase && phase != "Pending");

    public static async Task<V1Pod> WaitForPodAsync(IKubernetes client, string ns, string name, string what, Func<V1Pod, bool> condition)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            var pod = await client.CoreV1.ReadNamespacedPodAsync(name, ns);
            if (condition(pod))
            {
                return pod;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException($"pod {ns}/{name} was not {what} within {Timeout.TotalSeconds}s: {KubernetesJson.Serialize(pod.Status)}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>GetNodeThatCanRunPod: runs a pod without constraints, notes its node and deletes it.</summary>
    public static async Task<string> GetNodeThatCanRunPodAsync(IKubernetes client, string ns)
    {
        var pod = await RunPausePodAsync(client, ns, new PausePodConfig { Name = "without-label" });
        await client.CoreV1.DeleteNamespacedPodAsync(pod.Metadata.Name, ns, new V1DeleteOptions { GracePeriodSeconds = 0 });
        return pod.Spec.NodeName;
    }

    public static Task AddOrUpdateLabelOnNodeAsync(IKubernetes client, string node, string key, string value) =>
        client.CoreV1.PatchNodeAsync(new V1Patch(new { metadata = new { labels = new Dictionary<string, string> { [key] = value } } }, V1Patch.PatchType.MergePatch), node);

    public static Task RemoveLabelOffNodeAsync(IKubernetes client, string node, string key) =>
        client.CoreV1.PatchNodeAsync(new V1Patch(new { metadata = new { labels = new Dictionary<string, string?> { [key] = null } } }, V1Patch.PatchType.MergePatch), node);

    public static async Task ExpectNodeHasLabelAsync(IKubernetes client, string node, string key, string value)
    {
        var labels = (await client.CoreV1.ReadNodeAsync(node)).Metadata.Labels;
        Assert.True(labels.TryGetValue(key, out var actual) && actual == value, $"node {node} lacks label {key}={value}");
    }

    /// <summary>e2enode.AddExtendedResource: the resource in capacity and allocatable, through the status subresource.</summary>
    public static Task AddExtendedResourceAsync(IKubernetes client, string node, string resource, string quantity) =>
        client.CoreV1.PatchNodeStatusAsync(
            new V1Patch(new { status = new { capacity = new Dictionary<string, string> { [resource] = quantity }, allocatable = new Dictionary<string, string> { [resource] = quantity } } }, V1Patch.PatchType.StrategicMergePatch),
            node);

    public static Task RemoveExtendedResourceAsync(IKubernetes client, string node, string resource) =>
        client.CoreV1.PatchNodeStatusAsync(
            new V1Patch(new { status = new { capacity = new Dictionary<string, string?> { [resource] = null }, allocatable = new Dictionary<string, string?> { [resource] = null } } }, V1Patch.PatchType.MergePatch),
            node);

    public static async Task WaitForAllocatableAsync(IKubernetes client, string node, string resource, string quantity)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            var allocatable = (await client.CoreV1.ReadNodeAsync(node)).Status?.Allocatable;
            if (allocatable is not null && allocatable.TryGetValue(resource, out var q) && q.ToDecimal() == new ResourceQuantity(quantity).ToDecimal())
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"node {node} does not report {resource}={quantity} as allocatable");
            await Task.Delay(200);
        }
    }

    /// <summary>The node's InternalIP (getNodeHostIP).</summary>
    public static string NodeHostIp(V1Node node) =>
        node.Status?.Addresses?.FirstOrDefault(a => a.Type == "InternalIP")?.Address
        ?? throw new Xunit.Sdk.XunitException($"node {node.Metadata.Name} has no InternalIP");

    /// <summary>
    /// WaitForSchedulerAfterAction: performs the action, then waits for the scheduler's verdict on the pod, a Scheduled
    /// event (<paramref name="expectSuccess"/>) or a FailedScheduling one, as client-go names events after the pod.
    /// </summary>
    public static async Task WaitForSchedulerAfterActionAsync(IKubernetes client, string ns, string podName, bool expectSuccess, Func<Task> action)
    {
        await action();
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            var events = await client.CoreV1.ListNamespacedEventAsync(ns);
            var observed = events.Items.Any(e => e.Metadata.Name.StartsWith(podName, StringComparison.Ordinal) && (expectSuccess
                ? e.Type == "Normal" && e.Reason == "Scheduled" && e.Message.Contains($"Successfully assigned {ns}/{podName} to ", StringComparison.Ordinal)
                : e.Type == "Warning" && e.Reason == "FailedScheduling"));
            if (observed)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException($"Did not observe {(expectSuccess ? "success" : "failed")} event after performing the supplied action for pod {podName}");
            }

            await Task.Delay(250);
        }
    }

    /// <summary>verifyResult: counts scheduled pods and pods the scheduler reported Unschedulable in the namespace.</summary>
    public static async Task VerifyResultAsync(IKubernetes client, string ns, int expectedScheduled, int expectedNotScheduled)
    {
        var pods = (await client.CoreV1.ListNamespacedPodAsync(ns)).Items;
        var scheduled = pods.Where(p => !string.IsNullOrEmpty(p.Spec.NodeName)).ToList();
        var notScheduled = new List<V1Pod>();
        foreach (var pod in pods.Where(p => string.IsNullOrEmpty(p.Spec.NodeName)))
        {
            var condition = pod.Status?.Conditions?.FirstOrDefault(c => c.Type == "PodScheduled")
                ?? throw new Xunit.Sdk.XunitException($"Did not find 'scheduled' condition for pod {pod.Metadata.Name}");
            Assert.Equal("False", condition.Status);
            if (condition.Reason == "Unschedulable")
            {
                notScheduled.Add(pod);
            }
        }

        Assert.True(notScheduled.Count == expectedNotScheduled, $"Not scheduled Pods: {string.Join(", ", notScheduled.Select(p => p.Metadata.Name))}");
        Assert.True(scheduled.Count == expectedScheduled, $"Scheduled Pods: {string.Join(", ", scheduled.Select(p => p.Metadata.Name))}");
    }

    /// <summary>The summed CPU requests of a pod's containers, in millicores (getRequestedCPU).</summary>
    public static long RequestedMilliCpu(V1Pod pod) =>
        (pod.Spec.Containers ?? []).Sum(c => c.Resources?.Requests is { } r && r.TryGetValue("cpu", out var q) ? (long)(q.ToDecimal() * 1000) : 0);

    public static long MilliValue(ResourceQuantity quantity) => (long)Math.Ceiling(quantity.ToDecimal() * 1000);

    public static ResourceQuantity MilliQuantity(long milli) => new(milli.ToString(CultureInfo.InvariantCulture) + "m");

    public static V1Affinity NodeNameAffinity(string node) => new()
    {
        NodeAffinity = new V1NodeAffinity
        {
            RequiredDuringSchedulingIgnoredDuringExecution = new V1NodeSelector
            {
                NodeSelectorTerms = [new V1NodeSelectorTerm { MatchFields = [new V1NodeSelectorRequirement { Key = "metadata.name", OperatorProperty = "In", Values = [node] }] }],
            },
        },
    };

    public static async Task IgnoreNotFoundAsync(Func<Task> call)
    {
        try
        {
            await call();
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
        }
    }
}
