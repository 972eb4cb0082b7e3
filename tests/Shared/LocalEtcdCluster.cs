using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace KubeNet.Testing;

/// <summary>
/// A real etcd (Debian's etcd-server, /usr/bin/etcd) for tests and benchmarks: one or more members on free
/// 127.0.0.1 ports, data in a fresh temporary directory, optionally serving TLS with client certificates. Disposing
/// kills the members and removes the directory. A missing etcd fails with what to install; nothing is skipped.
/// </summary>
internal sealed class LocalEtcdCluster : IAsyncDisposable
{
    private readonly Member[] _members;

    private LocalEtcdCluster(string directory, Member[] members, LocalEtcdTls? tls)
    {
        Directory = directory;
        _members = members;
        Tls = tls;
    }

    public string Directory { get; }

    /// <summary>Certificates when the members serve TLS and require client certificates; null for plain http.</summary>
    public LocalEtcdTls? Tls { get; }

    public int Count => _members.Length;

    /// <summary>Client URLs of every member, in member order.</summary>
    public IReadOnlyList<string> Endpoints => _members.Select(m => m.ClientUrl).ToArray();

    /// <summary>The value of --etcd-servers for this cluster.</summary>
    public string EndpointList => string.Join(',', Endpoints);

    public static string EtcdPath
    {
        get
        {
            string? configured = Environment.GetEnvironmentVariable("KUBENET_ETCD");
            foreach (string? candidate in new[] { configured, "/usr/bin/etcd", "/usr/local/bin/etcd" })
            {
                if (!string.IsNullOrEmpty(candidate) && File.Exists(candidate))
                {
                    return candidate;
                }
            }

            throw new InvalidOperationException(
                "etcd is missing: install Debian's etcd-server (apt-get install -y etcd-server etcd-client; hack/test.sh does it when run as root) or set KUBENET_ETCD to an etcd binary");
        }
    }

