using k8s;
using k8s.Autorest;
using k8s.Models;
using KubeNet.ApiMachinery.Selectors;
using KubeNet.Client;
using KubeNet.Scheduler.Cache;
using KubeNet.Scheduler.Framework;

namespace KubeNet.Scheduler.Plugins;

/// <summary>
/// DefaultPreemption: when no node fits, finds nodes where removing lower-priority pods would let the pod fit, keeps
/// the fewest and least important victims per node (reprieving as many as still fit, PodDisruptionBudget-protected ones
/// first), picks the best node, marks the victims with a DisruptionTarget condition, deletes them through the API and
/// nominates the node for the pod. The pod is scheduled there once the victims are gone.
/// </summary>
internal sealed class DefaultPreemption(SchedulerProfile profile, IFrameworkHandle handle) : IPostFilterPlugin
{
    public const string PluginName = "DefaultPreemption";
    public const string NoVictims = "No preemption victims found for incoming pod";
    public const string NotHelpful = "Preemption is not helpful for scheduling";

    public string Name => PluginName;

    public async Task<(PostFilterResult? Result, Status? Status)> PostFilterAsync(CycleState state, PodInfo pod, NodeToStatus filteredNodeStatus, CancellationToken ct)
    {
        var (result, status) = await PreemptAsync(state, pod, filteredNodeStatus, ct);
        return status is { Message.Length: > 0 }
            ? (result, new Status(status.Code, "preemption: " + status.Message))
            : (result, status);
    }

    private async Task<(PostFilterResult? Result, Status? Status)> PreemptAsync(CycleState state, PodInfo pod, NodeToStatus statuses, CancellationToken ct)
    {
        // The informer's copy may carry a nomination newer than the queued one.
        if (handle.Listers.Pods?.Get(pod.Namespace, pod.Name) is { } latest && latest.Metadata.Uid == pod.Pod.Metadata.Uid)
        {
            pod = new PodInfo(latest);
        }

        var ineligible = NotEligible(pod, statuses);
        if (ineligible is not null)
        {
            return (null, new Status(StatusCode.Unschedulable, ineligible));
        }

        var allNodes = handle.Snapshot.NodeInfoList;
        var potential = NodesWithStatus(statuses, allNodes, StatusCode.Unschedulable);
        var nodeStatuses = new NodeToStatus { AbsentNodesStatus = new Status(StatusCode.UnschedulableAndUnresolvable, NotHelpful) };
        var candidates = new List<Candidate>();
        if (potential.Count > 0)
        {
            var pdbs = handle.Listers.PodDisruptionBudgets?.List() ?? [];
            var offset = Random.Shared.Next(potential.Count);
            var wanted = Math.Min(potential.Count, Math.Max(potential.Count * profile.MinCandidateNodesPercentage / 100, profile.MinCandidateNodesAbsolute));
            var nonViolating = 0;
            for (var i = 0; i < potential.Count; i++)
            {
                var node = potential[(offset + i) % potential.Count].Clone();
                var (victims, violations, status) = SelectVictimsOnNode(state.Clone(), pod, node, pdbs);
                if (Status.IsSuccess(status) && victims.Count > 0)
                {
                    candidates.Add(new Candidate(node.Name, victims, violations));
                    nonViolating += violations == 0 ? 1 : 0;
                    if (nonViolating > 0 && candidates.Count >= wanted)
                    {
                        break;
                    }

                    continue;
                }

                nodeStatuses.Set(node.Name, status ?? Status.Error($"expected at least one victim pod on node \"{node.Name}\""));
            }
        }

        if (candidates.Count == 0)
        {
            // Clear any nomination: preemption cannot help this pod now.
            return (new PostFilterResult(string.Empty), new Status(StatusCode.Unschedulable, FitError.Message(allNodes.Count, nodeStatuses, null, null)));
        }

        var best = PickOne(candidates);
        var prepared = await PrepareCandidateAsync(best, pod, ct);
        return Status.IsSuccess(prepared) ? (new PostFilterResult(best.NodeName), null) : (null, prepared);
    }

    /// <summary>PodEligibleToPreemptOthers: not with preemptionPolicy Never, nor while victims it caused still terminate.</summary>
    private string? NotEligible(PodInfo pod, NodeToStatus statuses)
    {
        if (pod.Pod.Spec?.PreemptionPolicy == "Never")
        {
            return "not eligible due to preemptionPolicy=Never.";
        }

        var nominated = pod.NominatedNodeName;
        if (string.IsNullOrEmpty(nominated) || statuses.Get(nominated).Code == StatusCode.UnschedulableAndUnresolvable)
        {
            return null;
        }

        if (handle.Snapshot.Get(nominated) is { } node
            && node.Pods.Any(p => p.Priority < pod.Priority && TerminatingByPreemption(p.Pod)))
        {
            return "not eligible due to a terminating pod on the nominated node.";
        }

        return null;
    }

