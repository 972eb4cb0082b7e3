using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using k8s;
using k8s.Models;
using KubeNet.ApiMachinery.Errors;
using KubeNet.ApiMachinery.Json;
using KubeNet.ApiMachinery.Kinds;
using KubeNet.Storage;

namespace KubeNet.ApiServer.Registry;

/// <summary>Options of one write, from the query string and the request body.</summary>
internal sealed record WriteOptions
{
    public bool DryRun { get; init; }

    public string? FieldManager { get; init; }

    /// <summary>Server-side apply: the engine has already written managedFields, and a missing object is created.</summary>
    public bool IsApply { get; init; }
}

/// <summary>A list page as the cache or storage produced it, before filtering into the wire shape.</summary>
internal sealed record ListPage(IReadOnlyList<StoredObject> Items, long Revision, string? Continue, long? RemainingItemCount);

internal sealed record ListQuery
{
    public string? Namespace { get; init; }

    public Func<StoredObject, bool>? Filter { get; init; }

    public bool HasSelectors { get; init; }

    public int Limit { get; init; }

    public string? Continue { get; init; }

    public string? ResourceVersion { get; init; }

    public string? ResourceVersionMatch { get; init; }
}

/// <summary>
/// The generic registry store: every verb on every stored kind, built on the storage contract and the watch cache, with
/// the per-kind differences behind <see cref="IStrategy"/>. Mirrors staging/src/k8s.io/apiserver/pkg/registry/generic/registry/store.go.
/// </summary>
internal sealed partial class GenericStore(StorageCache cache, IStrategyCatalog strategies, Admission.AdmissionChain admission, TimeProvider time)
{
    private const int MaxConflictRetries = 16;
    private static readonly TimeSpan FreshnessTimeout = TimeSpan.FromSeconds(3);

    public StorageCache Cache => cache;

    public IStrategy StrategyFor(ResourceInfo info) => strategies.For(info);

    // ---- reads -----------------------------------------------------------------------------------------------

    public async ValueTask<Outcome<StoredObject>> GetAsync(ResourceInfo info, string? ns, string name, string? resourceVersion, CancellationToken ct)
    {
        var wait = await WaitForReadAsync(resourceVersion, ct);
        if (wait is not null)
        {
            return wait;
        }

        var (items, _) = cache.Snapshot(info);
        var found = ResourceCache.Get(items, KindCatalog.Key(info, ns, name));
        return found is null ? NotFound(info, name) : found;
    }

