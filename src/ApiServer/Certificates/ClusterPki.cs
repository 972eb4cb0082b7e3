using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace KubeNet.ApiServer.Certificates;

/// <summary>
/// The cluster's certificates, made on first start and reused after: a CA, the API server's serving certificate, and
/// an admin client certificate in group system:masters. PEM files in the data directory, as kubeadm lays them out.
/// </summary>
public sealed class ClusterPki
{
    private ClusterPki(string directory, X509Certificate2 ca, X509Certificate2 serving, string adminToken)
    {
        Directory = directory;
        CaCertificate = ca;
        ServingCertificate = serving;
        AdminToken = adminToken;
        ServiceAccountTokens = new Auth.ServiceAccountTokens(directory);
    }

    public string Directory { get; }

    public X509Certificate2 CaCertificate { get; }

    public X509Certificate2 ServingCertificate { get; }

    /// <summary>A bearer token for the admin user, also accepted where client certificates are awkward.</summary>
    public string AdminToken { get; }

    /// <summary>Issues and checks service account tokens with the cluster's sa.key.</summary>
    internal Auth.ServiceAccountTokens ServiceAccountTokens { get; }

    public string CaPath => Path.Combine(Directory, "ca.crt");

    public string AdminCertPath => Path.Combine(Directory, "admin.crt");

    public string AdminKeyPath => Path.Combine(Directory, "admin.key");

