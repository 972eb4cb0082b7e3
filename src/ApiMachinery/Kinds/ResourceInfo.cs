namespace KubeNet.ApiMachinery.Kinds;

/// <summary>A subresource as discovery lists it; Kind is the kind of its request and response body.</summary>
public sealed record SubresourceInfo(string Name, string Kind, IReadOnlyList<string> Verbs, string? Group = null, string? Version = null);

/// <summary>
/// The facts about one served resource in one group-version that the model types do not carry: scope, verbs,
/// short names, categories, subresources, and where it is stored.
/// </summary>
public sealed record ResourceInfo
{
    public required string Group { get; init; }

    public required string Version { get; init; }

    /// <summary>The plural resource name of the URL.</summary>
    public required string Resource { get; init; }

    public required string Kind { get; init; }

    public required bool Namespaced { get; init; }

    /// <summary>The KubernetesClient model type of this group-version's wire form.</summary>
    public required Type ClrType { get; init; }

    public IReadOnlyList<string> Verbs { get; init; } = ResourceVerbs.Standard;

    public IReadOnlyList<string> ShortNames { get; init; } = [];

    public IReadOnlyList<string> Categories { get; init; } = [];

    public IReadOnlyList<SubresourceInfo> Subresources { get; init; } = [];

    /// <summary>Field labels this kind supports in fieldSelector besides metadata.name and metadata.namespace.</summary>
    public IReadOnlyList<string> FieldLabels { get; init; } = [];

    /// <summary>
    /// The resource whose objects these are in storage. Two group-versions that serve one resource (HPA v1 and v2,
    /// core and events.k8s.io Events) name the same storage resource and convert to its storage type.
    /// </summary>
    public string StorageResource { get; init; } = string.Empty;

    /// <summary>The type objects are stored as; ClrType unless another version is the storage version.</summary>
    public Type? StorageType { get; init; }

    /// <summary>True when metadata.generation counts spec changes for this kind.</summary>
    public bool TracksGeneration { get; init; }

    /// <summary>True for virtual resources (reviews, bindings) that are created and answered but never stored.</summary>
    public bool Virtual => !Verbs.Contains("get");

    public string GroupVersion => Group.Length == 0 ? Version : Group + "/" + Version;

    public string ListKind => Kind + "List";

    public string Singular => Kind.ToLowerInvariant();

    public string StoredResource => StorageResource.Length == 0 ? Resource : StorageResource;

    public Type StoredType => StorageType ?? ClrType;

    /// <summary>The resource as errors name it: "pods", "deployments.apps".</summary>
    public string QualifiedResource => Group.Length == 0 ? Resource : Resource + "." + Group;

    public bool HasStatus => Subresources.Any(s => s.Name == "status");

    public bool HasScale => Subresources.Any(s => s.Name == "scale");

    public SubresourceInfo? FindSubresource(string name) => Subresources.FirstOrDefault(s => s.Name == name);

    public bool Supports(string verb) => Verbs.Contains(verb);
}

public static class ResourceVerbs
{
    public static readonly IReadOnlyList<string> Standard = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
    public static readonly IReadOnlyList<string> CreateOnly = ["create"];
    public static readonly IReadOnlyList<string> ReadOnly = ["get", "list"];
    public static readonly IReadOnlyList<string> GetPatchUpdate = ["get", "patch", "update"];
}
