using System.Text;

namespace KubeNet.ApiMachinery.Validation;

// Upstream error texts are built with Go's fmt verbs; clients and tests compare them byte for byte,
// so the few verbs we need are reproduced here.
public static class GoText
{
    // Go's %q (strconv.Quote) for the strings that reach our messages.
    public static string Quote(string value)
    {
        var sb = new StringBuilder(value.Length + 2);
        sb.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\a': sb.Append("\\a"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\v': sb.Append("\\v"); break;
                default:
                    if (c < 0x20 || c == 0x7f)
                    {
                        sb.Append("\\x").Append(((int)c).ToString("x2"));
                    }
                    else
                    {
                        sb.Append(c);
                    }
                    break;
            }
        }
        sb.Append('"');
        return sb.ToString();
    }

    // Go's %#v of a []string, as field.Invalid prints a list of values.
    public static string GoStringSlice(IReadOnlyList<string>? values)
    {
        if (values is null || values.Count == 0)
        {
            return "[]string(nil)";
        }
        return "[]string{" + string.Join(", ", values.Select(Quote)) + "}";
    }

    // field.Invalid(path, value, detail).Error() for a string value.
    public static string InvalidField(string path, string quotedValue, string detail) =>
        $"{path}: Invalid value: {quotedValue}: {detail}";

    // utilerrors.NewAggregate(...).Error(): one message alone, several in brackets, duplicates once.
    public static string Aggregate(IReadOnlyList<string> messages)
    {
        var distinct = messages.Distinct(StringComparer.Ordinal).ToList();
        return distinct.Count == 1 ? distinct[0] : "[" + string.Join(", ", distinct) + "]";
    }

    // Go measures string length in UTF-8 bytes.
    public static int ByteLength(string value)
    {
        foreach (var c in value)
        {
            if (c > 0x7f)
            {
                return Encoding.UTF8.GetByteCount(value);
            }
        }
        return value.Length;
    }
}
