using System.Text.Json;

namespace KubeNet.Controllers.Discovery;

/// <summary>One resource of one group-version as discovery lists it (subresources left out).</summary>
public sealed record ApiResource(string Group, string Version, string Resource, string Kind, bool Namespaced, IReadOnlyList<string> Verbs)
{
    public string GroupVersion => Group.Length == 0 ? Version : Group + "/" + Version;

    public bool Supports(string verb) => Verbs.Contains(verb);

    public bool SupportsAll(params string[] verbs) => verbs.All(Verbs.Contains);

    /// <summary>api/v1/namespaces/ns/pods, or the cluster-wide collection when <paramref name="ns"/> is null.</summary>
    public string CollectionPath(string? ns)
    {
        var root = Group.Length == 0 ? "api/" + Version : $"apis/{Group}/{Version}";
        return Namespaced && !string.IsNullOrEmpty(ns) ? $"{root}/namespaces/{Uri.EscapeDataString(ns)}/{Resource}" : $"{root}/{Resource}";
    }

    public string ObjectPath(string? ns, string name) => CollectionPath(Namespaced ? ns : null) + "/" + Uri.EscapeDataString(name);

    public override string ToString() => Group.Length == 0 ? Resource : Resource + "." + Group;
}

/// <summary>What discovery found: the preferred version of every resource, every served version, and the groups that failed.</summary>
public sealed record DiscoveryResult(IReadOnlyList<ApiResource> Preferred, IReadOnlyList<ApiResource> All, IReadOnlyList<string> FailedGroupVersions)
{
    private readonly Dictionary<(string Group, string Version, string Kind), ApiResource> _byKind =
        All.GroupBy(r => (r.Group, r.Version, r.Kind)).ToDictionary(g => g.Key, g => g.First());

    /// <summary>The REST mapping of an apiVersion and kind, as an owner reference names them; null when not served.</summary>
    public ApiResource? ForKind(string apiVersion, string kind)
    {
        var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
        var (group, version) = slash < 0 ? (string.Empty, apiVersion) : (apiVersion[..slash], apiVersion[(slash + 1)..]);
        return _byKind.GetValueOrDefault((group, version, kind));
    }
}

/// <summary>
/// Discovery through the API (/api, /apis and each group-version), as client-go's ServerPreferredResources: so the
/// controllers see whatever the server serves, not a list compiled into them.
/// </summary>
public static class ApiDiscovery
{
    public static async Task<DiscoveryResult> DiscoverAsync(RestClient rest, CancellationToken ct)
    {
        var groupVersions = new List<(string Group, string Version, bool Preferred)>();
        using (var core = await rest.GetJsonAsync("api", ct: ct))
        {
            if (core is not null)
            {
                var first = true;
                foreach (var v in core.RootElement.GetProperty("versions").EnumerateArray())
                {
                    groupVersions.Add((string.Empty, v.GetString()!, first));
                    first = false;
                }
            }
        }

        using (var groups = await rest.GetJsonAsync("apis", ct: ct))
        {
            var listed = groups is null ? [] : groups.RootElement.GetProperty("groups").EnumerateArray().ToList();
            foreach (var group in listed)
            {
                var name = group.GetProperty("name").GetString()!;
                var preferred = group.TryGetProperty("preferredVersion", out var p) ? p.GetProperty("version").GetString() : null;
                var versions = group.GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("version").GetString()!).ToList();

                // The preferred version first, so its resources win over the same resources in other versions.
                foreach (var version in versions.OrderBy(v => v == preferred ? 0 : 1))
                {
                    groupVersions.Add((name, version, version == preferred));
                }
            }
        }

        var all = new List<ApiResource>();
        var preferredResources = new List<ApiResource>();
        var seen = new HashSet<(string Group, string Resource)>();
        var failed = new List<string>();
        foreach (var (group, version, _) in groupVersions)
        {
            var path = group.Length == 0 ? "api/" + version : $"apis/{group}/{version}";
            JsonDocument? list;
            try
            {
                list = await rest.GetJsonAsync(path, ct: ct);
            }
            catch (HttpRequestException)
            {
                list = null;
            }

            if (list is null)
            {
                failed.Add(group.Length == 0 ? version : group + "/" + version);
                continue;
            }

            using (list)
            {
                foreach (var r in list.RootElement.GetProperty("resources").EnumerateArray())
                {
                    var name = r.GetProperty("name").GetString()!;
                    if (name.Contains('/', StringComparison.Ordinal))
                    {
                        continue;
                    }

                    var verbs = r.TryGetProperty("verbs", out var v) ? v.EnumerateArray().Select(x => x.GetString()!).ToArray() : [];
                    var resource = new ApiResource(group, version, name, r.GetProperty("kind").GetString()!, r.GetProperty("namespaced").GetBoolean(), verbs);
                    all.Add(resource);

                    // ServerPreferredResources: each resource once, from the preferred version when it has it.
                    if (seen.Add((group, name)))
                    {
                        preferredResources.Add(resource);
                    }
                }
            }
        }

        return new DiscoveryResult(preferredResources, all, failed);
    }
}
