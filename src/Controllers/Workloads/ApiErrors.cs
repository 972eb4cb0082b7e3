using System.Net;
using System.Text.Json;
using k8s.Autorest;

namespace KubeNet.Controllers.Workloads;

/// <summary>
/// apimachinery's errors.IsNotFound / IsAlreadyExists / IsConflict / HasStatusCause for the C# client: 409 stands for
/// both AlreadyExists and Conflict, so the Status reason in the body tells them apart.
/// </summary>
internal static class ApiErrors
{
    public static bool IsNotFound(Exception ex) => ex is HttpOperationException { Response.StatusCode: HttpStatusCode.NotFound };

    public static bool IsAlreadyExists(Exception ex) => Reason(ex) == "AlreadyExists";

    public static bool IsConflict(Exception ex) => Reason(ex) == "Conflict";

    public static bool IsInvalid(Exception ex) => ex is HttpOperationException { Response.StatusCode: HttpStatusCode.UnprocessableEntity };

    /// <summary>True when the Status details carry a cause of <paramref name="causeType"/> (e.g. NamespaceTerminating).</summary>
    public static bool HasStatusCause(Exception ex, string causeType)
    {
        if (Status(ex) is not { } status || !status.TryGetProperty("details", out var details) || !details.TryGetProperty("causes", out var causes)
            || causes.ValueKind != JsonValueKind.Array)
        {
            return false;
        }

        foreach (var cause in causes.EnumerateArray())
        {
            if (cause.TryGetProperty("reason", out var reason) && reason.GetString() == causeType)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Errors a sync retries with backoff rather than treats as a bug.</summary>
    public static bool IsTransient(Exception ex) => ex is HttpOperationException or HttpRequestException or IOException or TaskCanceledException;

    private static string? Reason(Exception ex)
    {
        if (ex is not HttpOperationException { Response.StatusCode: HttpStatusCode.Conflict })
        {
            return null;
        }

        return Status(ex) is { } status && status.TryGetProperty("reason", out var reason) ? reason.GetString() : null;
    }

    private static JsonElement? Status(Exception ex)
    {
        if (ex is not HttpOperationException { Response.Content: { Length: > 0 } content })
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(content);
            return doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
