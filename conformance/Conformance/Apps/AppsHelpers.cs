using k8s;
using k8s.Models;
using KubeNet.Conformance.Framework;

namespace KubeNet.Conformance.Apps;

/// <summary>
/// The e2e framework's workload helpers (test/e2e/framework/job, daemonset, statefulset) for the sig-apps scenarios.
/// Containers that upstream makes sleep, fail or break a probe also carry the annotations simulated nodes honour
/// (simulation.kube-net.io/exit-code and /ready), so the same behaviour shows without real containers; a real node
/// ignores the annotations and runs the command.
/// </summary>
internal static class AppsHelpers
{
    public const string ExitCodeAnnotation = "simulation.kube-net.io/exit-code";
    public const string ReadyAnnotation = "simulation.kube-net.io/ready";
    public const string JobSelectorKey = "job";
    public const string BusyBox = "registry.k8s.io/e2e-test-images/busybox:1.36.1-1";
    public const string WebserverImage = "registry.k8s.io/e2e-test-images/httpd:2.4.38-4";
    public const string NewWebserverImage = "registry.k8s.io/e2e-test-images/httpd:2.4.39-4";
    public const string AgnhostImage = "registry.k8s.io/e2e-test-images/agnhost:2.52";

    public static readonly TimeSpan WaitTimeout = TimeSpan.FromSeconds(90);

    public static string? Label(IDictionary<string, string>? map, string key) => map is not null && map.TryGetValue(key, out var value) ? value : null;