    public static async Task<LocalEtcdCluster> StartAsync(int members = 1, bool tls = false, string? parentDirectory = null)
    {
        string etcd = EtcdPath;
        string directory = Path.Combine(parentDirectory ?? Path.GetTempPath(), "kubenet-etcd-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(directory);
        LocalEtcdTls? certificates = tls ? LocalEtcdTls.Create(Path.Combine(directory, "pki")) : null;
        string scheme = tls ? "https" : "http";
        var ports = Enumerable.Range(0, members).Select(_ => (Client: FreePort(), Peer: FreePort())).ToArray();
        string initialCluster = string.Join(',', ports.Select((p, i) => $"m{i}=http://127.0.0.1:{p.Peer}"));
        string token = "kubenet-" + Guid.NewGuid().ToString("N")[..8];
        var started = new Member[members];
        var cluster = new LocalEtcdCluster(directory, started, certificates);
        for (int i = 0; i < members; i++)
        {
            var args = new List<string>
            {
                "--name", $"m{i}",
                "--data-dir", Path.Combine(directory, $"m{i}"),
                "--listen-client-urls", $"{scheme}://127.0.0.1:{ports[i].Client}",
                "--advertise-client-urls", $"{scheme}://127.0.0.1:{ports[i].Client}",
                "--listen-peer-urls", $"http://127.0.0.1:{ports[i].Peer}",
                "--initial-advertise-peer-urls", $"http://127.0.0.1:{ports[i].Peer}",
                "--initial-cluster", initialCluster,
                "--initial-cluster-state", "new",
                "--initial-cluster-token", token,
                "--logger", "zap",
                "--log-outputs", "stderr",
                "--log-level", "warn",
            };
            if (certificates is not null)
            {
                args.AddRange(["--cert-file", certificates.ServerCert, "--key-file", certificates.ServerKey, "--trusted-ca-file", certificates.CaCert, "--client-cert-auth"]);
            }

            started[i] = Member.Start(etcd, args, $"{scheme}://127.0.0.1:{ports[i].Client}");
        }

        try
        {
            await cluster.WaitHealthyAsync(TimeSpan.FromSeconds(60));
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }

        return cluster;
    }

    public bool IsRunning(int member) => !_members[member].HasExited;

    /// <summary>CPU time a member has used so far (benchmarks divide it by operations).</summary>
    public TimeSpan CpuTime(int member) => _members[member].CpuTime();

    /// <summary>SIGKILL, as a crashed machine.</summary>
    public void Kill(int member) => _members[member].Kill();

    /// <summary>Starts a killed member again with its data directory and flags, as a machine coming back.</summary>
    public void Restart(int member)
    {
        if (!_members[member].HasExited)
        {
            throw new InvalidOperationException($"etcd member m{member} is still running");
        }

        _members[member] = _members[member].Restart();
    }

    /// <summary>Index of the member that is the Raft leader now, asked of the running members.</summary>
    public async Task<int> LeaderAsync(TimeSpan timeout)
    {
        using var http = CreateHttpClient();
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            for (int i = 0; i < _members.Length; i++)
            {
                if (_members[i].HasExited)
                {
                    continue;
                }

                try
                {
                    using var response = await http.PostAsync(new Uri(_members[i].ClientUrl + "/v3/maintenance/status"), JsonContent.Create(new { }));
                    using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                    string self = json.RootElement.GetProperty("header").GetProperty("member_id").GetString()!;
                    string leader = json.RootElement.TryGetProperty("leader", out var l) ? l.GetString()! : "0";
                    if (self == leader)
                    {
                        return i;
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or JsonException or KeyNotFoundException or TaskCanceledException)
                {
                    // A member starting or stopping: ask the others.
                }
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("no etcd member reports itself leader\n" + Logs());
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Watchers registered on a member now, from its /metrics (etcd_debugging_mvcc_watcher_total).</summary>
    public async Task<int> WatchersAsync(int member)
    {
        using var http = CreateHttpClient();
        string metrics = await http.GetStringAsync(new Uri(_members[member].ClientUrl + "/metrics"));
        foreach (string line in metrics.Split('\n'))
        {
            if (line.StartsWith("etcd_debugging_mvcc_watcher_total ", StringComparison.Ordinal))
            {
                return (int)double.Parse(line["etcd_debugging_mvcc_watcher_total ".Length..], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException("etcd_debugging_mvcc_watcher_total is missing from /metrics");
    }

    /// <summary>Index of the member that serves the only watch of the cluster.</summary>
    public async Task<int> MemberServingTheWatchAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            for (int i = 0; i < _members.Length; i++)
            {
                if (!_members[i].HasExited && await WatchersAsync(i) > 0)
                {
                    return i;
                }
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("no etcd member reports a watcher");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Waits until every running member answers /health with a leader.</summary>
    public async Task WaitHealthyAsync(TimeSpan timeout)
    {
        using var http = CreateHttpClient();
        var deadline = DateTime.UtcNow + timeout;
        foreach (Member member in _members.Where(m => !m.HasExited))
        {
            while (true)
            {
                try
                {
                    using var response = await http.GetAsync(new Uri(member.ClientUrl + "/health"));
                    if (response.IsSuccessStatusCode && (await response.Content.ReadAsStringAsync()).Contains("\"true\"", StringComparison.Ordinal))
                    {
                        break;
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    // Not listening yet.
                }

                if (member.HasExited || DateTime.UtcNow > deadline)
                {
                    throw new InvalidOperationException($"etcd at {member.ClientUrl} did not become healthy:\n" + Logs());
                }

                await Task.Delay(50);
            }
        }
    }

    /// <summary>The last lines each member wrote, for failure messages.</summary>
    public string Logs() => string.Join('\n', _members.Select((m, i) => $"--- etcd m{i} ({m.ClientUrl}){(m.HasExited ? " exited" : "")}\n{m.Tail()}"));

    public async ValueTask DisposeAsync()
    {
        foreach (Member member in _members.Where(m => m is not null))
        {
            await member.DisposeAsync();
        }

        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A straggler still writing; the directory is under the temp folder.
        }
    }

    private HttpClient CreateHttpClient()
    {
        var handler = new SocketsHttpHandler();
        if (Tls is not null)
        {
            X509Certificate2 ca = X509CertificateLoader.LoadCertificateFromFile(Tls.CaCert);
            handler.SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = [Tls.LoadClientCertificate()],
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(ca);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return certificate is X509Certificate2 c && chain.Build(c);
                },
            };
        }

        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(5) };
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private sealed class Member : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly Queue<string> _tail = new();

        private readonly string _etcd;
        private readonly string[] _args;

        private Member(Process process, string clientUrl, string etcd, string[] args)
        {
            _process = process;
            ClientUrl = clientUrl;
            _etcd = etcd;
            _args = args;
        }

        public string ClientUrl { get; }

        public bool HasExited => _process.HasExited;

        public static Member Start(string etcd, IEnumerable<string> args, string clientUrl)
        {
            var info = new ProcessStartInfo(etcd) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string a in args)
            {
                info.ArgumentList.Add(a);
            }

            var process = new Process { StartInfo = info };
            var member = new Member(process, clientUrl, etcd, [.. args]);
            process.OutputDataReceived += (_, e) => member.Keep(e.Data);
            process.ErrorDataReceived += (_, e) => member.Keep(e.Data);
            if (!process.Start())
            {
                throw new InvalidOperationException($"could not start {etcd}");
            }

            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return member;
        }

        public Member Restart()
        {
            _process.Dispose();
            return Start(_etcd, _args, ClientUrl);
        }

        public TimeSpan CpuTime()
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }

        public void Kill()
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        public string Tail()
        {
            lock (_tail)
            {
                return string.Join('\n', _tail);
            }
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                if (!_process.HasExited)
                {
                    _process.Kill(entireProcessTree: true);
                    await _process.WaitForExitAsync();
                }
            }
            catch (InvalidOperationException)
            {
                // Never started or already reaped.
            }

            _process.Dispose();
        }

        private void Keep(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_tail)
            {
                _tail.Enqueue(line);
                while (_tail.Count > 30)
                {
                    _tail.Dequeue();
                }
            }
        }
    }
}

/// <summary>A CA, a serving certificate for 127.0.0.1/localhost and a client certificate, as PEM files.</summary>
internal sealed class LocalEtcdTls
{
    private LocalEtcdTls(string directory) => Directory = directory;

