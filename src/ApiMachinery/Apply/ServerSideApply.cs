using System.Globalization;
using System.Text.Json.Nodes;

namespace KubeNet.ApiMachinery.Apply;

// Server-side apply and managedFields tracking as kube-apiserver's field manager does them
// (k8s.io/apimachinery/pkg/util/managedfields/internal over sigs.k8s.io/structured-merge-diff).
// Built-in kinds use the embedded v1.32 schema; unknown definitions (custom resources) fall back to
// the deduced type: maps merge per key, lists are atomic.
public static class ServerSideApply
{
    public const string LastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration";

    // kubectl's server-side apply manager: it takes over fields its client-side apply set, and keeps
    // the last-applied annotation up to date when the object has one.
    private const string KubectlManager = "kubectl";

    // Fields no manager ever owns (stripMetaManager of upstream).
    private static readonly FieldSet StripSet = FieldSet.Of(
        [F("apiVersion")], [F("kind")], [F("metadata")],
        [F("metadata"), F("name")], [F("metadata"), F("namespace")], [F("metadata"), F("creationTimestamp")],
        [F("metadata"), F("selfLink")], [F("metadata"), F("uid")], [F("metadata"), F("clusterName")],
        [F("metadata"), F("generation")], [F("metadata"), F("managedFields")], [F("metadata"), F("resourceVersion")]);

    private static PathElement F(string name) => PathElement.Field(name);

    // ("apps", "v1", "Deployment") → "io.k8s.api.apps.v1.Deployment"; null for kinds without a schema.
    public static string? DefinitionFor(string group, string version, string kind) =>
        ApplySchema.Instance.DefinitionFor(group, version, kind);

    // Applies a configuration for a manager. live is null when the object does not exist yet.
    // subresource names the subresource the request is for ("status"), null for the main resource.
    // resetFields are the dotted paths the strategy resets and no manager owns through this
    // endpoint; null means "status" for the main resource, "spec" for the status subresource.
    public static ApplyResult Apply(JsonObject? live, JsonObject applied, string definition, string manager, bool force, DateTime now, string? subresource = null, IReadOnlyCollection<string>? resetFields = null)
    {
        var schema = ApplySchema.Instance;
        var type = schema.Find(definition) ?? schema.Deduced;
        var apiVersion = Text(applied, "apiVersion") ?? "";
        var (group, version) = SplitApiVersion(apiVersion);
        var kind = Text(applied, "kind") ?? "";
        var gvk = $"{group}/{version}, Kind={kind}";
        if (schema.KindOf(definition) is { } expected && (expected.Group, expected.Version, expected.Kind) != (group, version, kind))
        {
            return ApplyResult.BadRequest($"invalid object type: {gvk}");
        }

        Managed managed;
        try
        {
            managed = Managed.Decode(live?["metadata"]?["managedFields"]);
        }
        catch (FormatException e)
        {
            return ApplyResult.Failed($"failed to decode managed fields: {e.Message}");
        }
        if (applied["metadata"] is JsonObject appliedMeta && appliedMeta["managedFields"] is JsonArray)
        {
            return ApplyResult.BadRequest("metadata.managedFields must be nil");
        }
        var errors = Typed.Validate(type, applied, allowDuplicates: false);
        if (errors.Count > 0)
        {
            var meta = applied["metadata"] as JsonObject;
            return ApplyResult.Failed($"failed to create typed patch object ({Text(meta, "namespace")}/{Text(meta, "name")}; {gvk}): {Join(errors)}");
        }

        var liveObj = live?.DeepClone().AsObject() ?? new JsonObject();
        (liveObj["metadata"] as JsonObject)?.Remove("managedFields");
        var ignored = ResetFields(subresource, resetFields);
        var id = ManagerId.For(manager, ManagerId.Apply, apiVersion, subresource);
        var time = FormatTime(now);

        var attempt = Managed.Copy(managed);
        var result = ApplyCore(type, liveObj, applied, attempt, id, apiVersion, force, time, ignored, subresource, out var conflicts, out var failure);
        if (result is null && conflicts.Count > 0 && manager == KubectlManager
            && AllowedFromLastApplied(type, liveObj, apiVersion) is { } allowed)
        {
            // Fields kubectl's client-side apply set and still match the annotation belong to kubectl.
            conflicts = conflicts.Where(c => !allowed.Has(c.Path)).ToList();
            if (conflicts.Count == 0)
            {
                attempt = Managed.Copy(managed);
                result = ApplyCore(type, liveObj, applied, attempt, id, apiVersion, true, time, ignored, subresource, out conflicts, out failure);
            }
        }
        if (failure is not null)
        {
            return ApplyResult.Failed(failure);
        }
        if (result is null)
        {
            return ApplyResult.Conflicted(conflicts);
        }
        if (manager == KubectlManager && Text(result["metadata"]?["annotations"] as JsonObject, LastAppliedAnnotation) is { Length: > 0 })
        {
            result["metadata"]!["annotations"]![LastAppliedAnnotation] = BuildLastApplied(applied);
        }
        SetManagedFields(result, attempt.Encode());
        return ApplyResult.Applied(result);
    }

