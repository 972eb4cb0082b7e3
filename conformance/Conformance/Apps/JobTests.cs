using k8s;
using k8s.Autorest;
using k8s.Models;
using KubeNet.Conformance.Framework;
using static KubeNet.Conformance.Apps.AppsHelpers;

namespace KubeNet.Conformance.Apps;

/// <summary>test/e2e/apps/job.go: the Job scenarios that run on simulated pods.</summary>
[Collection(ConformanceCollection.Name)]
public sealed class JobTests(ConformanceCluster cluster)
{
    private IKubernetes Client => cluster.Client;

    [Fact(DisplayName = "[sig-apps] Job should create pods for an Indexed job with completion indexes and specified hostname [Conformance]")]
    public async Task IndexedJob()
    {
        var ns = await cluster.CreateNamespaceAsync("job");
        var job = NewTestJob("succeed", "indexed-job", "Never", 2, 4, null, 6);
        job.Spec.CompletionMode = "Indexed";
        job = await Client.BatchV1.CreateNamespacedJobAsync(job, ns);

        await WaitForJobCompleteAsync(Client, ns, job.Metadata.Name, "CompletionsReached", 4);

        var succeededIndexes = new SortedSet<int>();
        foreach (var pod in await JobPodsAsync(Client, ns, job.Metadata.Name))
        {
            if (pod.Status?.Phase == "Succeeded" && pod.Metadata.Annotations is not null)
            {
                var index = int.Parse(pod.Metadata.Annotations["batch.kubernetes.io/job-completion-index"], System.Globalization.CultureInfo.InvariantCulture);
                succeededIndexes.Add(index);
                Assert.Equal($"{job.Metadata.Name}-{index}", pod.Spec.Hostname);
            }
        }

        Assert.Equal([0, 1, 2, 3], succeededIndexes);
    }

