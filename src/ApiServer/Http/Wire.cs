using System.Globalization;
using System.Buffers;
using System.Text;
using k8s.Models;
using KubeNet.ApiMachinery.Errors;
using KubeNet.ApiMachinery.Json;
using Microsoft.AspNetCore.Http;

namespace KubeNet.ApiServer.Http;

/// <summary>What the client accepts, in the order kube-apiserver's negotiation honours.</summary>
internal enum ResponseShape
{
    Json,
    TableV1,
    TableV1Beta1,
    NotAcceptable,
}

internal static class Wire
{
    public const string JsonType = "application/json";
    public const string AcceptedTypes = "application/json, application/yaml, application/vnd.kubernetes.protobuf";

    public static async Task WriteStatusAsync(HttpContext context, ApiError error)
    {
        if (context.Response.HasStarted)
        {
            return;
        }

        if (error.RetryAfterSeconds is int retry)
        {
            context.Response.Headers.RetryAfter = retry.ToString(CultureInfo.InvariantCulture);
        }

        await WriteJsonAsync(context, error.Code, KubeJson.SerializeToUtf8Bytes(error.ToStatus()));
    }

    public static async Task WriteJsonAsync(HttpContext context, int statusCode, ReadOnlyMemory<byte> json)
    {
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = JsonType;
        context.Response.ContentLength = json.Length;
        await context.Response.Body.WriteAsync(json, context.RequestAborted);
    }

    public static Task WriteObjectAsync<T>(HttpContext context, int statusCode, T value)
        => WriteJsonAsync(context, statusCode, KubeJson.SerializeToUtf8Bytes(value));

    public static V1Status Success(V1StatusDetails? details) => new()
    {
        ApiVersion = "v1",
        Kind = "Status",
        Metadata = new V1ListMeta(),
        Status = "Success",
        Details = details,
    };

    /// <summary>strconv.ParseBool: 1, t, T, TRUE, true, True and their false forms (the Python client sends True).</summary>
    public static bool? ParseBool(string? value) => value switch
    {
        null or "" => null,
        "1" or "t" or "T" or "true" or "TRUE" or "True" => true,
        "0" or "f" or "F" or "false" or "FALSE" or "False" => false,
        _ => null,
    };

    public static bool QueryBool(HttpRequest request, string name) => ParseBool(request.Query[name].ToString()) ?? false;

    public static ResponseShape Negotiate(string? accept, bool tableCapable)
    {
        if (string.IsNullOrWhiteSpace(accept))
        {
            return ResponseShape.Json;
        }

        foreach (var raw in accept.Split(','))
        {
            var parts = raw.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0)
            {
                continue;
            }

            var type = parts[0].ToLowerInvariant();
            string? asKind = null, version = null, group = null;
            foreach (var p in parts.Skip(1))
            {
                var eq = p.IndexOf('=', StringComparison.Ordinal);
                if (eq < 0)
                {
                    continue;
                }

                var key = p[..eq].Trim();
                var val = p[(eq + 1)..].Trim().Trim('"');
                switch (key)
                {
                    case "as": asKind = val; break;
                    case "v": version = val; break;
                    case "g": group = val; break;
                }
            }

            if (type is not ("application/json" or "*/*" or "application/*"))
            {
                continue;
            }

            if (asKind is null)
            {
                return ResponseShape.Json;
            }

            if (asKind == "Table" && group == "meta.k8s.io" && tableCapable)
            {
                if (version == "v1")
                {
                    return ResponseShape.TableV1;
                }

                if (version == "v1beta1")
                {
                    return ResponseShape.TableV1Beta1;
                }
            }
        }

        return ResponseShape.NotAcceptable;
    }

    public static bool IsJsonContentType(string? contentType, out string mediaType)
    {
        mediaType = (contentType ?? string.Empty).Split(';')[0].Trim().ToLowerInvariant();
        return mediaType is "application/json" or "";
    }

    /// <summary>Reads the body up to <paramref name="limit"/> bytes; null when it is larger.</summary>
    public static async Task<byte[]?> ReadBodyAsync(HttpRequest request, long limit, CancellationToken ct)
    {
        if (request.ContentLength > limit)
        {
            return null;
        }

        // Read straight from the pipe: no per-request copy buffer, one exact-size array for the body.
        var reader = request.BodyReader;
        while (true)
        {
            var result = await reader.ReadAsync(ct);
            var buffer = result.Buffer;
            if (buffer.Length > limit)
            {
                reader.AdvanceTo(buffer.End);
                return null;
            }

            if (result.IsCompleted)
            {
                var body = buffer.ToArray();
                reader.AdvanceTo(buffer.End);
                return body;
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>The ListMeta of lists and Tables: resourceVersion, continue and remainingItemCount when present.</summary>
    public static void WriteListMeta(System.Text.Json.Utf8JsonWriter w, string? resourceVersion, string? continueToken, long? remaining)
    {
        w.WriteStartObject("metadata");
        if (resourceVersion is not null)
        {
            w.WriteString("resourceVersion", resourceVersion);
        }

        if (continueToken is not null)
        {
            w.WriteString("continue", continueToken);
        }

        if (remaining is long r)
        {
            w.WriteNumber("remainingItemCount", r);
        }

        w.WriteEndObject();
    }

    public static readonly byte[] Comma = ","u8.ToArray();

    public static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);
}
