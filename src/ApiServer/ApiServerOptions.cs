namespace KubeNet.ApiServer;

/// <summary>Settings of one API server. Defaults follow kube-apiserver's.</summary>
public sealed class ApiServerOptions
{
    /// <summary>Where certificates, the kubeconfig and the embedded database live. Default ./.kube-net.</summary>
    public string DataDirectory { get; set; } = ".kube-net";

    /// <summary>Address to listen on. Default 127.0.0.1.</summary>
    public string BindAddress { get; set; } = "127.0.0.1";

    /// <summary>HTTPS port; 0 picks a free one (tests). Default 6443.</summary>
    public int SecurePort { get; set; } = 6443;

    /// <summary>"sqlite" (embedded, default) or "etcd".</summary>
    public string Storage { get; set; } = "sqlite";

    /// <summary>
    /// Where the cluster CA, the admin client certificate and the admin token live (--pki-dir); default DATA-DIR/pki.
    /// Several API servers of one cluster point at one directory so that every client trusts every server.
    /// </summary>
    public string? PkiDirectory { get; set; }

    /// <summary>Client URLs of the etcd members (--etcd-servers); required with etcd storage.</summary>
    public IList<string> EtcdServers { get; } = [];

    /// <summary>CA that signs the etcd members' certificates (--etcd-cafile).</summary>
    public string? EtcdCaFile { get; set; }

    /// <summary>Client certificate and key presented to etcd (--etcd-certfile, --etcd-keyfile).</summary>
    public string? EtcdCertFile { get; set; }

    public string? EtcdKeyFile { get; set; }

    /// <summary>How often etcd history is compacted (--etcd-compaction-interval); 5 minutes as kube-apiserver, 0 turns it off.</summary>
    public TimeSpan EtcdCompactionInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>SQLite synchronous=FULL (default) makes every acknowledged write survive power loss.</summary>
    public bool SynchronousFull { get; set; } = true;

    /// <summary>Largest request body: 3 MiB as kube-apiserver.</summary>
    public long MaxRequestBodyBytes { get; set; } = 3 * 1024 * 1024;

    /// <summary>Concurrent non-mutating requests before 429 (--max-requests-inflight).</summary>
    public int MaxReadInflight { get; set; } = 400;

    /// <summary>Concurrent mutating requests before 429 (--max-mutating-requests-inflight).</summary>
    public int MaxMutatingInflight { get; set; } = 200;

    /// <summary>Watches last a random time in [this, 2x this] unless timeoutSeconds says otherwise (--min-request-timeout).</summary>
    public TimeSpan MinRequestTimeout { get; set; } = TimeSpan.FromSeconds(1800);

    /// <summary>How often a watch with allowWatchBookmarks gets a BOOKMARK.</summary>
    public TimeSpan BookmarkInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Events kept per resource for watches that resume from a resourceVersion.</summary>
    public int WatchCacheEvents { get; set; } = 10_000;

    /// <summary>Events a watcher may fall behind before it is closed.</summary>
    public int WatcherQueueLength { get; set; } = 10_000;

    /// <summary>Names and addresses the serving certificate covers besides localhost and the bind address.</summary>
    public IList<string> ExtraSans { get; } = [];

    public void Validate()
    {
        if (SecurePort is < 0 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(SecurePort), SecurePort, "must be a TCP port");
        }

        if (Storage is not ("sqlite" or "etcd"))
        {
            throw new ArgumentException($"unknown storage \"{Storage}\": use sqlite or etcd", nameof(Storage));
        }

        if (Storage == "etcd" && EtcdServers.Count == 0)
        {
            throw new ArgumentException("--storage etcd needs --etcd-servers URL[,URL]", nameof(EtcdServers));
        }

        if (Storage == "sqlite" && EtcdServers.Count > 0)
        {
            throw new ArgumentException("--etcd-servers is given but the storage is sqlite: add --storage etcd", nameof(EtcdServers));
        }

        if (EtcdCompactionInterval < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(EtcdCompactionInterval), EtcdCompactionInterval, "must not be negative");
        }

        if (MaxRequestBodyBytes <= 0 || MaxReadInflight <= 0 || MaxMutatingInflight <= 0 || WatchCacheEvents <= 0 || WatcherQueueLength <= 0)
        {
            throw new ArgumentException("limits must be positive");
        }
    }
}
