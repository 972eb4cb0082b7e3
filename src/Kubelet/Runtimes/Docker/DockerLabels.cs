using System.Globalization;
using KubeNet.Kubelet.Cri.V1;

namespace KubeNet.Kubelet.Runtimes.Docker;

/// <summary>
/// How CRI objects live in Docker: a sandbox is a pause container, a CRI container a Docker container joined to it.
/// CRI labels are Docker labels as they are; annotations and CRI metadata ride along in labels of our own.
/// </summary>
internal static class DockerLabels
{
    public const string Type = "io.kubernetes.docker.type";
    public const string TypeSandbox = "podsandbox";
    public const string TypeContainer = "container";
    public const string SandboxId = "io.kubernetes.sandbox.id";
    public const string AnnotationPrefix = "annotation.";

    // CRI metadata: names, attempt and log path, read back for status and lists.
    public const string MetaName = "kube-net.cri.name";
    public const string MetaUid = "kube-net.cri.uid";
    public const string MetaNamespace = "kube-net.cri.namespace";
    public const string MetaAttempt = "kube-net.cri.attempt";
    public const string MetaLogPath = "kube-net.cri.log-path";
    public const string MetaHostNetwork = "kube-net.cri.host-network";
    public const string MetaImage = "kube-net.cri.image";

    // Which CRI server made the container: several simulated nodes may share one dockerd, and each node's runtime
    // lists only its own sandboxes and containers, as it would with a dockerd of its own.
    public const string Instance = "kube-net.cri.instance";

    /// <summary>A runtime's instance: derived from its state directory, so a restarted runtime finds its containers again.</summary>
    public static string InstanceOf(string stateDirectory) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Path.GetFullPath(stateDirectory))))[..16];

    public static Dictionary<string, string> Encode(IDictionary<string, string> labels, IDictionary<string, string> annotations)
    {
        var result = new Dictionary<string, string>(labels, StringComparer.Ordinal);
        foreach (var (key, value) in annotations)
        {
            result[AnnotationPrefix + key] = value;
        }

        return result;
    }

    /// <summary>Splits Docker labels back into CRI labels and annotations, leaving our own keys out.</summary>
    public static (Dictionary<string, string> Labels, Dictionary<string, string> Annotations) Decode(IDictionary<string, string>? docker)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        var annotations = new Dictionary<string, string>(StringComparer.Ordinal);
        if (docker is null)
        {
            return (labels, annotations);
        }

        foreach (var (key, value) in docker)
        {
            if (key.StartsWith(AnnotationPrefix, StringComparison.Ordinal))
            {
                annotations[key[AnnotationPrefix.Length..]] = value;
            }
            else if (!key.StartsWith("kube-net.cri.", StringComparison.Ordinal) && key is not (Type or SandboxId))
            {
                labels[key] = value;
            }
        }

        return (labels, annotations);
    }

    public static string Get(IDictionary<string, string>? labels, string key) =>
        labels is not null && labels.TryGetValue(key, out var v) ? v : string.Empty;

    public static uint Attempt(IDictionary<string, string>? labels) =>
        uint.TryParse(Get(labels, MetaAttempt), NumberStyles.None, CultureInfo.InvariantCulture, out var a) ? a : 0;

    public static PodSandboxMetadata SandboxMetadata(IDictionary<string, string>? labels) => new()
    {
        Name = Get(labels, MetaName),
        Uid = Get(labels, MetaUid),
        Namespace = Get(labels, MetaNamespace),
        Attempt = Attempt(labels),
    };

    public static ContainerMetadata ContainerMetadata(IDictionary<string, string>? labels) => new()
    {
        Name = Get(labels, MetaName),
        Attempt = Attempt(labels),
    };

    // Docker names allow [a-zA-Z0-9][a-zA-Z0-9_.-]; the parts are DNS labels and a UID, so '_' separates safely.
    public static string SandboxName(PodSandboxMetadata m) =>
        $"k8s_POD_{m.Name}_{m.Namespace}_{m.Uid}_{m.Attempt.ToString(CultureInfo.InvariantCulture)}";

    public static string ContainerName(ContainerMetadata c, PodSandboxMetadata s) =>
        $"k8s_{c.Name}_{s.Name}_{s.Namespace}_{s.Uid}_{c.Attempt.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Nanoseconds since the epoch from Docker's RFC 3339 time with up to nine fractional digits; 0 for its zero time.</summary>
    public static long Nanos(string? rfc3339)
    {
        if (string.IsNullOrEmpty(rfc3339) || rfc3339.StartsWith("0001-", StringComparison.Ordinal))
        {
            return 0;
        }

        // .NET parses seven fractional digits; keep the rest apart and add it back.
        var dot = rfc3339.IndexOf('.', StringComparison.Ordinal);
        long extra = 0;
        var text = rfc3339;
        if (dot > 0)
        {
            var end = dot + 1;
            while (end < rfc3339.Length && char.IsAsciiDigit(rfc3339[end]))
            {
                end++;
            }

            var digits = rfc3339[(dot + 1)..end].PadRight(9, '0');
            extra = long.Parse(digits[7..9], CultureInfo.InvariantCulture);
            text = rfc3339[..dot] + "." + digits[..7] + rfc3339[end..];
        }

        var parsed = DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        return ((parsed.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100) + extra;
    }

    public static long Nanos(DateTime time) =>
        time == default ? 0 : (time.ToUniversalTime().Ticks - DateTime.UnixEpoch.Ticks) * 100;
}
