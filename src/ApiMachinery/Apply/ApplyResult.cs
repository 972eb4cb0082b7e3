using System.Text.Json.Nodes;
using k8s.Models;

namespace KubeNet.ApiMachinery.Apply;

// One field another manager owns with a different value than the applied configuration.
// Manager/Operation/ApiVersion/Subresource name the owner's managedFields entry; Field is the path as
// upstream prints it (".spec.replicas", ".spec.containers[name=\"web\"].image"); Message is the
// StatusCause message ("conflict with \"kubectl-client-side-apply\" using apps/v1").
public sealed record ApplyConflict(string Manager, string Operation, string? ApiVersion, string? Subresource, string Field, string Message);

public enum ApplyOutcome
{
    // Object holds the result; when the apply changes nothing it equals the live object.
    Applied,

    // 409 Conflict with one FieldManagerConflict cause per conflict.
    Conflict,

    // 400 BadRequest: wrong kind or version in the configuration, managedFields in the configuration.
    BadRequest,

    // 500 with an empty reason: upstream returns these as plain errors (a configuration that does
    // not fit the schema, undecodable managedFields on the live object).
    Failed,
}

public sealed class ApplyResult
{
    private ApplyResult(ApplyOutcome outcome, JsonObject? obj, IReadOnlyList<ApplyConflict> conflicts, string? message)
    {
        Outcome = outcome;
        Object = obj;
        Conflicts = conflicts;
        Message = message;
    }

    public ApplyOutcome Outcome { get; }

    public bool Succeeded => Outcome == ApplyOutcome.Applied;

    // The merged object with metadata.managedFields set; null unless Succeeded.
    public JsonObject? Object { get; }

    public IReadOnlyList<ApplyConflict> Conflicts { get; }

    // The Status message: "Apply failed with 1 conflict: conflict with \"x\" using apps/v1: .spec.replicas".
    public string? Message { get; }

    public int StatusCode => Outcome switch
    {
        ApplyOutcome.Applied => 200,
        ApplyOutcome.Conflict => 409,
        ApplyOutcome.BadRequest => 400,
        _ => 500,
    };

    internal static ApplyResult Applied(JsonObject obj) => new(ApplyOutcome.Applied, obj, [], null);

    internal static ApplyResult BadRequest(string message) => new(ApplyOutcome.BadRequest, null, [], message);

    internal static ApplyResult Failed(string message) => new(ApplyOutcome.Failed, null, [], message);

    internal static ApplyResult Conflicted(IReadOnlyList<FieldConflict> conflicts)
    {
        var list = conflicts.Select(c => new ApplyConflict(c.Manager.Manager, c.Manager.Operation, c.Manager.ApiVersion, c.Manager.Subresource, c.Field, "conflict with " + c.Manager.Display)).ToList();
        return new(ApplyOutcome.Conflict, null, list, ConflictMessage(conflicts));
    }

    // getConflictMessage of upstream: one conflict inline; several grouped per manager, managers in
    // the order of their identifiers.
    private static string ConflictMessage(IReadOnlyList<FieldConflict> conflicts)
    {
        if (conflicts.Count == 1)
        {
            return $"Apply failed with 1 conflict: conflict with {conflicts[0].Manager.Display}: {conflicts[0].Field}";
        }
        var lines = new List<string>();
        foreach (var group in conflicts.GroupBy(c => c.Manager).OrderBy(g => g.Key.Identifier, StringComparer.Ordinal))
        {
            lines.Add($"conflicts with {group.Key.Display}:");
            lines.AddRange(group.Select(c => "- " + c.Field));
        }
        return $"Apply failed with {conflicts.Count} conflicts: {string.Join("\n", lines)}";
    }

    // The Status kube-apiserver answers with when the apply fails; null when it succeeded.
    public V1Status? ToStatus()
    {
        if (Succeeded)
        {
            return null;
        }
        var status = new V1Status
        {
            ApiVersion = "v1",
            Kind = "Status",
            Metadata = new V1ListMeta(),
            Status = "Failure",
            Message = Message,
            Code = StatusCode,
        };
        switch (Outcome)
        {
            case ApplyOutcome.Conflict:
                status.Reason = "Conflict";
                status.Details = new V1StatusDetails
                {
                    Causes = Conflicts.Select(c => new V1StatusCause { Reason = "FieldManagerConflict", Message = c.Message, Field = c.Field }).ToList(),
                };
                break;
            case ApplyOutcome.BadRequest:
                status.Reason = "BadRequest";
                break;
        }
        return status;
    }
}
