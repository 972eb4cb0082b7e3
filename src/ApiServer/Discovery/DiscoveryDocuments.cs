using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using KubeNet.ApiMachinery.Kinds;

namespace KubeNet.ApiServer.Discovery;

/// <summary>A discovery response, encoded once, with its content type and ETag.</summary>
internal sealed record DiscoveryDocument(byte[] Body, string ContentType, string ETag);

/// <summary>
/// Legacy discovery (/api, /apis, /apis/g, per group-version resource lists) and aggregated discovery (apidiscovery.k8s.io
/// v2 and v2beta1), built once from the kinds catalogue.
/// </summary>
internal sealed class DiscoveryDocuments
{
    private readonly Dictionary<string, DiscoveryDocument> _legacy = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Root, string Version), DiscoveryDocument> _aggregated = [];

    public DiscoveryDocuments(string serverAddress)
    {
        _legacy["/api"] = Json(new JsonObject
        {
            ["kind"] = "APIVersions",
            ["versions"] = new JsonArray("v1"),
            ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = serverAddress }),
        });

        var groups = new JsonArray();
        foreach (var group in KindCatalog.Groups.Where(g => g.Length > 0))
        {
            var g = GroupObject(group);
            groups.Add(g.DeepClone());
            g["kind"] = "APIGroup";
            g["apiVersion"] = "v1";
            _legacy["/apis/" + group] = Json(g);
        }

        // metrics.k8s.io is served from the kubelets' summaries, as an aggregated metrics-server would serve it.
        var metrics = Http.NodeProxy.MetricsApi.GroupObject();
        groups.Add(metrics.DeepClone());
        metrics["kind"] = "APIGroup";
        metrics["apiVersion"] = "v1";
        _legacy["/apis/" + Http.NodeProxy.MetricsApi.Group] = Json(metrics);
        _legacy[$"/apis/{Http.NodeProxy.MetricsApi.Group}/{Http.NodeProxy.MetricsApi.Version}"] = Json(Http.NodeProxy.MetricsApi.ResourceList());
        _legacy["/apis"] = Json(new JsonObject { ["kind"] = "APIGroupList", ["apiVersion"] = "v1", ["groups"] = groups });
        foreach (var group in KindCatalog.Groups)
        {
            foreach (var version in KindCatalog.VersionsOf(group))
            {
                var path = group.Length == 0 ? "/api/" + version : $"/apis/{group}/{version}";
                _legacy[path] = Json(ResourceList(group, version));
            }
        }

        foreach (var v in new[] { "v2", "v2beta1" })
        {
            _aggregated[("/api", v)] = Aggregated(v, KindCatalog.Groups.Where(g => g.Length == 0));
            _aggregated[("/apis", v)] = Aggregated(v, KindCatalog.Groups.Where(g => g.Length > 0), Http.NodeProxy.MetricsApi.AggregatedGroup());
        }
    }

    public DiscoveryDocument? Legacy(string path) => _legacy.GetValueOrDefault(path.TrimEnd('/'));

    public DiscoveryDocument? Aggregated(string root, string version) => _aggregated.GetValueOrDefault((root, version));

    /// <summary>The aggregated version the Accept header asks for first, or null for legacy discovery.</summary>
    public static string? AggregatedVersion(string? accept)
    {
        foreach (var range in (accept ?? string.Empty).Split(','))
        {
            var parts = range.Split(';', StringSplitOptions.TrimEntries);
            if (parts[0] is not ("application/json" or "*/*" or "application/*"))
            {
                continue;
            }

            var p = parts.Skip(1).Select(x => x.Split('=', 2)).Where(x => x.Length == 2).ToDictionary(x => x[0].Trim(), x => x[1].Trim());
            if (p.Count == 0)
            {
                return null;
            }

            if (p.GetValueOrDefault("g") == "apidiscovery.k8s.io" && p.GetValueOrDefault("as") == "APIGroupDiscoveryList" && p.GetValueOrDefault("v") is "v2" or "v2beta1")
            {
                return p["v"];
            }
        }

        return null;
    }

    private static JsonObject GroupObject(string group)
    {
        var versions = new JsonArray();
        foreach (var v in KindCatalog.VersionsOf(group))
        {
            versions.Add(new JsonObject { ["groupVersion"] = group + "/" + v, ["version"] = v });
        }

        var preferred = KindCatalog.PreferredVersion(group);
        return new JsonObject
        {
            ["name"] = group,
            ["versions"] = versions,
            ["preferredVersion"] = new JsonObject { ["groupVersion"] = group + "/" + preferred, ["version"] = preferred },
        };
    }

    private static JsonObject ResourceList(string group, string version)
    {
        var resources = new JsonArray();
        foreach (var r in KindCatalog.In(group, version).OrderBy(r => r.Resource, StringComparer.Ordinal))
        {
            var o = new JsonObject
            {
                ["name"] = r.Resource,
                ["singularName"] = r.Singular,
                ["namespaced"] = r.Namespaced,
                ["kind"] = r.Kind,
                ["verbs"] = Strings(r.Verbs),
            };
            if (r.ShortNames.Count > 0)
            {
                o["shortNames"] = Strings(r.ShortNames);
            }

            if (r.Categories.Count > 0)
            {
                o["categories"] = Strings(r.Categories);
            }

            if (!r.Virtual)
            {
                o["storageVersionHash"] = StorageVersionHash(r);
            }

            resources.Add(o);
            foreach (var s in r.Subresources)
            {
                var so = new JsonObject
                {
                    ["name"] = r.Resource + "/" + s.Name,
                    ["singularName"] = string.Empty,
                    ["namespaced"] = r.Namespaced,
                };
                if (s.Group is not null)
                {
                    so["group"] = s.Group;
                    so["version"] = s.Version;
                }

                so["kind"] = s.Kind;
                so["verbs"] = Strings(s.Verbs);
                resources.Add(so);
            }
        }

        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? version : group + "/" + version,
            ["resources"] = resources,
        };
    }

    private static DiscoveryDocument Aggregated(string version, IEnumerable<string> groups, params JsonObject[] served)
    {
        var items = new JsonArray();
        foreach (var group in groups)
        {
            var versions = new JsonArray();
            foreach (var v in KindCatalog.VersionsOf(group))
            {
                var resources = new JsonArray();
                foreach (var r in KindCatalog.In(group, v).OrderBy(r => r.Resource, StringComparer.Ordinal))
                {
                    var o = new JsonObject
                    {
                        ["resource"] = r.Resource,
                        ["responseKind"] = new JsonObject { ["group"] = r.Group, ["version"] = r.Version, ["kind"] = r.Kind },
                        ["scope"] = r.Namespaced ? "Namespaced" : "Cluster",
                        ["singularResource"] = r.Singular,
                        ["verbs"] = Strings(r.Verbs),
                    };
                    if (r.ShortNames.Count > 0)
                    {
                        o["shortNames"] = Strings(r.ShortNames);
                    }

                    if (r.Categories.Count > 0)
                    {
                        o["categories"] = Strings(r.Categories);
                    }

                    if (r.Subresources.Count > 0)
                    {
                        var subs = new JsonArray();
                        foreach (var s in r.Subresources)
                        {
                            subs.Add(new JsonObject
                            {
                                ["subresource"] = s.Name,
                                ["responseKind"] = new JsonObject { ["group"] = s.Group ?? r.Group, ["version"] = s.Version ?? r.Version, ["kind"] = s.Kind },
                                ["verbs"] = Strings(s.Verbs),
                            });
                        }

                        o["subresources"] = subs;
                    }

                    resources.Add(o);
                }

                versions.Add(new JsonObject { ["version"] = v, ["resources"] = resources, ["freshness"] = "Current" });
            }

            var metadata = new JsonObject();
            if (group.Length > 0)
            {
                metadata["name"] = group;
            }

            items.Add(new JsonObject { ["metadata"] = metadata, ["versions"] = versions });
        }

        foreach (var group in served)
        {
            items.Add(group);
        }

        var list = new JsonObject
        {
            ["kind"] = "APIGroupDiscoveryList",
            ["apiVersion"] = "apidiscovery.k8s.io/" + version,
            ["metadata"] = new JsonObject(),
            ["items"] = items,
        };
        return Json(list, $"application/json;g=apidiscovery.k8s.io;v={version};as=APIGroupDiscoveryList");
    }

    private static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());

    private static string StorageVersionHash(ResourceInfo r)
    {
        var bytes = SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{r.Group}/{KindCatalog.PreferredVersion(r.Group)}/{r.Kind}"));
        return Convert.ToBase64String(bytes, 0, 8);
    }

    private static DiscoveryDocument Json(JsonNode node, string contentType = "application/json")
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(node);
        var etag = "\"" + Convert.ToHexString(SHA256.HashData(body)).ToLowerInvariant() + "\"";
        return new DiscoveryDocument(body, contentType, etag);
    }
}
