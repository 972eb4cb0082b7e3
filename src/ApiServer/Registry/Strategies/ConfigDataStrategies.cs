using System.Text;
using System.Text.Json;
using k8s.Models;
using KubeNet.ApiMachinery.Errors;
using KubeNet.ApiMachinery.Kinds;
using KubeNet.ApiMachinery.Validation;

namespace KubeNet.ApiServer.Registry.Strategies;

/// <summary>pkg/registry/core/secret with SetDefaults_Secret and ValidateSecret/ValidateSecretUpdate.</summary>
internal sealed class SecretStrategy(ResourceInfo info) : Strategy<V1Secret>(info)
{
    public const int MaxSecretSize = 1024 * 1024;

    private const string ImmutableWhenSet = "field is immutable when `immutable` is set";

    // stringData is write-only: the v1 to internal conversion folds it into data (stringData wins) and it is never stored.
    protected override void Default(V1Secret obj)
    {
        if (obj.StringData is { Count: > 0 } stringData)
        {
            obj.Data ??= new Dictionary<string, byte[]>();
            foreach (var (key, value) in stringData)
            {
                obj.Data[key] = Encoding.UTF8.GetBytes(value ?? string.Empty);
            }
        }

        obj.StringData = null;
        if (string.IsNullOrEmpty(obj.Type))
        {
            obj.Type = "Opaque";
        }
    }

    protected override void Validate(V1Secret obj, List<FieldError> errors)
    {
        var total = 0L;
        foreach (var (key, value) in obj.Data ?? new Dictionary<string, byte[]>())
        {
            foreach (var msg in NameValidation.IsConfigMapKey(key))
            {
                errors.Add(FieldError.Invalid($"data[{key}]", key, msg));
            }

            total += value?.Length ?? 0;
        }

        if (total > MaxSecretSize)
        {
            errors.Add(FieldError.TooLong("data", string.Empty, MaxSecretSize));
        }

        var data = obj.Data ?? new Dictionary<string, byte[]>();
        switch (obj.Type)
        {
            case "kubernetes.io/service-account-token":
                if (obj.Metadata?.Annotations is null || !obj.Metadata.Annotations.TryGetValue("kubernetes.io/service-account.name", out var sa) || string.IsNullOrEmpty(sa))
                {
                    errors.Add(FieldError.Required("metadata.annotations[kubernetes.io/service-account.name]"));
                }

                break;
            case "kubernetes.io/dockercfg":
                RequireJson(data, ".dockercfg", errors);
                break;
            case "kubernetes.io/dockerconfigjson":
                RequireJson(data, ".dockerconfigjson", errors);
                break;
            case "kubernetes.io/basic-auth":
                if (!data.ContainsKey("username") && !data.ContainsKey("password"))
                {
                    errors.Add(FieldError.Required("data[username]"));
                    errors.Add(FieldError.Required("data[password]"));
                }

                break;
            case "kubernetes.io/ssh-auth":
                if (!data.TryGetValue("ssh-privatekey", out var key) || key is null || key.Length == 0)
                {
                    errors.Add(FieldError.Required("data[ssh-privatekey]"));
                }

                break;
            case "kubernetes.io/tls":
                if (!data.ContainsKey("tls.crt"))
                {
                    errors.Add(FieldError.Required("data[tls.crt]"));
                }

                if (!data.ContainsKey("tls.key"))
                {
                    errors.Add(FieldError.Required("data[tls.key]"));
                }

                break;
        }
    }

    private static void RequireJson(IDictionary<string, byte[]> data, string key, List<FieldError> errors)
    {
        if (!data.TryGetValue(key, out var bytes))
        {
            errors.Add(FieldError.Required($"data[{key}]"));
            return;
        }

        try
        {
            using var doc = JsonDocument.Parse(bytes ?? []);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                errors.Add(FieldError.Invalid($"data[{key}]", "<secret contents redacted>", "json: cannot unmarshal " + GoJsonKind(doc.RootElement.ValueKind) + " into Go value of type map[string]interface {}"));
            }
        }
        catch (JsonException)
        {
            // encoding/json's own wording depends on where parsing stopped; the cause is what clients need.
            errors.Add(FieldError.Invalid($"data[{key}]", "<secret contents redacted>", "unexpected end of JSON input"));
        }
    }

    private static string GoJsonKind(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "bool",
        _ => "null",
    };

    protected override void ValidateUpdate(V1Secret obj, V1Secret old, List<FieldError> errors)
    {
        if (obj.Type != old.Type)
        {
            errors.Add(FieldError.Invalid("type", obj.Type, CommonValidation.ImmutableMessage));
        }

        if (old.Immutable == true)
        {
            if (obj.Immutable != true)
            {
                errors.Add(FieldError.Forbidden("immutable", ImmutableWhenSet));
            }

            if (!SameData(obj.Data, old.Data))
            {
                errors.Add(FieldError.Forbidden("data", ImmutableWhenSet));
            }
        }
    }

    private static bool SameData(IDictionary<string, byte[]>? a, IDictionary<string, byte[]>? b)
    {
        // reflect.DeepEqual: a nil map differs from an empty one.
        if (a is null || b is null)
        {
            return a is null && b is null;
        }

        return a.Count == b.Count && a.All(p => b.TryGetValue(p.Key, out var v) && (p.Value ?? []).AsSpan().SequenceEqual(v ?? []));
    }
}

/// <summary>pkg/registry/core/configmap with ValidateConfigMap/ValidateConfigMapUpdate.</summary>
internal sealed class ConfigMapStrategy(ResourceInfo info) : Strategy<V1ConfigMap>(info)
{
    private const string ImmutableWhenSet = "field is immutable when `immutable` is set";

    protected override void Validate(V1ConfigMap obj, List<FieldError> errors)
    {
        var total = 0L;
        foreach (var (key, value) in obj.Data ?? new Dictionary<string, string>())
        {
            foreach (var msg in NameValidation.IsConfigMapKey(key))
            {
                errors.Add(FieldError.Invalid($"data[{key}]", key, msg));
            }

            if (obj.BinaryData?.ContainsKey(key) == true)
            {
                errors.Add(FieldError.Invalid($"data[{key}]", key, "duplicate of key present in binaryData"));
            }

            total += Encoding.UTF8.GetByteCount(value ?? string.Empty);
        }

        foreach (var (key, value) in obj.BinaryData ?? new Dictionary<string, byte[]>())
        {
            foreach (var msg in NameValidation.IsConfigMapKey(key))
            {
                errors.Add(FieldError.Invalid($"binaryData[{key}]", key, msg));
            }

            total += value?.Length ?? 0;
        }

        if (total > SecretStrategy.MaxSecretSize)
        {
            // The empty path means the whole object, as upstream reports it.
            errors.Add(FieldError.TooLong(string.Empty, string.Empty, SecretStrategy.MaxSecretSize));
        }
    }

    protected override void ValidateUpdate(V1ConfigMap obj, V1ConfigMap old, List<FieldError> errors)
    {
        if (old.Immutable != true)
        {
            return;
        }

        if (obj.Immutable != true)
        {
            errors.Add(FieldError.Forbidden("immutable", ImmutableWhenSet));
        }

        if (!CommonValidation.JsonEqual(obj.Data, old.Data))
        {
            errors.Add(FieldError.Forbidden("data", ImmutableWhenSet));
        }

        if (!CommonValidation.JsonEqual(obj.BinaryData, old.BinaryData))
        {
            errors.Add(FieldError.Forbidden("binaryData", ImmutableWhenSet));
        }
    }
}
