using System.Text.RegularExpressions;

namespace KubeNet.ApiMachinery.Validation;

// The string-format checks of k8s.io/apimachinery/pkg/util/validation (as served by kube-apiserver
// 1.32). Each check returns the upstream messages; an empty list means valid. Callers wrap each
// message into a field error ("metadata.name: Invalid value: \"x\": <message>").
public static partial class NameValidation
{
    public const int Dns1123LabelMaxLength = 63;
    public const int Dns1123SubdomainMaxLength = 253;
    public const int Dns1035LabelMaxLength = 63;
    public const int QualifiedNameMaxLength = 63;
    public const int LabelValueMaxLength = 63;
    public const int TotalAnnotationSizeLimitBytes = 256 * 1024;

    public const string Dns1123LabelFormat = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
    public const string Dns1123SubdomainFormat = Dns1123LabelFormat + "(\\." + Dns1123LabelFormat + ")*";
    public const string Dns1035LabelFormat = "[a-z]([-a-z0-9]*[a-z0-9])?";
    public const string QualifiedNameFormat = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
    public const string LabelValueFormat = "(" + QualifiedNameFormat + ")?";
    public const string CIdentifierFormat = "[A-Za-z_][A-Za-z0-9_]*";
    public const string ConfigMapKeyFormat = "[-._a-zA-Z0-9]+";

    private const string Dns1123LabelErrorMessage =
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
    private const string Dns1123SubdomainErrorMessage =
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
    private const string Dns1035LabelErrorMessage =
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";
    private const string QualifiedNameErrorMessage =
        "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
    private const string LabelValueErrorMessage =
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
    private const string CIdentifierErrorMessage =
        "a valid C identifier must start with alphabetic character or '_', followed by a string of alphanumeric characters or '_'";
    private const string ConfigMapKeyErrorMessage =
        "a valid config key must consist of alphanumeric characters, '-', '_' or '.'";

    // The detail of field.TooLong for metadata.annotations.
    public static readonly string AnnotationsTooLongDetail = $"must have at most {TotalAnnotationSizeLimitBytes} bytes";

    private static readonly string[] NoErrors = [];

