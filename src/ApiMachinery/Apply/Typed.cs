using System.Text.Json.Nodes;

namespace KubeNet.ApiMachinery.Apply;

internal enum AtomKind
{
    None,
    Scalar,
    List,
    Map,
}

internal sealed record ValidationError(string Path, string Message)
{
    public override string ToString() => Path.Length == 0 ? Message : $"{Path}: {Message}";
}

// Helpers shared by the typed walks (validation, field sets, compare, merge, remove).
internal static class Typed
{
    // deduceAtom of upstream: the value's own shape picks the variant; without a match the
    // first of map, scalar, list is used and later checks report the mismatch.
    public static AtomKind Deduce(SchemaType? type, JsonNode? value, bool present)
    {
        if (type is null)
        {
            return AtomKind.None;
        }
        if (present)
        {
            switch (value)
            {
                case JsonValue when type.Scalar is not null:
                    return AtomKind.Scalar;
                case JsonArray when type.List is not null:
                    return AtomKind.List;
                case JsonObject when type.Map is not null:
                    return AtomKind.Map;
            }
        }
        return type.Map is not null ? AtomKind.Map : type.Scalar is not null ? AtomKind.Scalar : type.List is not null ? AtomKind.List : AtomKind.None;
    }

    // Unknown fields of live objects are tolerated (stored objects may carry fields newer than this
    // schema); they are typed as deduced values.
    public static SchemaType ChildType(MapSchema map, string key) => map.FieldType(key) ?? ApplySchema.Instance.Deduced;

