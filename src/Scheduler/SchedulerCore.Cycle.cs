using KubeNet.Scheduler.Cache;
using KubeNet.Scheduler.Framework;
using KubeNet.Scheduler.Queue;
using Microsoft.Extensions.Logging;

namespace KubeNet.Scheduler;

/// <summary>
/// The scheduling cycle (upstream schedule_one.go): filter the nodes of a fresh snapshot, stopping once enough feasible
/// nodes are found (percentageOfNodesToScore), score those, pick the best (ties broken at random), assume the pod there,
/// reserve, permit, and hand it to a background binding. A pod that fits nowhere runs PostFilter (preemption).
/// </summary>
internal sealed partial class SchedulerCore
{
    private const int MinFeasibleNodesToFind = 100;
    private const int MinFeasibleNodesPercentageToFind = 5;

    private async Task ScheduleOneAsync(QueuedPodInfo queued, CancellationToken ct)
    {
        var pod = queued.PodInfo;
        if (!_profiles.TryGetValue(pod.SchedulerName, out var fwk))
        {
            _logger.NoProfile(pod.Key, pod.SchedulerName);
            Queue.Done(pod.Uid);
            return;
        }

        // A pod being deleted, or one already assumed by an earlier cycle, is not scheduled (skipPodSchedule).
        if (pod.IsTerminating || Cache.IsAssumed(pod.Uid))
        {
            Queue.Done(pod.Uid);
            return;
        }

        queued.UnschedulablePlugins.Clear();
        queued.PendingPlugins.Clear();
        var state = new CycleState();
        Cache.UpdateSnapshot(Snapshot);
        fwk.BeginCycle();

        var result = SchedulePod(fwk, state, pod);
        if (result.Host is null)
        {
            await HandleUnschedulableAsync(fwk, state, queued, result, ct);
            return;
        }

        var host = result.Host;
        if (!Cache.AssumePod(pod, host))
        {
            await HandleFailureAsync(fwk, queued, Status.Error($"pod {pod.Key} is already present in the cache"), null, ct);
            return;
        }

        var reserved = fwk.RunReserve(state, pod, host);
        if (!Status.IsSuccess(reserved))
        {
            fwk.RunUnreserve(state, pod, host);
            Cache.ForgetPod(pod.Uid);
            RecordRejector(queued, reserved!);
            await HandleFailureAsync(fwk, queued, reserved!, null, ct);
            return;
        }

        var permitted = fwk.RunPermit(state, pod, host);
        if (!Status.IsSuccess(permitted) && permitted!.Code != StatusCode.Wait)
        {
            fwk.RunUnreserve(state, pod, host);
            Cache.ForgetPod(pod.Uid);
            RecordRejector(queued, permitted);
            await HandleFailureAsync(fwk, queued, permitted, null, ct);
            return;
        }

        // A pod that got in thanks to its nomination no longer needs it.
        Queue.Nominator.DeleteNominatedPod(pod);
        _logger.PodScheduled(pod.Key, host, result.Evaluated, result.Feasible);
        TrackBinding(Task.Run(() => BindAsync(fwk, state, queued, host, ct), CancellationToken.None));
    }

    private ScheduleResult SchedulePod(SchedulingFramework fwk, CycleState state, PodInfo pod)
    {
        var allNodes = Snapshot.NodeInfoList;
        if (allNodes.Count == 0)
        {
            return ScheduleResult.Failed(new Status(StatusCode.UnschedulableAndUnresolvable, FitError.NoNodesAvailable), new NodeToStatus(), null);
        }

        var diagnosis = new NodeToStatus();
        var (preResult, preStatus, pluginsWithNodes) = fwk.RunPreFilter(state, pod);
        if (!Status.IsSuccess(preStatus))
        {
            if (!preStatus!.IsRejected)
            {
                return ScheduleResult.Failed(preStatus, diagnosis, null);
            }

            // Every node shares the PreFilter rejection, so preemption sees them all alike.
            diagnosis.AbsentNodesStatus = preStatus;
            return ScheduleResult.Failed(preStatus, diagnosis, preStatus.Message);
        }

        // A nominated node (set by an earlier preemption) is likely the only fit: try it alone first.
        if (pod.NominatedNodeName is { Length: > 0 } nominated && Snapshot.Get(nominated) is { } nominatedNode)
        {
            var status = fwk.RunFilterPluginsWithNominatedPods(state, pod, nominatedNode);
            if (Status.IsSuccess(status))
            {
                return ScheduleResult.Success(nominated, 1, 1);
            }

            diagnosis.Set(nominated, status!);
        }

        IReadOnlyList<NodeInfo> nodes = allNodes;
        if (preResult is { AllNodes: false })
        {
            var narrowed = new List<NodeInfo>(preResult.NodeNames!.Count);
            foreach (var name in preResult.NodeNames!)
            {
                if (Snapshot.Get(name) is { } info)
                {
                    narrowed.Add(info);
                }
            }

            nodes = narrowed;
            diagnosis.AbsentNodesStatus = new Status(
                StatusCode.UnschedulableAndUnresolvable,
                $"node(s) didn't satisfy plugin(s) [{string.Join(" ", pluginsWithNodes.Order(StringComparer.Ordinal))}]");
        }

        var feasible = FindNodesThatPassFilters(fwk, state, pod, nodes, allNodes.Count, diagnosis);
        if (feasible is null)
        {
            return ScheduleResult.Failed(diagnosis.Explicit.Select(e => e.Value).First(s => !s.IsRejected), diagnosis, null);
        }

        if (feasible.Count == 0)
        {
            return ScheduleResult.Failed(new Status(StatusCode.Unschedulable), diagnosis, null);
        }

        var evaluated = feasible.Count + diagnosis.Count;
        if (feasible.Count == 1)
        {
            return ScheduleResult.Success(feasible[0].Name, evaluated, 1);
        }

        var host = PrioritizeAndSelect(fwk, state, pod, feasible, out var scoreError);
        return host is null
            ? ScheduleResult.Failed(scoreError!, diagnosis, null)
            : ScheduleResult.Success(host, evaluated, feasible.Count);
    }