    // Go's regexp anchors "^...$" match the whole text; .NET's "$" would also accept a trailing
    // newline, so the patterns end in \z.
    [GeneratedRegex("^" + Dns1123LabelFormat + "\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Dns1123LabelRegex();

    [GeneratedRegex("^" + Dns1123SubdomainFormat + "\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Dns1123SubdomainRegex();

    [GeneratedRegex("^" + Dns1035LabelFormat + "\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Dns1035LabelRegex();

    [GeneratedRegex("^" + QualifiedNameFormat + "\\z", RegexOptions.CultureInvariant)]
    private static partial Regex QualifiedNameRegex();

    [GeneratedRegex("^" + LabelValueFormat + "\\z", RegexOptions.CultureInvariant)]
    private static partial Regex LabelValueRegex();

    [GeneratedRegex("^" + CIdentifierFormat + "\\z", RegexOptions.CultureInvariant)]
    private static partial Regex CIdentifierRegex();

    [GeneratedRegex("^" + ConfigMapKeyFormat + "\\z", RegexOptions.CultureInvariant)]
    private static partial Regex ConfigMapKeyRegex();

    public static string MaxLenError(int length) => $"must be no more than {length} characters";

    public static string EmptyError() => "must be non-empty";

    public static string InclusiveRangeError(long low, long high) => $"must be between {low} and {high}, inclusive";

    public static string RegexError(string message, string format, params string[] examples)
    {
        if (examples.Length == 0)
        {
            return message + " (regex used for validation is '" + format + "')";
        }
        // Upstream joins "'a', " and " or 'b', ", hence the double space before "or".
        var text = message + " (e.g. ";
        for (var i = 0; i < examples.Length; i++)
        {
            if (i > 0)
            {
                text += " or ";
            }
            text += "'" + examples[i] + "', ";
        }
        return text + "regex used for validation is '" + format + "')";
    }

    public static IReadOnlyList<string> IsDns1123Label(string value)
    {
        List<string>? errors = null;
        if (GoText.ByteLength(value) > Dns1123LabelMaxLength)
        {
            (errors ??= []).Add(MaxLenError(Dns1123LabelMaxLength));
        }
        if (!Dns1123LabelRegex().IsMatch(value))
        {
            // A valid subdomain that is not a valid label (length is already reported) has dots.
            (errors ??= []).Add(Dns1123SubdomainRegex().IsMatch(value)
                ? "must not contain dots"
                : RegexError(Dns1123LabelErrorMessage, Dns1123LabelFormat, "my-name", "123-abc"));
        }
        return errors ?? (IReadOnlyList<string>)NoErrors;
    }

    public static IReadOnlyList<string> IsDns1123Subdomain(string value)
    {
        List<string>? errors = null;
        if (GoText.ByteLength(value) > Dns1123SubdomainMaxLength)
        {
            (errors ??= []).Add(MaxLenError(Dns1123SubdomainMaxLength));
        }
        if (!Dns1123SubdomainRegex().IsMatch(value))
        {
            (errors ??= []).Add(RegexError(Dns1123SubdomainErrorMessage, Dns1123SubdomainFormat, "example.com"));
        }
        return errors ?? (IReadOnlyList<string>)NoErrors;
    }

    public static IReadOnlyList<string> IsDns1035Label(string value)
    {
        List<string>? errors = null;
        if (GoText.ByteLength(value) > Dns1035LabelMaxLength)
        {
            (errors ??= []).Add(MaxLenError(Dns1035LabelMaxLength));
        }
        if (!Dns1035LabelRegex().IsMatch(value))
        {
            (errors ??= []).Add(RegexError(Dns1035LabelErrorMessage, Dns1035LabelFormat, "my-name", "abc-123"));
        }
        return errors ?? (IReadOnlyList<string>)NoErrors;
    }

    // A "qualified name": label keys, annotation keys (lower-cased first), finalizers.
    public static IReadOnlyList<string> IsQualifiedName(string value)
    {
        var errors = new List<string>();
        var parts = value.Split('/');
        string name;
        switch (parts.Length)
        {
            case 1:
                name = parts[0];
                break;
            case 2:
                var prefix = parts[0];
                name = parts[1];
                if (prefix.Length == 0)
                {
                    errors.Add("prefix part " + EmptyError());
                }
                else
                {
                    foreach (var message in IsDns1123Subdomain(prefix))
                    {
                        errors.Add("prefix part " + message);
                    }
                }
                break;
            default:
                errors.Add("a qualified name " +
                    RegexError(QualifiedNameErrorMessage, QualifiedNameFormat, "MyName", "my.name", "123-abc") +
                    " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
                return errors;
        }

        if (name.Length == 0)
        {
            errors.Add("name part " + EmptyError());
        }
        else if (GoText.ByteLength(name) > QualifiedNameMaxLength)
        {
            errors.Add("name part " + MaxLenError(QualifiedNameMaxLength));
        }
        if (!QualifiedNameRegex().IsMatch(name))
        {
            errors.Add("name part " + RegexError(QualifiedNameErrorMessage, QualifiedNameFormat, "MyName", "my.name", "123-abc"));
        }
        return errors;
    }

    public static IReadOnlyList<string> IsValidLabelValue(string value)
    {
        List<string>? errors = null;
        if (GoText.ByteLength(value) > LabelValueMaxLength)
        {
            (errors ??= []).Add(MaxLenError(LabelValueMaxLength));
        }
        if (!LabelValueRegex().IsMatch(value))
        {
            (errors ??= []).Add(RegexError(LabelValueErrorMessage, LabelValueFormat, "MyValue", "my_value", "12345"));
        }
        return errors ?? (IReadOnlyList<string>)NoErrors;
    }

    public static IReadOnlyList<string> IsCIdentifier(string value) =>
        CIdentifierRegex().IsMatch(value)
            ? NoErrors
            : [RegexError(CIdentifierErrorMessage, CIdentifierFormat, "my_name", "MY_NAME", "MyName")];

    public static IReadOnlyList<string> IsValidPortNum(int port) =>
        port is >= 1 and <= 65535 ? NoErrors : [InclusiveRangeError(1, 65535)];

    public static IReadOnlyList<string> IsValidPortName(string port)
    {
        var errors = new List<string>();
        if (GoText.ByteLength(port) > 15)
        {
            errors.Add(MaxLenError(15));
        }
        if (port.Length == 0 || !port.All(c => c is '-' or (>= 'a' and <= 'z') or (>= '0' and <= '9')))
        {
            errors.Add("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
        }
        if (!port.Any(c => c is >= 'a' and <= 'z'))
        {
            errors.Add("must contain at least one letter (a-z)");
        }
        if (port.Contains("--", StringComparison.Ordinal))
        {
            errors.Add("must not contain consecutive hyphens");
        }
        if (port.Length > 0 && (port[0] == '-' || port[^1] == '-'))
        {
            errors.Add("must not begin or end with a hyphen");
        }
        return errors;
    }

    // Keys of ConfigMap and Secret data.
    public static IReadOnlyList<string> IsConfigMapKey(string value)
    {
        var errors = new List<string>();
        if (GoText.ByteLength(value) > Dns1123SubdomainMaxLength)
        {
            errors.Add(MaxLenError(Dns1123SubdomainMaxLength));
        }
        if (!ConfigMapKeyRegex().IsMatch(value))
        {
            errors.Add(RegexError(ConfigMapKeyErrorMessage, ConfigMapKeyFormat, "key.name", "KEY_NAME", "key-name"));
        }
        if (value == ".")
        {
            errors.Add("must not be '.'");
        }
        else if (value == "..")
        {
            errors.Add("must not be '..'");
        }
        else if (value.StartsWith("..", StringComparison.Ordinal))
        {
            errors.Add("must not start with '..'");
        }
        return errors;
    }

    // Every object name becomes one segment of a URL path (path.IsValidPathSegmentName).
    public static IReadOnlyList<string> IsValidPathSegmentName(string name)
    {
        if (name is "." or "..")
        {
            return [$"may not be '{name}'"];
        }
        List<string>? errors = null;
        if (name.Contains('/', StringComparison.Ordinal))
        {
            (errors ??= []).Add("may not contain '/'");
        }
        if (name.Contains('%', StringComparison.Ordinal))
        {
            (errors ??= []).Add("may not contain '%'");
        }
        return errors ?? (IReadOnlyList<string>)NoErrors;
    }

    // The ValidateNameFunc family of pkg/api/validation/generic.go. With prefix=true the value is a
    // generateName: random characters follow it, so a trailing '-' is allowed.
    public static IReadOnlyList<string> NameIsDnsSubdomain(string name, bool prefix) =>
        IsDns1123Subdomain(prefix ? MaskTrailingDash(name) : name);

    public static IReadOnlyList<string> NameIsDnsLabel(string name, bool prefix) =>
        IsDns1123Label(prefix ? MaskTrailingDash(name) : name);

    public static IReadOnlyList<string> NameIsDns1035Label(string name, bool prefix) =>
        IsDns1035Label(prefix ? MaskTrailingDash(name) : name);

    // Namespaces are DNS labels; upstream ValidateNamespaceName is NameIsDNSLabel.
    public static IReadOnlyList<string> ValidateNamespaceName(string name, bool prefix) => NameIsDnsLabel(name, prefix);

    // Upstream replaces the last two characters by "a" (not only the dash); kept for identical results.
    private static string MaskTrailingDash(string name) =>
        name.Length > 1 && name[^1] == '-' ? name[..^2] + "a" : name;

    // metadata.labels: every key is a qualified name and every value a label value.
    public static IReadOnlyList<InvalidValue> ValidateLabels(IReadOnlyDictionary<string, string>? labels)
    {
        if (labels is null || labels.Count == 0)
        {
            return [];
        }
        var errors = new List<InvalidValue>();
        foreach (var (key, value) in labels)
        {
            foreach (var message in IsQualifiedName(key))
            {
                errors.Add(new InvalidValue(key, message));
            }
            foreach (var message in IsValidLabelValue(value))
            {
                errors.Add(new InvalidValue(value, message));
            }
        }
        return errors;
    }

    // metadata.annotations keys: qualified names, case-insensitive. The total size is checked
    // separately (AnnotationsTooLarge) because upstream reports it as a TooLong error.
    public static IReadOnlyList<InvalidValue> ValidateAnnotationKeys(IReadOnlyDictionary<string, string>? annotations)
    {
        if (annotations is null || annotations.Count == 0)
        {
            return [];
        }
        var errors = new List<InvalidValue>();
        foreach (var key in annotations.Keys)
        {
            foreach (var message in IsQualifiedName(key.ToLowerInvariant()))
            {
                errors.Add(new InvalidValue(key, message));
            }
        }
        return errors;
    }

    // Sum of key and value bytes, as ValidateAnnotationsSize counts them.
    public static long AnnotationsSize(IReadOnlyDictionary<string, string>? annotations)
    {
        long total = 0;
        if (annotations is not null)
        {
            foreach (var (key, value) in annotations)
            {
                total += GoText.ByteLength(key) + GoText.ByteLength(value);
            }
        }
        return total;
    }

    public static bool AnnotationsTooLarge(IReadOnlyDictionary<string, string>? annotations) =>
        AnnotationsSize(annotations) > TotalAnnotationSizeLimitBytes;
}

// One rejected value and the upstream message about it; the caller adds the field path.
public readonly record struct InvalidValue(string Value, string Message);
