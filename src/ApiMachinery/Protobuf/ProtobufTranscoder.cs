using System.Text;
using System.Text.Json;

namespace KubeNet.ApiMachinery.Protobuf;

/// <summary>
/// Reads request bodies sent as <c>application/vnd.kubernetes.protobuf</c> (what kubectl's typed clients send) and
/// hands back the JSON the rest of the request path already understands. The body is the magic <c>k8s\0</c> followed
/// by a runtime.Unknown: typeMeta (1), the object's own encoding (2), contentEncoding (3), contentType (4).
/// </summary>
public static class ProtobufTranscoder
{
    public const string ContentType = "application/vnd.kubernetes.protobuf";

    internal static ReadOnlySpan<byte> Magic => "k8s\0"u8;

    /// <summary>
    /// Unwraps the envelope and transcodes the object to JSON with apiVersion and kind set from the envelope. Returns
    /// false with a message for anything malformed or for a kind without a schema; never throws for bad input.
    /// </summary>
    public static bool TryDecodeEnvelope(ReadOnlySpan<byte> body, out string apiVersion, out string kind, out byte[] objectJson, out string? error) =>
        TryDecodeEnvelope(body, depth: 0, out apiVersion, out kind, out objectJson, out error);

    internal static bool TryDecodeEnvelope(ReadOnlySpan<byte> body, int depth, out string apiVersion, out string kind, out byte[] objectJson,
        out string? error)
    {
        apiVersion = "";
        kind = "";
        objectJson = [];
        if (!body.StartsWith(Magic))
        {
            error = "the body does not start with the Kubernetes protobuf prefix k8s\\0";
            return false;
        }
        if (!TryReadUnknown(body[Magic.Length..], out var typeMeta, out var raw, out var contentEncoding, out var contentType, out error))
        {
            return false;
        }
        if (!TryReadTypeMeta(typeMeta, out apiVersion, out kind, out error))
        {
            return false;
        }
        if (contentEncoding.Length != 0)
        {
            error = $"content encoding '{contentEncoding}' is not supported";
            return false;
        }

        try
        {
            if (contentType is "application/json")
            {
                return TryPassJson(raw, out objectJson, out error);
            }
            if (contentType.Length != 0 && contentType != ContentType)
            {
                error = $"embedded content type '{contentType}' is not supported";
                return false;
            }
            var message = ProtoSchema.Default.ForKind(apiVersion, kind);
            if (message is null)
            {
                error = $"no protobuf schema for {(apiVersion.Length == 0 ? "(no apiVersion)" : apiVersion)}, Kind={(kind.Length == 0 ? "(no kind)" : kind)}";
                return false;
            }
            return ProtoJsonWriter.TryWriteObject(raw, message, apiVersion, kind, depth + 1, out objectJson, out error);
        }
        catch (InvalidOperationException e)
        {
            // Utf8JsonWriter guards (depth, structure) are backstops; input that trips them is still bad input.
            objectJson = [];
            error = "cannot transcode the body: " + e.Message;
            return false;
        }
        catch (ArgumentException e)
        {
            objectJson = [];
            error = "cannot transcode the body: " + e.Message;
            return false;
        }
    }

    private static bool TryReadUnknown(ReadOnlySpan<byte> data, out ReadOnlySpan<byte> typeMeta, out ReadOnlySpan<byte> raw,
        out string contentEncoding, out string contentType, out string? error)
    {
        typeMeta = [];
        raw = [];
        contentEncoding = "";
        contentType = "";
        var reader = new ProtoReader(data);
        var sequence = 0;
        while (!reader.End)
        {
            if (!reader.TryReadField(sequence++, out var field, out error))
            {
                error = "runtime.Unknown: " + error;
                return false;
            }
            if (field.Number is >= 1 and <= 4 && field.WireType != WireType.LengthDelimited)
            {
                error = $"runtime.Unknown field {field.Number} has wire type {field.WireType}, expected 2";
                return false;
            }
            var value = data.Slice(field.Offset, field.Length);
            switch (field.Number)
            {
                case 1:
                    typeMeta = value;
                    break;
                case 2:
                    raw = value;
                    break;
                case 3:
                    contentEncoding = Encoding.UTF8.GetString(value);
                    break;
                case 4:
                    contentType = Encoding.UTF8.GetString(value);
                    break;
            }
        }
        error = null;
        return true;
    }

    private static bool TryReadTypeMeta(ReadOnlySpan<byte> data, out string apiVersion, out string kind, out string? error)
    {
        apiVersion = "";
        kind = "";
        var reader = new ProtoReader(data);
        var sequence = 0;
        while (!reader.End)
        {
            if (!reader.TryReadField(sequence++, out var field, out error))
            {
                error = "runtime.TypeMeta: " + error;
                return false;
            }
            if (field.Number is 1 or 2 && field.WireType != WireType.LengthDelimited)
            {
                error = $"runtime.TypeMeta field {field.Number} has wire type {field.WireType}, expected 2";
                return false;
            }
            if (field.Number == 1)
            {
                apiVersion = Encoding.UTF8.GetString(data.Slice(field.Offset, field.Length));
            }
            else if (field.Number == 2)
            {
                kind = Encoding.UTF8.GetString(data.Slice(field.Offset, field.Length));
            }
        }
        error = null;
        return true;
    }

    private static bool TryPassJson(ReadOnlySpan<byte> raw, out byte[] objectJson, out string? error)
    {
        objectJson = [];
        try
        {
            var reader = new Utf8JsonReader(raw);
            if (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
            {
                reader.Skip();
                if (!reader.Read())
                {
                    objectJson = raw.ToArray();
                    error = null;
                    return true;
                }
            }
        }
        catch (JsonException)
        {
        }
        error = "the embedded application/json object is not a JSON object";
        return false;
    }
}
