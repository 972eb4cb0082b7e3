using System.Globalization;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using KubeNet.Client;
using KubeNet.Scheduler.Cache;
using KubeNet.Scheduler.Framework;
using KubeNet.Scheduler.Queue;
using Microsoft.Extensions.Logging;

namespace KubeNet.Scheduler;

/// <summary>
/// The binding cycle (WaitOnPermit, PreBind, Bind, PostBind, in the background) and failure handling: a pod that
/// could not be scheduled or bound goes back to the queue, gets PodScheduled=False with the FitError message and a
/// FailedScheduling event, and, after a successful preemption, its nominatedNodeName.
/// </summary>
internal sealed partial class SchedulerCore
{
    // Events hold at most 1 kB of message (upstream truncates FailedScheduling messages to fit).
    private const int MaxEventMessage = 1024;

    private const int MaxConcurrentBindings = 64;

    private async Task BindAsync(SchedulingFramework fwk, CycleState state, QueuedPodInfo queued, string host, CancellationToken ct)
    {
        var pod = queued.PodInfo;
        Status? status;
        var slot = false;
        try
        {
            status = await fwk.WaitOnPermitAsync(pod);
            if (Status.IsSuccess(status))
            {
                // Taken after the permit wait: a pod waiting for its gang must not hold a slot others need.
                await _bindSlots.Writer.WriteAsync(true, ct);
                slot = true;
                status = await fwk.RunPreBindAsync(state, pod, host, ct);
            }

            if (Status.IsSuccess(status))
            {
                status = await fwk.RunBindAsync(state, pod, host, ct);
                if (status is { Code: StatusCode.Skip })
                {
                    status = Status.Error("no bind plugin bound the pod");
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            Cache.ForgetPod(pod.Uid);
            return;
        }
#pragma warning disable CA1031 // Whatever breaks a binding (a client timeout included), the pod must not stay assumed.
        catch (Exception e)
#pragma warning restore CA1031
        {
            status = Status.FromException(e);
        }
        finally
        {
            if (slot)
            {
                _bindSlots.Reader.TryRead(out _);
            }
        }

        if (Status.IsSuccess(status))
        {
            fwk.Events?.Event(ObjectReferences.For(pod.Pod), EventTypes.Normal, "Scheduled", $"Successfully assigned {pod.Namespace}/{pod.Name} to {host}");
            fwk.RunPostBind(state, pod, host);
            Queue.Done(pod.Uid);
            return;
        }

        _logger.BindFailed(pod.Key, host, status!.Message);
        fwk.RunUnreserve(state, pod, host);
        Cache.ForgetPod(pod.Uid);

        // What the pod held on the node is free again: that may help others (never the pod itself).
        Queue.MoveAllToActiveOrBackoff(ClusterEvent.AssignedPodDelete, pod, null, p => p.Uid != pod.Uid);
        RecordRejector(queued, status);
        await HandleFailureAsync(fwk, queued, status, null, ct);
    }

    private async Task HandleUnschedulableAsync(SchedulingFramework fwk, CycleState state, QueuedPodInfo queued, ScheduleResult result, CancellationToken ct)
    {
        var failure = result.Failure!;
        var diagnosis = result.Diagnosis!;
        if (!failure.IsRejected || failure.Message == FitError.NoNodesAvailable)
        {
            await HandleFailureAsync(fwk, queued, failure, null, ct);
            return;
        }

        foreach (var (_, status) in diagnosis.Explicit)
        {
            RecordRejector(queued, status);
        }

        if (diagnosis.Count < Snapshot.NumNodes)
        {
            RecordRejector(queued, diagnosis.AbsentNodesStatus);
        }

        string? postFilterMessage = null;
        string? nominated = null;
        if (fwk.HasPostFilterPlugins)
        {
            var (postResult, postStatus) = await fwk.RunPostFilterAsync(state, queued.PodInfo, diagnosis, ct);
            postFilterMessage = postStatus?.Message;
            nominated = postResult?.NominatedNodeName;
            if (!string.IsNullOrEmpty(nominated))
            {
                _logger.Nominated(queued.Key, nominated);
            }
        }

        var message = FitError.Message(Snapshot.NumNodes, diagnosis, result.PreFilterMessage, postFilterMessage);
        await HandleFailureAsync(fwk, queued, new Status(StatusCode.Unschedulable, message), nominated, ct);
    }

    /// <summary>
    /// Requeues the pod (unless it is gone or was bound meanwhile), records FailedScheduling and writes PodScheduled=False
    /// (and a changed nomination) to its status. <paramref name="nominated"/>: null keeps the nomination, empty clears it.
    /// </summary>
    private async Task HandleFailureAsync(SchedulingFramework fwk, QueuedPodInfo queued, Status status, string? nominated, CancellationToken ct)
    {
        var pod = queued.PodInfo;
        var reason = status.Code == StatusCode.Error ? "SchedulerError" : "Unschedulable";
        var message = status.Message;
        _logger.PodUnschedulable(pod.Key, reason, message);

        // The informer's copy is the truth: a pod deleted, replaced or bound meanwhile is not requeued.
        var latest = Listers.Pods is null ? pod.Pod : Listers.Pods.Get(pod.Namespace, pod.Name);
        if (latest is null || latest.Metadata.Uid != pod.Pod.Metadata.Uid || Assigned(latest))
        {
            _logger.PodGone(pod.Key);
            Queue.Done(pod.Uid);
            return;
        }

        queued.PodInfo = new PodInfo(latest);
        if (status.Code == StatusCode.Error)
        {
            queued.UnschedulablePlugins.Clear();
            queued.PendingPlugins.Clear();
        }

        Queue.AddUnschedulable(queued);
        if (nominated is not null)
        {
            if (nominated.Length == 0)
            {
                Queue.Nominator.DeleteNominatedPod(queued.PodInfo);
            }
            else
            {
                Queue.Nominator.AddNominatedPod(queued.PodInfo, nominated);
            }
        }

        var note = message.Length > MaxEventMessage ? message[..(MaxEventMessage - 3)] + "..." : message;
        fwk.Events?.Event(ObjectReferences.For(latest), EventTypes.Warning, "FailedScheduling", note);
        await UpdatePodStatusAsync(latest, reason, message, nominated, ct);
    }

    private async Task UpdatePodStatusAsync(V1Pod pod, string reason, string message, string? nominated, CancellationToken ct)
    {
        var existing = pod.Status?.Conditions?.FirstOrDefault(c => c.Type == "PodScheduled");
        var conditionChanged = existing is null || existing.Status != "False" || existing.Reason != reason || existing.Message != message;
        var nominationChanged = nominated is not null && (pod.Status?.NominatedNodeName ?? string.Empty) != nominated;
        if (!conditionChanged && !nominationChanged)
        {
            return;
        }

        var transition = existing is { Status: "False", LastTransitionTime: { } since } ? since : DateTime.UtcNow;
        var status = new JsonObject
        {
            ["conditions"] = new JsonArray(new JsonObject
            {
                ["type"] = "PodScheduled",
                ["status"] = "False",
                ["lastProbeTime"] = null,
                ["lastTransitionTime"] = transition.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                ["reason"] = reason,
                ["message"] = message,
            }),
        };
        if (nominationChanged)
        {
            status["nominatedNodeName"] = nominated!.Length == 0 ? null : nominated;
        }

        var patch = new JsonObject { ["status"] = status };
        try
        {
            await _client.CoreV1.PatchNamespacedPodStatusAsync(
                new V1Patch(patch.ToJsonString(), V1Patch.PatchType.StrategicMergePatch), pod.Metadata.Name, pod.Metadata.NamespaceProperty, cancellationToken: ct);
        }
        catch (HttpOperationException e)
        {
            _logger.StatusUpdateFailed(pod.Metadata.NamespaceProperty + "/" + pod.Metadata.Name, e.Response?.ReasonPhrase ?? e.Message);
        }
        catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !ct.IsCancellationRequested))
        {
            _logger.StatusUpdateFailed(pod.Metadata.NamespaceProperty + "/" + pod.Metadata.Name, e.Message);
        }
    }
}
