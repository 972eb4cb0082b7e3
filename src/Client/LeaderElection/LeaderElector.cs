using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace KubeNet.Client;

/// <summary>
/// Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection with a LeaseLock. Writes go
/// through update with the lease's resourceVersion, so of two candidates that race only one wins. Expiry is judged by
/// this process's own clock from when it last saw the lease change, never by comparing clocks across machines.
/// </summary>
public sealed partial class LeaderElector
{
    private readonly IKubernetes _client;
    private readonly LeaderElectionConfig _config;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    // What this candidate last saw, and when by its own clock.
    private V1Lease? _observedLease;
    private V1LeaseSpec? _observedRecord;
    private DateTimeOffset _observedTime;
    private string? _reportedLeader;
    private volatile bool _isLeader;

    public LeaderElector(IKubernetes client, LeaderElectionConfig config, ILogger? logger = null, TimeProvider? timeProvider = null)
    {
        config.Validate();
        _client = client;
        _config = config;
        _logger = logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
    }

    public bool IsLeader => _isLeader;

    /// <summary>The holder identity last observed on the lease.</summary>
    public string? CurrentLeader => _reportedLeader;

    /// <summary>
    /// Campaigns until leadership is acquired, leads until the lease cannot be renewed within the renew deadline or
    /// <paramref name="cancellationToken"/> fires, then returns. Callers that want to campaign again call it again.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (!await AcquireAsync(cancellationToken))
        {
            return;
        }

