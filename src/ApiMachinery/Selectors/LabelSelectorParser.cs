using System.Diagnostics.CodeAnalysis;
using KubeNet.ApiMachinery.Validation;

namespace KubeNet.ApiMachinery.Selectors;

// The lexer and recursive-descent parser of labels.Parse. Error texts follow upstream exactly,
// including its quirks (for example "found 'x' expected: '('" has no comma).
internal static class LabelSelectorParser
{
    private enum Token
    {
        Error,
        EndOfString,
        ClosedPar,
        Comma,
        DoesNotExist,
        DoubleEquals,
        Equals,
        GreaterThan,
        Identifier,
        In,
        LessThan,
        NotEquals,
        NotIn,
        OpenPar,
    }

    private readonly record struct Item(Token Token, string Literal);

    private enum Context
    {
        KeyAndOperator,
        Values,
    }

    public static bool TryParse(string text, out List<LabelRequirement> requirements, [NotNullWhen(false)] out string? error)
    {
        var parser = new Parser(Scan(text));
        requirements = [];
        error = parser.Parse(requirements);
        return error is null;
    }

    private static List<Item> Scan(string text)
    {
        var items = new List<Item>();
        var pos = 0;
        while (true)
        {
            var item = Lex(text, ref pos);
            items.Add(item);
            if (item.Token == Token.EndOfString)
            {
                return items;
            }
        }
    }

    // The upstream lexer reads a NUL byte as end of input.
    private static char Read(string text, ref int pos) => pos < text.Length ? text[pos++] : '\0';

    private static bool IsWhitespace(char c) => c is ' ' or '\t' or '\r' or '\n';

    private static bool IsSpecialSymbol(char c) => c is '=' or '!' or '(' or ')' or ',' or '>' or '<';

    private static Token? SymbolToken(string symbol) => symbol switch
    {
        ")" => Token.ClosedPar,
        "," => Token.Comma,
        "!" => Token.DoesNotExist,
        "==" => Token.DoubleEquals,
        "=" => Token.Equals,
        ">" => Token.GreaterThan,
        "<" => Token.LessThan,
        "!=" => Token.NotEquals,
        "(" => Token.OpenPar,
        _ => null,
    };

    private static Item Lex(string text, ref int pos)
    {
        var c = Read(text, ref pos);
        while (IsWhitespace(c))
        {
            c = Read(text, ref pos);
        }
        if (c == '\0')
        {
            return new Item(Token.EndOfString, "");
        }
        pos--;
        return IsSpecialSymbol(c) ? ScanSpecialSymbol(text, ref pos) : ScanIdentifierOrKeyword(text, ref pos);
    }

    private static Item ScanIdentifierOrKeyword(string text, ref int pos)
    {
        var start = pos;
        while (pos < text.Length)
        {
            var c = text[pos];
            if (c == '\0' || IsSpecialSymbol(c) || IsWhitespace(c))
            {
                break;
            }
            pos++;
        }
        var literal = text[start..pos];
        if (pos < text.Length && text[pos] == '\0')
        {
            // Upstream consumes the NUL that ends an identifier.
            pos++;
        }
        return literal switch
        {
            "in" => new Item(Token.In, literal),
            "notin" => new Item(Token.NotIn, literal),
            _ => new Item(Token.Identifier, literal),
        };
    }

    // Takes the longest run of special symbols that still forms a token ("!=" over "!").
    private static Item ScanSpecialSymbol(string text, ref int pos)
    {
        var start = pos;
        Item? last = null;
        while (pos < text.Length && IsSpecialSymbol(text[pos]))
        {
            var candidate = text[start..(pos + 1)];
            var token = SymbolToken(candidate);
            if (token is not null)
            {
                last = new Item(token.Value, candidate);
            }
            else if (last is not null)
            {
                break;
            }
            pos++;
        }
        return last ?? new Item(Token.Error, $"error expected: keyword found '{text[start..pos]}'");
    }

    private sealed class Parser(List<Item> items)
    {
        private int _position;

        private Item Lookahead(Context context) => AsContext(items[_position], context);

        private Item Consume(Context context) => AsContext(items[_position++], context);

        // In a value position the keywords "in" and "notin" are plain identifiers.
        private static Item AsContext(Item item, Context context) =>
            context == Context.Values && item.Token is Token.In or Token.NotIn
                ? item with { Token = Token.Identifier }
                : item;

        public string? Parse(List<LabelRequirement> requirements)
        {
            while (true)
            {
                var next = Lookahead(Context.Values);
                switch (next.Token)
                {
                    case Token.Identifier or Token.DoesNotExist:
                        var error = ParseRequirement(out var requirement);
                        if (error is not null)
                        {
                            return "unable to parse requirement: " + error;
                        }
                        requirements.Add(requirement!);
                        var after = Consume(Context.Values);
                        switch (after.Token)
                        {
                            case Token.EndOfString:
                                return null;
                            case Token.Comma:
                                var following = Lookahead(Context.Values);
                                if (following.Token is not (Token.Identifier or Token.DoesNotExist))
                                {
                                    return $"found '{following.Literal}', expected: identifier after ','";
                                }
                                break;
                            default:
                                return $"found '{after.Literal}', expected: ',' or 'end of string'";
                        }
                        break;
                    case Token.EndOfString:
                        return null;
                    default:
                        return $"found '{next.Literal}', expected: !, identifier, or 'end of string'";
                }
            }
        }

