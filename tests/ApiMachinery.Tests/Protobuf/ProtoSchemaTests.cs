using System.Reflection;
using System.Text.Json.Serialization;
using k8s.Models;
using KubeNet.ApiMachinery.Kinds;
using KubeNet.ApiMachinery.Protobuf;

namespace KubeNet.ApiMachinery.Tests.Protobuf;

/// <summary>Checks the wire schema data against the KubernetesClient models the JSON is deserialized into.</summary>
public sealed class ProtoSchemaTests
{
    // Alpha fields the 1.37 client models dropped after the 1.36 wire schema: they decode, and the models ignore them.
    private static readonly HashSet<string> KnownDrift = ["core.v1.NodeAllocatableResourceClaimStatus.resources"];

    private static IEnumerable<(Type Model, string ApiVersion, string Kind)> ServedModels() =>
        KindCatalog.AllResources.Select(r => (r.ClrType, r.GroupVersion, r.Kind));

    /// <summary>Subresource bodies (Scale, Eviction, TokenRequest, Binding...) and the options kinds they name.</summary>
    private static IEnumerable<(string ApiVersion, string Kind)> SubresourceKinds() =>
        from r in KindCatalog.AllResources
        from sub in r.Subresources
        let gv = sub.Group is null ? r.GroupVersion : sub.Group.Length == 0 ? sub.Version! : sub.Group + "/" + sub.Version
        select (gv, sub.Kind);

    [Fact]
    public void DataParses()
    {
        var schema = ProtoSchema.Default;
        Assert.True(schema.MessageCount > 550, $"{schema.MessageCount} messages");
        Assert.NotNull(schema.ForKind("v1", "ConfigMap"));
        Assert.Equal("apps.v1.Deployment", schema.ForKind("apps/v1", "Deployment")?.Name);
        Assert.Null(schema.ForKind("apps/v1", "ConfigMap"));
    }

    [Fact]
    public void EveryCataloguedKindHasAMessage()
    {
        var missing = ServedModels().Select(m => (m.ApiVersion, m.Kind)).Concat(SubresourceKinds())
            .Where(m => ProtoSchema.Default.ForKind(m.ApiVersion, m.Kind) is null)
            .Select(m => $"{m.ApiVersion} {m.Kind}")
            .Distinct()
            .ToList();

        Assert.Empty(missing);
    }

    [Fact]
    public void EveryMessageFieldHasTheClientModelsJsonName()
    {
        var problems = new List<string>();
        var seen = new HashSet<(Type, string)>();
        Assert.NotEmpty(ServedModels());
        foreach (var (model, apiVersion, kind) in ServedModels())
        {
            Compare(ProtoSchema.Default.ForKind(apiVersion, kind)!, model, seen, problems);
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
        Assert.True(seen.Count > 400, $"{seen.Count} message pairs compared");
    }

    private static void Compare(ProtoMessage message, Type model, HashSet<(Type, string)> seen, List<string> problems)
    {
        if (message.Shape != MessageShape.Object || !seen.Add((model, message.Name)))
        {
            return;
        }
        var properties = model.GetProperties()
            .Where(p => p.GetCustomAttribute<JsonPropertyNameAttribute>() is not null)
            .ToDictionary(p => p.GetCustomAttribute<JsonPropertyNameAttribute>()!.Name, StringComparer.Ordinal);
        foreach (var field in message.Fields)
        {
            if (field.Inline)
            {
                Compare(field.Message!, model, seen, problems);
                continue;
            }
            if (!properties.TryGetValue(field.JsonName, out var property))
            {
                if (!KnownDrift.Contains($"{message.Name}.{field.JsonName}"))
                {
                    problems.Add($"{message.Name}.{field.JsonName} has no property on {model.Name}");
                }
                continue;
            }
            if (field.Message is { } nested && ModelOf(property.PropertyType) is { } nestedModel)
            {
                Compare(nested, nestedModel, seen, problems);
            }
        }
    }

    private static Type? ModelOf(Type type)
    {
        if (type.IsGenericType)
        {
            var arguments = type.GetGenericArguments();
            return ModelOf(arguments[^1]);
        }
        return type.Namespace == "k8s.Models" && type.IsClass && type != typeof(ResourceQuantity) && type != typeof(IntOrString) ? type : null;
    }

    [Theory]
    [InlineData(0L, "0s")]
    [InlineData(1L, "1ns")]
    [InlineData(1_500L, "1.5µs")]
    [InlineData(1_500_000L, "1.5ms")]
    [InlineData(1_000_000_000L, "1s")]
    [InlineData(1_500_000_000L, "1.5s")]
    [InlineData(90_000_000_000L, "1m30s")]
    [InlineData(3_600_000_000_000L, "1h0m0s")]
    [InlineData(3_723_000_000_001L, "1h2m3.000000001s")]
    [InlineData(-2_000_000_000L, "-2s")]
    [InlineData(long.MinValue, "-2562047h47m16.854775808s")]
    public void DurationsFormatAsGoDoes(long nanoseconds, string expected) =>
        Assert.Equal(expected, ProtoJsonWriter.FormatGoDuration(nanoseconds));
}