    [Fact(DisplayName = "[sig-apps] Job should delete a job [Conformance]")]
    public async Task DeleteJob()
    {
        var ns = await cluster.CreateNamespaceAsync("job");
        var job = await Client.BatchV1.CreateNamespacedJobAsync(NewTestJob("notTerminate", "foo", "Never", 2, 4, null, 6), ns);

        await WaitForJobPodsRunningAsync(Client, ns, job.Metadata.Name, 2);

        // DeleteResourceAndWaitForGC: delete in the background, then the garbage collector removes the pods.
        await Client.BatchV1.DeleteNamespacedJobAsync(job.Metadata.Name, ns, new V1DeleteOptions { PropagationPolicy = "Background" });
        await EventuallyAsync(async () => (await JobPodsAsync(Client, ns, job.Metadata.Name)).Count == 0, "the job's pods to be garbage collected");

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => Client.BatchV1.ReadNamespacedJobAsync(job.Metadata.Name, ns));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, error.Response.StatusCode);
    }

    [Fact(DisplayName = "[sig-apps] Job should adopt matching orphans and release non-matching pods [Conformance]")]
    public async Task AdoptAndRelease()
    {
        var ns = await cluster.CreateNamespaceAsync("job");
        var job = await Client.BatchV1.CreateNamespacedJobAsync(NewTestJob("notTerminate", "adopt-release", "Never", 2, 4, null, 6), ns);
        await WaitForJobPodsRunningAsync(Client, ns, job.Metadata.Name, 2);

        var pods = await JobPodsAsync(Client, ns, job.Metadata.Name);
        Assert.Equal(2, pods.Count);
        var name = pods[0].Metadata.Name;

        // Orphan one pod; the job adopts it again.
        await UpdatePodAsync(ns, name, pod => pod.Metadata.OwnerReferences = null);
        await EventuallyAsync(async () =>
        {
            var pod = await Client.CoreV1.ReadNamespacedPodAsync(name, ns);
            var controller = pod.Metadata.OwnerReferences?.FirstOrDefault(r => r.Controller == true);
            if (controller is null)
            {
                return false;
            }

            Assert.Equal(("Job", job.Metadata.Name, job.Metadata.Uid), (controller.Kind, controller.Name, controller.Uid));
            return true;
        }, $"pod {name} to be readopted");

        // Without labels it no longer matches; the job releases it.
        await UpdatePodAsync(ns, name, pod => pod.Metadata.Labels = null);
        await EventuallyAsync(async () =>
        {
            var pod = await Client.CoreV1.ReadNamespacedPodAsync(name, ns);
            return pod.Metadata.OwnerReferences?.Any(r => r.Controller == true) != true;
        }, $"pod {name} to be released");
    }

    private async Task UpdatePodAsync(string ns, string name, Action<V1Pod> update)
    {
        for (var attempt = 0; ; attempt++)
        {
            var pod = await Client.CoreV1.ReadNamespacedPodAsync(name, ns);
            update(pod);
            try
            {
                await Client.CoreV1.ReplaceNamespacedPodAsync(pod, name, ns);
                return;
            }
            catch (HttpOperationException ex) when (ex.Response.StatusCode == System.Net.HttpStatusCode.Conflict && attempt < 10)
            {
            }
        }
    }

    [Fact(DisplayName = "[sig-apps] Job should apply changes to a job status [Conformance]")]
    public async Task JobStatus()
    {
        var ns = await cluster.CreateNamespaceAsync("job");
        var job = await Client.BatchV1.CreateNamespacedJobAsync(NewTestJob("notTerminate", "suspend-false-to-true", "Never", 2, 4, null, 6), ns);
        await WaitForJobPodsRunningAsync(Client, ns, job.Metadata.Name, 2);

        // Whole-second times: the wire format drops fractions.
        var clock = DateTime.UtcNow;
        var now1 = clock.AddTicks(-(clock.Ticks % TimeSpan.TicksPerSecond));
        var patch = "{\"metadata\":{\"annotations\":{\"patchedstatus\":\"true\"}},\"status\":{\"conditions\":[{\"type\":\"CustomConditionType\",\"status\":\"True\",\"lastTransitionTime\":\"" + now1.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture) + "\"}]}}";
        var patched = await Client.BatchV1.PatchNamespacedJobStatusAsync(new V1Patch(patch, V1Patch.PatchType.MergePatch), job.Metadata.Name, ns);
        var condition = patched.Status.Conditions.Single(c => c.Type == "CustomConditionType");
        Assert.Equal(now1, condition.LastTransitionTime);
        Assert.Equal("true", patched.Metadata.Annotations["patchedstatus"]);

        var now2 = now1.AddSeconds(1);
        V1Job updated = null!;
        for (var attempt = 0; ; attempt++)
        {
            var current = await Client.BatchV1.ReadNamespacedJobAsync(job.Metadata.Name, ns);
            current.Status.Conditions.Single(c => c.Type == "CustomConditionType").LastTransitionTime = now2;
            try
            {
                updated = await Client.BatchV1.ReplaceNamespacedJobStatusAsync(current, job.Metadata.Name, ns);
                break;
            }
            catch (HttpOperationException ex) when (ex.Response.StatusCode == System.Net.HttpStatusCode.Conflict && attempt < 10)
            {
            }
        }

        Assert.Equal(now2, updated.Status.Conditions.Single(c => c.Type == "CustomConditionType").LastTransitionTime);
        var status = await Client.BatchV1.ReadNamespacedJobStatusAsync(job.Metadata.Name, ns);
        Assert.Equal(job.Metadata.Uid, status.Metadata.Uid);
    }

    [Fact(DisplayName = "[sig-apps] Job should manage the lifecycle of a job [Conformance]")]
    public async Task Lifecycle()
    {
        var ns = await cluster.CreateNamespaceAsync("job");
        var jobName = "e2e-" + Guid.NewGuid().ToString("N")[..5];
        var labelSelector = "e2e-job-label=" + jobName;
        var list = await Client.BatchV1.ListNamespacedJobAsync(ns, labelSelector: labelSelector);

        var job = NewTestJob("succeed", jobName, "Never", 2, 4, null, 6);
        job.Metadata.Labels = new Dictionary<string, string> { ["e2e-job-label"] = jobName };
        job.Spec.Suspend = true;
        job = await Client.BatchV1.CreateNamespacedJobAsync(job, ns);
        Assert.False(string.IsNullOrEmpty(job.Metadata.ResourceVersion));

        var patched = await Client.BatchV1.PatchNamespacedJobAsync(
            new V1Patch("{\"metadata\":{\"labels\":{\"" + (jobName) + "\":\"patched\"}}}", V1Patch.PatchType.StrategicMergePatch), jobName, ns);
        Assert.True(long.Parse(patched.Metadata.ResourceVersion, System.Globalization.CultureInfo.InvariantCulture)
            > long.Parse(job.Metadata.ResourceVersion, System.Globalization.CultureInfo.InvariantCulture));
        await WatchForAsync(ns, labelSelector, list.Metadata.ResourceVersion, WatchEventType.Modified, j => Label(j.Metadata.Labels, jobName) == "patched");
        Assert.Equal("patched", patched.Metadata.Labels[jobName]);

        V1Job updated = null!;
        for (var attempt = 0; ; attempt++)
        {
            var current = await Client.BatchV1.ReadNamespacedJobAsync(jobName, ns);
            current.Spec.Suspend = false;
            (current.Metadata.Annotations ??= new Dictionary<string, string>())["updated"] = "true";
            try
            {
                updated = await Client.BatchV1.ReplaceNamespacedJobAsync(current, jobName, ns);
                break;
            }
            catch (HttpOperationException ex) when (ex.Response.StatusCode == System.Net.HttpStatusCode.Conflict && attempt < 10)
            {
            }
        }

        await WatchForAsync(ns, labelSelector, patched.Metadata.ResourceVersion, WatchEventType.Modified, j => Label(j.Metadata.Annotations, "updated") == "true");
        Assert.Equal("true", updated.Metadata.Annotations["updated"]);

        var jobs = await Client.BatchV1.ListJobForAllNamespacesAsync(labelSelector: labelSelector);
        Assert.Single(jobs.Items);

        await WaitForJobCompleteAsync(Client, ns, jobName, "CompletionsReached", 4);

        await Client.BatchV1.DeleteCollectionNamespacedJobAsync(ns, new V1DeleteOptions { PropagationPolicy = "Background" }, labelSelector: labelSelector);
        await WatchForAsync(ns, labelSelector, updated.Metadata.ResourceVersion, WatchEventType.Deleted, j => Label(j.Metadata.Labels, "e2e-job-label") == jobName);
        Assert.Empty((await Client.BatchV1.ListJobForAllNamespacesAsync(labelSelector: labelSelector)).Items);
    }

    // waitForJobEvent: a watch from the resource version until an event of that type satisfies the check.
    private async Task WatchForAsync(string ns, string labelSelector, string resourceVersion, WatchEventType type, Func<V1Job, bool> check)
    {
        using var cts = new CancellationTokenSource(WaitTimeout);
        await foreach (var (eventType, job) in Client.BatchV1.WatchListNamespacedJobAsync(ns, labelSelector: labelSelector,
                           resourceVersion: resourceVersion, cancellationToken: cts.Token))
        {
            if (eventType == type && check(job))
            {
                return;
            }
        }

        Assert.Fail($"no {type} event came");
    }

    [Fact(DisplayName = "[sig-apps] Job should allow to use the pod failure policy on exit code to fail the job early [Conformance]")]
    public async Task PodFailurePolicyFailJob()
    {
        var ns = await cluster.CreateNamespaceAsync("job");
        var node = await cluster.AnyNodeAsync();

        // Upstream's pod fails once with exit code 1 (a marker file on the node makes later ones succeed); that one
        // failure matches the FailJob rule, so the job fails without using its backoff limit.
        var job = NewTestJob("succeed", "pod-failure-failjob", "Never", 2, 4, null, 6);
        job.Spec.Template.Spec.NodeName = node.Metadata.Name;
        job.Spec.Template.Metadata.Annotations = new Dictionary<string, string> { [ExitCodeAnnotation] = "1" };
        job.Spec.PodFailurePolicy = new V1PodFailurePolicy
        {
            Rules = [new V1PodFailurePolicyRule { Action = "FailJob", OnExitCodes = new V1PodFailurePolicyOnExitCodesRequirement { OperatorProperty = "In", Values = [1] } }],
        };
        job = await Client.BatchV1.CreateNamespacedJobAsync(job, ns);

        var failed = await WaitForJobFailedAsync(Client, ns, job.Metadata.Name);
        Assert.Equal("PodFailurePolicy", failed.Status.Conditions.Single(c => c.Type == "Failed").Reason);
    }
}
