using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using KubeNet.ApiServer.Certificates;
using Microsoft.AspNetCore.Http;

namespace KubeNet.ApiServer.Auth;

/// <summary>
/// x509 client certificates (CN = user, O = groups) and bearer tokens, as kube-apiserver's authenticators. Anonymous
/// requests may only read health and version.
/// </summary>
internal sealed class Authenticator(ClusterPki pki)
{
    private readonly byte[] _adminToken = Encoding.UTF8.GetBytes(pki.AdminToken);

    // A connection's certificate is one object for all its requests: its user is read from the subject once.
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<X509Certificate2, UserInfo> _byCertificate = new();

    public UserInfo? Authenticate(HttpContext context)
    {
        var cert = context.Connection.ClientCertificate;
        if (cert is not null)
        {
            // Kestrel has already checked the chain against the cluster CA.
            return _byCertificate.GetValue(cert, static c =>
                new UserInfo(c.GetNameInfo(X509NameType.SimpleName, false), Organizations(c.SubjectName).Append("system:authenticated").ToList()));
        }

        var header = context.Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            var token = Encoding.UTF8.GetBytes(header["Bearer ".Length..].Trim());
            if (CryptographicOperations.FixedTimeEquals(token, _adminToken))
            {
                return new UserInfo("kube-net-admin", ["system:masters", "system:authenticated"]);
            }
        }

        return null;
    }

    public static bool AnonymousAllowed(HttpRequest request)
        => request.Method == "GET" && request.Path.Value is "/healthz" or "/livez" or "/readyz" or "/version" or "/version/";

    private static IEnumerable<string> Organizations(X500DistinguishedName name)
    {
        foreach (var rdn in name.EnumerateRelativeDistinguishedNames())
        {
            if (rdn.GetSingleElementType().Value == "2.5.4.10" && rdn.GetSingleElementValue() is { } org)
            {
                yield return org;
            }
        }
    }
}
