namespace KubeNet.Storage.Etcd;

/// <summary>
/// Settings of <see cref="EtcdStore"/>, named after kube-apiserver's --etcd-* flags. Setters reject values out of
/// range; <see cref="Validate"/> checks what only makes sense together.
/// </summary>
public sealed class EtcdStoreOptions
{
    private TimeSpan _compactionInterval = TimeSpan.FromMinutes(5);
    private TimeSpan _requestTimeout = TimeSpan.FromSeconds(5);
    private TimeSpan _retryTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Client URLs of the etcd members (--etcd-servers), e.g. https://127.0.0.1:2379. Requests are spread over the
    /// members that answer; a member that fails is skipped until it answers again. Required.
    /// </summary>
    public IList<string> Endpoints { get; } = [];

    /// <summary>CA bundle that signs the members' serving certificates (--etcd-cafile); required for https endpoints.</summary>
    public string? CaFile { get; set; }

    /// <summary>PEM client certificate presented to etcd (--etcd-certfile); needs <see cref="KeyFile"/>.</summary>
    public string? CertFile { get; set; }

    /// <summary>PEM private key of <see cref="CertFile"/> (--etcd-keyfile).</summary>
    public string? KeyFile { get; set; }

    /// <summary>
    /// Prepended to every key in etcd, so several stores can share one etcd keyspace; default empty, so keys are
    /// stored as given (/registry/...), as kube-apiserver stores them.
    /// </summary>
    public string KeyPrefix { get; set; } = "";

    /// <summary>
    /// Defaults to 5 minutes, as kube-apiserver's --etcd-compaction-interval: each tick compacts to the revision seen
    /// at the previous tick, coordinated through the compact_rev_key key so that several API servers compact once.
    /// <see cref="TimeSpan.Zero"/> turns it off.
    /// </summary>
    public TimeSpan CompactionInterval
    {
        get => _compactionInterval;
        set => _compactionInterval = value >= TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "Must not be negative.");
    }

    /// <summary>Defaults to 5 seconds: the deadline of one attempt of one request to one member.</summary>
    public TimeSpan RequestTimeout
    {
        get => _requestTimeout;
        set => _requestTimeout = Positive(value);
    }

    /// <summary>
    /// Defaults to 30 seconds: how long a request keeps retrying on other members while etcd is unreachable or
    /// electing a leader, before it fails with <see cref="StorageUnavailableException"/>.
    /// </summary>
    public TimeSpan RetryTimeout
    {
        get => _retryTimeout;
        set => _retryTimeout = Positive(value);
    }

    public void Validate()
    {
        if (Endpoints.Count == 0)
        {
            throw new ArgumentException("at least one etcd endpoint is required (--etcd-servers)", nameof(Endpoints));
        }

        var schemes = new HashSet<string>(StringComparer.Ordinal);
        foreach (string endpoint in Endpoints)
        {
            if (!Uri.TryCreate(endpoint, UriKind.Absolute, out Uri? uri) || uri.Scheme is not ("http" or "https") || uri.AbsolutePath != "/" || uri.Port <= 0)
            {
                throw new ArgumentException($"etcd endpoint \"{endpoint}\" is not an http(s)://host:port URL", nameof(Endpoints));
            }

            schemes.Add(uri.Scheme);
        }

        if (schemes.Count > 1)
        {
            throw new ArgumentException("etcd endpoints must all use http or all use https", nameof(Endpoints));
        }

        if ((CertFile is null) != (KeyFile is null))
        {
            throw new ArgumentException("an etcd client certificate needs both --etcd-certfile and --etcd-keyfile");
        }

        if (schemes.Contains("http") && (CaFile is not null || CertFile is not null))
        {
            throw new ArgumentException("etcd TLS files are given but the endpoints are http://; use https:// endpoints");
        }

        foreach (string? file in new[] { CaFile, CertFile, KeyFile })
        {
            if (file is not null && !File.Exists(file))
            {
                throw new ArgumentException($"etcd TLS file {file} does not exist");
            }
        }
    }

    internal bool UsesTls => Endpoints.Count > 0 && Endpoints[0].StartsWith("https://", StringComparison.OrdinalIgnoreCase);

    private static TimeSpan Positive(TimeSpan value) =>
        value > TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "Must be positive.");
}
