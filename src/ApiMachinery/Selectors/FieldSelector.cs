using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace KubeNet.ApiMachinery.Selectors;

public enum FieldOperator
{
    // "=" and "==" are the same term upstream.
    Equals,
    NotEquals,
}

// field OP value, value already unescaped.
public readonly record struct FieldSelectorTerm(string Field, FieldOperator Operator, string Value)
{
    public override string ToString() =>
        Field + (Operator == FieldOperator.Equals ? "=" : "!=") + FieldSelector.EscapeValue(Value);
}

// A parsed field selector (fields.ParseSelector): the AND of its terms, sorted by their text as
// upstream sorts them. A missing field reads as "", as upstream Fields.Get does.
public sealed class FieldSelector
{
    private readonly FieldSelectorTerm[] _terms;

    private FieldSelector(FieldSelectorTerm[] terms) => _terms = terms;

    public static FieldSelector Everything { get; } = new([]);

    public IReadOnlyList<FieldSelectorTerm> Terms => _terms;

    public bool IsEmpty => _terms.Length == 0;

    // On failure error holds the upstream message; the API server answers 400 BadRequest with it.
    public static bool TryParse(
        string? text,
        [NotNullWhen(true)] out FieldSelector? selector,
        [NotNullWhen(false)] out string? error)
    {
        selector = null;
        if (string.IsNullOrEmpty(text))
        {
            selector = Everything;
            error = null;
            return true;
        }
        var parts = SplitTerms(text);
        parts.Sort(StringComparer.Ordinal);
        var terms = new List<FieldSelectorTerm>(parts.Count);
        foreach (var part in parts)
        {
            if (part.Length == 0)
            {
                continue;
            }
            if (!SplitTerm(part, out var field, out var op, out var rawValue))
            {
                error = $"invalid selector: '{text}'; can't understand '{part}'";
                return false;
            }
            if (!TryUnescapeValue(rawValue, out var value, out error))
            {
                return false;
            }
            terms.Add(new FieldSelectorTerm(field, op, value));
        }
        selector = terms.Count == 0 ? Everything : new FieldSelector([.. terms]);
        error = null;
        return true;
    }

    public static FieldSelector Parse(string? text) =>
        TryParse(text, out var selector, out var error) ? selector : throw new FormatException(error);

    // fields.OneTermEqualSelector, e.g. metadata.name=<name> for a watch on one object.
    public static FieldSelector OneTermEquals(string field, string value) =>
        new([new FieldSelectorTerm(field, FieldOperator.Equals, value)]);