    /// <summary>Polls until <paramref name="condition"/> returns a value, failing with <paramref name="what"/> after the timeout.</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T?>> condition, string what, TimeSpan? timeout = null)
        where T : class
    {
        var deadline = DateTime.UtcNow + (timeout ?? WaitTimeout);
        while (true)
        {
            if (await condition() is { } value)
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException("timed out waiting for " + what);
            }

            await Task.Delay(250);
        }
    }

    public static Task EventuallyAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null) =>
        EventuallyAsync<object>(async () => await condition() ? new object() : null, what, timeout);

    /// <summary>Checks that <paramref name="condition"/> holds for the whole <paramref name="period"/>.</summary>
    public static async Task ConsistentlyAsync(Func<Task<bool>> condition, string what, TimeSpan period)
    {
        var end = DateTime.UtcNow + period;
        while (DateTime.UtcNow < end)
        {
            Assert.True(await condition(), what);
            await Task.Delay(500);
        }
    }

    /// <summary>e2ejob.NewTestJob: behaviours "notTerminate", "fail", "succeed".</summary>
    public static V1Job NewTestJob(string behavior, string name, string restartPolicy, int parallelism, int completions, long? activeDeadlineSeconds, int backoffLimit)
    {
        var container = new V1Container
        {
            Name = "c",
            Image = BusyBox,
            VolumeMounts = [new V1VolumeMount { MountPath = "/data", Name = "data" }],
            SecurityContext = new V1SecurityContext(),
        };
        var annotations = new Dictionary<string, string>();
        switch (behavior)
        {
            case "notTerminate":
                container.Command = ["sleep", "1000000"];
                annotations[ExitCodeAnnotation] = "never";
                break;
            case "fail":
                container.Command = ["/bin/sh", "-c", "exit 1"];
                annotations[ExitCodeAnnotation] = "1";
                break;
            default:
                container.Command = ["/bin/sh", "-c", "exit 0"];
                break;
        }

        return new V1Job
        {
            ApiVersion = "batch/v1",
            Kind = "Job",
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new V1JobSpec
            {
                ActiveDeadlineSeconds = activeDeadlineSeconds,
                Parallelism = parallelism,
                Completions = completions,
                BackoffLimit = backoffLimit,
                ManualSelector = false,
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta
                    {
                        Labels = new Dictionary<string, string> { [JobSelectorKey] = name },
                        Annotations = annotations.Count > 0 ? annotations : null,
                    },
                    Spec = new V1PodSpec
                    {
                        RestartPolicy = restartPolicy,
                        Volumes = [new V1Volume { Name = "data", EmptyDir = new V1EmptyDirVolumeSource() }],
                        Containers = [container],
                    },
                },
            },
        };
    }

    public static async Task<IList<V1Pod>> JobPodsAsync(IKubernetes client, string ns, string jobName) =>
        (await client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: JobSelectorKey + "=" + jobName)).Items;

    /// <summary>e2ejob.WaitForJobPodsRunning: exactly <paramref name="count"/> pods Running.</summary>
    public static Task WaitForJobPodsRunningAsync(IKubernetes client, string ns, string jobName, int count) =>
        EventuallyAsync(async () => (await JobPodsAsync(client, ns, jobName)).Count(p => p.Status?.Phase == "Running") == count,
            $"{count} running pods of job {jobName}");

    /// <summary>e2ejob.WaitForJobComplete: Complete with the reason, and that many succeeded.</summary>
    public static Task<V1Job> WaitForJobCompleteAsync(IKubernetes client, string ns, string jobName, string reason, int completions) =>
        EventuallyAsync(async () =>
        {
            var job = await client.BatchV1.ReadNamespacedJobAsync(jobName, ns);
            var complete = job.Status?.Conditions?.FirstOrDefault(c => c.Type == "Complete" && c.Status == "True");
            return complete is not null && complete.Reason == reason && (job.Status!.Succeeded ?? 0) == completions ? job : null;
        }, $"job {jobName} to complete");

    public static Task<V1Job> WaitForJobFailedAsync(IKubernetes client, string ns, string jobName) =>
        EventuallyAsync(async () =>
        {
            var job = await client.BatchV1.ReadNamespacedJobAsync(jobName, ns);
            return job.Status?.Conditions?.Any(c => c.Type == "Failed" && c.Status == "True") == true ? job : null;
        }, $"job {jobName} to fail");

    /// <summary>e2edaemonset.NewDaemonSet with the webserver image and port 9376.</summary>
    public static V1DaemonSet NewDaemonSet(string name, string image, Dictionary<string, string> labels, bool withLabels = false) => new()
    {
        ApiVersion = "apps/v1",
        Kind = "DaemonSet",
        Metadata = new V1ObjectMeta { Name = name, Labels = withLabels ? new Dictionary<string, string>(labels) : null },
        Spec = new V1DaemonSetSpec
        {
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string>(labels) },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string>(labels) },
                Spec = new V1PodSpec
                {
                    Containers = [new V1Container { Name = "app", Image = image, Ports = [new V1ContainerPort { ContainerPort = 9376 }] }],
                },
            },
        },
    };

    /// <summary>e2edaemonset.SchedulableNodes: nodes without taints the daemon pods do not tolerate.</summary>
    public static async Task<List<string>> SchedulableNodesAsync(IKubernetes client, V1DaemonSet ds)
    {
        var nodes = await client.CoreV1.ListNodeAsync();
        var tolerations = ds.Spec.Template.Spec.Tolerations ?? [];
        return nodes.Items
            .Where(n => (n.Spec?.Taints ?? []).All(t => t.Effect is not ("NoSchedule" or "NoExecute")
                || tolerations.Any(tol => (tol.Key is null || tol.Key == t.Key) && (tol.OperatorProperty == "Exists" || tol.Value == t.Value))))
            .Where(n => ds.Spec.Template.Spec.NodeSelector is not { } selector
                || selector.All(kv => n.Metadata.Labels?.TryGetValue(kv.Key, out var v) == true && v == kv.Value))
            .Select(n => n.Metadata.Name).ToList();
    }

    /// <summary>e2edaemonset.CheckDaemonPodOnNodes: one available daemon pod on each listed node and none elsewhere.</summary>
    public static async Task<bool> DaemonPodsOnNodesAsync(IKubernetes client, V1DaemonSet ds, IReadOnlyCollection<string> nodeNames)
    {
        var pods = await client.CoreV1.ListNamespacedPodAsync(ds.Metadata.NamespaceProperty);
        var counts = new Dictionary<string, int>();
        foreach (var pod in pods.Items)
        {
            if (pod.Metadata.OwnerReferences?.Any(r => r.Controller == true && r.Uid == ds.Metadata.Uid) != true || pod.Metadata.DeletionTimestamp is not null)
            {
                continue;
            }

            if (pod.Status?.Phase != "Running" || pod.Status.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") != true)
            {
                continue;
            }

            counts[pod.Spec.NodeName] = counts.GetValueOrDefault(pod.Spec.NodeName) + 1;
        }

        return counts.Count == nodeNames.Count && nodeNames.All(n => counts.GetValueOrDefault(n) == 1);
    }

    public static async Task<bool> RunningOnAllNodesAsync(IKubernetes client, V1DaemonSet ds) =>
        await DaemonPodsOnNodesAsync(client, ds, await SchedulableNodesAsync(client, ds));

    /// <summary>e2edaemonset.CheckDaemonStatus: desired, scheduled and ready agree and are not zero.</summary>
    public static async Task CheckDaemonStatusAsync(IKubernetes client, string ns, string name)
    {
        await EventuallyAsync(async () =>
        {
            var ds = await client.AppsV1.ReadNamespacedDaemonSetAsync(name, ns);
            var status = ds.Status;
            return status is not null && status.DesiredNumberScheduled != 0 && status.DesiredNumberScheduled == status.CurrentNumberScheduled
                && status.DesiredNumberScheduled == status.NumberReady;
        }, $"daemon set {name} status to settle", TimeSpan.FromSeconds(30));
    }

    /// <summary>e2estatefulset.NewStatefulSet: the webserver image, a headless service, no volumes.</summary>
    public static V1StatefulSet NewStatefulSet(string name, string serviceName, int replicas, Dictionary<string, string> labels) => new()
    {
        ApiVersion = "apps/v1",
        Kind = "StatefulSet",
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1StatefulSetSpec
        {
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string>(labels) },
            Replicas = replicas,
            ServiceName = serviceName,
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string>(labels) },
                Spec = new V1PodSpec
                {
                    Containers = [new V1Container { Name = "webserver", Image = WebserverImage, SecurityContext = new V1SecurityContext() }],
                },
            },
            UpdateStrategy = new V1StatefulSetUpdateStrategy { Type = "RollingUpdate" },
        },
    };

    /// <summary>setHTTPProbe: readiness from GET /index.html on port 80.</summary>
    public static void SetHttpProbe(V1StatefulSet set) =>
        set.Spec.Template.Spec.Containers[0].ReadinessProbe = new V1Probe
        {
            HttpGet = new V1HTTPGetAction { Path = "/index.html", Port = 80 },
            PeriodSeconds = 1,
            SuccessThreshold = 1,
            FailureThreshold = 1,
        };

    public static async Task<List<V1Pod>> StatefulPodsAsync(IKubernetes client, V1StatefulSet set)
    {
        var selector = string.Join(',', set.Spec.Selector.MatchLabels.Select(kv => $"{kv.Key}={kv.Value}"));
        var pods = await client.CoreV1.ListNamespacedPodAsync(set.Metadata.NamespaceProperty, labelSelector: selector);
        return pods.Items.Where(p => p.Metadata.OwnerReferences?.Any(r => r.Uid == set.Metadata.Uid) == true)
            .OrderBy(p => int.Parse(p.Metadata.Name[(p.Metadata.Name.LastIndexOf('-') + 1)..], System.Globalization.CultureInfo.InvariantCulture))
            .ToList();
    }

    public static bool IsRunningAndReady(V1Pod pod) =>
        pod.Status?.Phase == "Running" && pod.Status.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;

    /// <summary>e2estatefulset.WaitForRunningAndReady: exactly that many pods, all Running and Ready.</summary>
    public static Task WaitForRunningAndReadyAsync(IKubernetes client, int replicas, V1StatefulSet set) =>
        EventuallyAsync(async () =>
        {
            var pods = await StatefulPodsAsync(client, set);
            return pods.Count == replicas && pods.All(IsRunningAndReady);
        }, $"{replicas} running and ready pods of {set.Metadata.Name}");

    /// <summary>waitForStatus: the controller has observed the set's generation.</summary>
    public static Task<V1StatefulSet> WaitForStatusAsync(IKubernetes client, V1StatefulSet set) =>
        EventuallyAsync(async () =>
        {
            var current = await client.AppsV1.ReadNamespacedStatefulSetAsync(set.Metadata.Name, set.Metadata.NamespaceProperty);

            // Upstream polls every few seconds, by when the status has also counted the pods; this polls faster, so
            // it also waits for that count.
            var pods = await StatefulPodsAsync(client, current);
            return (current.Status?.ObservedGeneration ?? 0) >= (current.Metadata.Generation ?? 0) && current.Status!.Replicas == pods.Count ? current : null;
        }, $"statefulset {set.Metadata.Name} status to observe its generation");

    /// <summary>Marks pods' containers ready or not, as breakHTTPProbe and restoreHTTPProbe do by moving index.html.</summary>
    public static async Task SetPodsReadinessAsync(IKubernetes client, V1StatefulSet set, bool ready)
    {
        foreach (var pod in await StatefulPodsAsync(client, set))
        {
            var patch = "{\"metadata\":{\"annotations\":{\"" + (ReadyAnnotation) + "\":\"" + ((ready ? "true" : "false")) + "\"}}}";
            await client.CoreV1.PatchNamespacedPodAsync(new V1Patch(patch, V1Patch.PatchType.MergePatch), pod.Metadata.Name, pod.Metadata.NamespaceProperty);
        }
    }

    public static async Task<V1StatefulSet> UpdateStatefulSetAsync(IKubernetes client, string ns, string name, Action<V1StatefulSet> update)
    {
        for (var attempt = 0; ; attempt++)
        {
            var set = await client.AppsV1.ReadNamespacedStatefulSetAsync(name, ns);
            update(set);
            try
            {
                return await client.AppsV1.ReplaceNamespacedStatefulSetAsync(set, name, ns);
            }
            catch (k8s.Autorest.HttpOperationException ex) when (ex.Response.StatusCode == System.Net.HttpStatusCode.Conflict && attempt < 10)
            {
            }
        }
    }

    public static async Task<V1DaemonSet> UpdateDaemonSetAsync(IKubernetes client, string ns, string name, Action<V1DaemonSet> update)
    {
        for (var attempt = 0; ; attempt++)
        {
            var ds = await client.AppsV1.ReadNamespacedDaemonSetAsync(name, ns);
            update(ds);
            try
            {
                return await client.AppsV1.ReplaceNamespacedDaemonSetAsync(ds, name, ns);
            }
            catch (k8s.Autorest.HttpOperationException ex) when (ex.Response.StatusCode == System.Net.HttpStatusCode.Conflict && attempt < 10)
            {
            }
        }
    }

    /// <summary>A namespace for a scenario, as the e2e framework makes one per test.</summary>
    public static Task<string> NamespaceAsync(this ConformanceCluster cluster, string basename) => cluster.CreateNamespaceAsync(basename);
}
