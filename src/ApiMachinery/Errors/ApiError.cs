using System.Globalization;
using k8s.Models;

namespace KubeNet.ApiMachinery.Errors;

/// <summary>
/// An error the API answers with: the HTTP code, the StatusReason and the message, shaped exactly as
/// k8s.io/apimachinery/pkg/api/errors builds them (clients match on reason and code).
/// </summary>
public sealed class ApiError
{
    private ApiError(int code, string reason, string message, V1StatusDetails? details = null)
    {
        Code = code;
        Reason = reason;
        Message = message;
        Details = details;
    }

    public int Code { get; }

    public string Reason { get; }

    public string Message { get; }

    public V1StatusDetails? Details { get; }

    /// <summary>Seconds for a Retry-After header, when the error carries one.</summary>
    public int? RetryAfterSeconds => Details?.RetryAfterSeconds;

    public V1Status ToStatus() => new()
    {
        ApiVersion = "v1",
        Kind = "Status",
        Metadata = new V1ListMeta(),
        Status = "Failure",
        Message = Message,
        Reason = Reason,
        Details = Details,
        Code = Code,
    };

    public override string ToString() => $"{Code} {Reason}: {Message}";

    private static string Qualified(string group, string resource) => group.Length == 0 ? resource : resource + "." + group;

    private static V1StatusDetails ResourceDetails(string group, string resource, string? name)
        => new() { Name = string.IsNullOrEmpty(name) ? null : name, Group = group.Length == 0 ? null : group, Kind = resource };

    public static ApiError NotFound(string group, string resource, string name)
        => new(404, "NotFound", $"{Qualified(group, resource)} \"{name}\" not found", ResourceDetails(group, resource, name));

    public static ApiError AlreadyExists(string group, string resource, string name)
        => new(409, "AlreadyExists", $"{Qualified(group, resource)} \"{name}\" already exists", ResourceDetails(group, resource, name));

    public static ApiError Conflict(string group, string resource, string name, string detail)
        => new(409, "Conflict", $"Operation cannot be fulfilled on {Qualified(group, resource)} \"{name}\": {detail}", ResourceDetails(group, resource, name));

    public const string OptimisticLockMessage = "the object has been modified; please apply your changes to the latest version and try again";

    public static ApiError Invalid(string group, string kind, string name, IReadOnlyList<FieldError> errors)
    {
        var summary = errors.Count == 1 ? errors[0].ToString() : "[" + string.Join(", ", errors.Select(e => e.ToString())) + "]";
        var details = new V1StatusDetails
        {
            Name = string.IsNullOrEmpty(name) ? null : name,
            Group = group.Length == 0 ? null : group,
            Kind = kind,
            Causes = errors.Select(e => new V1StatusCause { Reason = e.Reason, Message = e.Body, Field = e.Field }).ToList(),
        };
        var qualifiedKind = group.Length == 0 ? kind : kind + "." + group;
        return new(422, "Invalid", $"{qualifiedKind} \"{name}\" is invalid: {summary}", details);
    }

    /// <summary>404 for a path that names no resource: no details, as the mux answers.</summary>
    public static ApiError NotFoundPlain(string message) => new(404, "NotFound", message);

    /// <summary>An error another component already shaped as a Status (server-side apply conflicts).</summary>
    public static ApiError FromStatus(V1Status status)
        => new(status.Code ?? 500, status.Reason ?? string.Empty, status.Message ?? string.Empty, status.Details);

    public static ApiError BadRequest(string message) => new(400, "BadRequest", message);

    /// <summary>A 422 without causes, as NewGenericServerResponse builds it for patches that do not apply.</summary>
    public static ApiError UnprocessableEntity(string message) => new(422, "Invalid", message);

    public static ApiError Unauthorized() => new(401, "Unauthorized", "Unauthorized");

    public static ApiError Forbidden(string message) => new(403, "Forbidden", message);

    public static ApiError MethodNotSupported(string group, string resource, string verb)
        => new(405, "MethodNotAllowed", $"{verb} is not supported on resources of kind \"{Qualified(group, resource)}\"", ResourceDetails(group, resource, null));

    public static ApiError MethodNotAllowed() => new(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");

    public static ApiError NotAcceptable(string accepted)
        => new(406, "NotAcceptable", "only the following media types are accepted: " + accepted);

    public static ApiError Expired(string message) => new(410, "Expired", message);

    public static ApiError Gone(string message) => new(410, "Gone", message);

    public static ApiError RequestEntityTooLarge(long limit)
        => new(413, "RequestEntityTooLarge", "Request entity too large: limit is " + limit.ToString(CultureInfo.InvariantCulture));

    public static ApiError UnsupportedMediaType(string contentType)
        => new(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: {contentType}");

    public static ApiError TooManyRequests(int retryAfterSeconds)
        => new(429, "TooManyRequests", "Too many requests, please try again later.", new V1StatusDetails { RetryAfterSeconds = retryAfterSeconds });

    public static ApiError Internal(string message)
        => new(500, "InternalError", "Internal error occurred: " + message, new V1StatusDetails { Causes = [new V1StatusCause { Message = message }] });

    public static ApiError ResourceVersionTooLarge()
        => new(504, "Timeout", "Too large resource version", new V1StatusDetails
        {
            RetryAfterSeconds = 1,
            Causes = [new V1StatusCause { Reason = "ResourceVersionTooLarge", Message = "Too large resource version" }],
        });

    public static ApiError ServiceUnavailable(string message) => new(503, "ServiceUnavailable", message);

    public static ApiError Timeout(string message) => new(504, "Timeout", message);
}
