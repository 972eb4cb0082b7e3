namespace KubeNet.Kubelet.Pods;

/// <summary>What a pod worker remembers between syncs: waiting reasons the runtime cannot tell, and when to look again.</summary>
internal sealed class PodSyncState
{
    /// <summary>Container name to the waiting reason and message decided in the last sync (ErrImagePull, CrashLoopBackOff, ...).</summary>
    public Dictionary<string, (string Reason, string Message)> Waiting { get; } = new(StringComparer.Ordinal);

    public string? SandboxError { get; set; }

    public string? VolumeError { get; set; }

    public string? PodIp { get; set; }

    public string? LastBackoffEvent { get; set; }

    public DateTime? LastPullFailure { get; set; }

    /// <summary>The soonest the worker should sync again without an outside event; null for the regular resync.</summary>
    public TimeSpan? Requeue { get; private set; }

    public void RequeueAfter(TimeSpan delay)
    {
        if (delay < TimeSpan.Zero)
        {
            delay = TimeSpan.Zero;
        }

        Requeue = Requeue is null || delay < Requeue ? delay : Requeue;
    }

    public void ClearRequeue() => Requeue = null;
}