    /// <summary>
    /// Filters nodes starting where the previous cycle stopped (so every node gets its turn), until enough feasible
    /// nodes are found. Rejections go to <paramref name="diagnosis"/>; null means a filter failed with an error.
    /// </summary>
    private List<NodeInfo>? FindNodesThatPassFilters(
        SchedulingFramework fwk, CycleState state, PodInfo pod, IReadOnlyList<NodeInfo> nodes, int numAllNodes, NodeToStatus diagnosis)
    {
        var count = nodes.Count;
        var toFind = NumFeasibleNodesToFind(fwk.Profile.PercentageOfNodesToScore ?? _options.PercentageOfNodesToScore, count);

        // One list reused by every cycle: only the scheduling thread uses it, and nothing keeps it past the cycle.
        var feasible = _feasible;
        feasible.Clear();
        if (count == 0)
        {
            return feasible;
        }

        var start = _nextStartNodeIndex % count;
        var processed = 0;
        for (var i = 0; i < count && feasible.Count < toFind; i++)
        {
            var node = nodes[(start + i) % count];
            processed++;
            if (!fwk.HasFilterPlugins)
            {
                feasible.Add(node);
                continue;
            }

            var status = fwk.RunFilterPluginsWithNominatedPods(state, pod, node);
            if (Status.IsSuccess(status))
            {
                feasible.Add(node);
                continue;
            }

            diagnosis.Set(node.Name, status!);
            if (!status!.IsRejected)
            {
                _nextStartNodeIndex = (_nextStartNodeIndex + processed) % Math.Max(1, numAllNodes);
                return null;
            }
        }

        _nextStartNodeIndex = (_nextStartNodeIndex + processed) % Math.Max(1, numAllNodes);
        return feasible;
    }

    /// <summary>
    /// numFeasibleNodesToFind: every node below 100 nodes; otherwise the configured share, or adaptively 50% less 1%
    /// per 125 nodes (at least 5%), and never fewer than 100.
    /// </summary>
    internal static int NumFeasibleNodesToFind(int percentage, int numAllNodes)
    {
        if (numAllNodes < MinFeasibleNodesToFind)
        {
            return numAllNodes;
        }

        if (percentage == 0)
        {
            percentage = Math.Max(MinFeasibleNodesPercentageToFind, 50 - (numAllNodes / 125));
        }

        var numNodes = (int)((long)numAllNodes * percentage / 100);
        return Math.Max(numNodes, MinFeasibleNodesToFind);
    }

    private string? PrioritizeAndSelect(SchedulingFramework fwk, CycleState state, PodInfo pod, List<NodeInfo> feasible, out Status? error)
    {
        error = null;
        if (!fwk.HasScorePlugins)
        {
            return feasible[Random.Shared.Next(feasible.Count)].Name;
        }

        var preScore = fwk.RunPreScore(state, pod, feasible);
        if (!Status.IsSuccess(preScore))
        {
            error = preScore;
            return null;
        }

        if (_totals.Length < feasible.Count)
        {
            _totals = new long[feasible.Count * 2];
            _scratch = new long[feasible.Count * 2];
        }

        var totals = _totals.AsSpan(0, feasible.Count);
        var scored = fwk.RunScore(state, pod, feasible, totals, _scratch);
        if (!Status.IsSuccess(scored))
        {
            error = scored;
            return null;
        }

        // selectHost: the highest total; ties broken uniformly at random (reservoir sampling).
        var selected = 0;
        var best = totals[0];
        var ties = 1;
        for (var i = 1; i < totals.Length; i++)
        {
            if (totals[i] > best)
            {
                best = totals[i];
                selected = i;
                ties = 1;
            }
            else if (totals[i] == best && Random.Shared.Next(++ties) == 0)
            {
                selected = i;
            }
        }

        return feasible[selected].Name;
    }

    private static void RecordRejector(QueuedPodInfo queued, Status status)
    {
        if (status.Plugin is null)
        {
            return;
        }

        if (status.Code == StatusCode.Pending)
        {
            queued.PendingPlugins.Add(status.Plugin);
        }
        else if (status.IsRejected)
        {
            queued.UnschedulablePlugins.Add(status.Plugin);
        }
    }

    private sealed record ScheduleResult(string? Host, int Evaluated, int Feasible, Status? Failure, NodeToStatus? Diagnosis, string? PreFilterMessage)
    {
        public static ScheduleResult Success(string host, int evaluated, int feasible) => new(host, evaluated, feasible, null, null, null);

        public static ScheduleResult Failed(Status failure, NodeToStatus diagnosis, string? preFilterMessage) =>
            new(null, 0, 0, failure, diagnosis, preFilterMessage);
    }
}