    // Records ownership for an ordinary write (create, update, patch) and sets newObj's
    // metadata.managedFields; newObj is changed in place and returned. oldObj is null on create.
    // Like upstream: a client may send managedFields to replace them, [] clears them, and an
    // existing object without managedFields gains none until the first apply.
    public static JsonObject TrackUpdate(JsonObject? oldObj, JsonObject newObj, string manager, string operation, string apiVersion, DateTime now, string? subresource = null, IReadOnlyCollection<string>? resetFields = null, string? definition = null)
    {
        if (newObj["metadata"] is not JsonObject meta)
        {
            return newObj;
        }
        var schema = ApplySchema.Instance;
        var type = schema.Find(definition ?? schema.DefinitionForApiVersion(apiVersion, Text(newObj, "kind"))) ?? schema.Deduced;
        var liveFields = oldObj?["metadata"]?["managedFields"];
        var managed = DecodeOrNull(liveFields) ?? new Managed();
        if (subresource is null)
        {
            var sent = meta["managedFields"];
            if (IsReset(sent))
            {
                managed = new Managed();
            }
            else if (DecodeOrNull(sent) is { Fields.Count: > 0 } fromRequest)
            {
                managed = fromRequest;
            }
        }
        // The entry keeps its place in metadata: a null placeholder is stripped from ownership anyway.
        if (meta.ContainsKey("managedFields"))
        {
            meta["managedFields"] = null;
        }
        var isCreate = string.IsNullOrEmpty(Text(oldObj?["metadata"] as JsonObject, "uid"));
        if (managed.Fields.Count == 0 && !isCreate)
        {
            meta.Remove("managedFields");
            return newObj;
        }
        try
        {
            JsonNode old = oldObj is null ? ApplySchema.ZeroObject(type) : oldObj.DeepClone();
            (old["metadata"] as JsonObject)?.Remove("managedFields");
            var id = ManagerId.For(manager, operation, apiVersion, subresource);
            TrackUpdateCore(type, old, newObj, managed, id, apiVersion, FormatTime(now), ResetFields(subresource, resetFields));
            SetManagedFields(newObj, managed.Encode());
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException)
        {
            // Ownership that cannot be computed keeps the live managedFields (UpdateNoErrors).
            SetManagedFields(newObj, liveFields?.DeepClone() as JsonArray);
        }
        return newObj;
    }

    // The fieldsV1 an ordinary create records for its manager, exactly as TrackUpdate computes it for
    // a create without managedFields in its request (every field the object sets, compared with the
    // zero object, less status and the stripped metadata), without the managedFields bookkeeping
    // around it. Null when the create owns no field.
    public static JsonObject? CreatedFields(JsonObject newObj, string apiVersion, string? definition = null)
    {
        var schema = ApplySchema.Instance;
        var type = schema.Find(definition ?? schema.DefinitionForApiVersion(apiVersion, Text(newObj, "kind"))) ?? schema.Deduced;
        var compare = Comparison.Of(type, ApplySchema.ZeroObject(type), newObj).ExcludeFields(MainResourceReset);
        var set = compare.Modified.Union(compare.Added).RecursiveDifference(MainResourceReset).Difference(StripSet);
        return set.IsEmpty ? null : set.ToFieldsV1();
    }

    private static readonly FieldSet MainResourceReset = ResetFields(null, null);

    private static JsonObject? ApplyCore(SchemaType type, JsonObject liveObj, JsonObject applied, Managed managed, ManagerId id, string apiVersion, bool force, string time, FieldSet? ignored, string? subresource, out List<FieldConflict> conflicts, out string? failure)
    {
        failure = null;
        if (managed.Fields.Count == 0)
        {
            // Fields set before anyone applied belong to "before-first-apply", so appliers
            // conflict with them instead of silently taking them over.
            var before = ManagerId.For("before-first-apply", ManagerId.Update, apiVersion, subresource);
            TrackUpdateCore(type, ApplySchema.ZeroObject(type), liveObj, managed, before, apiVersion, time, ignored);
        }
        var updater = new Updater(type, ignored);
        var merged = updater.Apply(liveObj, applied, apiVersion, managed.Fields, id, force, out conflicts, out var errors);
        if (errors.Count > 0)
        {
            failure = "failed to merge config: " + Join(errors);
            return null;
        }
        if (conflicts.Count > 0)
        {
            return null;
        }
        Strip(managed, id);
        if (merged is null)
        {
            return liveObj.DeepClone().AsObject();
        }
        managed.Times[id] = time;
        return merged.AsObject();
    }