    private static bool TerminatingByPreemption(V1Pod pod) =>
        pod.Metadata.DeletionTimestamp is not null
        && pod.Status?.Conditions?.FirstOrDefault(c => c.Type == "DisruptionTarget") is { Status: "True", Reason: "PreemptionByScheduler" };

    private static List<NodeInfo> NodesWithStatus(NodeToStatus statuses, List<NodeInfo> allNodes, StatusCode code)
    {
        if (statuses.AbsentNodesStatus.Code == code)
        {
            return [.. allNodes.Where(n => statuses.Get(n.Name).Code == code)];
        }

        return [.. allNodes.Where(n => statuses.Contains(n.Name) && statuses.Get(n.Name).Code == code)];
    }

    /// <summary>
    /// The fewest pods to remove from <paramref name="node"/> (a copy) for the pod to fit: remove every lower-priority
    /// pod, check the pod fits, then add pods back from the most important, keeping each that still lets the pod fit.
    /// </summary>
    private (List<PodInfo> Victims, int Violations, Status? Status) SelectVictimsOnNode(CycleState state, PodInfo pod, NodeInfo node, IReadOnlyList<V1PodDisruptionBudget> pdbs)
    {
        var potential = node.Pods.Where(p => p.Priority < pod.Priority).ToList();
        foreach (var p in potential)
        {
            node.RemovePod(p.Uid);
            var removed = handle.RunPreFilterExtensionRemovePod(state, pod, p, node);
            if (!Status.IsSuccess(removed))
            {
                return ([], 0, removed);
            }
        }

        if (potential.Count == 0)
        {
            return ([], 0, new Status(StatusCode.UnschedulableAndUnresolvable, NoVictims));
        }

        var fits = handle.RunFilterPluginsWithNominatedPods(state, pod, node);
        if (!Status.IsSuccess(fits))
        {
            return ([], 0, fits);
        }

        potential.Sort(static (a, b) => MoreImportant(a, b) ? -1 : MoreImportant(b, a) ? 1 : 0);
        var (violating, nonViolating) = SplitByBudgetViolation(potential, pdbs);
        var victims = new List<PodInfo>();
        var violations = 0;
        foreach (var (group, counts) in new[] { (violating, true), (nonViolating, false) })
        {
            foreach (var p in group)
            {
                node.AddPod(p);
                var added = handle.RunPreFilterExtensionAddPod(state, pod, p, node);
                if (!Status.IsSuccess(added))
                {
                    return ([], 0, added);
                }

                if (Status.IsSuccess(handle.RunFilterPluginsWithNominatedPods(state, pod, node)))
                {
                    continue;
                }

                node.RemovePod(p.Uid);
                handle.RunPreFilterExtensionRemovePod(state, pod, p, node);
                victims.Add(p);
                violations += counts ? 1 : 0;
            }
        }

        if (violating.Count > 0 && nonViolating.Count > 0)
        {
            victims.Sort(static (a, b) => MoreImportant(a, b) ? -1 : MoreImportant(b, a) ? 1 : 0);
        }

        return (victims, violations, null);
    }

    /// <summary>Higher priority first; among equals, the pod that started earlier.</summary>
    private static bool MoreImportant(PodInfo a, PodInfo b)
    {
        if (a.Priority != b.Priority)
        {
            return a.Priority > b.Priority;
        }

        return StartTime(a) < StartTime(b);
    }

    private static DateTime StartTime(PodInfo p) => p.Pod.Status?.StartTime ?? DateTime.UtcNow;

    private static (List<PodInfo> Violating, List<PodInfo> NonViolating) SplitByBudgetViolation(List<PodInfo> pods, IReadOnlyList<V1PodDisruptionBudget> pdbs)
    {
        var allowed = pdbs.Select(p => p.Status?.DisruptionsAllowed ?? 0).ToArray();
        var violating = new List<PodInfo>();
        var nonViolating = new List<PodInfo>();
        foreach (var pod in pods)
        {
            var violated = false;
            if (pod.Labels.Count > 0)
            {
                for (var i = 0; i < pdbs.Count; i++)
                {
                    var pdb = pdbs[i];
                    if (pdb.Metadata.NamespaceProperty != pod.Namespace
                        || !LabelSelector.TryFromLabelSelector(pdb.Spec?.Selector, out var selector, out _)
                        || selector.IsEmpty || !selector.Matches(pod.Labels)
                        || pdb.Status?.DisruptedPods?.ContainsKey(pod.Name) == true)
                    {
                        continue;
                    }

                    allowed[i]--;
                    violated |= allowed[i] < 0;
                }
            }

            (violated ? violating : nonViolating).Add(pod);
        }

        return (violating, nonViolating);
    }

