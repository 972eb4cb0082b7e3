using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using KubeNet.ApiMachinery.Kinds;

namespace KubeNet.ApiServer.OpenApi;

/// <summary>
/// /openapi/v3: the root that names one document per group-version, and those documents. Each lists the resource paths
/// with their operations, the x-kubernetes-group-version-kind extension and the fieldValidation parameter, which is
/// what kubectl's query-parameter check reads before it sends fieldValidation=Strict.
/// </summary>
internal sealed class OpenApiDocuments
{
    private readonly Lazy<SchemaCatalog> _schemas = new(() => new SchemaCatalog());
    private readonly Dictionary<string, (string Group, string Version, string Hash)> _index = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<byte[]>> _documents = new(StringComparer.Ordinal);

    // Documents are built on first request and cached: most processes (controllers, nodes) never ask, and the schemas
    // of every group-version cost memory. The hash names the build, which fixes every document's content.
    public OpenApiDocuments()
    {
        var build = typeof(OpenApiDocuments).Assembly.ManifestModule.ModuleVersionId.ToString();
        var paths = new JsonObject();
        foreach (var group in KindCatalog.Groups)
        {
            foreach (var version in KindCatalog.VersionsOf(group))
            {
                var key = group.Length == 0 ? "api/" + version : $"apis/{group}/{version}";
                var hash = Convert.ToHexString(SHA512.HashData(System.Text.Encoding.UTF8.GetBytes(build + "/" + key)));
                _index[key] = (group, version, hash);
                paths[key] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{key}?hash={hash}" };
            }
        }

        Root = JsonSerializer.SerializeToUtf8Bytes(new JsonObject { ["paths"] = paths });
    }

    public byte[] Root { get; }

    public (byte[] Body, string Hash)? Document(string key)
    {
        key = key.Trim('/');
        if (!_index.TryGetValue(key, out var entry))
        {
            return null;
        }

        var body = _documents.GetOrAdd(key, _ => new Lazy<byte[]>(() => JsonSerializer.SerializeToUtf8Bytes(GroupVersionDocument(entry.Group, entry.Version, _schemas.Value)))).Value;
        return (body, entry.Hash);
    }

    private static JsonObject GroupVersionDocument(string group, string version, SchemaCatalog schemas)
    {
        var prefix = group.Length == 0 ? "/api/" + version : $"/apis/{group}/{version}";
        var paths = new JsonObject();
        foreach (var r in KindCatalog.In(group, version))
        {
            var gvk = new JsonObject { ["group"] = r.Group, ["version"] = r.Version, ["kind"] = r.Kind };
            var collection = r.Namespaced ? $"{prefix}/namespaces/{{namespace}}/{r.Resource}" : $"{prefix}/{r.Resource}";
            var item = collection + "/{name}";
            var collectionOps = new JsonObject();
            var itemOps = new JsonObject();
            foreach (var verb in r.Verbs)
            {
                switch (verb)
                {
                    case "list": collectionOps["get"] = Operation("list", r, gvk, withFieldValidation: false); break;
                    case "create": collectionOps["post"] = Operation("create", r, gvk, withFieldValidation: true); break;
                    case "deletecollection": collectionOps["delete"] = Operation("deletecollection", r, gvk, withFieldValidation: false); break;
                    case "get": itemOps["get"] = Operation("get", r, gvk, withFieldValidation: false); break;
                    case "update": itemOps["put"] = Operation("update", r, gvk, withFieldValidation: true); break;
                    case "patch": itemOps["patch"] = Operation("patch", r, gvk, withFieldValidation: true); break;
                    case "delete": itemOps["delete"] = Operation("delete", r, gvk, withFieldValidation: false); break;
                }
            }

            if (collectionOps.Count > 0)
            {
                paths[collection] = collectionOps;
            }

            if (itemOps.Count > 0)
            {
                paths[item] = itemOps;
            }
        }

        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = "v1.32.4" },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = schemas.SchemasFor(KindCatalog.In(group, version)) },
        };
    }

    private static JsonObject Operation(string action, ResourceInfo r, JsonObject gvk, bool withFieldValidation)
    {
        var parameters = new JsonArray();
        if (withFieldValidation)
        {
            parameters.Add(new JsonObject
            {
                ["name"] = "fieldValidation",
                ["in"] = "query",
                ["description"] = "fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore - Strict - Warn",
                ["schema"] = new JsonObject { ["type"] = "string", ["uniqueItems"] = true },
            });
        }

        var op = new JsonObject
        {
            ["description"] = $"{action} {r.Kind}",
            ["operationId"] = action + r.Kind,
            ["parameters"] = parameters,
            ["x-kubernetes-action"] = action == "create" ? "post" : action == "update" ? "put" : action,
            ["x-kubernetes-group-version-kind"] = gvk.DeepClone(),
        };
        return op;
    }
}