    private static void TrackUpdateCore(SchemaType type, JsonNode oldObj, JsonNode newObj, Managed managed, ManagerId id, string apiVersion, string time, FieldSet? ignored)
    {
        new Updater(type, ignored).Update(oldObj, newObj, apiVersion, managed.Fields, ManagerId.CurrentOperation);
        Strip(managed, ManagerId.CurrentOperation);
        if (managed.Fields.Remove(ManagerId.CurrentOperation, out var current))
        {
            // The write changed fields: they join the manager's earlier ones and its time moves.
            managed.Fields[id] = managed.Fields.TryGetValue(id, out var previous)
                ? current with { Set = current.Set.Union(previous.Set) }
                : current;
            managed.Times[id] = time;
        }
        managed.CapUpdateManagers();
    }

    private static void Strip(Managed managed, ManagerId id)
    {
        if (managed.Fields.TryGetValue(id, out var vs))
        {
            var set = vs.Set.Difference(StripSet);
            if (set.IsEmpty)
            {
                managed.Fields.Remove(id);
            }
            else
            {
                managed.Fields[id] = vs with { Set = set };
            }
        }
    }

    // The fields kubectl's client-side apply recorded in the annotation and that still hold the
    // recorded values: kubectl may take them over without a conflict.
    private static FieldSet? AllowedFromLastApplied(SchemaType type, JsonObject liveObj, string apiVersion)
    {
        if (Text(liveObj["metadata"]?["annotations"] as JsonObject, LastAppliedAnnotation) is not { Length: > 0 } text)
        {
            return null;
        }
        JsonObject? last;
        try
        {
            last = JsonNode.Parse(text) as JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
        if (last is null || Text(last, "apiVersion") != apiVersion || Typed.Validate(type, last, allowDuplicates: false).Count > 0)
        {
            return null;
        }
        var cmp = Comparison.Of(type, last, liveObj);
        return Typed.ToFieldSet(type, last).Difference(cmp.Modified).Difference(cmp.Added).Difference(cmp.Removed);
    }

    // The annotation as upstream rebuilds it: the configuration without the annotation itself,
    // encoded by Go's JSON encoder (sorted keys, trailing newline).
    private static string BuildLastApplied(JsonObject applied)
    {
        var copy = applied.DeepClone().AsObject();
        (copy["metadata"]?["annotations"] as JsonObject)?.Remove(LastAppliedAnnotation);
        return JsonValues.ToGoJson(copy) + "\n";
    }

    private static FieldSet ResetFields(string? subresource, IReadOnlyCollection<string>? paths)
    {
        paths ??= subresource switch
        {
            null => ["status"],
            "status" => ["spec"],
            _ => [],
        };
        return FieldSet.Of(paths.Select(p => (IReadOnlyList<PathElement>)p.Split('.', StringSplitOptions.RemoveEmptyEntries).Select(F).ToArray()).ToArray());
    }

    private static bool IsReset(JsonNode? managedFields) => managedFields is JsonArray list
        && (list.Count == 0 || (list.Count == 1 && list[0] is JsonObject entry && entry.All(p => p.Value is null || (JsonValues.IsString(p.Value) && p.Value.GetValue<string>().Length == 0))));

    private static Managed? DecodeOrNull(JsonNode? managedFields)
    {
        try
        {
            return Managed.Decode(managedFields);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static void SetManagedFields(JsonObject obj, JsonArray? entries)
    {
        if (obj["metadata"] is not JsonObject meta)
        {
            if (entries is null)
            {
                return;
            }
            meta = new JsonObject();
            obj["metadata"] = meta;
        }
        if (entries is null)
        {
            meta.Remove("managedFields");
        }
        else
        {
            meta["managedFields"] = entries;
        }
    }

    private static (string Group, string Version) SplitApiVersion(string apiVersion)
    {
        var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? ("", apiVersion) : (apiVersion[..slash], apiVersion[(slash + 1)..]);
    }

    // metav1.Time: whole seconds, UTC, RFC 3339.
    private static string FormatTime(DateTime now)
    {
        var utc = now.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(now, DateTimeKind.Utc) : now.ToUniversalTime();
        return utc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
    }

    private static string Join(List<ValidationError> errors) =>
        errors.Count == 1 ? errors[0].ToString() : "errors:\n" + string.Join("\n", errors.Select(e => "  " + e));

    private static string? Text(JsonObject? obj, string name) =>
        obj?[name] is JsonValue v && JsonValues.IsString(v) ? v.GetValue<string>() : null;
}
