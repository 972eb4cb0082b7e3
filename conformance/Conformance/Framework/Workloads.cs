using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace KubeNet.Conformance.Framework;

/// <summary>
/// The e2e framework's workload helpers (framework/deployment, framework/replicaset, framework/pod, test/utils): object
/// builders, and waits on what the controllers report. Everything goes through the API, so the scenarios run against
/// any cluster.
/// </summary>
internal static class Workloads
{
    public const string WebserverImageName = "httpd";
    public const string WebserverImage = "registry.k8s.io/e2e-test-images/httpd:2.4.38-4";
    public const string AgnhostImageName = "agnhost";
    public const string AgnhostImage = "registry.k8s.io/e2e-test-images/agnhost:2.52";
    public const string PauseImage = "registry.k8s.io/pause:3.10";
    public const string RevisionAnnotation = "deployment.kubernetes.io/revision";

    /// <summary>framework.PodStartTimeout, and the generous bound of every wait here.</summary>
    public static readonly TimeSpan PodStart = TimeSpan.FromMinutes(5);

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);

    /// <summary>e2edeployment.NewDeployment.</summary>
    public static V1Deployment NewDeployment(string name, int replicas, Dictionary<string, string> podLabels, string containerName, string image, string strategy) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string>(podLabels) },
        Spec = new V1DeploymentSpec
        {
            Replicas = replicas,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string>(podLabels) },
            Strategy = new V1DeploymentStrategy { Type = strategy },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string>(podLabels) },
                Spec = new V1PodSpec
                {
                    TerminationGracePeriodSeconds = 0,
                    Containers = [new V1Container { Name = containerName, Image = image, SecurityContext = new V1SecurityContext() }],
                },
            },
        },
    };

    /// <summary>replica_set.go newRS.</summary>
    public static V1ReplicaSet NewReplicaSet(string name, int replicas, Dictionary<string, string> podLabels, string containerName, string image) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string>(podLabels) },
        Spec = new V1ReplicaSetSpec
        {
            Replicas = replicas,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string>(podLabels) },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string>(podLabels) },
                Spec = new V1PodSpec { TerminationGracePeriodSeconds = 0, Containers = [new V1Container { Name = containerName, Image = image }] },
            },
        },
    };

    /// <summary>rc.go newRC.</summary>
    public static V1ReplicationController NewReplicationController(string name, int replicas, Dictionary<string, string> podLabels, string containerName, string image) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1ReplicationControllerSpec
        {
            Replicas = replicas,
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string>(podLabels) },
                Spec = new V1PodSpec { TerminationGracePeriodSeconds = 0, Containers = [new V1Container { Name = containerName, Image = image }] },
            },
        },
    };

    /// <summary>Polls <paramref name="condition"/> until it holds; fails with <paramref name="describe"/> after <paramref name="timeout"/>.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> describe)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException($"timed out after {timeout.TotalSeconds:0}s: {describe()}");
            }

            await Task.Delay(Poll);
        }
    }

    /// <summary>
    /// e2epod.VerifyPodsRunning: <paramref name="replicas"/> pods labelled name=<paramref name="name"/> exist (not being
    /// deleted) and run.
    /// </summary>
    public static async Task<List<V1Pod>> VerifyPodsRunningAsync(IKubernetes client, string ns, string name, int replicas)
    {
        List<V1Pod> pods = [];
        await EventuallyAsync(async () =>
        {
            pods = [.. (await client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: "name=" + name)).Items.Where(p => p.Metadata.DeletionTimestamp is null)];
            return pods.Count == replicas && pods.All(p => p.Status?.Phase == "Running");
        }, PodStart, () => $"{replicas} running pods named {name}: {string.Join(", ", pods.Select(p => p.Metadata.Name + "=" + p.Status?.Phase))}");
        return pods;
    }

    /// <summary>The running pods of a replication controller, once its status reports them all ready.</summary>
    public static async Task<IReadOnlyList<V1Pod>> ControllerPodsRunningAsync(this ConformanceCluster cluster, string ns, string rcName)
    {
        var client = cluster.Client;
        V1ReplicationController rc = await client.CoreV1.ReadNamespacedReplicationControllerAsync(rcName, ns);
        await EventuallyAsync(async () =>
        {
            rc = await client.CoreV1.ReadNamespacedReplicationControllerAsync(rcName, ns);
            return rc.Status?.ReadyReplicas == (rc.Spec.Replicas ?? 1) && rc.Status.ObservedGeneration >= rc.Metadata.Generation;
        }, PodStart, () => $"replication controller {ns}/{rcName} has {rc.Status?.ReadyReplicas} of {rc.Spec.Replicas} ready");

        var selector = string.Join(',', rc.Spec.Selector.Select(kv => $"{kv.Key}={kv.Value}"));
        var pods = await client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: selector);
        return [.. pods.Items.Where(p => p.Status?.Phase == "Running" && p.Metadata.DeletionTimestamp is null)];
    }

    /// <summary>e2edeployment.UpdateDeploymentWithRetries: read, change, write, again on conflict.</summary>
    public static async Task<V1Deployment> UpdateDeploymentWithRetriesAsync(IKubernetes client, string ns, string name, Action<V1Deployment> update)
    {
        for (var attempt = 0; ; attempt++)
        {
            var d = await client.AppsV1.ReadNamespacedDeploymentAsync(name, ns);
            update(d);
            try
            {
                return await client.AppsV1.ReplaceNamespacedDeploymentAsync(d, name, ns);
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.Conflict && attempt < 100)
            {
                await Task.Delay(10);
            }
        }
    }

    /// <summary>e2ereplicaset.UpdateReplicaSetWithRetries.</summary>
    public static async Task<V1ReplicaSet> UpdateReplicaSetWithRetriesAsync(IKubernetes client, string ns, string name, Action<V1ReplicaSet> update)
    {
        for (var attempt = 0; ; attempt++)
        {
            var rs = await client.AppsV1.ReadNamespacedReplicaSetAsync(name, ns);
            update(rs);
            try
            {
                return await client.AppsV1.ReplaceNamespacedReplicaSetAsync(rs, name, ns);
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.Conflict && attempt < 100)
            {
                await Task.Delay(10);
            }
        }
    }

    /// <summary>deploymentutil.GetAllReplicaSets: the ReplicaSets the deployment's selector matches and it controls.</summary>
    public static async Task<List<V1ReplicaSet>> ReplicaSetsOfAsync(IKubernetes client, V1Deployment d)
    {
        var selector = string.Join(',', d.Spec.Selector.MatchLabels.Select(kv => $"{kv.Key}={kv.Value}"));
        var sets = await client.AppsV1.ListNamespacedReplicaSetAsync(d.Metadata.NamespaceProperty, labelSelector: selector);
        return [.. sets.Items.Where(rs => rs.Metadata.OwnerReferences?.Any(o => o.Controller == true && o.Uid == d.Metadata.Uid) == true)];
    }

    /// <summary>testutil.GetNewReplicaSet: the deployment's ReplicaSet whose template equals its own, ignoring the hash label.</summary>
    public static async Task<V1ReplicaSet?> GetNewReplicaSetAsync(IKubernetes client, V1Deployment d) =>
        (await ReplicaSetsOfAsync(client, d)).OrderBy(rs => rs.Metadata.CreationTimestamp).FirstOrDefault(rs => EqualIgnoreHash(rs.Spec.Template, d.Spec.Template));

    /// <summary>testutil.GetOldReplicaSets: every other ReplicaSet of the deployment.</summary>
    public static async Task<List<V1ReplicaSet>> GetOldReplicaSetsAsync(IKubernetes client, V1Deployment d)
    {
        var newRS = await GetNewReplicaSetAsync(client, d);
        return [.. (await ReplicaSetsOfAsync(client, d)).Where(rs => rs.Metadata.Uid != newRS?.Metadata.Uid)];
    }

    public static bool EqualIgnoreHash(V1PodTemplateSpec a, V1PodTemplateSpec b)
    {
        static string Canonical(V1PodTemplateSpec t)
        {
            var node = JsonNode.Parse(KubernetesJson.Serialize(t))!;
            (node["metadata"]?["labels"] as JsonObject)?.Remove("pod-template-hash");
            return node.ToJsonString();
        }

        return Canonical(a) == Canonical(b);
    }

    /// <summary>
    /// e2edeployment.WaitForDeploymentRevisionAndImage: the deployment and its new ReplicaSet carry the revision and
    /// the image.
    /// </summary>
    public static async Task WaitForDeploymentRevisionAndImageAsync(IKubernetes client, string ns, string name, string revision, string image)
    {
        var state = "";
        await EventuallyAsync(async () =>
        {
            var d = await client.AppsV1.ReadNamespacedDeploymentAsync(name, ns);
            var newRS = await GetNewReplicaSetAsync(client, d);
            var dRevision = d.Metadata.Annotations?.TryGetValue(RevisionAnnotation, out var r) == true ? r : "";
            var rsRevision = newRS?.Metadata.Annotations?.TryGetValue(RevisionAnnotation, out var rr) == true ? rr : "";
            state = $"deployment revision {dRevision}, image {d.Spec.Template.Spec.Containers[0].Image}; new ReplicaSet {newRS?.Metadata.Name} revision {rsRevision}";
            return dRevision == revision && rsRevision == revision && d.Spec.Template.Spec.Containers[0].Image == image
                && newRS?.Spec.Template.Spec.Containers[0].Image == image;
        }, PodStart, () => state);
    }

    /// <summary>testutil.WaitForObservedDeployment.</summary>
    public static Task WaitForObservedDeploymentAsync(IKubernetes client, string ns, string name, long generation) =>
        EventuallyAsync(
            async () => (await client.AppsV1.ReadNamespacedDeploymentAsync(name, ns)).Status?.ObservedGeneration >= generation,
            PodStart,
            () => $"deployment {name} never observed generation {generation}");

    /// <summary>
    /// e2edeployment.WaitForDeploymentComplete (and, with <paramref name="checkRolling"/>, WaitForDeploymentCompleteAndCheckRolling):
    /// every replica updated and available; while updating, never fewer than replicas - maxUnavailable available nor
    /// more than replicas + maxSurge wanted.
    /// </summary>
    public static async Task WaitForDeploymentCompleteAsync(IKubernetes client, V1Deployment d, bool checkRolling = false)
    {
        var ns = d.Metadata.NamespaceProperty;
        var name = d.Metadata.Name;
        V1Deployment current = d;
        await EventuallyAsync(async () =>
        {
            current = await client.AppsV1.ReadNamespacedDeploymentAsync(name, ns);
            var replicas = current.Spec.Replicas ?? 1;
            var status = current.Status ?? new V1DeploymentStatus();
            if (checkRolling && (status.UpdatedReplicas ?? 0) < replicas && current.Spec.Strategy?.RollingUpdate is { } rolling)
            {
                var (surge, unavailable) = Fenceposts(rolling, replicas);
                var wanted = (await ReplicaSetsOfAsync(client, current)).Sum(rs => rs.Spec.Replicas ?? 0);
                if (wanted > replicas + surge)
                {
                    throw new Xunit.Sdk.XunitException($"total pods created: {wanted}, more than the max allowed: {replicas + surge}");
                }

                if ((status.AvailableReplicas ?? 0) < replicas - unavailable)
                {
                    throw new Xunit.Sdk.XunitException($"total pods available: {status.AvailableReplicas}, less than the min required: {replicas - unavailable}");
                }
            }

            return status.ObservedGeneration >= current.Metadata.Generation && status.UpdatedReplicas == replicas
                && status.Replicas == replicas && status.AvailableReplicas == replicas;
        }, PodStart, () => $"deployment {name} status {KubernetesJson.Serialize(current.Status)}");
    }

    private static (int Surge, int Unavailable) Fenceposts(V1RollingUpdateDeployment rolling, int replicas)
    {
        static int Scaled(IntOrString? v, int total, bool up)
        {
            var text = v?.Value ?? "0";
            if (!text.EndsWith('%'))
            {
                return int.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
            }

            var x = int.Parse(text[..^1], System.Globalization.CultureInfo.InvariantCulture) * (double)total / 100;
            return (int)(up ? Math.Ceiling(x) : Math.Floor(x));
        }

        var surge = Scaled(rolling.MaxSurge, replicas, true);
        var unavailable = Scaled(rolling.MaxUnavailable, replicas, false);
        return (surge, surge == 0 && unavailable == 0 ? 1 : unavailable);
    }
}
