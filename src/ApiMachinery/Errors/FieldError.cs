using System.Globalization;
using System.Text;
using KubeNet.ApiMachinery.Validation;

namespace KubeNet.ApiMachinery.Errors;

/// <summary>The field.ErrorType values of apimachinery, with the reason string each carries in Status causes.</summary>
public enum FieldErrorType
{
    Required,
    Invalid,
    NotSupported,
    Duplicate,
    Forbidden,
    TooLong,
    TooMany,
    NotFound,
    Internal,
}

/// <summary>One validation failure at a field path; renders the way apimachinery's field.Error does.</summary>
public sealed record FieldError(FieldErrorType Type, string Field, object? BadValue, string Detail, bool HasValue = true)
{
    public static FieldError Required(string field, string detail = "") => new(FieldErrorType.Required, field, null, detail, HasValue: false);

    public static FieldError Invalid(string field, object? value, string detail) => new(FieldErrorType.Invalid, field, value, detail);

    public static FieldError Forbidden(string field, string detail) => new(FieldErrorType.Forbidden, field, null, detail, HasValue: false);

    public static FieldError Duplicate(string field, object? value) => new(FieldErrorType.Duplicate, field, value, string.Empty);

    public static FieldError TooLong(string field, object? value, int max)
        => new(FieldErrorType.TooLong, field, value, string.Create(CultureInfo.InvariantCulture, $"must have at most {max} bytes"), HasValue: false);

    public static FieldError NotSupported(string field, object? value, IEnumerable<string> supported)
        => new(FieldErrorType.NotSupported, field, value, "supported values: " + string.Join(", ", supported.Select(GoText.Quote)));

    public string Reason => Type switch
    {
        FieldErrorType.Required => "FieldValueRequired",
        FieldErrorType.Invalid => "FieldValueInvalid",
        FieldErrorType.NotSupported => "FieldValueNotSupported",
        FieldErrorType.Duplicate => "FieldValueDuplicate",
        FieldErrorType.Forbidden => "FieldValueForbidden",
        FieldErrorType.TooLong => "FieldValueTooLong",
        FieldErrorType.TooMany => "FieldValueTooMany",
        FieldErrorType.NotFound => "FieldValueNotFound",
        _ => "InternalError",
    };

    private string TypeText => Type switch
    {
        FieldErrorType.Required => "Required value",
        FieldErrorType.Invalid => "Invalid value",
        FieldErrorType.NotSupported => "Unsupported value",
        FieldErrorType.Duplicate => "Duplicate value",
        FieldErrorType.Forbidden => "Forbidden",
        FieldErrorType.TooLong => "Too long",
        FieldErrorType.TooMany => "Too many",
        FieldErrorType.NotFound => "Not found",
        _ => "Internal error",
    };

    /// <summary>The message without the field path, as Status causes carry it.</summary>
    public string Body
    {
        get
        {
            var sb = new StringBuilder(TypeText);
            if (HasValue && Type is not (FieldErrorType.Required or FieldErrorType.Forbidden or FieldErrorType.TooLong or FieldErrorType.Internal))
            {
                sb.Append(": ").Append(FormatValue(BadValue));
            }

            if (Detail.Length > 0)
            {
                sb.Append(": ").Append(Detail);
            }

            return sb.ToString();
        }
    }

    public override string ToString() => Field.Length == 0 ? Body : Field + ": " + Body;

    private static string FormatValue(object? value) => value switch
    {
        null => "null",
        string s => GoText.Quote(s),
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "null",
    };
}

/// <summary>Field paths built the way field.NewPath(...).Child(...).Index(...) prints them.</summary>
public readonly record struct FieldPath(string Value)
{
    public static FieldPath Root(string name) => new(name);

    public FieldPath Child(string name) => new(Value.Length == 0 ? name : Value + "." + name);

    public FieldPath Index(int i) => new(Value + "[" + i.ToString(CultureInfo.InvariantCulture) + "]");

    public FieldPath Key(string key) => new(Value + "[" + key + "]");

    public override string ToString() => Value;

    public static implicit operator string(FieldPath p) => p.Value;
}
