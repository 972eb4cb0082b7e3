using System.Globalization;
using System.Text;
using System.Text.Json;
using k8s.Models;
using KubeNet.Controllers.Workloads;

namespace KubeNet.Controllers.History;

/// <summary>
/// pkg/controller/history: ControllerRevisions as StatefulSets and DaemonSets keep them. A revision's data is the
/// strategic merge patch that restores the owner's template; its name is the owner's name and a hash of that data.
/// </summary>
internal static class Revisions
{
    /// <summary>history.ControllerRevisionHashLabel, on every revision the history package creates.</summary>
    public const string HashLabel = "controller.kubernetes.io/hash";

    /// <summary>apps.ControllerRevisionHashLabelKey: the label on pods naming the revision they were made from.</summary>
    public const string PodRevisionLabel = "controller-revision-hash";

    // k8s.io/apimachinery/pkg/util/rand: consonants and digits that spell no words.
    private const string SafeAlphabet = "bcdfghjklmnpqrstvwxz2456789";

    /// <summary>rand.SafeEncodeString.</summary>
    public static string SafeEncode(string s)
    {
        var chars = new char[s.Length];
        for (var i = 0; i < s.Length; i++)
        {
            chars[i] = SafeAlphabet[s[i] % SafeAlphabet.Length];
        }

        return new string(chars);
    }

    /// <summary>FNV-1 32 (hash/fnv New32), which HashControllerRevision uses.</summary>
    public static uint Fnv1(ReadOnlySpan<byte> data, uint hash = 2166136261)
    {
        foreach (var b in data)
        {
            hash *= 16777619;
            hash ^= b;
        }

        return hash;
    }

    /// <summary>FNV-1a 32 (hash/fnv New32a), which controller.ComputeHash uses.</summary>
    public static uint Fnv1a(ReadOnlySpan<byte> data, uint hash = 2166136261)
    {
        foreach (var b in data)
        {
            hash ^= b;
            hash *= 16777619;
        }

        return hash;
    }

    /// <summary>history.HashControllerRevision: FNV-1 of the data, then of the collision count when there is one.</summary>
    public static string Hash(ReadOnlySpan<byte> data, int? collisionCount)
    {
        var hash = Fnv1(data);
        if (collisionCount is { } probe)
        {
            hash = Fnv1(Encoding.ASCII.GetBytes(probe.ToString(CultureInfo.InvariantCulture)), hash);
        }

        return SafeEncode(hash.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>history.ControllerRevisionName: the prefix is cut to 223 characters so the name stays valid.</summary>
    public static string Name(string prefix, string hash) => (prefix.Length > 223 ? prefix[..223] : prefix) + "-" + hash;

    /// <summary>The raw JSON bytes of a revision's data, whatever shape the client decoded it into.</summary>
    public static byte[] Data(V1ControllerRevision revision) => revision.Data switch
    {
        null => [],
        JsonElement element => Encoding.UTF8.GetBytes(element.GetRawText()),
        byte[] bytes => bytes,
        string text => Encoding.UTF8.GetBytes(text),
        var other => JsonSerializer.SerializeToUtf8Bytes(other),
    };

    /// <summary>history.NewControllerRevision: labelled with the template's labels and the hash, owned by the parent.</summary>
    public static V1ControllerRevision New(V1ObjectMeta parent, string apiVersion, string kind, IDictionary<string, string>? templateLabels,
        byte[] data, long revision, int? collisionCount)
    {
        var labels = templateLabels is null ? new Dictionary<string, string>() : new Dictionary<string, string>(templateLabels);
        var hash = Hash(data, collisionCount);
        labels[HashLabel] = hash;
        return new V1ControllerRevision
        {
            ApiVersion = "apps/v1",
            Kind = "ControllerRevision",
            Metadata = new V1ObjectMeta
            {
                Name = Name(parent.Name, hash),
                NamespaceProperty = parent.NamespaceProperty,
                Labels = labels,
                OwnerReferences = [Objects.NewControllerRef(parent, apiVersion, kind)],
            },
            Data = JsonDocument.Parse(data).RootElement.Clone(),
            Revision = revision,
        };
    }

    /// <summary>history.EqualRevision: the same data (compared as JSON values, since the server may re-encode it).</summary>
    public static bool Equal(V1ControllerRevision? a, V1ControllerRevision? b)
    {
        if (a is null || b is null)
        {
            return a is null && b is null;
        }

        return GoJson.SameValue(Data(a), Data(b));
    }

    public static List<V1ControllerRevision> FindEqual(IEnumerable<V1ControllerRevision> revisions, V1ControllerRevision needle) =>
        revisions.Where(r => Equal(r, needle)).ToList();

    /// <summary>history.SortControllerRevisions: by revision, then creation time, then name; stable.</summary>
    public static List<V1ControllerRevision> Sorted(IEnumerable<V1ControllerRevision> revisions) =>
        revisions.OrderBy(r => r.Revision)
            .ThenBy(r => r.Metadata.CreationTimestamp ?? DateTime.MinValue)
            .ThenBy(r => r.Metadata.Name, StringComparer.Ordinal)
            .ToList();
}
