using System.Text.Json.Nodes;

namespace KubeNet.ApiMachinery.Patch;

// How kube-apiserver (endpoints/handlers/patch.go) answers each way a patch can fail.
public enum PatchError
{
    None,

    // The patch document cannot be decoded: 400 BadRequest, Status.message = Message.
    BadRequest,

    // More than JsonPatch.MaxOperations operations: 413 RequestEntityTooLarge,
    // Status.message = "Request entity too large: " + Message.
    TooManyOperations,

    // A decoded JSON patch does not apply (missing path, failed test, bad index, unknown op):
    // 422 with reason Invalid. Upstream builds it with NewGenericServerResponse(422, ...), so the
    // client sees only JsonPatch.ApplyFailedMessage and no causes; Message is for our logs.
    ApplyFailed,

    // The stored document itself is unusable (upstream "Invalid JSON Document"): our own bug, 500.
    InvalidDocument,
}

// The patched document, or why there is none. Never throws for bad input.
public readonly record struct PatchResult(JsonNode? Document, PatchError Error, string? Message)
{
    public bool Succeeded => Error == PatchError.None;

    internal static PatchResult Ok(JsonNode? document) => new(document, PatchError.None, null);

    internal static PatchResult Fail(PatchError error, string message) => new(null, error, message);
}
