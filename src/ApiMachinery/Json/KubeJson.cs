using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using k8s.Models;

namespace KubeNet.ApiMachinery.Json;

/// <summary>
/// JSON options that write what kube-apiserver writes: metav1.Time as whole-second RFC 3339, metav1.MicroTime with six
/// fractional digits, nulls omitted. Reads accept any RFC 3339 form, since clients send fractional seconds.
/// </summary>
public static class KubeJson
{
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    /// <summary>Compact options for JsonNode trees (patch documents, watch frames).</summary>
    public static JsonSerializerOptions NodeOptions { get; } = new() { Encoder = Options.Encoder };

    public static byte[] SerializeToUtf8Bytes<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, Options);

    public static byte[] SerializeToUtf8Bytes(object value, Type type) => JsonSerializer.SerializeToUtf8Bytes(value, type, Options);

    public static object? Deserialize(ReadOnlySpan<byte> json, Type type) => JsonSerializer.Deserialize(json, type, Options);

    public static T? Deserialize<T>(ReadOnlySpan<byte> json) => JsonSerializer.Deserialize<T>(json, Options);

    public static JsonNode? ToNode(object value, Type type) => JsonSerializer.SerializeToNode(value, type, Options);

    public static object? FromNode(JsonNode node, Type type) => node.Deserialize(type, Options);

    private static JsonSerializerOptions CreateOptions()
    {
        var resolver = new DefaultJsonTypeInfoResolver();
        resolver.Modifiers.Add(UseMicroTimeWhereUpstreamDoes);
        var options = new JsonSerializerOptions
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            TypeInfoResolver = resolver,
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            NumberHandling = JsonNumberHandling.Strict,
        };
        options.Converters.Add(new JsonStringEnumConverter());
        options.Converters.Add(new TimeConverter());
        options.MakeReadOnly(populateMissingResolver: false);
        return options;
    }

    // MicroTime fields of the built-in types; every other DateTime is a metav1.Time.
    private static readonly HashSet<(Type, string)> MicroTimeProperties =
    [
        (typeof(V1LeaseSpec), nameof(V1LeaseSpec.AcquireTime)),
        (typeof(V1LeaseSpec), nameof(V1LeaseSpec.RenewTime)),
        (typeof(Corev1Event), nameof(Corev1Event.EventTime)),
        (typeof(Corev1EventSeries), nameof(Corev1EventSeries.LastObservedTime)),
        (typeof(Eventsv1Event), nameof(Eventsv1Event.EventTime)),
        (typeof(Eventsv1EventSeries), nameof(Eventsv1EventSeries.LastObservedTime)),
    ];

    private static void UseMicroTimeWhereUpstreamDoes(JsonTypeInfo info)
    {
        if (info.Kind != JsonTypeInfoKind.Object)
        {
            return;
        }

        // The client's V1Status carries a HasObject helper that is no field of metav1.Status.
        if (info.Type == typeof(V1Status))
        {
            for (var i = info.Properties.Count - 1; i >= 0; i--)
            {
                if (info.Properties[i].Name == "hasObject")
                {
                    info.Properties.RemoveAt(i);
                }
            }
        }

        foreach (var property in info.Properties)
        {
            if (property.AttributeProvider is System.Reflection.PropertyInfo pi && MicroTimeProperties.Contains((info.Type, pi.Name)))
            {
                property.CustomConverter = new MicroTimeConverter();
            }
        }
    }

    internal static DateTime ParseTime(ref Utf8JsonReader reader)
    {
        var text = reader.GetString();
        if (string.IsNullOrEmpty(text))
        {
            return default;
        }

        return DateTime.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
    }

    private sealed class TimeConverter : JsonConverter<DateTime>
    {
        public override DateTime Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
            => TruncateToSeconds(ParseTime(ref reader));

        public override void Write(Utf8JsonWriter writer, DateTime value, JsonSerializerOptions options)
            => writer.WriteStringValue(value.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
    }

    private sealed class MicroTimeConverter : JsonConverter<DateTime?>
    {
        public override bool HandleNull => false;

        public override DateTime? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
            => reader.TokenType == JsonTokenType.Null ? null : TruncateToMicroseconds(ParseTime(ref reader));

        public override void Write(Utf8JsonWriter writer, DateTime? value, JsonSerializerOptions options)
        {
            if (value is null)
            {
                writer.WriteNullValue();
                return;
            }

            writer.WriteStringValue(value.Value.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture));
        }
    }

    public static DateTime TruncateToSeconds(DateTime value)
        => new(value.Ticks - (value.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);

    public static DateTime TruncateToMicroseconds(DateTime value)
        => new(value.Ticks - (value.Ticks % TimeSpan.TicksPerMicrosecond), DateTimeKind.Utc);

    /// <summary>The current time as metav1.Now() stores it.</summary>
    public static DateTime Now() => TruncateToSeconds(DateTime.UtcNow);
}
