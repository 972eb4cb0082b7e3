using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace KubeNet.LoadGen;

/// <summary>
/// Certificates for the bare Kestrel baseline, shaped as the cluster's: an ECDSA P-256 CA, a serving certificate for
/// 127.0.0.1 and a client certificate, so both endpoints pay the same TLS and client-certificate costs.
/// </summary>
internal static class BenchPki
{
    public const string Ca = "ca.crt";
    public const string ServerCert = "server.crt";
    public const string ServerKey = "server.key";
    public const string ClientCert = "client.crt";
    public const string ClientKey = "client.key";

    public static void Create(string directory)
    {
        Directory.CreateDirectory(directory);
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=loadgen-ca", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllText(Path.Combine(directory, Ca), ca.ExportCertificatePem());

        Issue(directory, ca, "CN=127.0.0.1", server: true, ServerCert, ServerKey);
        Issue(directory, ca, "CN=loadgen, O=system:masters", server: false, ClientCert, ClientKey);
    }

    private static void Issue(string directory, X509Certificate2 ca, string subject, bool server, string certFile, string keyFile)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid(server ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        if (server)
        {
            var sans = new SubjectAlternativeNameBuilder();
            sans.AddIpAddress(IPAddress.Loopback);
            sans.AddDnsName("localhost");
            request.CertificateExtensions.Add(sans.Build());
        }

        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using var cert = request.Create(ca, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1), serial);
        File.WriteAllText(Path.Combine(directory, certFile), cert.ExportCertificatePem());
        File.WriteAllText(Path.Combine(directory, keyFile), key.ExportPkcs8PrivateKeyPem());
    }

    /// <summary>A certificate with its private key in a form SslStream can present on every platform.</summary>
    public static X509Certificate2 LoadWithKey(string certPath, string keyPath)
    {
        using var pem = X509Certificate2.CreateFromPemFile(certPath, keyPath);
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    public static bool ChainsTo(X509Certificate2 ca, X509Certificate certificate, CertificatePurpose purpose)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid(purpose == CertificatePurpose.Server ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2"));
        if (certificate is X509Certificate2 full)
        {
            return chain.Build(full);
        }

        using var loaded = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(loaded);
    }
}

internal enum CertificatePurpose
{
    Server,
    Client,
}
