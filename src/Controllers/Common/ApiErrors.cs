using System.Net;
using System.Text.Json;
using k8s.Autorest;

namespace KubeNet.Controllers.Common;

/// <summary>
/// The apimachinery errors helpers (IsNotFound, IsConflict, HasStatusCause...) for the C# client's exceptions: the
/// status code alone does not tell AlreadyExists from Conflict, so the Status body's reason is read as well.
/// </summary>
internal static class ApiErrors
{
    /// <summary>The cause kube-apiserver attaches when a create is refused because the namespace is terminating.</summary>
    public const string NamespaceTerminatingCause = "NamespaceTerminating";

    /// <summary>The errors a controller retries with backoff: API answers, transport failures and timeouts.</summary>
    public static bool IsTransient(Exception e) => e is HttpOperationException or HttpRequestException or IOException or TimeoutException
        or k8s.KubernetesException or TaskCanceledException { InnerException: TimeoutException };

    public static bool IsNotFound(Exception e) => StatusCode(e) == HttpStatusCode.NotFound;

    public static bool IsInvalid(Exception e) => StatusCode(e) == HttpStatusCode.UnprocessableEntity;

    public static bool IsAlreadyExists(Exception e) => StatusCode(e) == HttpStatusCode.Conflict && Reason(e) == "AlreadyExists";

    public static bool IsConflict(Exception e) => StatusCode(e) == HttpStatusCode.Conflict && Reason(e) != "AlreadyExists";

    public static HttpStatusCode? StatusCode(Exception e) => (e as HttpOperationException)?.Response?.StatusCode;

    /// <summary>True when the Status body lists a cause of <paramref name="type"/> (details.causes[].reason).</summary>
    public static bool HasStatusCause(Exception e, string type)
    {
        if (Status(e) is not { } status)
        {
            return false;
        }

        if (status.TryGetProperty("details", out var details) && details.TryGetProperty("causes", out var causes) && causes.ValueKind == JsonValueKind.Array)
        {
            foreach (var cause in causes.EnumerateArray())
            {
                if (cause.TryGetProperty("reason", out var reason) && reason.GetString() == type)
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>The Status message of an API error, or the exception's own message.</summary>
    public static string Message(Exception e) =>
        Status(e) is { } status && status.TryGetProperty("message", out var message) && message.GetString() is { Length: > 0 } text
            ? text
            : e.Message;

    private static string? Reason(Exception e) =>
        Status(e) is { } status && status.TryGetProperty("reason", out var reason) ? reason.GetString() : null;

    private static JsonElement? Status(Exception e)
    {
        var content = (e as HttpOperationException)?.Response?.Content;
        if (string.IsNullOrEmpty(content) || content[0] != '{')
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
