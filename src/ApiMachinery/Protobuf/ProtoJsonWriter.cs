using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;

namespace KubeNet.ApiMachinery.Protobuf;

/// <summary>
/// Turns one message's protobuf bytes into the JSON upstream's Go types would marshal after decoding them: fields in
/// Go struct order under their JSON names, inlined embedded structs flattened, zero scalars left out where the Go tag
/// says omitempty, and the apimachinery types that marshal themselves (Time, Quantity, IntOrString, RawExtension...)
/// in their own JSON forms. Errors come back as a message; nothing here throws for bad input.
/// </summary>
internal sealed class ProtoJsonWriter : IDisposable
{
    // Nested messages beyond this are hostile rather than real: the deepest real objects (CRD schemas) stay far below.
    private const int MaxMessageDepth = 200;
    private const long MinGoSeconds = -62_135_596_800; // 0001-01-01T00:00:00Z, Go's zero time.
    private const long MaxGoSeconds = 253_402_300_799; // 9999-12-31T23:59:59Z, the last RFC 3339 second.

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        MaxDepth = 1000,
    };

    private static readonly JsonEncodedText ApiVersionName = JsonEncodedText.Encode("apiVersion");
    private static readonly JsonEncodedText KindName = JsonEncodedText.Encode("kind");
    private const string NotFinite = "NaN or infinite number has no JSON form";

    private readonly ArrayBufferWriter<byte> buffer = new(1024);
    private readonly Utf8JsonWriter json;

    private ProtoJsonWriter() => json = new Utf8JsonWriter(buffer, WriterOptions);

    public string? Error { get; private set; }

    public void Dispose() => json.Dispose();

    /// <summary>Writes <c>{"apiVersion":..,"kind":..,&lt;fields&gt;}</c> for a top-level object.</summary>
    public static bool TryWriteObject(ReadOnlySpan<byte> data, ProtoMessage message, string apiVersion, string kind, int depth,
        out byte[] jsonBytes, out string? error)
    {
        using var writer = new ProtoJsonWriter();
        writer.json.WriteStartObject();
        writer.json.WriteString(ApiVersionName, apiVersion);
        writer.json.WriteString(KindName, kind);
        var ok = writer.WriteObjectBody(data, message, depth);
        if (ok)
        {
            writer.json.WriteEndObject();
            writer.json.Flush();
        }
        jsonBytes = ok ? writer.buffer.WrittenSpan.ToArray() : [];
        error = writer.Error;
        return ok;
    }

    private bool Fail(string error)
    {
        Error ??= error;
        return false;
    }

    private bool Fail(ProtoMessage message, ProtoField field, string error) =>
        Fail($"{message.Name}.{field.JsonName} (field {field.Number}): {error}");

    /// <summary>Scans a message, checks wire types of known fields, and returns the occurrences sorted by number.</summary>
    private bool TryScan(ReadOnlySpan<byte> data, ProtoMessage message, out List<WireField> fields)
    {
        fields = [];
        var reader = new ProtoReader(data);
        var sorted = true;
        while (!reader.End)
        {
            if (!reader.TryReadField(fields.Count, out var field, out var error))
            {
                return Fail($"{message.Name}: {error}");
            }
            var known = message.Field(field.Number);
            if (known is not null && !WireTypeFits(known, field.WireType))
            {
                return Fail(message, known, $"wire type {field.WireType} does not fit {known.Kind}");
            }
            if (fields.Count > 0 && fields[^1].Number > field.Number)
            {
                sorted = false;
            }
            fields.Add(field);
        }
        if (!sorted)
        {
            // Protobuf allows any field order and repeats; stable order within a number keeps repeated fields in sequence.
            fields.Sort(static (a, b) => a.Number != b.Number ? a.Number.CompareTo(b.Number) : a.Sequence.CompareTo(b.Sequence));
        }
        return true;
    }

    private static bool WireTypeFits(ProtoField field, int wireType)
    {
        if (field.Cardinality == Cardinality.Map)
        {
            return wireType == WireType.LengthDelimited;
        }
        var scalarWireType = ScalarWireType(field.Kind);
        return wireType == scalarWireType
            || (field.Cardinality == Cardinality.Repeated && wireType == WireType.LengthDelimited && scalarWireType != WireType.LengthDelimited);
    }

    private static int ScalarWireType(ScalarKind kind) => kind switch
    {
        ScalarKind.Bool or ScalarKind.Int32 or ScalarKind.Int64 => WireType.Varint,
        ScalarKind.Double => WireType.Fixed64,
        ScalarKind.Float => WireType.Fixed32,
        _ => WireType.LengthDelimited,
    };

    private static (int Start, int End) Range(List<WireField> fields, int number)
    {
        int lo = 0, hi = fields.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (fields[mid].Number < number)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        var end = lo;
        while (end < fields.Count && fields[end].Number == number)
        {
            end++;
        }
        return (lo, end);
    }

    private bool WriteObjectBody(ReadOnlySpan<byte> data, ProtoMessage message, int depth)
    {
        if (depth > MaxMessageDepth)
        {
            return Fail($"{message.Name}: messages nest deeper than {MaxMessageDepth}");
        }
        if (!TryScan(data, message, out var fields))
        {
            return false;
        }
        foreach (var field in message.Fields)
        {
            var (start, end) = Range(fields, field.Number);
            if (start == end)
            {
                continue;
            }
            var ok = field.Cardinality switch
            {
                Cardinality.Single => WriteSingle(data, message, field, fields, start, end, depth),
                Cardinality.Repeated => WriteRepeated(data, message, field, fields, start, end, depth, field.EncodedName),
                _ => WriteMap(data, message, field, fields, start, end, depth),
            };
            if (!ok)
            {
                return false;
            }
        }
        return true;
    }

    private bool WriteSingle(ReadOnlySpan<byte> data, ProtoMessage message, ProtoField field, List<WireField> fields, int start, int end, int depth)
    {
        if (field.Kind != ScalarKind.Message)
        {
            // A scalar seen more than once keeps its last value, as protobuf decoders do.
            var last = fields[end - 1];
            if (field.OmitEmpty && !field.Pointer && IsZero(last, field.Kind))
            {
                return true;
            }
            json.WritePropertyName(field.EncodedName);
            return WriteScalar(data, last, field.Kind) || Fail(message, field, NotFinite);
        }

        // A message field seen more than once merges, which for protobuf is the concatenation of the encodings.
        var value = end - start == 1 ? data.Slice(fields[start].Offset, fields[start].Length) : Concat(data, fields, start, end);
        var target = field.Message!;
        if (field.Inline && target.Shape == MessageShape.Object)
        {
            return WriteObjectBody(value, target, depth + 1);
        }
        // IntOrString is a struct in Go, so omitempty never drops it there; but a zero IntOrString means "unset" to
        // upstream defaulting (Service targetPort) and to the C# models null does, so a zero non-pointer one stays out.
        var omitZero = field.OmitEmpty && !field.Pointer;
        return WriteMessageValue(value, target, depth + 1, field.EncodedName, omitNullOrZero: true, omitZeroIntOrString: omitZero);
    }

    private static byte[] Concat(ReadOnlySpan<byte> data, List<WireField> fields, int start, int end)
    {
        var total = 0;
        for (var i = start; i < end; i++)
        {
            total += fields[i].Length;
        }
        var merged = new byte[total];
        var at = 0;
        for (var i = start; i < end; i++)
        {
            data.Slice(fields[i].Offset, fields[i].Length).CopyTo(merged.AsSpan(at));
            at += fields[i].Length;
        }
        return merged;
    }

    /// <summary>Writes a JSON array of the field's values; <paramref name="name"/> null means an array value.</summary>
    private bool WriteRepeated(ReadOnlySpan<byte> data, ProtoMessage message, ProtoField field, List<WireField> fields, int start, int end, int depth,
        JsonEncodedText? name)
    {
        if (name is { } n)
        {
            json.WritePropertyName(n);
        }
        json.WriteStartArray();
        for (var i = start; i < end; i++)
        {
            var item = fields[i];
            bool ok;
            if (field.Kind == ScalarKind.Message)
            {
                ok = WriteMessageValue(data.Slice(item.Offset, item.Length), field.Message!, depth + 1, name: null, omitNullOrZero: false, omitZeroIntOrString: false);
            }
            else if (item.WireType == WireType.LengthDelimited && field.Kind is not (ScalarKind.String or ScalarKind.Bytes))
            {
                var packedError = WritePacked(data.Slice(item.Offset, item.Length), field.Kind);
                ok = packedError is null || Fail(message, field, packedError);
            }
            else
            {
                ok = WriteScalar(data, item, field.Kind) || Fail(message, field, NotFinite);
            }
            if (!ok)
            {
                return false;
            }
        }
        json.WriteEndArray();
        return true;
    }

    /// <summary>Writes the values of a packed repeated scalar; returns an error or null.</summary>
    private string? WritePacked(ReadOnlySpan<byte> packed, ScalarKind kind)
    {
        var wireType = ScalarWireType(kind);
        var reader = new ProtoReader(packed);
        while (!reader.End)
        {
            ulong bits;
            string? error;
            var ok = wireType switch
            {
                WireType.Varint => reader.TryReadVarint(out bits, out error),
                WireType.Fixed64 => reader.TryReadFixed64(out bits, out error),
                _ => reader.TryReadFixed32(out bits, out error),
            };
            if (!ok)
            {
                return "packed: " + error;
            }
            if (!WriteScalar(packed, new WireField(0, wireType, bits, 0, 0, 0), kind))
            {
                return NotFinite;
            }
        }
        return null;
    }

    private bool WriteMap(ReadOnlySpan<byte> data, ProtoMessage message, ProtoField field, List<WireField> fields, int start, int end, int depth)
    {
        // Go marshals maps with sorted keys, and a key repeated on the wire keeps its last value.
        var entries = new SortedDictionary<string, WireField?>(StringComparer.Ordinal);
        var valueWireType = ScalarWireType(field.Kind);
        for (var i = start; i < end; i++)
        {
            var entryOffset = fields[i].Offset;
            var reader = new ProtoReader(data.Slice(entryOffset, fields[i].Length));
            var key = "";
            WireField? value = null;
            var sequence = 0;
            while (!reader.End)
            {
                if (!reader.TryReadField(sequence++, out var part, out var error))
                {
                    return Fail(message, field, $"map entry: {error}");
                }
                if (part.Number == 1)
                {
                    if (part.WireType != WireType.LengthDelimited)
                    {
                        return Fail(message, field, $"map key has wire type {part.WireType}");
                    }
                    key = Encoding.UTF8.GetString(data.Slice(entryOffset + part.Offset, part.Length));
                }
                else if (part.Number == 2)
                {
                    if (part.WireType != valueWireType)
                    {
                        return Fail(message, field, $"map value has wire type {part.WireType}, expected {valueWireType}");
                    }
                    value = part with { Offset = entryOffset + part.Offset };
                }
            }
            entries[key] = value;
        }

        json.WritePropertyName(field.EncodedName);
        json.WriteStartObject();
        foreach (var (key, value) in entries)
        {
            json.WritePropertyName(key);
            bool ok;
            if (field.Kind == ScalarKind.Message)
            {
                var span = value is { } v ? data.Slice(v.Offset, v.Length) : [];
                ok = WriteMessageValue(span, field.Message!, depth + 1, name: null, omitNullOrZero: false, omitZeroIntOrString: false);
            }
            else
            {
                // An entry without a value carries the zero value.
                ok = WriteScalar(data, value ?? new WireField(2, valueWireType, 0, 0, 0, 0), field.Kind) || Fail(message, field, NotFinite);
            }
            if (!ok)
            {
                return false;
            }
        }
        json.WriteEndObject();
        return true;
    }

    private static bool IsZero(WireField value, ScalarKind kind) => kind switch
    {
        ScalarKind.String or ScalarKind.Bytes => value.Length == 0,
        ScalarKind.Int32 => (int)value.Bits == 0,
        ScalarKind.Double => BitConverter.UInt64BitsToDouble(value.Bits) == 0,
        ScalarKind.Float => BitConverter.UInt32BitsToSingle((uint)value.Bits) == 0,
        _ => value.Bits == 0,
    };

    /// <summary>Writes one scalar value; false only for a number JSON cannot carry.</summary>
    private bool WriteScalar(ReadOnlySpan<byte> data, WireField value, ScalarKind kind)
    {
        switch (kind)
        {
            case ScalarKind.String:
                WriteUtf8String(data.Slice(value.Offset, value.Length));
                return true;
            case ScalarKind.Bytes:
                json.WriteBase64StringValue(data.Slice(value.Offset, value.Length));
                return true;
            case ScalarKind.Bool:
                json.WriteBooleanValue(value.Bits != 0);
                return true;
            case ScalarKind.Int32:
                // Negative int32 values travel as sign-extended 64-bit varints; the low 32 bits are the value.
                json.WriteNumberValue((int)value.Bits);
                return true;
            case ScalarKind.Int64:
                json.WriteNumberValue((long)value.Bits);
                return true;
            case ScalarKind.Double:
            case ScalarKind.Float:
                var number = kind == ScalarKind.Double ? BitConverter.UInt64BitsToDouble(value.Bits) : BitConverter.UInt32BitsToSingle((uint)value.Bits);
                if (!double.IsFinite(number))
                {
                    // Go's encoding/json refuses NaN and infinities too.
                    return false;
                }
                json.WriteNumberValue(number);
                return true;
            default:
                throw new UnreachableException($"scalar kind {kind}");
        }
    }

    private void WriteUtf8String(ReadOnlySpan<byte> utf8)
    {
        // Go's encoding/json replaces invalid UTF-8 with U+FFFD rather than failing; Utf8JsonWriter would throw.
        if (Utf8.IsValid(utf8))
        {
            json.WriteStringValue(utf8);
        }
        else
        {
            json.WriteStringValue(Encoding.UTF8.GetString(utf8));
        }
    }

    /// <summary>
    /// Writes one message as a JSON value, preceded by <paramref name="name"/> when given. With
    /// <paramref name="omitNullOrZero"/>, a value whose JSON is null (zero Time, empty RawExtension) writes nothing,
    /// since null and absent decode alike.
    /// </summary>
    private bool WriteMessageValue(ReadOnlySpan<byte> data, ProtoMessage message, int depth, JsonEncodedText? name, bool omitNullOrZero,
        bool omitZeroIntOrString)
    {
        if (depth > MaxMessageDepth)
        {
            return Fail($"{message.Name}: messages nest deeper than {MaxMessageDepth}");
        }
        if (message.Shape == MessageShape.Object)
        {
            WriteName(name);
            json.WriteStartObject();
            if (!WriteObjectBody(data, message, depth))
            {
                return false;
            }
            json.WriteEndObject();
            return true;
        }
        if (!TryScan(data, message, out var fields))
        {
            return false;
        }
        switch (message.Shape)
        {
            case MessageShape.Time:
            case MessageShape.MicroTime:
                return WriteTime(message, fields, name, omitNullOrZero);
            case MessageShape.Duration:
                WriteName(name);
                json.WriteStringValue(FormatGoDuration((long)LastBits(fields, 1)));
                return true;
            case MessageShape.Quantity:
            {
                WriteName(name);
                var (start, end) = Range(fields, 1);
                // An empty Quantity is Go's zero Quantity, which marshals as "0".
                if (start == end)
                {
                    json.WriteStringValue("0"u8);
                }
                else
                {
                    WriteUtf8String(data.Slice(fields[end - 1].Offset, fields[end - 1].Length));
                }
                return true;
            }
            case MessageShape.IntOrString:
                return WriteIntOrString(data, fields, name, omitZeroIntOrString);
            case MessageShape.RawJson:
                return WriteRawJson(data, message, fields, depth, name, omitNullOrZero);
            case MessageShape.List:
            {
                var itemField = message.Field(1)!;
                var (start, end) = Range(fields, 1);
                return WriteRepeated(data, message, itemField, fields, start, end, depth, name);
            }
            case MessageShape.SchemaOrArray:
            case MessageShape.SchemaOrBool:
            case MessageShape.SchemaOrStringArray:
                return WriteSchemaUnion(data, message, fields, depth, name, omitNullOrZero);
            default:
                return Fail($"{message.Name}: unexpected shape {message.Shape}");
        }
    }

    private void WriteName(JsonEncodedText? name)
    {
        if (name is { } n)
        {
            json.WritePropertyName(n);
        }
    }

    private bool WriteNull(JsonEncodedText? name, bool omit)
    {
        if (!omit)
        {
            WriteName(name);
            json.WriteNullValue();
        }
        return true;
    }

    private static ulong LastBits(List<WireField> fields, int number)
    {
        var (start, end) = Range(fields, number);
        return start == end ? 0 : fields[end - 1].Bits;
    }

    private bool WriteTime(ProtoMessage message, List<WireField> fields, JsonEncodedText? name, bool omitNull)
    {
        // An empty message is Go's zero time, which marshals as null; so is an explicit 0001-01-01.
        if (fields.Count == 0)
        {
            return WriteNull(name, omitNull);
        }
        var seconds = (long)LastBits(fields, 1);
        // metav1.Time drops nanoseconds on decode (upstream keeps JSON and protobuf clients in agreement); MicroTime keeps them.
        long nanos = message.Shape == MessageShape.MicroTime ? (int)LastBits(fields, 2) : 0;
        // Go's time.Unix normalizes nanoseconds outside [0, 1e9) into the seconds.
        seconds += Math.DivRem(nanos, 1_000_000_000, out var rest);
        if (rest < 0)
        {
            seconds--;
            rest += 1_000_000_000;
        }
        if (seconds == MinGoSeconds && rest == 0)
        {
            return WriteNull(name, omitNull);
        }
        if (seconds is < MinGoSeconds or > MaxGoSeconds)
        {
            return Fail($"{message.Name}: {seconds} seconds is outside the RFC 3339 range");
        }
        var instant = DateTime.UnixEpoch.AddSeconds(seconds).AddTicks(rest / 100);
        WriteName(name);
        json.WriteStringValue(instant.ToString(
            message.Shape == MessageShape.MicroTime ? "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'" : "yyyy-MM-dd'T'HH:mm:ss'Z'",
            CultureInfo.InvariantCulture));
        return true;
    }

    private bool WriteIntOrString(ReadOnlySpan<byte> data, List<WireField> fields, JsonEncodedText? name, bool omitZero)
    {
        var isString = LastBits(fields, 1) == 1;
        if (isString)
        {
            var (start, end) = Range(fields, 3);
            var text = start == end ? [] : data.Slice(fields[end - 1].Offset, fields[end - 1].Length);
            if (omitZero && text.IsEmpty)
            {
                return true;
            }
            WriteName(name);
            WriteUtf8String(text);
            return true;
        }
        var number = (int)LastBits(fields, 2);
        if (omitZero && number == 0)
        {
            return true;
        }
        WriteName(name);
        json.WriteNumberValue(number);
        return true;
    }

    private bool WriteRawJson(ReadOnlySpan<byte> data, ProtoMessage message, List<WireField> fields, int depth, JsonEncodedText? name, bool omitNull)
    {
        var (start, end) = Range(fields, 1);
        var raw = start == end ? [] : data.Slice(fields[end - 1].Offset, fields[end - 1].Length);
        if (raw.IsEmpty)
        {
            return WriteNull(name, omitNull);
        }
        if (raw.StartsWith(ProtobufTranscoder.Magic))
        {
            // An embedded object may itself travel as a protobuf envelope.
            if (!ProtobufTranscoder.TryDecodeEnvelope(raw, depth + 1, out _, out _, out var nested, out var error))
            {
                return Fail($"{message.Name}: embedded object: {error}");
            }
            WriteName(name);
            json.WriteRawValue(nested, skipInputValidation: true);
            return true;
        }
        if (!IsValidJson(raw))
        {
            return Fail($"{message.Name}: raw bytes are neither JSON nor a protobuf envelope");
        }
        WriteName(name);
        json.WriteRawValue(raw, skipInputValidation: true);
        return true;
    }

    private static bool IsValidJson(ReadOnlySpan<byte> raw)
    {
        try
        {
            var reader = new Utf8JsonReader(raw, new JsonReaderOptions { MaxDepth = 256 });
            if (!reader.Read())
            {
                return false;
            }
            reader.Skip();
            return !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private bool WriteSchemaUnion(ReadOnlySpan<byte> data, ProtoMessage message, List<WireField> fields, int depth, JsonEncodedText? name, bool omitNull)
    {
        var schemaNumber = message.Shape == MessageShape.SchemaOrBool ? 2 : 1;
        var (schemaStart, schemaEnd) = Range(fields, schemaNumber);
        if (message.Shape != MessageShape.SchemaOrBool)
        {
            // The array form wins when it has items, as the Go MarshalJSON methods decide.
            var (start, end) = Range(fields, 2);
            if (start != end)
            {
                return WriteRepeated(data, message, message.Field(2)!, fields, start, end, depth, name);
            }
        }
        if (schemaStart != schemaEnd)
        {
            var schemaField = message.Field(schemaNumber)!;
            var schema = schemaEnd - schemaStart == 1
                ? data.Slice(fields[schemaStart].Offset, fields[schemaStart].Length)
                : Concat(data, fields, schemaStart, schemaEnd);
            return WriteMessageValue(schema, schemaField.Message!, depth + 1, name, omitNullOrZero: false, omitZeroIntOrString: false);
        }
        if (message.Shape == MessageShape.SchemaOrBool)
        {
            WriteName(name);
            json.WriteBooleanValue(LastBits(fields, 1) != 0);
            return true;
        }
        return WriteNull(name, omitNull);
    }

    /// <summary>Formats nanoseconds as Go's time.Duration.String does: "1h0m0s", "1.5s", "300ms", "0s".</summary>
    internal static string FormatGoDuration(long nanoseconds)
    {
        if (nanoseconds == 0)
        {
            return "0s";
        }
        var sign = nanoseconds < 0 ? "-" : "";
        var u = nanoseconds < 0 ? (ulong)(-(nanoseconds + 1)) + 1 : (ulong)nanoseconds;
        if (u < 1_000)
        {
            return $"{sign}{u}ns";
        }
        if (u < 1_000_000_000)
        {
            return u < 1_000_000 ? sign + Fraction(u, 1_000, 3) + "µs" : sign + Fraction(u, 1_000_000, 6) + "ms";
        }
        var seconds = u / 1_000_000_000;
        var text = Fraction(u % 1_000_000_000 + seconds % 60 * 1_000_000_000, 1_000_000_000, 9) + "s";
        var minutes = seconds / 60;
        if (minutes > 0)
        {
            var hours = minutes / 60;
            text = (minutes % 60).ToString(CultureInfo.InvariantCulture) + "m" + text;
            if (hours > 0)
            {
                text = hours.ToString(CultureInfo.InvariantCulture) + "h" + text;
            }
        }
        return sign + text;
    }

    private static string Fraction(ulong value, ulong unit, int digits)
    {
        var whole = (value / unit).ToString(CultureInfo.InvariantCulture);
        var fraction = value % unit;
        if (fraction == 0)
        {
            return whole;
        }
        return whole + "." + fraction.ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0').TrimEnd('0');
    }
}
