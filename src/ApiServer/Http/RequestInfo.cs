namespace KubeNet.ApiServer.Http;

/// <summary>What a request path names, as k8s.io/apiserver/pkg/endpoints/request.RequestInfoFactory parses it.</summary>
internal sealed record RequestInfo
{
    public bool IsResourceRequest { get; init; }

    public string Path { get; init; } = "/";

    /// <summary>"api" or "apis" for API paths.</summary>
    public string ApiPrefix { get; init; } = string.Empty;

    public string Group { get; init; } = string.Empty;

    public string Version { get; init; } = string.Empty;

    public string? Namespace { get; init; }

    public string Resource { get; init; } = string.Empty;

    public string? Name { get; init; }

    public string? Subresource { get; init; }

    /// <summary>Path segments after the subresource (proxy paths).</summary>
    public string? Rest { get; init; }

    /// <summary>True for the legacy /api/v1/watch/... form.</summary>
    public bool LegacyWatch { get; init; }

    /// <summary>Parses /api/v1/..., /apis/g/v/...; null for anything else.</summary>
    public static RequestInfo? Parse(string path)
    {
        var parts = path.Trim('/').Split('/');
        int i;
        string prefix, group;
        if (parts.Length >= 1 && parts[0] == "api")
        {
            prefix = "api";
            group = string.Empty;
            i = 1;
        }
        else if (parts.Length >= 1 && parts[0] == "apis")
        {
            prefix = "apis";
            if (parts.Length < 2)
            {
                return new RequestInfo { ApiPrefix = prefix, Path = path };
            }

            group = parts[1];
            i = 2;
        }
        else
        {
            return null;
        }

        if (parts.Length <= i || parts[i].Length == 0)
        {
            return new RequestInfo { ApiPrefix = prefix, Group = group, Path = path };
        }

        var version = parts[i++];
        if (parts.Length <= i)
        {
            return new RequestInfo { ApiPrefix = prefix, Group = group, Version = version, Path = path };
        }

        var legacyWatch = false;
        if (parts[i] == "watch")
        {
            legacyWatch = true;
            i++;
        }

        string? ns = null;

        // namespaces/{ns}/{resource}... is namespaced content, but namespaces/{name}/status and /finalize are the namespace's own.
        if (parts.Length > i + 2 && parts[i] == "namespaces" && parts[i + 2] is not ("status" or "finalize"))
        {
            ns = parts[i + 1];
            i += 2;
        }

        if (parts.Length <= i)
        {
            return null;
        }

        var resource = parts[i++];
        var name = parts.Length > i ? parts[i++] : null;
        var sub = parts.Length > i ? parts[i++] : null;
        var rest = parts.Length > i ? string.Join('/', parts[i..]) : null;

        return new RequestInfo
        {
            IsResourceRequest = true,
            Path = path,
            ApiPrefix = prefix,
            Group = group,
            Version = version,
            Namespace = ns,
            Resource = resource,
            Name = name,
            Subresource = sub,
            Rest = rest,
            LegacyWatch = legacyWatch,
        };
    }
}
