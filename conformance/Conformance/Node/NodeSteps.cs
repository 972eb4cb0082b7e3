using System.Text.RegularExpressions;
using k8s;
using k8s.Models;

namespace KubeNet.Conformance.Node;

/// <summary>What the node-tier scenarios share, after the e2e framework's pod helpers (TestContainerOutput and friends).</summary>
internal static class NodeSteps
{
    public const string Busybox = "busybox";

    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    /// <summary>A busybox pod that runs <paramref name="command"/> once (restartPolicy Never).</summary>
    public static V1Pod Pod(string name, string container, params string[] command) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["name"] = name } },
        Spec = new V1PodSpec
        {
            RestartPolicy = "Never",
            TerminationGracePeriodSeconds = 1,
            Containers = [new V1Container { Name = container, Image = Busybox, Command = command.Length == 0 ? null : command }],
        },
    };

    /// <summary>e2e's TestContainerOutput: the pod runs to Succeeded and the container's log holds every expected string.</summary>
    public static Task<string> ExpectOutputAsync(IKubernetes client, string ns, V1Pod pod, params string[] expected) =>
        ExpectOutputAsync(client, ns, pod, pod.Spec.Containers[0].Name, expected, regex: false);

    /// <summary>e2e's TestContainerOutputRegexp: the log matches every expected pattern.</summary>
    public static Task<string> ExpectOutputRegexAsync(IKubernetes client, string ns, V1Pod pod, params string[] patterns) =>
        ExpectOutputAsync(client, ns, pod, pod.Spec.Containers[0].Name, patterns, regex: true);

    public static async Task<string> ExpectOutputAsync(IKubernetes client, string ns, V1Pod pod, string container, string[] expected, bool regex)
    {
        await client.CoreV1.CreateNamespacedPodAsync(pod, ns);
        var done = await WaitForPodAsync(client, ns, pod.Metadata.Name, p => p.Status?.Phase is "Succeeded" or "Failed", "to finish");
        var log = await LogAsync(client, ns, pod.Metadata.Name, container);
        Assert.True(done.Status.Phase == "Succeeded", $"pod {pod.Metadata.Name} ended {done.Status.Phase}; log of {container}:\n{log}");
        foreach (var e in expected)
        {
            Assert.True(regex ? Regex.IsMatch(log, e) : log.Contains(e, StringComparison.Ordinal), $"the log of {container} lacks {(regex ? "a match of " : "")}\"{e}\":\n{log}");
        }

        return log;
    }

    public static async Task<string> LogAsync(IKubernetes client, string ns, string name, string container)
    {
        await using var stream = await client.CoreV1.ReadNamespacedPodLogAsync(name, ns, container: container);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }

    public static async Task<V1Pod> WaitForPodAsync(IKubernetes client, string ns, string name, Func<V1Pod, bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Timeout);
        while (true)
        {
            var pod = await client.CoreV1.ReadNamespacedPodAsync(name, ns);
            if (condition(pod))
            {
                return pod;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException($"pod {ns}/{name} did not get {what} within {(timeout ?? Timeout).TotalSeconds:0} s; status: {KubernetesJson.Serialize(pod.Status)}");
            }

            await Task.Delay(200);
        }
    }

    public static Task<V1Pod> WaitForRunningAsync(IKubernetes client, string ns, string name) =>
        WaitForPodAsync(client, ns, name, p => p.Status?.Phase == "Running" && p.Status.ContainerStatuses?.All(c => c.State?.Running is not null) == true, "Running");

    /// <summary>Samples the pod for <paramref name="span"/> and fails if <paramref name="bad"/> ever holds.</summary>
    public static async Task<V1Pod> HoldsForAsync(IKubernetes client, string ns, string name, TimeSpan span, Func<V1Pod, string?> bad)
    {
        var until = DateTime.UtcNow + span;
        while (true)
        {
            var pod = await client.CoreV1.ReadNamespacedPodAsync(name, ns);
            if (bad(pod) is { } why)
            {
                throw new Xunit.Sdk.XunitException($"pod {ns}/{name}: {why}; status: {KubernetesJson.Serialize(pod.Status)}");
            }

            if (DateTime.UtcNow > until)
            {
                return pod;
            }

            await Task.Delay(250);
        }
    }

    public static int RestartCount(V1Pod pod, int container = 0) => pod.Status?.ContainerStatuses?.ElementAtOrDefault(container)?.RestartCount ?? 0;

    public static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];
}