    public static PathElement? ItemPathElement(ListSchema list, JsonNode? item, out string? error)
    {
        error = null;
        if (!list.Associative)
        {
            error = "invalid indexing of non-associative list";
            return null;
        }
        if (list.Keys.Count > 0)
        {
            if (item is null)
            {
                error = "associative list with keys may not have a null element";
                return null;
            }
            if (item is not JsonObject obj)
            {
                error = "associative list with keys may not have non-map elements";
                return null;
            }
            var fields = new List<KeyValuePair<string, JsonNode?>>();
            foreach (var key in list.Keys)
            {
                if (obj.TryGetPropertyValue(key, out var v))
                {
                    fields.Add(new(key, v));
                }
                else if (list.Element.Map?.Defaults.TryGetValue(key, out var d) == true && d is not null)
                {
                    fields.Add(new(key, d));
                }
            }
            if (fields.Count == 0)
            {
                error = $"associative list with keys has an element that omits all key fields [{string.Join(" ", list.Keys.Select(k => "\"" + k + "\""))}] (and doesn't have default values for any key fields)";
                return null;
            }
            return PathElement.OfKey(fields);
        }
        switch (item)
        {
            case JsonObject:
                error = "associative list without keys has an element that's a map type";
                return null;
            case JsonArray:
                error = "not supported: associative list with lists as elements";
                return null;
            case null:
                error = "associative list without keys has an element that's an explicit null";
                return null;
            default:
                return PathElement.OfValue(item);
        }
    }

    public static List<ValidationError> Validate(SchemaType type, JsonNode? value, bool allowDuplicates)
    {
        var errors = new List<ValidationError>();
        ValidateNode(type, value, "", allowDuplicates, errors);
        return errors;
    }

    private static void ValidateNode(SchemaType type, JsonNode? value, string path, bool allowDuplicates, List<ValidationError> errors)
    {
        switch (Deduce(type, value, present: true))
        {
            case AtomKind.Scalar:
                if (ScalarError(type.Scalar!.Value, value) is { } message)
                {
                    errors.Add(new(path, message));
                }
                break;
            case AtomKind.List:
                if (value is null)
                {
                    return;
                }
                if (value is not JsonArray list)
                {
                    errors.Add(new(path, $"expected list, got {value.ToJsonString()}"));
                    return;
                }
                var seen = new HashSet<PathElement>();
                for (var i = 0; i < list.Count; i++)
                {
                    var childPath = path + $"[{i}]";
                    if (type.List!.Associative)
                    {
                        var pe = ItemPathElement(type.List, list[i], out var error);
                        if (pe is null)
                        {
                            errors.Add(new(path, $"element {i}: {error}"));
                            return;
                        }
                        if (!seen.Add(pe) && !allowDuplicates)
                        {
                            errors.Add(new(path, $"duplicate entries for key {pe}"));
                        }
                        childPath = path + pe;
                    }
                    ValidateNode(type.List.Element, list[i], childPath, allowDuplicates, errors);
                }
                break;
            case AtomKind.Map:
                if (value is null)
                {
                    return;
                }
                if (value is not JsonObject map)
                {
                    errors.Add(new(path, $"expected map, got {value.ToJsonString()}"));
                    return;
                }
                foreach (var (key, child) in map)
                {
                    var childType = type.Map!.FieldType(key);
                    if (childType is null)
                    {
                        errors.Add(new(path + "." + key, "field not declared in schema"));
                        return;
                    }
                    ValidateNode(childType, child, path + "." + key, allowDuplicates, errors);
                }
                break;
        }
    }

    private static string? ScalarError(ScalarKind kind, JsonNode? value)
    {
        if (value is null)
        {
            return null;
        }
        var text = value.ToJsonString();
        return kind switch
        {
            ScalarKind.Numeric when !JsonValues.IsNumber(value) => $"expected numeric (int or float), got {text}",
            ScalarKind.String when !JsonValues.IsString(value) => $"expected string, got {text}",
            ScalarKind.Boolean when !JsonValues.IsBool(value) => $"expected boolean, got {text}",
            ScalarKind.Untyped when value is not JsonValue => $"expected any scalar, got {text}",
            _ => null,
        };
    }

    // ToFieldSet of upstream: leaves, atomic values, list items and map entries become members.
    public static FieldSet ToFieldSet(SchemaType type, JsonNode? value)
    {
        var set = new FieldSet();
        AddFields(type, value, [], set);
        return set;
    }

    private static void AddFields(SchemaType type, JsonNode? value, List<PathElement> path, FieldSet set)
    {
        switch (Deduce(type, value, present: true))
        {
            case AtomKind.Scalar:
                set.Insert(path);
                break;
            case AtomKind.List:
                if (!type.List!.Associative)
                {
                    set.Insert(path);
                    return;
                }
                if (value is not JsonArray list)
                {
                    return;
                }
                var seen = new HashSet<PathElement>();
                var duplicates = new HashSet<PathElement>();
                var pes = new PathElement?[list.Count];
                for (var i = 0; i < list.Count; i++)
                {
                    pes[i] = ItemPathElement(type.List, list[i], out _);
                    if (pes[i] is { } pe && !seen.Add(pe) && duplicates.Add(pe))
                    {
                        set.Insert([.. path, pe]);
                    }
                }
                for (var i = 0; i < list.Count; i++)
                {
                    if (pes[i] is not { } pe || duplicates.Contains(pe))
                    {
                        continue;
                    }
                    path.Add(pe);
                    AddFields(type.List.Element, list[i], path, set);
                    set.Insert(path);
                    path.RemoveAt(path.Count - 1);
                }
                break;
            case AtomKind.Map:
                if (type.Map!.Atomic)
                {
                    set.Insert(path);
                    return;
                }
                if (value is not JsonObject map)
                {
                    return;
                }
                foreach (var (key, child) in map)
                {
                    path.Add(PathElement.Field(key));
                    AddFields(ChildType(type.Map, key), child, path, set);
                    if (child is null or JsonObject { Count: 0 } || !type.Map.Fields.ContainsKey(key))
                    {
                        set.Insert(path);
                    }
                    path.RemoveAt(path.Count - 1);
                }
                break;
        }
    }

    // Removes the given paths from a value; a granular list or map left without entries is
    // reported as absent, as upstream turns it into null and the typed object drops it.
    public static JsonNode? RemoveItems(SchemaType type, JsonNode? value, FieldSet toRemove, out bool present)
    {
        present = true;
        switch (Deduce(type, value, present: true))
        {
            case AtomKind.List when value is JsonArray { Count: > 0 } list && type.List!.Associative:
                var items = new JsonArray();
                foreach (var item in list)
                {
                    var pe = ItemPathElement(type.List, item, out _);
                    if (pe is null)
                    {
                        items.Add(item?.DeepClone());
                        continue;
                    }
                    if (toRemove.HasMember(pe))
                    {
                        continue;
                    }
                    if (toRemove.ChildOrNull(pe) is { IsEmpty: false } subset)
                    {
                        var kept = RemoveItems(type.List.Element, item, subset, out var itemPresent);
                        if (itemPresent)
                        {
                            items.Add(kept);
                        }
                        continue;
                    }
                    items.Add(item?.DeepClone());
                }
                present = items.Count > 0;
                return present ? items : null;
            case AtomKind.Map when value is JsonObject { Count: > 0 } map && !type.Map!.Atomic:
                var result = new JsonObject();
                foreach (var (key, child) in map)
                {
                    var pe = PathElement.Field(key);
                    if (toRemove.HasMember(pe))
                    {
                        continue;
                    }
                    if (toRemove.ChildOrNull(pe) is { IsEmpty: false } subset)
                    {
                        var kept = RemoveItems(ChildType(type.Map, key), child, subset, out var childPresent);
                        if (childPresent)
                        {
                            result[key] = kept;
                        }
                        continue;
                    }
                    result[key] = child?.DeepClone();
                }
                present = result.Count > 0;
                return present ? result : null;
            default:
                return value?.DeepClone();
        }
    }
}