        _isLeader = true;
        using var leading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var work = _config.OnStartedLeading is { } start ? Task.Run(() => start(leading.Token), CancellationToken.None) : Task.CompletedTask;
        try
        {
            await RenewLoopAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Cancellation is how callers step down; it ends the run, not with an error.
        }
        finally
        {
            await leading.CancelAsync();
            _isLeader = false;
            if (cancellationToken.IsCancellationRequested && _config.ReleaseOnCancel)
            {
                await ReleaseAsync();
            }

            try
            {
                await work;
            }
            catch (OperationCanceledException)
            {
            }
            catch (Exception ex)
            {
                LogLeaderWorkFailed(_logger, _config.Identity, ex);
            }

            _config.OnStoppedLeading?.Invoke();
        }
    }

    private async Task<bool> AcquireAsync(CancellationToken cancellationToken)
    {
        LogAttemptingAcquire(_logger, _config.Identity, _config.LeaseNamespace, _config.LeaseName);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var acquired = await TryAcquireOrRenewAsync(cancellationToken);
                ReportTransition();
                if (acquired)
                {
                    LogAcquired(_logger, _config.Identity, _config.LeaseNamespace, _config.LeaseName);
                    return true;
                }

                await Task.Delay(Jitter(_config.RetryPeriod), _time, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        return false;
    }

    private async Task RenewLoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var renewed = false;
            using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                deadline.CancelAfter(_config.RenewDeadline);
                try
                {
                    while (!renewed)
                    {
                        renewed = await TryAcquireOrRenewAsync(deadline.Token);
                        ReportTransition();
                        if (!renewed)
                        {
                            await Task.Delay(_config.RetryPeriod, _time, deadline.Token);
                        }
                    }
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // The renew deadline passed without a successful renewal.
                }
            }

            if (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            if (!renewed)
            {
                LogLost(_logger, _config.Identity, _config.LeaseNamespace, _config.LeaseName);
                return;
            }

            try
            {
                await Task.Delay(_config.RetryPeriod, _time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<bool> TryAcquireOrRenewAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        V1Lease? lease;
        try
        {
            lease = await _client.CoordinationV1.ReadNamespacedLeaseAsync(_config.LeaseName, _config.LeaseNamespace, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            lease = null;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogLeaseError(_logger, _config.LeaseNamespace, _config.LeaseName, ex);
            return false;
        }

        if (lease is null)
        {
            var created = new V1Lease
            {
                ApiVersion = "coordination.k8s.io/v1",
                Kind = "Lease",
                Metadata = new V1ObjectMeta { Name = _config.LeaseName, NamespaceProperty = _config.LeaseNamespace },
                Spec = NewRecord(now, now.UtcDateTime, 0),
            };
            try
            {
                lease = await _client.CoordinationV1.CreateNamespacedLeaseAsync(created, _config.LeaseNamespace, cancellationToken: cancellationToken);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                // 409 AlreadyExists: another candidate created it first and leads.
                LogLeaseError(_logger, _config.LeaseNamespace, _config.LeaseName, ex);
                return false;
            }

            Observe(lease, now);
            return true;
        }

        var record = lease.Spec ?? new V1LeaseSpec();
        if (!SameRecord(record, _observedRecord))
        {
            _observedTime = now;
        }

        _observedLease = lease;
        _observedRecord = record;
        var holder = record.HolderIdentity;
        var iHold = holder == _config.Identity;
        var validUntil = _observedTime + TimeSpan.FromSeconds(record.LeaseDurationSeconds ?? 0);
        if (!string.IsNullOrEmpty(holder) && !iHold && validUntil > now)
        {
            return false;
        }

        var transitions = record.LeaseTransitions ?? 0;
        lease.Spec = iHold
            ? NewRecord(now, record.AcquireTime ?? now.UtcDateTime, transitions)
            : NewRecord(now, now.UtcDateTime, transitions + 1);
        try
        {
            // Replace carries metadata.resourceVersion: a write based on a stale read fails with 409 Conflict.
            lease = await _client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, _config.LeaseName, _config.LeaseNamespace, cancellationToken: cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogLeaseError(_logger, _config.LeaseNamespace, _config.LeaseName, ex);
            return false;
        }

        Observe(lease, now);
        return true;
    }

    // A released lease names no holder and lasts one second, so the next candidate takes it on its next try.
    private async Task ReleaseAsync()
    {
        if (_observedLease is not { } lease || _observedRecord?.HolderIdentity != _config.Identity)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(_config.RenewDeadline);
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var now = _time.GetUtcNow();
            lease.Spec = new V1LeaseSpec
            {
                HolderIdentity = null,
                LeaseDurationSeconds = 1,
                AcquireTime = now.UtcDateTime,
                RenewTime = now.UtcDateTime,
                LeaseTransitions = _observedRecord?.LeaseTransitions,
            };
            try
            {
                lease = await _client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, _config.LeaseName, _config.LeaseNamespace, cancellationToken: timeout.Token);
                Observe(lease, now);
                LogReleased(_logger, _config.Identity, _config.LeaseNamespace, _config.LeaseName);
                return;
            }
            catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Conflict && attempt == 0)
            {
                // A renewal cut short by cancellation may still have landed and moved the resourceVersion: reread,
                // and release only if this candidate still holds the lease.
                try
                {
                    lease = await _client.CoordinationV1.ReadNamespacedLeaseAsync(_config.LeaseName, _config.LeaseNamespace, cancellationToken: timeout.Token);
                }
                catch (Exception readError)
                {
                    LogLeaseError(_logger, _config.LeaseNamespace, _config.LeaseName, readError);
                    return;
                }

                if (lease.Spec?.HolderIdentity != _config.Identity)
                {
                    return;
                }

                _observedRecord = lease.Spec;
            }
            catch (Exception ex)
            {
                LogLeaseError(_logger, _config.LeaseNamespace, _config.LeaseName, ex);
                return;
            }
        }
    }

    private V1LeaseSpec NewRecord(DateTimeOffset now, DateTime acquireTime, int transitions) => new()
    {
        HolderIdentity = _config.Identity,
        LeaseDurationSeconds = (int)Math.Ceiling(_config.LeaseDuration.TotalSeconds),
        AcquireTime = acquireTime,
        RenewTime = now.UtcDateTime,
        LeaseTransitions = transitions,
    };

    private void Observe(V1Lease lease, DateTimeOffset now)
    {
        _observedLease = lease;
        _observedRecord = lease.Spec;
        _observedTime = now;
    }

    private void ReportTransition()
    {
        var holder = _observedRecord?.HolderIdentity;
        if (string.IsNullOrEmpty(holder) || holder == _reportedLeader)
        {
            return;
        }

        _reportedLeader = holder;
        LogNewLeader(_logger, holder, _config.LeaseNamespace, _config.LeaseName);
        _config.OnNewLeader?.Invoke(holder);
    }

    private static bool SameRecord(V1LeaseSpec a, V1LeaseSpec? b) =>
        b is not null
        && a.HolderIdentity == b.HolderIdentity
        && a.LeaseDurationSeconds == b.LeaseDurationSeconds
        && a.AcquireTime == b.AcquireTime
        && a.RenewTime == b.RenewTime
        && a.LeaseTransitions == b.LeaseTransitions;

    private static TimeSpan Jitter(TimeSpan period) =>
        period + TimeSpan.FromTicks((long)(period.Ticks * LeaderElectionConfig.JitterFactor * Random.Shared.NextDouble()));

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "{Identity} attempting to acquire leader lease {Namespace}/{Name}")]
    private static partial void LogAttemptingAcquire(ILogger logger, string identity, string @namespace, string name);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "{Identity} acquired lease {Namespace}/{Name}")]
    private static partial void LogAcquired(ILogger logger, string identity, string @namespace, string name);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "{Identity} failed to renew lease {Namespace}/{Name}: leadership lost")]
    private static partial void LogLost(ILogger logger, string identity, string @namespace, string name);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Information, Message = "{Identity} released lease {Namespace}/{Name}")]
    private static partial void LogReleased(ILogger logger, string identity, string @namespace, string name);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Information, Message = "New leader {Identity} of lease {Namespace}/{Name}")]
    private static partial void LogNewLeader(ILogger logger, string identity, string @namespace, string name);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Debug, Message = "Lease {Namespace}/{Name} read or write failed")]
    private static partial void LogLeaseError(ILogger logger, string @namespace, string name, Exception exception);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Error, Message = "{Identity}: the work started on leading failed")]
    private static partial void LogLeaderWorkFailed(ILogger logger, string identity, Exception exception);
}