    private async ValueTask<ApiError?> WaitForReadAsync(string? resourceVersion, CancellationToken ct)
    {
        if (resourceVersion == "0")
        {
            return null;
        }

        if (string.IsNullOrEmpty(resourceVersion))
        {
            await cache.WaitUntilFreshAsync(ct);
            return null;
        }

        if (!ObjectCodec.TryParseRevision(resourceVersion, out var rv))
        {
            return ApiError.BadRequest($"invalid resource version \"{resourceVersion}\"");
        }

        if (cache.Revision >= rv)
        {
            return null;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(FreshnessTimeout);
        try
        {
            await cache.WaitForRevisionAsync(rv, timeout.Token);
            return null;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return ApiError.ResourceVersionTooLarge();
        }
        catch (TimeoutException)
        {
            return ApiError.ResourceVersionTooLarge();
        }
    }

    public async ValueTask<Outcome<ListPage>> ListAsync(ResourceInfo info, ListQuery query, CancellationToken ct)
    {
        var prefix = info.Namespaced && !string.IsNullOrEmpty(query.Namespace) ? KindCatalog.KeyPrefix(info) + query.Namespace + "/" : KindCatalog.KeyPrefix(info);
        string? startAfter = null;
        long atRevision = 0;
        if (!string.IsNullOrEmpty(query.Continue))
        {
            var token = ContinueToken.Decode(query.Continue);
            if (token is null)
            {
                return ApiError.BadRequest("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
            }

            startAfter = KindCatalog.KeyPrefix(info) + token.Value.Start;
            atRevision = token.Value.Revision;
        }
        else if (query.ResourceVersionMatch == "Exact")
        {
            if (!ObjectCodec.TryParseRevision(query.ResourceVersion, out atRevision) || atRevision == 0)
            {
                return ApiError.BadRequest("resourceVersionMatch \"Exact\" requires a resourceVersion other than \"0\"");
            }
        }
        else
        {
            var wait = await WaitForReadAsync(query.ResourceVersion, ct);
            if (wait is not null)
            {
                return wait;
            }
        }

        var (items, revision) = cache.Snapshot(info);
        if (atRevision != 0 && atRevision != revision)
        {
            return await ListFromStorageAsync(info, prefix, startAfter, atRevision, query, ct);
        }

        atRevision = revision;
        var limit = query.Limit > 0 ? query.Limit : int.MaxValue;
        var page = new List<StoredObject>(Math.Min(limit, 1024));
        StoredObject? last = null;
        var more = false;
        long remaining = 0;
        foreach (var item in ResourceCache.Range(items, prefix, startAfter))
        {
            if (query.Filter is not null && !query.Filter(item))
            {
                continue;
            }

            if (page.Count == limit)
            {
                more = true;
                if (!query.HasSelectors)
                {
                    // Count the rest by position in the sorted snapshot instead of walking it.
                    remaining = ResourceCache.CountInRange(items, prefix, last!.Key);
                }

                break;
            }

            page.Add(item);
            last = item;
        }

        string? next = more && last is not null ? ContinueToken.Encode(atRevision, last.Key[KindCatalog.KeyPrefix(info).Length..]) : null;
        return new ListPage(page, atRevision, next, more && !query.HasSelectors ? remaining : null);
    }

    /// <summary>
    /// A page at an older revision (a continuation, or resourceVersionMatch=Exact) from storage. Only what the page needs
    /// is read and decoded: without a filter one storage page of the limit is the answer and the store counts what
    /// remains; with one, storage pages are read until the answer is full or the range ends.
    /// </summary>
    private async ValueTask<Outcome<ListPage>> ListFromStorageAsync(ResourceInfo info, string prefix, string? startAfter, long revision, ListQuery query, CancellationToken ct)
    {
        var limit = query.Limit > 0 ? query.Limit : int.MaxValue;
        var page = new List<StoredObject>(Math.Min(limit, 1024));
        StoredObject? last = null;
        var more = false;
        long? remaining = null;
        var after = startAfter;
        while (!more)
        {
            var request = query.Filter is null && limit != int.MaxValue ? limit - page.Count : 5000;
            var result = await cache.Store.ListAsync(prefix, new ListRequest { Revision = revision, Limit = request, StartAfterKey = after }, ct);
            switch (result.Status)
            {
                case ReadStatus.Expired:
                    return ApiError.Expired("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.");
                case ReadStatus.TooLarge:
                    return ApiError.ResourceVersionTooLarge();
            }

            foreach (var kv in result.Items)
            {
                after = kv.Key;
                var obj = ObjectCodec.Decode(kv.Value.Span, info.StoredType);
                obj.Metadata.ResourceVersion = ObjectCodec.FormatRevision(kv.ModRevision);
                ObjectCodec.SetTypeMeta(obj, StorageInfo(info));
                var item = new StoredObject { Key = kv.Key, ModRevision = kv.ModRevision, Object = obj, Json = ObjectCodec.Encode(obj) };
                if (query.Filter is not null && !query.Filter(item))
                {
                    continue;
                }

                if (page.Count == limit)
                {
                    // With a filter, a further match is what proves there is more.
                    more = true;
                    break;
                }

                page.Add(item);
                last = item;
            }

            if (!result.More || result.Items.Count == 0)
            {
                break;
            }

            if (query.Filter is null && page.Count == limit)
            {
                more = true;
                remaining = query.HasSelectors ? null : result.RemainingCount;
            }
        }

        string? next = more && last is not null ? ContinueToken.Encode(revision, last.Key[KindCatalog.KeyPrefix(info).Length..]) : null;
        return new ListPage(page, revision, next, more ? remaining : null);
    }

    private ResourceInfo StorageInfo(ResourceInfo info) => cache.For(info).Info;

    // ---- writes ----------------------------------------------------------------------------------------------

    public async ValueTask<Outcome<StoredObject>> CreateAsync(ResourceInfo info, string? ns, IKubernetesObject<V1ObjectMeta> obj, WriteOptions options, CancellationToken ct)
    {
        var storageInfo = StorageInfo(info);
        var strategy = strategies.For(storageInfo);
        obj.Metadata ??= new V1ObjectMeta();
        var meta = obj.Metadata;
        var check = ApplyRequestNamespace(info, ns, meta);
        if (check is not null)
        {
            return check;
        }

        if (!string.IsNullOrEmpty(meta.ResourceVersion))
        {
            return ApiError.BadRequest("resourceVersion should not be set on objects to be created");
        }

        var admitted = await admission.AdmitCreateAsync(info, obj, ct);
        if (admitted is not null)
        {
            return admitted;
        }

        var now = time.GetUtcNow().UtcDateTime;
        meta.Uid = Guid.NewGuid().ToString();
        meta.CreationTimestamp = KubeJson.TruncateToSeconds(now);
        meta.DeletionTimestamp = null;
        meta.DeletionGracePeriodSeconds = null;
        meta.Generation = info.TracksGeneration ? 1 : null;
        if (!options.IsApply)
        {
            meta.ManagedFields = null;
        }

        if (string.IsNullOrEmpty(meta.Name) && !string.IsNullOrEmpty(meta.GenerateName))
        {
            meta.Name = meta.GenerateName + RandomSuffix();
        }

        strategy.PrepareForCreate(obj);
        strategy.Default(obj);
        var errors = new List<FieldError>();
        MetadataValidation.ValidateCreate(info, strategy, obj, errors);
        strategy.Validate(obj, errors);
        if (errors.Count > 0)
        {
            return ApiError.Invalid(info.Group, info.Kind, meta.Name ?? string.Empty, errors);
        }

        ObjectCodec.SetTypeMeta(obj, storageInfo);
        var bytes = EncodeCreated(storageInfo, obj, options, now);
        var key = KindCatalog.Key(info, obj.Metadata.NamespaceProperty, obj.Metadata.Name!);
        if (options.DryRun)
        {
            var existing = ResourceCache.Get(cache.Snapshot(info).Items, key);
            if (existing is not null)
            {
                return ApiError.AlreadyExists(info.Group, info.Resource, meta.Name!);
            }

            return new StoredObject { Key = key, ModRevision = 0, Object = obj, Json = bytes };
        }

        var pending = cache.ExpectCreate(key, obj, bytes);
        var committed = false;
        try
        {
            var result = await cache.Store.CreateAsync(key, bytes, ct);
            if (result.Status == WriteStatus.AlreadyExists)
            {
                return ApiError.AlreadyExists(info.Group, info.Resource, meta.Name!);
            }

            committed = true;
            return cache.CompleteCreate(pending, result.Revision, () => Written(obj, key, result.Revision, bytes));
        }
        finally
        {
            if (!committed)
            {
                cache.AbandonCreate(pending);
            }
        }
    }

    private static StoredObject Written(IKubernetesObject<V1ObjectMeta> obj, string key, long revision)
    {
        obj.Metadata.ResourceVersion = ObjectCodec.FormatRevision(revision);
        return new StoredObject { Key = key, ModRevision = revision, Object = obj, Json = ObjectCodec.Encode(obj) };
    }

    /// <summary>The stored object of a write committed at <paramref name="revision"/> whose stored JSON is <paramref name="stored"/>.</summary>
    private static StoredObject Written(IKubernetesObject<V1ObjectMeta> obj, string key, long revision, byte[] stored)
    {
        obj.Metadata.ResourceVersion = ObjectCodec.FormatRevision(revision);
        return new StoredObject { Key = key, ModRevision = revision, Object = obj, Json = ObjectCodec.EncodeWithRevision(obj, stored) };
    }

    /// <summary>
    /// A create's stored JSON, with its managedFields set on <paramref name="obj"/>: the object is encoded once, its
    /// ownership computed from that JSON, and the managedFields entry set into it instead of a second encoding.
    /// </summary>
    private static byte[] EncodeCreated(ResourceInfo storageInfo, IKubernetesObject<V1ObjectMeta> obj, WriteOptions options, DateTime now)
    {
        if (options.IsApply)
        {
            return ObjectCodec.Encode(obj);
        }

        obj.Metadata.ManagedFields = null;
        var plain = ObjectCodec.Encode(obj);
        var entries = ManagedFields.ForCreate(storageInfo, plain, options, now);
        if (entries is null)
        {
            return plain;
        }

        obj.Metadata.ManagedFields = entries;
        var bytes = ObjectCodec.WithMetadataProperty(plain, "managedFields", KubeJson.SerializeToUtf8Bytes(entries)) ?? ObjectCodec.Encode(obj);
        System.Diagnostics.Debug.Assert(bytes.AsSpan().SequenceEqual(ObjectCodec.Encode(obj)), "managedFields spliced into the encoded object differ from encoding it");
        return bytes;
    }

    private static ApiError? ApplyRequestNamespace(ResourceInfo info, string? ns, V1ObjectMeta meta)
    {
        if (!info.Namespaced)
        {
            meta.NamespaceProperty = null;
            return null;
        }

        if (string.IsNullOrEmpty(meta.NamespaceProperty))
        {
            meta.NamespaceProperty = ns;
        }
        else if (meta.NamespaceProperty != ns)
        {
            return ApiError.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
        }

        return null;
    }

    /// <summary>
    /// Replaces an object (PUT) or, through <paramref name="mutate"/>, rewrites the current one (PATCH, status and scale
    /// writes). <paramref name="mutate"/> receives a private copy of the current object in the served version and returns the
    /// new one; it runs again when a concurrent write wins, unless the caller pinned a resourceVersion.
    /// </summary>
    public async ValueTask<Outcome<WriteResponse>> UpdateAsync(
        ResourceInfo info,
        string? ns,
        string name,
        string? subresource,
        Func<IKubernetesObject<V1ObjectMeta>?, Outcome<IKubernetesObject<V1ObjectMeta>>> mutate,
        WriteOptions options,
        CancellationToken ct)
    {
        var storageInfo = StorageInfo(info);
        var strategy = strategies.For(storageInfo);
        var key = KindCatalog.Key(info, ns, name);
        for (var attempt = 0; ; attempt++)
        {
            await cache.WaitUntilFreshAsync(ct);
            var current = ResourceCache.Get(cache.Snapshot(info).Items, key);
            var currentServed = current is null ? null : Conversion.FromStorage(info, ObjectCodec.Copy(current));
            var mutated = mutate(currentServed);
            if (!mutated.IsOk)
            {
                return mutated.Error!;
            }

            var obj = Conversion.ToStorage(info, mutated.Value!);
            obj.Metadata ??= new V1ObjectMeta();
            if (obj.Metadata.Name != name)
            {
                return ApiError.BadRequest($"the name of the object ({obj.Metadata.Name}) does not match the name on the URL ({name})");
            }

            var nsCheck = ApplyRequestNamespace(info, ns, obj.Metadata);
            if (nsCheck is not null)
            {
                return nsCheck;
            }

            if (current is null)
            {
                if ((!strategy.AllowCreateOnUpdate && !options.IsApply) || subresource is not null)
                {
                    return NotFound(info, name);
                }

                obj.Metadata.ResourceVersion = null;
                var created = await CreateAsync(info, ns, obj, options, ct);
                if (!created.IsOk && created.Error!.Reason == "AlreadyExists" && attempt < MaxConflictRetries)
                {
                    continue;
                }

                return created.IsOk ? new WriteResponse(created.Value!, Created: true) : created.Error!;
            }

            var pinned = !string.IsNullOrEmpty(obj.Metadata.ResourceVersion);
            if (pinned && obj.Metadata.ResourceVersion != ObjectCodec.FormatRevision(current.ModRevision))
            {
                return ApiError.Conflict(info.Group, info.Resource, name, ApiError.OptimisticLockMessage);
            }

            var old = current.Object;
            var admitted = await admission.AdmitUpdateAsync(info, obj, old, ct);
            if (admitted is not null)
            {
                return admitted;
            }

            PrepareUpdate(info, subresource, obj, old);
            if (subresource is null)
            {
                strategy.PrepareForUpdate(obj, old);
            }

            strategy.Default(obj);
            BumpGeneration(info, subresource, obj, old);
            var errors = new List<FieldError>();
            MetadataValidation.ValidateUpdate(info, strategy, obj, old, errors);
            if (subresource is null)
            {
                strategy.Validate(obj, errors);
                strategy.ValidateUpdate(obj, old, errors);
            }

            if (errors.Count > 0)
            {
                return ApiError.Invalid(info.Group, info.Kind, name, errors);
            }

            ObjectCodec.SetTypeMeta(obj, storageInfo);
            obj = ManagedFields.Track(storageInfo, current.Json, obj, options, subresource, time.GetUtcNow().UtcDateTime);

            // Encoded once without a resourceVersion (what storage keeps); the forms with one are that JSON with it set.
            obj.Metadata.ResourceVersion = null;
            var bytes = ObjectCodec.Encode(obj);
            obj.Metadata.ResourceVersion = current.Metadata.ResourceVersion;
            var unchanged = ObjectCodec.EncodeWithRevision(obj, bytes);
            if (unchanged.AsSpan().SequenceEqual(current.Json))
            {
                // Unchanged: kube-apiserver skips the write and keeps the resourceVersion.
                return new WriteResponse(current, Created: false);
            }

            if (options.DryRun)
            {
                return new WriteResponse(new StoredObject { Key = key, ModRevision = current.ModRevision, Object = obj, Json = unchanged }, Created: false);
            }

            obj.Metadata.ResourceVersion = null;
            WriteResult result;
            if (ShouldDeleteDuringUpdate(strategy, obj, old))
            {
                result = await cache.Store.DeleteAsync(key, current.ModRevision, ct);
            }
            else
            {
                result = await cache.Store.UpdateAsync(key, bytes, current.ModRevision, ct);
            }

            switch (result.Status)
            {
                case WriteStatus.Ok:
                    return new WriteResponse(Written(obj, key, result.Revision, bytes), Created: false);
                case WriteStatus.Conflict or WriteStatus.NotFound when !pinned && attempt < MaxConflictRetries:
                    continue;
                case WriteStatus.NotFound:
                    return NotFound(info, name);
                default:
                    return ApiError.Conflict(info.Group, info.Resource, name, ApiError.OptimisticLockMessage);
            }
        }
    }

    /// <summary>Keeps what callers may not change: system metadata always; status on the main resource, all but status on /status.</summary>
    private static void PrepareUpdate(ResourceInfo info, string? subresource, IKubernetesObject<V1ObjectMeta> obj, IKubernetesObject<V1ObjectMeta> old)
    {
        var meta = obj.Metadata;
        var oldMeta = old.Metadata;
        meta.Uid = oldMeta.Uid;
        meta.CreationTimestamp = oldMeta.CreationTimestamp;
        meta.DeletionTimestamp = oldMeta.DeletionTimestamp;
        meta.DeletionGracePeriodSeconds = oldMeta.DeletionGracePeriodSeconds;
        meta.Generation = oldMeta.Generation;
        meta.ManagedFields ??= oldMeta.ManagedFields;
        if (string.IsNullOrEmpty(meta.GenerateName))
        {
            meta.GenerateName = oldMeta.GenerateName;
        }

        if (subresource == "status")
        {
            // Upstream status strategies reset the spec, not the metadata: labels, annotations and finalizers written
            // through /status stay. A pod keeps its owner references (old kubelets corrupted them) and a deployment its labels.
            ObjectCodec.CopyContent(old, obj);
            if (info.Resource == "pods")
            {
                meta.OwnerReferences = oldMeta.OwnerReferences;
            }
            else if (info.Resource == "deployments")
            {
                meta.Labels = oldMeta.Labels;
            }

            return;
        }

        // A binding writes spec.nodeName and the PodScheduled condition together.
        if (info.HasStatus && subresource != "binding")
        {
            ObjectCodec.SetStatus(obj, ObjectCodec.GetStatus(old));
        }

    }

    /// <summary>Counts a spec change in metadata.generation; runs after defaulting, so an unchanged manifest is no change.</summary>
    private static void BumpGeneration(ResourceInfo info, string? subresource, IKubernetesObject<V1ObjectMeta> obj, IKubernetesObject<V1ObjectMeta> old)
    {
        if (info.TracksGeneration && subresource != "status" && !ObjectCodec.ContentBytes(obj).AsSpan().SequenceEqual(ObjectCodec.ContentBytes(old)))
        {
            obj.Metadata.Generation = (old.Metadata.Generation ?? 0) + 1;
        }
    }

    private static ApiError NotFound(ResourceInfo info, string name) => ApiError.NotFound(info.Group, info.Resource, name);

    private const string SuffixAlphabet = "bcdfghjklmnpqrstvwxz2456789";

    private static string RandomSuffix()
    {
        Span<char> chars = stackalloc char[5];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = SuffixAlphabet[RandomNumberGenerator.GetInt32(SuffixAlphabet.Length)];
        }

        return new string(chars);
    }
}

internal sealed record WriteResponse(StoredObject Object, bool Created);

internal sealed record DeleteResponse(StoredObject Object, bool Deleted);

/// <summary>The continue token of kube-apiserver: base64 of {"v":"meta.k8s.io/v1","rv":N,"start":"key\u0000"}.</summary>
internal static class ContinueToken
{
    public static string Encode(long revision, string lastKey)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(new TokenBody { V = "meta.k8s.io/v1", Rv = revision, Start = lastKey + "\u0000" }, TokenJson);
        return Convert.ToBase64String(json).Replace('+', '-').Replace('/', '_').TrimEnd('=');
    }

    public static (long Revision, string Start)? Decode(string token)
    {
        try
        {
            var s = token.Replace('-', '+').Replace('_', '/');
            s = s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '=');
            var body = JsonSerializer.Deserialize<TokenBody>(Convert.FromBase64String(s), TokenJson);
            if (body is null || body.V != "meta.k8s.io/v1" || body.Rv <= 0 || body.Start is null)
            {
                return null;
            }

            return (body.Rv, body.Start.TrimEnd('\u0000'));
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            return null;
        }
    }

    private static readonly JsonSerializerOptions TokenJson = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private sealed class TokenBody
    {
        public string? V { get; set; }

        public long Rv { get; set; }

        public string? Start { get; set; }
    }
}
