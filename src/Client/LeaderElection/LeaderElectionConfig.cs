namespace KubeNet.Client;

/// <summary>
/// Settings of one <see cref="LeaderElector"/>. Defaults are kube-controller-manager's (--leader-elect-lease-duration
/// 15s, --leader-elect-renew-deadline 10s, --leader-elect-retry-period 2s).
/// </summary>
public sealed class LeaderElectionConfig
{
    /// <summary>Waits between attempts are stretched by up to this factor, as client-go's JitterFactor.</summary>
    public const double JitterFactor = 1.2;

    public required string LeaseNamespace { get; init; }

    public required string LeaseName { get; init; }

    /// <summary>Who this candidate is; unique per process (kube-controller-manager uses hostname plus a UUID).</summary>
    public required string Identity { get; init; }

    /// <summary>How long other candidates wait after the last renewal they saw before they take over.</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long the leader keeps retrying a failed renewal before it gives up leadership.</summary>
    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Wait between attempts to acquire or renew.</summary>
    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>On cancellation the leader clears the holder, so a successor need not wait out the lease.</summary>
    public bool ReleaseOnCancel { get; init; } = true;

    /// <summary>Runs once leadership is acquired; its token is cancelled when leadership ends.</summary>
    public Func<CancellationToken, Task>? OnStartedLeading { get; init; }

    /// <summary>Runs when a leader stops leading, whether it lost the lease or was cancelled.</summary>
    public Action? OnStoppedLeading { get; init; }

    /// <summary>Runs whenever the observed holder changes, including to this candidate.</summary>
    public Action<string>? OnNewLeader { get; init; }

    public void Validate()
    {
        if (string.IsNullOrEmpty(LeaseNamespace) || string.IsNullOrEmpty(LeaseName) || string.IsNullOrEmpty(Identity))
        {
            throw new ArgumentException("lease namespace, lease name and identity are required");
        }

        if (LeaseDuration <= RenewDeadline)
        {
            throw new ArgumentException("leaseDuration must be greater than renewDeadline");
        }

        if (RenewDeadline <= RetryPeriod * JitterFactor)
        {
            throw new ArgumentException($"renewDeadline must be greater than retryPeriod*{JitterFactor}");
        }

        if (RetryPeriod <= TimeSpan.Zero || LeaseDuration < TimeSpan.FromSeconds(1))
        {
            throw new ArgumentException("retryPeriod must be positive and leaseDuration at least one second");
        }
    }
}