    // fields.SelectorFromSet.
    public static FieldSelector FromSet(IReadOnlyDictionary<string, string>? set)
    {
        if (set is null || set.Count == 0)
        {
            return Everything;
        }
        return new FieldSelector(set
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => new FieldSelectorTerm(p.Key, FieldOperator.Equals, p.Value))
            .ToArray());
    }

    public bool Matches(Func<string, string?> getField)
    {
        foreach (var term in _terms)
        {
            if (!TermMatches(term, getField(term.Field)))
            {
                return false;
            }
        }
        return true;
    }

    // The same without a closure: pass the object as state and a static lambda.
    public bool Matches<TState>(TState state, Func<TState, string, string?> getField)
    {
        foreach (var term in _terms)
        {
            if (!TermMatches(term, getField(state, term.Field)))
            {
                return false;
            }
        }
        return true;
    }

    public bool Matches(IReadOnlyDictionary<string, string>? fields)
    {
        foreach (var term in _terms)
        {
            string? actual = null;
            _ = fields?.TryGetValue(term.Field, out actual);
            if (!TermMatches(term, actual))
            {
                return false;
            }
        }
        return true;
    }

    private static bool TermMatches(in FieldSelectorTerm term, string? actual)
    {
        var equal = string.Equals(actual ?? "", term.Value, StringComparison.Ordinal);
        return term.Operator == FieldOperator.Equals ? equal : !equal;
    }

    // RequiresExactMatch: the first field=value term on this field. The API server uses it to
    // serve metadata.name=<name> (single-object watches) and spec.nodeName=<node> efficiently.
    public bool TryGetExactMatch(string field, [NotNullWhen(true)] out string? value)
    {
        foreach (var term in _terms)
        {
            if (term.Operator == FieldOperator.Equals && term.Field == field)
            {
                value = term.Value;
                return true;
            }
        }
        value = null;
        return false;
    }

    // The distinct field names the selector needs, in term order.
    public IReadOnlyList<string> RequiredFields => _terms.Select(t => t.Field).Distinct(StringComparer.Ordinal).ToList();

    // The 400 message for the first field the kind does not support (the API server passes the
    // kind's field labels), or null when all are supported. Upstream walks the terms in the same
    // sorted order through ConvertFieldLabel.
    public string? FindUnsupportedField(Func<string, bool> isSupported)
    {
        foreach (var term in _terms)
        {
            if (!isSupported(term.Field))
            {
                return "field label not supported: " + term.Field;
            }
        }
        return null;
    }

    public override string ToString() => string.Join(",", _terms.Select(t => t.ToString()));

    // fields.EscapeValue: \ , and = are prefixed with a backslash.
    public static string EscapeValue(string value)
    {
        if (value.AsSpan().IndexOfAny('\\', ',', '=') < 0)
        {
            return value;
        }
        var sb = new StringBuilder(value.Length + 4);
        foreach (var c in value)
        {
            if (c is '\\' or ',' or '=')
            {
                sb.Append('\\');
            }
            sb.Append(c);
        }
        return sb.ToString();
    }

    // Backslash-escaped commas are data, not separators; the backslash stays in the term.
    private static List<string> SplitTerms(string text)
    {
        var terms = new List<string>(1);
        var start = 0;
        var inSlash = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (inSlash)
            {
                inSlash = false;
            }
            else if (c == '\\')
            {
                inSlash = true;
            }
            else if (c == ',')
            {
                terms.Add(text[start..i]);
                start = i + 1;
            }
        }
        terms.Add(text[start..]);
        return terms;
    }

    // The first operator occurrence splits the term; "!=" and "==" are tried before "=" at each
    // position. The left side has no escaping.
    private static bool SplitTerm(string term, out string field, out FieldOperator op, out string value)
    {
        for (var i = 0; i < term.Length; i++)
        {
            var rest = term.AsSpan(i);
            if (rest.StartsWith("!=", StringComparison.Ordinal))
            {
                (field, op, value) = (term[..i], FieldOperator.NotEquals, term[(i + 2)..]);
                return true;
            }
            if (rest.StartsWith("==", StringComparison.Ordinal))
            {
                (field, op, value) = (term[..i], FieldOperator.Equals, term[(i + 2)..]);
                return true;
            }
            if (rest[0] == '=')
            {
                (field, op, value) = (term[..i], FieldOperator.Equals, term[(i + 1)..]);
                return true;
            }
        }
        (field, op, value) = ("", FieldOperator.Equals, "");
        return false;
    }

    private static bool TryUnescapeValue(string text, out string value, [NotNullWhen(false)] out string? error)
    {
        if (text.AsSpan().IndexOfAny('\\', ',', '=') < 0)
        {
            value = text;
            error = null;
            return true;
        }
        var sb = new StringBuilder(text.Length);
        var inSlash = false;
        foreach (var c in text)
        {
            if (inSlash)
            {
                if (c is not ('\\' or ',' or '='))
                {
                    value = "";
                    error = $"invalid field selector: invalid escape sequence: \\{c}";
                    return false;
                }
                sb.Append(c);
                inSlash = false;
                continue;
            }
            switch (c)
            {
                case '\\':
                    inSlash = true;
                    break;
                case ',' or '=':
                    // Upstream prints the rune with %v, i.e. as its number.
                    value = "";
                    error = $"invalid field selector: unescaped character in value: {(int)c}";
                    return false;
                default:
                    sb.Append(c);
                    break;
            }
        }
        if (inSlash)
        {
            value = "";
            error = "invalid field selector: invalid escape sequence: \\";
            return false;
        }
        value = sb.ToString();
        error = null;
        return true;
    }
}
