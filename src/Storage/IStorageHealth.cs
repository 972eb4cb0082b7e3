namespace KubeNet.Storage;

/// <summary>
/// A backend that can become unreachable (a remote etcd cluster) answers whether it serves requests now, for the API
/// server's /livez and /readyz checks. One attempt within the timeout: a health check must not wait out the retries of
/// ordinary requests.
/// </summary>
public interface IStorageHealth
{
    /// <summary>The name of the check as kube-apiserver lists it (etcd).</summary>
    string HealthCheckName { get; }

    /// <summary>Null when healthy; otherwise why not.</summary>
    Task<string?> CheckHealthAsync(TimeSpan timeout, CancellationToken cancellationToken = default);
}
