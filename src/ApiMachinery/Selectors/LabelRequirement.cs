using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using KubeNet.ApiMachinery.Validation;

namespace KubeNet.ApiMachinery.Selectors;

public enum LabelOperator
{
    Equals,
    DoubleEquals,
    NotEquals,
    In,
    NotIn,
    Exists,
    DoesNotExist,
    GreaterThan,
    LessThan,
}

// One clause of a label selector (labels.Requirement). Immutable; values keep the order given.
public sealed class LabelRequirement
{
    private readonly string[] _values;
    // Gt/Lt compare integers; the bound is parsed once here instead of on every match.
    private readonly long _bound;
    private readonly bool _hasBound;

    private LabelRequirement(string key, LabelOperator op, string[] values)
    {
        Key = key;
        Operator = op;
        _values = values;
        if (op is LabelOperator.GreaterThan or LabelOperator.LessThan)
        {
            _hasBound = values.Length == 1 && TryParseInt64(values[0], out _bound);
        }
    }

    public string Key { get; }

    public LabelOperator Operator { get; }

    public IReadOnlyList<string> Values => _values;

    // labels.NewRequirement: validates key, operator arity and values; error is the upstream text.
    public static bool TryCreate(
        string key,
        LabelOperator op,
        IReadOnlyList<string>? values,
        [NotNullWhen(true)] out LabelRequirement? requirement,
        [NotNullWhen(false)] out string? error)
    {
        var vals = values is null ? [] : values.ToArray();
        var errors = new List<string>();
        var keyErrors = NameValidation.IsQualifiedName(key);
        if (keyErrors.Count != 0)
        {
            errors.Add(GoText.InvalidField("key", GoText.Quote(key), string.Join("; ", keyErrors)));
        }

        switch (op)
        {
            case LabelOperator.In or LabelOperator.NotIn:
                if (vals.Length == 0)
                {
                    errors.Add(GoText.InvalidField("values", GoText.GoStringSlice(values), "for 'in', 'notin' operators, values set can't be empty"));
                }
                break;
            case LabelOperator.Equals or LabelOperator.DoubleEquals or LabelOperator.NotEquals:
                if (vals.Length != 1)
                {
                    errors.Add(GoText.InvalidField("values", GoText.GoStringSlice(values), "exact-match compatibility requires one single value"));
                }
                break;
            case LabelOperator.Exists or LabelOperator.DoesNotExist:
                if (vals.Length != 0)
                {
                    errors.Add(GoText.InvalidField("values", GoText.GoStringSlice(values), "values set must be empty for exists and does not exist"));
                }
                break;
            case LabelOperator.GreaterThan or LabelOperator.LessThan:
                if (vals.Length != 1)
                {
                    errors.Add(GoText.InvalidField("values", GoText.GoStringSlice(values), "for 'Gt', 'Lt' operators, exactly one value is required"));
                }
                for (var i = 0; i < vals.Length; i++)
                {
                    if (!TryParseInt64(vals[i], out _))
                    {
                        errors.Add(GoText.InvalidField($"values[{i}]", GoText.Quote(vals[i]), "for 'Gt', 'Lt' operators, the value must be an integer"));
                    }
                }
                break;
            default:
                errors.Add($"operator: Unsupported value: {GoText.Quote(op.ToString())}: supported values: \"in\", \"notin\", \"=\", \"==\", \"!=\", \"gt\", \"lt\", \"exists\", \"!\"");
                break;
        }

        for (var i = 0; i < vals.Length; i++)
        {
            var valueErrors = NameValidation.IsValidLabelValue(vals[i]);
            if (valueErrors.Count != 0)
            {
                errors.Add(GoText.InvalidField($"values[{i}][{key}]", GoText.Quote(vals[i]), string.Join("; ", valueErrors)));
            }
        }

        if (errors.Count != 0)
        {
            requirement = null;
            error = GoText.Aggregate(errors);
            return false;
        }
        requirement = new LabelRequirement(key, op, vals);
        error = null;
        return true;
    }

    // Builds without validation, for selectors made from already validated label sets.
    internal static LabelRequirement CreateUnchecked(string key, LabelOperator op, string[] values) => new(key, op, values);

    public bool Matches(IReadOnlyDictionary<string, string>? labels)
    {
        string? value = null;
        var exists = labels is not null && labels.TryGetValue(Key, out value);
        switch (Operator)
        {
            case LabelOperator.In or LabelOperator.Equals or LabelOperator.DoubleEquals:
                return exists && HasValue(value!);
            case LabelOperator.NotIn or LabelOperator.NotEquals:
                return !exists || !HasValue(value!);
            case LabelOperator.Exists:
                return exists;
            case LabelOperator.DoesNotExist:
                return !exists;
            case LabelOperator.GreaterThan or LabelOperator.LessThan:
                if (!exists || !_hasBound || !TryParseInt64(value!, out var actual))
                {
                    return false;
                }
                return Operator == LabelOperator.GreaterThan ? actual > _bound : actual < _bound;
            default:
                return false;
        }
    }

    private bool HasValue(string value)
    {
        foreach (var v in _values)
        {
            if (string.Equals(v, value, StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }

    public override string ToString()
    {
        var sb = new StringBuilder(Key.Length + 8 + (5 * _values.Length));
        if (Operator == LabelOperator.DoesNotExist)
        {
            sb.Append('!');
        }
        sb.Append(Key);
        switch (Operator)
        {
            case LabelOperator.Equals: sb.Append('='); break;
            case LabelOperator.DoubleEquals: sb.Append("=="); break;
            case LabelOperator.NotEquals: sb.Append("!="); break;
            case LabelOperator.In: sb.Append(" in "); break;
            case LabelOperator.NotIn: sb.Append(" notin "); break;
            case LabelOperator.GreaterThan: sb.Append('>'); break;
            case LabelOperator.LessThan: sb.Append('<'); break;
            default: return sb.ToString();
        }
        var set = Operator is LabelOperator.In or LabelOperator.NotIn;
        if (set)
        {
            sb.Append('(');
        }
        if (_values.Length == 1)
        {
            sb.Append(_values[0]);
        }
        else
        {
            // Output is normalised to sorted order; the stored order stays as given.
            var sorted = (string[])_values.Clone();
            Array.Sort(sorted, StringComparer.Ordinal);
            sb.AppendJoin(',', sorted);
        }
        if (set)
        {
            sb.Append(')');
        }
        return sb.ToString();
    }

    // strconv.ParseInt(s, 10, 64): optional sign, decimal digits, nothing else.
    internal static bool TryParseInt64(string text, out long value) =>
        long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
}