    public string Directory { get; }

    public string CaCert => Path.Combine(Directory, "ca.crt");

    public string ServerCert => Path.Combine(Directory, "server.crt");

    public string ServerKey => Path.Combine(Directory, "server.key");

    public string ClientCert => Path.Combine(Directory, "client.crt");

    public string ClientKey => Path.Combine(Directory, "client.key");

    /// <summary>A second CA's client certificate: etcd must refuse it.</summary>
    public string StrangerCert => Path.Combine(Directory, "stranger.crt");

    public string StrangerKey => Path.Combine(Directory, "stranger.key");

    public static LocalEtcdTls Create(string directory)
    {
        System.IO.Directory.CreateDirectory(directory);
        var tls = new LocalEtcdTls(directory);
        using ECDsa caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using X509Certificate2 ca = SelfSignedCa("kubenet-test-etcd-ca", caKey);
        File.WriteAllText(tls.CaCert, ca.ExportCertificatePem());
        Issue(ca, "etcd-server", server: true, tls.ServerCert, tls.ServerKey);
        Issue(ca, "kube-apiserver-etcd-client", server: false, tls.ClientCert, tls.ClientKey);

        using ECDsa otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using X509Certificate2 other = SelfSignedCa("someone-else", otherKey);
        Issue(other, "stranger", server: false, tls.StrangerCert, tls.StrangerKey);
        return tls;
    }

    public X509Certificate2 LoadClientCertificate()
    {
        using var pem = X509Certificate2.CreateFromPemFile(ClientCert, ClientKey);
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    private static X509Certificate2 SelfSignedCa(string name, ECDsa key)
    {
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(30));
    }

    private static void Issue(X509Certificate2 ca, string name, bool server, string certPath, string keyPath)
    {
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(server ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        byte[] serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using X509Certificate2 cert = request.Create(ca, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(30), serial);
        File.WriteAllText(certPath, cert.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
    }
}