    /// <summary>
    /// Loads the cluster's certificates, making what is missing. The CA, the admin credentials and the admin token live
    /// in <paramref name="pkiDirectory"/> (default DATA-DIR/pki); API servers of one cluster share that directory, so
    /// every client trusts them all. Each server's serving certificate lives in its own DATA-DIR/pki.
    /// </summary>
    public static ClusterPki LoadOrCreate(string dataDirectory, IEnumerable<string> sans, string? pkiDirectory = null)
    {
        var servingDir = Path.Combine(dataDirectory, "pki");
        var dir = pkiDirectory ?? servingDir;
        System.IO.Directory.CreateDirectory(dir);
        System.IO.Directory.CreateDirectory(servingDir);

        // Servers started together on a shared directory must agree on one CA: the first makes it, the others wait.
        using var creating = LockDirectory(dir);
        var caCrt = Path.Combine(dir, "ca.crt");
        var caKey = Path.Combine(dir, "ca.key");
        if (!File.Exists(caCrt) || !File.Exists(caKey))
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var req = new CertificateRequest("CN=kube-net-ca", key, HashAlgorithmName.SHA256);
            req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
            req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
            using var ca = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddYears(10));
            WritePem(caCrt, ca.ExportCertificatePem());
            WritePem(caKey, key.ExportPkcs8PrivateKeyPem());
        }

        var caCert = X509Certificate2.CreateFromPemFile(caCrt, caKey);
        var servingCrt = Path.Combine(servingDir, "apiserver.crt");
        var servingKey = Path.Combine(servingDir, "apiserver.key");
        var wanted = new SortedSet<string>(["localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local", "127.0.0.1", "::1", "10.96.0.1", Dns.GetHostName()], StringComparer.Ordinal);
        foreach (var s in sans)
        {
            wanted.Add(s);
        }

        // The CA's thumbprint is part of what the serving certificate was made for: a server moved to a shared CA
        // gets a new serving certificate signed by it.
        var sanFile = Path.Combine(servingDir, "apiserver.sans");
        var sanText = string.Join('\n', wanted);
        if (pkiDirectory is not null)
        {
            sanText += "\nca " + caCert.Thumbprint;
        }

        if (!File.Exists(servingCrt) || !File.Exists(sanFile) || File.ReadAllText(sanFile) != sanText)
        {
            Issue(caCert, "kube-apiserver", null, wanted, server: true, servingCrt, servingKey);
            File.WriteAllText(sanFile, sanText);
        }

        var adminCrt = Path.Combine(dir, "admin.crt");
        var adminKey = Path.Combine(dir, "admin.key");
        if (!File.Exists(adminCrt))
        {
            Issue(caCert, "kube-net-admin", "system:masters", [], server: false, adminCrt, adminKey);
        }

        var tokenFile = Path.Combine(dir, "admin.token");
        if (!File.Exists(tokenFile))
        {
            WritePem(tokenFile, Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant());
        }

        // Kestrel needs a certificate whose key it can use for TLS: round-trip through PKCS#12.
        using var pem = X509Certificate2.CreateFromPemFile(servingCrt, servingKey);
        var serving = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        return new ClusterPki(dir, caCert, serving, File.ReadAllText(tokenFile).Trim());
    }

    private static FileStream LockDirectory(string directory)
    {
        var path = Path.Combine(directory, ".lock");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(50);
            }
        }
    }

    /// <summary>Issues a client certificate signed by the cluster CA (CN = user, O = group).</summary>
    public (string CertPem, string KeyPem) IssueClient(string user, string? group)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var cert = Sign(CaCertificate, user, group, [], server: false, key);
        return (cert.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    private static void Issue(X509Certificate2 ca, string cn, string? org, IEnumerable<string> sans, bool server, string crtPath, string keyPath)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var cert = Sign(ca, cn, org, sans, server, key);
        WritePem(crtPath, cert.ExportCertificatePem());
        WritePem(keyPath, key.ExportPkcs8PrivateKeyPem());
    }

    private static X509Certificate2 Sign(X509Certificate2 ca, string cn, string? org, IEnumerable<string> sans, bool server, ECDsa key)
    {
        var subject = org is null ? $"CN={cn}" : $"CN={cn}, O={org}";
        var req = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(server ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        var sanBuilder = new SubjectAlternativeNameBuilder();
        var any = false;
        foreach (var san in sans)
        {
            any = true;
            if (IPAddress.TryParse(san, out var ip))
            {
                sanBuilder.AddIpAddress(ip);
            }
            else
            {
                sanBuilder.AddDnsName(san);
            }
        }

        if (any)
        {
            req.CertificateExtensions.Add(sanBuilder.Build());
        }

        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        return req.Create(ca, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddYears(5), serial);
    }

    /// <summary>The certificate the API server presents to kubelets (CN kube-apiserver-kubelet-client, O system:masters).</summary>
    public X509Certificate2 KubeletClientCertificate()
    {
        var (cert, key) = IssueClient("kube-apiserver-kubelet-client", "system:masters");
        using var pem = X509Certificate2.CreateFromPem(cert, key);
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>True when <paramref name="certificate"/> chains to the cluster CA and is meant for client authentication.</summary>
    public bool IsValidClientCertificate(X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(CaCertificate);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid("1.3.6.1.5.5.7.3.2"));
        return chain.Build(certificate);
    }

    /// <summary>A kubeconfig for <paramref name="server"/> with the admin client certificate embedded.</summary>
    public string AdminKubeconfig(string server, string clusterName = "kube-net")
    {
        static string B64(string path) => Convert.ToBase64String(File.ReadAllBytes(path));
        var sb = new StringBuilder();
        sb.AppendLine("apiVersion: v1");
        sb.AppendLine("kind: Config");
        sb.AppendLine("clusters:");
        sb.AppendLine("- cluster:");
        sb.AppendLine($"    certificate-authority-data: {B64(CaPath)}");
        sb.AppendLine($"    server: {server}");
        sb.AppendLine($"  name: {clusterName}");
        sb.AppendLine("contexts:");
        sb.AppendLine("- context:");
        sb.AppendLine($"    cluster: {clusterName}");
        sb.AppendLine("    user: admin");
        sb.AppendLine($"  name: {clusterName}");
        sb.AppendLine($"current-context: {clusterName}");
        sb.AppendLine("preferences: {}");
        sb.AppendLine("users:");
        sb.AppendLine("- name: admin");
        sb.AppendLine("  user:");
        sb.AppendLine($"    client-certificate-data: {B64(AdminCertPath)}");
        sb.AppendLine($"    client-key-data: {B64(AdminKeyPath)}");
        return sb.ToString();
    }

    private static void WritePem(string path, string content)
    {
        File.WriteAllText(path, content);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}
