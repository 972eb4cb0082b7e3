using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace KubeNet.ApiServer.Auth;

/// <summary>
/// Bound service account tokens as kube-apiserver issues them (TokenRequest): ES256 JWTs with iss, sub
/// (system:serviceaccount:NS:NAME), aud, exp/iat/nbf, jti and the kubernetes.io claim naming the namespace, the
/// service account and the bound pod. The signing key is sa.key beside the cluster CA, so every server sharing that
/// directory accepts every other's tokens.
/// </summary>
internal sealed class ServiceAccountTokens
{
    public const string Issuer = "https://kubernetes.default.svc.cluster.local";

    private readonly ECDsa _key;
    private readonly string _keyId;

    public ServiceAccountTokens(string pkiDirectory)
    {
        var path = Path.Combine(pkiDirectory, "sa.key");
        _key = ECDsa.Create();
        if (File.Exists(path))
        {
            _key.ImportFromPem(File.ReadAllText(path));
        }
        else
        {
            _key.GenerateKey(ECCurve.NamedCurves.nistP256);
            var temp = path + "." + Environment.ProcessId + ".tmp";
            File.WriteAllText(temp, _key.ExportECPrivateKeyPem());
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            try
            {
                // Servers starting together on one directory: the first key written wins and all load it.
                File.Move(temp, path, overwrite: false);
            }
            catch (IOException)
            {
                File.Delete(temp);
                _key.ImportFromPem(File.ReadAllText(path));
            }
        }

        _keyId = Base64Url(SHA256.HashData(_key.ExportSubjectPublicKeyInfo()));
    }

    /// <summary>The API server's own audience: what a token made without audiences is for.</summary>
    public static IReadOnlyList<string> DefaultAudiences { get; } = [Issuer];

    public string Issue(string ns, string serviceAccount, string serviceAccountUid, IReadOnlyList<string> audiences, DateTimeOffset issuedAt, DateTimeOffset expires, (string Kind, string Name, string Uid)? bound)
    {
        var k8s = new JsonObject
        {
            ["namespace"] = ns,
            ["serviceaccount"] = new JsonObject { ["name"] = serviceAccount, ["uid"] = serviceAccountUid },
        };
        if (bound is { } b)
        {
            k8s[b.Kind == "Pod" ? "pod" : b.Kind.ToLowerInvariant()] = new JsonObject { ["name"] = b.Name, ["uid"] = b.Uid };
        }

        var claims = new JsonObject
        {
            ["aud"] = new JsonArray([.. audiences.Select(a => (JsonNode?)JsonValue.Create(a))]),
            ["exp"] = expires.ToUnixTimeSeconds(),
            ["iat"] = issuedAt.ToUnixTimeSeconds(),
            ["iss"] = Issuer,
            ["jti"] = Guid.NewGuid().ToString(),
            ["kubernetes.io"] = k8s,
            ["nbf"] = issuedAt.ToUnixTimeSeconds(),
            ["sub"] = $"system:serviceaccount:{ns}:{serviceAccount}",
        };
        var header = new JsonObject { ["alg"] = "ES256", ["kid"] = _keyId };
        var signingInput = Base64Url(Encoding.UTF8.GetBytes(header.ToJsonString())) + "." + Base64Url(Encoding.UTF8.GetBytes(claims.ToJsonString()));
        var signature = _key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return signingInput + "." + Base64Url(signature);
    }

    /// <summary>
    /// The user a token stands for when its signature, issuer, time window and audience hold (audience: one of
    /// <paramref name="audiences"/>, the API server's own by default); null otherwise.
    /// </summary>
    public Validated? Validate(string token, IReadOnlyList<string>? audiences = null)
    {
        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            return null;
        }

        try
        {
            var header = JsonNode.Parse(FromBase64Url(parts[0]));
            if (header?["alg"]?.GetValue<string>() != "ES256"
                || !_key.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), FromBase64Url(parts[2]), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation))
            {
                return null;
            }

            var claims = JsonNode.Parse(FromBase64Url(parts[1]));
            var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            var leeway = 60;
            if (claims?["iss"]?.GetValue<string>() != Issuer
                || claims["exp"]?.GetValue<long>() is not { } exp || exp + leeway < now
                || (claims["nbf"]?.GetValue<long>() is { } nbf && nbf - leeway > now))
            {
                return null;
            }

            var tokenAudiences = claims["aud"] switch
            {
                JsonArray a => a.Select(n => n?.GetValue<string>() ?? string.Empty).ToList(),
                JsonValue v => [v.GetValue<string>()],
                _ => [],
            };
            var matched = tokenAudiences.Intersect(audiences ?? DefaultAudiences, StringComparer.Ordinal).ToList();
            var k8s = claims["kubernetes.io"];
            var ns = k8s?["namespace"]?.GetValue<string>();
            var name = k8s?["serviceaccount"]?["name"]?.GetValue<string>();
            if (matched.Count == 0 || ns is null || name is null)
            {
                return null;
            }

            var extra = new Dictionary<string, string>(StringComparer.Ordinal);
            if (k8s?["pod"] is { } pod)
            {
                extra["authentication.kubernetes.io/pod-name"] = pod["name"]?.GetValue<string>() ?? string.Empty;
                extra["authentication.kubernetes.io/pod-uid"] = pod["uid"]?.GetValue<string>() ?? string.Empty;
            }

            if (claims["jti"]?.GetValue<string>() is { } jti)
            {
                extra["authentication.kubernetes.io/credential-id"] = "JTI=" + jti;
            }

            var user = new UserInfo(
                $"system:serviceaccount:{ns}:{name}",
                ["system:serviceaccounts", "system:serviceaccounts:" + ns, "system:authenticated"],
                k8s?["serviceaccount"]?["uid"]?.GetValue<string>());
            return new Validated(user, matched, extra);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or CryptographicException)
        {
            return null;
        }
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] FromBase64Url(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '='));
    }

    internal sealed record Validated(UserInfo User, IReadOnlyList<string> Audiences, IReadOnlyDictionary<string, string> Extra);
}
