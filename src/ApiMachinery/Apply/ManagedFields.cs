using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace KubeNet.ApiMachinery.Apply;

// Who owns a set of fields. Appliers are one manager whatever apiVersion they apply with; updaters
// are one manager per apiVersion, like upstream's manager identifiers.
internal sealed record ManagerId(string Manager, string Operation, string? ApiVersion, string? Subresource)
{
    public const string Apply = "Apply";
    public const string Update = "Update";

    // The pseudo-manager an update is first computed for, before it merges into the real entry.
    public static readonly ManagerId CurrentOperation = new("current-operation", "", null, null);

    public static ManagerId For(string manager, string operation, string apiVersion, string? subresource) => new(
        string.IsNullOrEmpty(manager) ? "unknown" : manager,
        operation,
        operation == Apply ? null : apiVersion,
        string.IsNullOrEmpty(subresource) ? null : subresource);

    // Upstream's identifier: the entry's JSON without fieldsType, fieldsV1 and time. Conflict
    // messages list managers in the order of these strings.
    public string Identifier
    {
        get
        {
            var sb = new StringBuilder("{");
            void Add(string name, string? value)
            {
                if (string.IsNullOrEmpty(value))
                {
                    return;
                }
                if (sb.Length > 1)
                {
                    sb.Append(',');
                }
                sb.Append('"').Append(name).Append("\":");
                JsonValues.WriteGoString(sb, value);
            }
            Add("manager", Manager);
            Add("operation", Operation);
            Add("apiVersion", ApiVersion);
            Add("subresource", Subresource);
            return sb.Append('}').ToString();
        }
    }

    // printManager of upstream: "name", plus the subresource, plus the version for updaters.
    public string Display
    {
        get
        {
            var s = "\"" + Manager + "\"";
            if (Subresource is not null)
            {
                s += $" with subresource \"{Subresource}\"";
            }
            return Operation == Update ? $"{s} using {ApiVersion}" : s;
        }
    }
}

internal sealed record VersionedSet(FieldSet Set, string ApiVersion, bool Applied);

// The decoded metadata.managedFields: each manager's fields and the time of its last change.
internal sealed class Managed
{
    public Dictionary<ManagerId, VersionedSet> Fields { get; init; } = [];
    public Dictionary<ManagerId, string> Times { get; init; } = [];

    public static Managed Copy(Managed m) => new() { Fields = new(m.Fields), Times = new(m.Times) };

    public static Managed Decode(JsonNode? entries)
    {
        var managed = new Managed();
        if (entries is null)
        {
            return managed;
        }
        if (entries is not JsonArray list)
        {
            throw new FormatException("managedFields must be a list");
        }
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] is not JsonObject entry)
            {
                throw new FormatException($"managed fields entry {i} must be an object");
            }
            var operation = Text(entry, "operation");
            if (operation is not (ManagerId.Apply or ManagerId.Update))
            {
                throw new FormatException("operation must be `Apply` or `Update`");
            }
            var apiVersion = Text(entry, "apiVersion");
            if (string.IsNullOrEmpty(apiVersion))
            {
                throw new FormatException("apiVersion must not be empty");
            }
            switch (Text(entry, "fieldsType"))
            {
                case "FieldsV1":
                    break;
                case null or "":
                    throw new FormatException($"missing fieldsType in managed fields entry {i}");
                case var other:
                    throw new FormatException($"invalid fieldsType \"{other}\" in managed fields entry {i}");
            }
            var id = new ManagerId(Text(entry, "manager") ?? "", operation, operation == ManagerId.Apply ? null : apiVersion, NullIfEmpty(Text(entry, "subresource")));
            managed.Fields[id] = new VersionedSet(FieldSet.FromFieldsV1(entry["fieldsV1"]), apiVersion, operation == ManagerId.Apply);
            if (Text(entry, "time") is { Length: > 0 } time)
            {
                managed.Times[id] = time;
            }
            else
            {
                managed.Times.Remove(id);
            }
        }
        return managed;
    }

    // Entries sorted like upstream: Apply before Update, then by time, manager, apiVersion, subresource.
    public JsonArray? Encode()
    {
        if (Fields.Count == 0)
        {
            return null;
        }
        var rows = Fields.Select(p => (Id: p.Key, Set: p.Value, Time: Times.GetValueOrDefault(p.Key)))
            .Select(r => (r.Id, r.Set, r.Time, Operation: r.Set.Applied ? ManagerId.Apply : r.Id.Operation))
            .OrderBy(r => r.Operation, StringComparer.Ordinal)
            .ThenBy(r => Seconds(r.Time))
            .ThenBy(r => r.Id.Manager, StringComparer.Ordinal)
            .ThenBy(r => r.Set.ApiVersion, StringComparer.Ordinal)
            .ThenBy(r => r.Id.Subresource ?? "", StringComparer.Ordinal);
        var result = new JsonArray();
        foreach (var r in rows)
        {
            var entry = new JsonObject();
            if (r.Id.Manager.Length > 0)
            {
                entry["manager"] = r.Id.Manager;
            }
            entry["operation"] = r.Operation;
            entry["apiVersion"] = r.Set.ApiVersion;
            if (r.Time is not null)
            {
                entry["time"] = r.Time;
            }
            entry["fieldsType"] = "FieldsV1";
            entry["fieldsV1"] = r.Set.Set.ToFieldsV1();
            if (r.Id.Subresource is not null)
            {
                entry["subresource"] = r.Id.Subresource;
            }
            result.Add(entry);
        }
        return result;
    }

    // capManagersManager of upstream: past ten update entries, the oldest merge into one
    // "ancient-changes" entry per apiVersion.
    public void CapUpdateManagers(int max = 10)
    {
        var updaters = Fields.Where(p => !p.Value.Applied).Select(p => p.Key).ToList();
        if (updaters.Count <= max)
        {
            return;
        }
        updaters.Sort((a, b) =>
        {
            var c = Seconds(Times.GetValueOrDefault(a)).CompareTo(Seconds(Times.GetValueOrDefault(b)));
            return c != 0 ? c : string.CompareOrdinal(a.Identifier, b.Identifier);
        });
        var firstOfVersion = new Dictionary<string, ManagerId>(StringComparer.Ordinal);
        var length = updaters.Count;
        for (var i = 0; i < updaters.Count && length > max; i++)
        {
            var manager = updaters[i];
            var vs = Fields[manager];
            var time = Times.GetValueOrDefault(manager);
            var bucket = new ManagerId("ancient-changes", ManagerId.Update, vs.ApiVersion, null);
            if (firstOfVersion.TryGetValue(vs.ApiVersion, out var first))
            {
                if (!Fields.TryGetValue(bucket, out var bucketSet))
                {
                    bucketSet = Fields[first];
                    Fields.Remove(first);
                }
                Fields[bucket] = new VersionedSet(vs.Set.Union(bucketSet.Set), vs.ApiVersion, vs.Applied);
                Fields.Remove(manager);
                length--;
                if (time is null)
                {
                    Times.Remove(bucket);
                }
                else
                {
                    Times[bucket] = time;
                }
            }
            else
            {
                firstOfVersion[vs.ApiVersion] = manager;
            }
        }
    }

    private static long Seconds(string? time) =>
        time is not null && DateTimeOffset.TryParse(time, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t.ToUnixTimeSeconds() : 0;

    private static string? Text(JsonObject o, string name) =>
        o[name] is JsonValue v && JsonValues.IsString(v) ? v.GetValue<string>() : null;

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
}
