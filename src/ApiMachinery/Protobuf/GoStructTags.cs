namespace KubeNet.ApiMachinery.Protobuf;

/// <summary>
/// Facts of the Go struct tags that the wire schema records: a field without omitempty that is no pointer is required,
/// as upstream's OpenAPI generator marks it (Container.name, PodSpec.containers).
/// </summary>
public static class GoStructTags
{
    /// <summary>Required JSON field names of an OpenAPI definition ("io.k8s.api.core.v1.Container"), in wire order.</summary>
    public static IReadOnlyList<string> RequiredFields(string definition)
    {
        var parts = definition.Split('.');
        if (parts.Length < 3)
        {
            return [];
        }

        var message = ProtoSchema.Default.Message(string.Join('.', parts[^3..]));
        return message is null
            ? []
            : message.Fields.Where(f => !f.OmitEmpty && !f.Pointer && !f.Inline).Select(f => f.JsonName).ToArray();
    }
}
