using System.Globalization;
using k8s.Models;
using KubeNet.ApiMachinery.Errors;
using KubeNet.ApiMachinery.Json;
using KubeNet.ApiMachinery.Validation;

namespace KubeNet.ApiServer.Registry.Strategies;

/// <summary>
/// The small validators of pkg/apis/core/validation and apimachinery's metav1 validation that many kinds share:
/// non-negative numbers, label selectors, labels and annotations on templates, immutable fields, int-or-percent.
/// </summary>
internal static class CommonValidation
{
    public const string ImmutableMessage = "field is immutable";

    public static void NonNegative(long? value, string path, List<FieldError> errors)
    {
        if (value is < 0)
        {
            errors.Add(FieldError.Invalid(path, value.Value, "must be greater than or equal to 0"));
        }
    }

    public static void Positive(long? value, string path, List<FieldError> errors)
    {
        if (value is <= 0)
        {
            errors.Add(FieldError.Invalid(path, value.Value, "must be greater than zero"));
        }
    }

    /// <summary>ValidateLabels at a field path: keys are qualified names, values label values.</summary>
    public static void Labels(IDictionary<string, string>? labels, string path, List<FieldError> errors)
    {
        if (labels is null)
        {
            return;
        }

        foreach (var bad in NameValidation.ValidateLabels(labels.AsReadOnly()))
        {
            errors.Add(FieldError.Invalid(path, bad.Value, bad.Message));
        }
    }

    public static void Annotations(IDictionary<string, string>? annotations, string path, List<FieldError> errors)
    {
        if (annotations is null)
        {
            return;
        }

        var view = annotations.AsReadOnly();
        foreach (var bad in NameValidation.ValidateAnnotationKeys(view))
        {
            errors.Add(FieldError.Invalid(path, bad.Value, bad.Message));
        }

        if (NameValidation.AnnotationsTooLarge(view))
        {
            errors.Add(FieldError.TooLong(path, string.Empty, NameValidation.TotalAnnotationSizeLimitBytes));
        }
    }

    /// <summary>metav1validation.ValidateLabelSelector.</summary>
    public static void LabelSelector(V1LabelSelector? selector, string path, List<FieldError> errors)
    {
        if (selector is null)
        {
            return;
        }

        var expressions = selector.MatchExpressions ?? [];
        for (var i = 0; i < expressions.Count; i++)
        {
            var e = expressions[i];
            var p = $"{path}.matchExpressions[{i}]";
            switch (e.OperatorProperty)
            {
                case "In" or "NotIn":
                    if (e.Values is null || e.Values.Count == 0)
                    {
                        errors.Add(FieldError.Required(p + ".values", "must be specified when `operator` is 'In' or 'NotIn'"));
                    }

                    break;
                case "Exists" or "DoesNotExist":
                    if (e.Values is { Count: > 0 })
                    {
                        errors.Add(FieldError.Forbidden(p + ".values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
                    }

                    break;
                default:
                    errors.Add(FieldError.Invalid(p + ".operator", e.OperatorProperty ?? string.Empty, "not a valid selector operator"));
                    break;
            }

            foreach (var msg in NameValidation.IsQualifiedName(e.Key ?? string.Empty))
            {
                errors.Add(FieldError.Invalid(p + ".key", e.Key ?? string.Empty, msg));
            }

            foreach (var value in e.Values ?? [])
            {
                foreach (var msg in NameValidation.IsValidLabelValue(value))
                {
                    errors.Add(FieldError.Invalid($"{p}.values[{e.Values!.IndexOf(value)}]", value, msg));
                }
            }
        }

        Labels(selector.MatchLabels, path + ".matchLabels", errors);
    }

    /// <summary>True when the selector, as metav1.LabelSelectorAsSelector reads it, matches the labels.</summary>
    public static bool SelectorMatches(V1LabelSelector? selector, IDictionary<string, string>? labels, out bool parsed, out bool empty)
    {
        parsed = ApiMachinery.Selectors.LabelSelector.TryFromLabelSelector(selector, out var s, out _);
        empty = s?.IsEmpty ?? false;
        return parsed && s!.Matches(labels?.AsReadOnly());
    }

    /// <summary>ValidateImmutableField: compares as the JSON the field serializes to.</summary>
    public static void Immutable<T>(T? value, T? old, string path, object? badValue, List<FieldError> errors)
    {
        if (!JsonEqual(value, old))
        {
            errors.Add(FieldError.Invalid(path, badValue, ImmutableMessage));
        }
    }

    public static bool JsonEqual<T>(T? a, T? b)
    {
        if (a is null || b is null)
        {
            return a is null && b is null;
        }

        return KubeJson.SerializeToUtf8Bytes(a).AsSpan().SequenceEqual(KubeJson.SerializeToUtf8Bytes(b));
    }

    // ---- int or percent (pkg/apis/apps/validation) ----------------------------------------------------------------

    public static bool IsPercent(IntOrString? value) => value?.Value is { } v && !IsInt(v);

    private static bool IsInt(string v) => int.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _);

    /// <summary>validation.IsValidPercent: a whole number followed by "%".</summary>
    public static bool IsValidPercent(string v) =>
        v.Length >= 2 && v[^1] == '%' && v[..^1].All(char.IsAsciiDigit);

    private static readonly string PercentError =
        NameValidation.RegexError("a valid percent string must be a numeric string followed by an ending '%'", "[0-9]+%", "1%", "93%");

    public static void PositiveIntOrPercent(IntOrString? value, string path, List<FieldError> errors)
    {
        if (value?.Value is not { } v)
        {
            return;
        }

        if (IsInt(v))
        {
            NonNegative(int.Parse(v, CultureInfo.InvariantCulture), path, errors);
        }
        else if (!IsValidPercent(v))
        {
            errors.Add(FieldError.Invalid(path, GoValue.IntOrString(value), PercentError));
        }
    }

    /// <summary>getIntOrPercentValue: the number, or the percentage as a number; 0 when it is neither.</summary>
    public static int IntOrPercentValue(IntOrString? value)
    {
        if (value?.Value is not { } v)
        {
            return 0;
        }

        if (IsInt(v))
        {
            return int.Parse(v, CultureInfo.InvariantCulture);
        }

        return IsValidPercent(v) && int.TryParse(v[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var pct) ? pct : 0;
    }

    public static void NotMoreThan100Percent(IntOrString? value, string path, List<FieldError> errors)
    {
        if (value?.Value is { } v && !IsInt(v) && IsValidPercent(v) && IntOrPercentValue(value) > 100)
        {
            errors.Add(FieldError.Invalid(path, GoValue.IntOrString(value), "must not be greater than 100%"));
        }
    }
}
