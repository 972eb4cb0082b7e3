using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace KubeNet.Kubelet.Simulation;

internal sealed partial class PodDriver
{
    private const int MaxAttempts = 5;
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(2);

    private async Task WorkerAsync(CancellationToken ct)
    {
        try
        {
            await foreach (var work in due.Reader.ReadAllAsync(ct))
            {
                try
                {
                    await ProcessAsync(work, ct);
                }
                catch (Exception e) when (!ct.IsCancellationRequested)
                {
                    logger.PodFailed(work.Pod.Namespace(), work.Pod.Name(), work.Stage.ToString(), e.Message);

                    // A pod that waits in Pending sends no further event, so the driver itself decides again after a
                    // pause, from the pod as it is then, as the kubelet's periodic sync would.
                    stages.TryRemove(new KeyValuePair<string, Stage>(work.Pod.Metadata.Uid, work.Stage));
                    _ = RetryLaterAsync(work.Pod, ct);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private async Task RetryLaterAsync(V1Pod pod, CancellationToken ct)
    {
        try
        {
            await Task.Delay(RetryDelay, ct);
            Observe(await client.CoreV1.ReadNamespacedPodAsync(pod.Name(), pod.Namespace(), cancellationToken: ct));
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            // Gone: nothing left to drive.
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            logger.PodFailed(pod.Namespace(), pod.Name(), "read", e.Message);
            _ = RetryLaterAsync(pod, ct);
        }
    }

    /// <summary>Writes the status the stage calls for from the pod last seen; a conflict reads the pod again and decides again.</summary>
    private async Task ProcessAsync(PodWork work, CancellationToken ct)
    {
        var pod = work.Pod;
        var node = work.Node;
        string? allocated = null;
        try
        {
            for (var attempt = 1; attempt <= MaxAttempts; attempt++)
            {
                if (!StillWanted(work, pod))
                {
                    return;
                }

                try
                {
                    switch (work.Stage)
                    {
                        case Stage.Start:
                            var ip = pod.Status?.PodIP ?? (allocated ??= node.AllocatePodIp());
                            await WriteStatusAsync(pod, PodStatuses.Running(pod, node, ip, Now()), ct);
                            allocated = null;
                            break;
                        case Stage.Complete:
                            await WriteStatusAsync(pod, PodStatuses.Finished(pod, Now(), PodStatuses.ExitCode(pod) ?? 0), ct);
                            break;
                        case Stage.Readiness:
                            await WriteStatusAsync(pod, PodStatuses.WithReadiness(pod, Now()), ct);
                            break;
                        case Stage.Terminate:
                            await TerminateAsync(pod, ct);
                            break;
                    }

                    logger.PodDone(pod.Namespace(), pod.Name(), node.Name, work.Stage.ToString());
                    return;
                }
                catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict && attempt < MaxAttempts)
                {
                    pod = await client.CoreV1.ReadNamespacedPodAsync(pod.Name(), pod.Namespace(), cancellationToken: ct);
                }
                catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
                {
                    return;
                }
            }
        }
        finally
        {
            if (allocated is not null && PodCidrs.TryParseAddress(allocated, out var unused))
            {
                node.Release(unused);
            }
        }
    }

    /// <summary>Whether the pod, as last read, still is the one the work was scheduled for and still needs it.</summary>
    private bool StillWanted(PodWork work, V1Pod pod)
    {
        if (work.Stage == Stage.Readiness)
        {
            return pod.Metadata.Uid == work.Pod.Metadata.Uid && PodStatuses.ReadinessDiffers(pod);
        }

        if (pod.Metadata.Uid != work.Pod.Metadata.Uid || !stages.TryGetValue(pod.Metadata.Uid, out var current) || current != work.Stage)
        {
            return false;
        }

        var deleting = pod.Metadata.DeletionTimestamp is not null;
        var phase = pod.Status?.Phase;
        return work.Stage switch
        {
            Stage.Start => !deleting && phase is null or "" or "Pending",
            Stage.Complete => !deleting && phase == "Running",
            _ => deleting,
        };
    }

    /// <summary>
    /// Finishes a deletion as the kubelet does: containers of a started pod stop and are reported terminated, then the pod
    /// is deleted for good (grace period 0) on the condition that it still is the same pod.
    /// </summary>
    private async Task TerminateAsync(V1Pod pod, CancellationToken ct)
    {
        if (pod.Status?.Phase == "Running")
        {
            try
            {
                await WriteStatusAsync(pod, PodStatuses.Succeeded(pod, Now()), ct);
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
            {
                // Reporting a deleted pod terminal ends it at once (it has no finalizers to wait for).
                return;
            }
        }

        var options = new V1DeleteOptions { GracePeriodSeconds = 0, Preconditions = new V1Preconditions { Uid = pod.Metadata.Uid } };
        try
        {
            await client.CoreV1.DeleteNamespacedPodAsync(pod.Name(), pod.Namespace(), options, cancellationToken: ct);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Conflict)
        {
            // Gone already, or the name now belongs to a new pod with another UID: nothing of ours is left to delete.
        }
    }

    private async Task WriteStatusAsync(V1Pod pod, V1PodStatus status, CancellationToken ct)
    {
        pod.ApiVersion = "v1";
        pod.Kind = "Pod";
        pod.Status = status;
        await client.CoreV1.ReplaceNamespacedPodStatusAsync(pod, pod.Name(), pod.Namespace(), cancellationToken: ct);
    }

    // metav1.Time has whole seconds.
    private static DateTime Now()
    {
        var now = DateTime.UtcNow;
        return new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
    }
}