    /// <summary>pickOneNodeForPreemption: fewest budget violations, lowest top victim priority, lowest priority sum, fewest victims, latest start.</summary>
    private static Candidate PickOne(List<Candidate> candidates)
    {
        Func<Candidate, long>[] scores =
        [
            c => -c.Violations,
            c => -(long)c.Victims[0].Priority,
            c => -c.Victims.Sum(v => (long)v.Priority + int.MaxValue + 1L),
            c => -c.Victims.Count,
            c => EarliestStartOfTopPriority(c.Victims).Ticks,
        ];
        var remaining = candidates;
        foreach (var score in scores)
        {
            if (remaining.Count == 1)
            {
                break;
            }

            var best = remaining.Max(score);
            remaining = [.. remaining.Where(c => score(c) == best)];
        }

        return remaining[0];
    }

    private static DateTime EarliestStartOfTopPriority(List<PodInfo> victims)
    {
        var top = victims.Max(v => v.Priority);
        return victims.Where(v => v.Priority == top).Min(StartTime);
    }

    /// <summary>Evicts the victims (DisruptionTarget condition, then delete) and clears lower-priority nominations to the node.</summary>
    private async Task<Status?> PrepareCandidateAsync(Candidate candidate, PodInfo preemptor, CancellationToken ct)
    {
        var tasks = candidate.Victims.Where(v => !v.IsTerminating).Select(v => PreemptPodAsync(candidate.NodeName, preemptor, v, ct)).ToList();
        var results = await Task.WhenAll(tasks);
        if (results.FirstOrDefault(r => r is not null) is { } failure)
        {
            return failure;
        }

        foreach (var nominated in handle.Nominator.NominatedPodsForNode(candidate.NodeName))
        {
            if (nominated.Priority >= preemptor.Priority || string.IsNullOrEmpty(nominated.NominatedNodeName))
            {
                continue;
            }

            try
            {
                await handle.Client.CoreV1.PatchNamespacedPodStatusAsync(
                    new V1Patch("""{"status":{"nominatedNodeName":null}}""", V1Patch.PatchType.MergePatch), nominated.Name, nominated.Namespace, cancellationToken: ct);
            }
            catch (Exception e) when (e is HttpOperationException or HttpRequestException || (e is TaskCanceledException && !ct.IsCancellationRequested))
            {
                // Not critical: the nominated pod is retried and corrects its own nomination.
            }
        }

        return null;
    }

    private async Task<Status?> PreemptPodAsync(string nodeName, PodInfo preemptor, PodInfo victim, CancellationToken ct)
    {
        if (handle.GetWaitingPod(victim.Uid) is { } waiting)
        {
            waiting.Reject(PluginName, "preempted");
        }
        else
        {
            var condition = new
            {
                status = new
                {
                    conditions = new[]
                    {
                        new
                        {
                            type = "DisruptionTarget",
                            status = "True",
                            reason = "PreemptionByScheduler",
                            message = $"{preemptor.SchedulerName}: preempting to accommodate a higher priority pod",
                            lastTransitionTime = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
                        },
                    },
                },
            };
            try
            {
                await handle.Client.CoreV1.PatchNamespacedPodStatusAsync(
                    new V1Patch(System.Text.Json.JsonSerializer.Serialize(condition), V1Patch.PatchType.StrategicMergePatch), victim.Name, victim.Namespace, cancellationToken: ct);
                await handle.Client.CoreV1.DeleteNamespacedPodAsync(victim.Name, victim.Namespace, cancellationToken: ct);
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                // Already gone: nothing left to evict.
                return null;
            }
            catch (Exception e) when (e is HttpOperationException or HttpRequestException || (e is TaskCanceledException && !ct.IsCancellationRequested))
            {
                return Status.Error($"preempting pod {victim.Namespace}/{victim.Name}: {e.Message}");
            }
        }

        handle.Events?.Event(ObjectReferences.For(victim.Pod), EventTypes.Normal, "Preempted", $"Preempted by pod {preemptor.Pod.Metadata.Uid} on node {nodeName}");
        return null;
    }

    private sealed record Candidate(string NodeName, List<PodInfo> Victims, int Violations);
}