        private string? ParseRequirement(out LabelRequirement? requirement)
        {
            requirement = null;
            var error = ParseKeyAndInferOperator(out var key, out var op);
            if (error is not null)
            {
                return error;
            }
            if (op is LabelOperator.Exists or LabelOperator.DoesNotExist)
            {
                return Create(key, op.Value, [], out requirement);
            }
            error = ParseOperator(out var binary);
            if (error is not null)
            {
                return error;
            }
            SortedSet<string> values;
            if (binary is LabelOperator.In or LabelOperator.NotIn)
            {
                error = ParseValues(out values);
            }
            else
            {
                error = ParseExactValue(out values);
            }
            if (error is not null)
            {
                return error;
            }
            // Upstream collects values in a set and lists them sorted.
            return Create(key, binary, [.. values], out requirement);
        }

        private static string? Create(string key, LabelOperator op, string[] values, out LabelRequirement? requirement) =>
            LabelRequirement.TryCreate(key, op, values, out requirement, out var error) ? null : error;

        private string? ParseKeyAndInferOperator(out string key, out LabelOperator? op)
        {
            key = "";
            op = null;
            var item = Consume(Context.Values);
            if (item.Token == Token.DoesNotExist)
            {
                op = LabelOperator.DoesNotExist;
                item = Consume(Context.Values);
            }
            if (item.Token != Token.Identifier)
            {
                return $"found '{item.Literal}', expected: identifier";
            }
            var keyErrors = NameValidation.IsQualifiedName(item.Literal);
            if (keyErrors.Count != 0)
            {
                // The parser validates with an empty field path, hence the leading ": ".
                return GoText.InvalidField("", GoText.Quote(item.Literal), string.Join("; ", keyErrors));
            }
            key = item.Literal;
            var next = Lookahead(Context.Values).Token;
            if (next is Token.EndOfString or Token.Comma && op != LabelOperator.DoesNotExist)
            {
                op = LabelOperator.Exists;
            }
            return null;
        }

        private string? ParseOperator(out LabelOperator op)
        {
            var item = Consume(Context.KeyAndOperator);
            switch (item.Token)
            {
                case Token.In: op = LabelOperator.In; return null;
                case Token.Equals: op = LabelOperator.Equals; return null;
                case Token.DoubleEquals: op = LabelOperator.DoubleEquals; return null;
                case Token.GreaterThan: op = LabelOperator.GreaterThan; return null;
                case Token.LessThan: op = LabelOperator.LessThan; return null;
                case Token.NotIn: op = LabelOperator.NotIn; return null;
                case Token.NotEquals: op = LabelOperator.NotEquals; return null;
                default:
                    op = default;
                    return $"found '{item.Literal}', expected: in, notin, =, ==, !=, gt, lt";
            }
        }

        private string? ParseValues(out SortedSet<string> values)
        {
            values = new SortedSet<string>(StringComparer.Ordinal);
            var open = Consume(Context.Values);
            if (open.Token != Token.OpenPar)
            {
                return $"found '{open.Literal}' expected: '('";
            }
            var next = Lookahead(Context.Values);
            switch (next.Token)
            {
                case Token.Identifier or Token.Comma:
                    var error = ParseIdentifiersList(values);
                    if (error is not null)
                    {
                        return error;
                    }
                    if (Consume(Context.Values).Token != Token.ClosedPar)
                    {
                        // Upstream reports the literal seen before the list, not the offending one.
                        return $"found '{next.Literal}', expected: ')'";
                    }
                    return null;
                case Token.ClosedPar:
                    Consume(Context.Values);
                    values.Add("");
                    return null;
                default:
                    return $"found '{next.Literal}', expected: ',', ')' or identifier";
            }
        }

        // A possibly empty list of possibly empty identifiers: "(a,,b)", "(,a)", "(a,)".
        private string? ParseIdentifiersList(SortedSet<string> values)
        {
            while (true)
            {
                var item = Consume(Context.Values);
                switch (item.Token)
                {
                    case Token.Identifier:
                        values.Add(item.Literal);
                        var next = Lookahead(Context.Values);
                        switch (next.Token)
                        {
                            case Token.Comma:
                                continue;
                            case Token.ClosedPar:
                                return null;
                            default:
                                return $"found '{next.Literal}', expected: ',' or ')'";
                        }
                    case Token.Comma:
                        if (values.Count == 0)
                        {
                            values.Add("");
                        }
                        var following = Lookahead(Context.Values).Token;
                        if (following == Token.ClosedPar)
                        {
                            values.Add("");
                            return null;
                        }
                        if (following == Token.Comma)
                        {
                            values.Add("");
                        }
                        break;
                    default:
                        return $"found '{item.Literal}', expected: ',', or identifier";
                }
            }
        }

        private string? ParseExactValue(out SortedSet<string> values)
        {
            values = new SortedSet<string>(StringComparer.Ordinal);
            var next = Lookahead(Context.Values);
            if (next.Token is Token.EndOfString or Token.Comma)
            {
                values.Add("");
                return null;
            }
            var item = Consume(Context.Values);
            if (item.Token == Token.Identifier)
            {
                values.Add(item.Literal);
                return null;
            }
            return $"found '{item.Literal}', expected: identifier";
        }
    }
}
