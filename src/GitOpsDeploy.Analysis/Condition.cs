using System.Globalization;

namespace GitOpsDeploy.Analysis;

/// <summary>The value of a condition: true, false, or unknown because the data it needed was missing or NaN.</summary>
public enum Truth
{
    False,
    True,
    Unknown,
}

/// <summary>A condition that is not in the supported subset of the expr language, found when it is parsed.</summary>
public sealed class ConditionSyntaxException(string message, int position) : Exception(message)
{
    /// <summary>0-based offset in the condition's text.</summary>
    public int Position { get; } = position;
}

/// <summary>
/// A condition that cannot be applied to this query's answer, e.g. <c>result[0]</c> on a scalar or <c>result &gt; 1</c>
/// on a vector: Argo Rollouts records such a measurement as Error.
/// </summary>
public sealed class ConditionEvaluationException(string message) : Exception(message);

/// <summary>
/// A <c>successCondition</c> or <c>failureCondition</c>: the subset of the expr language (expr-lang/expr)
/// that Argo Rollouts users write for Prometheus, with expr's precedence and operators:
/// <list type="bullet">
/// <item><c>result</c> (a list for a vector or matrix answer, a number for a scalar), <c>result[i]</c> (negative i counts from the end),
/// number literals, <c>true</c>, <c>false</c>, parentheses;</item>
/// <item><c>||</c> <c>or</c>, <c>&amp;&amp;</c> <c>and</c>, <c>== != &lt; &lt;= &gt; &gt;=</c>, <c>+ -</c>, <c>* / %</c>,
/// <c>** ^</c> (right-associative), unary <c>! not</c> and <c>- +</c>;</item>
/// <item><c>len(result)</c>, <c>all/any/none(result, {# &lt; 0.1})</c>, <c>default(x, d)</c>, <c>isNaN(x)</c>, <c>isInf(x)</c>, <c>abs(x)</c>.</item>
/// </list>
/// Everything else (strings, member access, <c>in</c>, <c>matches</c>, <c>??</c>, ternaries, other functions) is refused when
/// the condition is parsed, as are type errors such as <c>not result[0] &gt; 1</c> (expr reads <c>(not result[0]) &gt; 1</c>).
/// <para>
/// Missing data is never evidence: an index past the end of <c>result</c> is missing, and any comparison with a missing value
/// or NaN is <see cref="Truth.Unknown"/>, as are <c>all</c>/<c>any</c>/<c>none</c> over an empty result. <c>&amp;&amp;</c>,
/// <c>||</c> and <c>!</c> follow Kleene's three-valued logic, so <c>len(result) == 0 || result[0] &gt;= 0.95</c> is still true
/// on an empty vector (the user asked for that), while <c>!(result[0] &gt; 0.1)</c> on NaN is unknown, not true.
/// </para>
/// </summary>
public sealed class Condition
{
    private readonly Node root;

    private Condition(string text, Node root)
    {
        Text = text;
        this.root = root;
    }

    public string Text { get; }

    /// <summary>Parses and type-checks <paramref name="text"/>; throws <see cref="ConditionSyntaxException"/> for anything outside the subset.</summary>
    public static Condition Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parser = new Parser(text);
        var root = parser.ParseCondition();
        return new Condition(text, root);
    }

    /// <summary>
    /// Evaluates against a query's answer. Throws <see cref="ConditionEvaluationException"/> when the condition does not fit the
    /// answer's shape (a scalar indexed, a vector compared as a number).
    /// </summary>
    public Truth Evaluate(QueryResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new Evaluator(result).Bool(root, double.NaN);
    }

    public override string ToString() => Text;

    // ---- syntax tree -------------------------------------------------------------------------------------------------

    private enum Kind
    {
        Number,
        Bool,

        // `result` itself: a list for a vector answer, a number for a scalar answer; which one is checked at evaluation.
        Result,
    }

    private abstract record Node(Kind Kind, int Position);

    private sealed record NumberLiteral(double Value, int Position) : Node(Kind.Number, Position);

    private sealed record BoolLiteral(bool Value, int Position) : Node(Kind.Bool, Position);

    private sealed record ResultRef(int Position) : Node(Kind.Result, Position);

    private sealed record Element(int Position) : Node(Kind.Number, Position);

    private sealed record Index(Node Target, Node At, int Position) : Node(Kind.Number, Position);

    private sealed record Unary(string Op, Node Operand, Kind Result, int Position) : Node(Result, Position);

    private sealed record Binary(string Op, Node Left, Node Right, Kind Result, int Position) : Node(Result, Position);

    private sealed record Call(string Function, IReadOnlyList<Node> Args, Kind Result, int Position) : Node(Result, Position);

    // ---- lexer -------------------------------------------------------------------------------------------------------

    private enum TokenType
    {
        Number,
        Identifier,
        Operator,
        Punctuation,
        End,
    }

    private readonly record struct Token(TokenType Type, string Text, int Position, double Number = 0);

    private static readonly string[] Operators = ["**", "==", "!=", "<=", ">=", "&&", "||", "<", ">", "!", "+", "-", "*", "/", "%", "^"];

    private static List<Token> Lex(string text)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }

            if (char.IsAsciiDigit(c))
            {
                var start = i;
                while (i < text.Length && char.IsAsciiDigit(text[i]))
                {
                    i++;
                }

                if (i + 1 < text.Length && text[i] == '.' && char.IsAsciiDigit(text[i + 1]))
                {
                    i++;
                    while (i < text.Length && char.IsAsciiDigit(text[i]))
                    {
                        i++;
                    }
                }

                if (i < text.Length && text[i] is 'e' or 'E')
                {
                    var save = i;
                    i++;
                    if (i < text.Length && text[i] is '+' or '-')
                    {
                        i++;
                    }

                    if (i < text.Length && char.IsAsciiDigit(text[i]))
                    {
                        while (i < text.Length && char.IsAsciiDigit(text[i]))
                        {
                            i++;
                        }
                    }
                    else
                    {
                        i = save;
                    }
                }

                if (i < text.Length && (char.IsAsciiLetter(text[i]) || text[i] == '_' || text[i] == '.'))
                {
                    throw new ConditionSyntaxException($"malformed number \"{text[start..(i + 1)]}\"", start);
                }

                var literal = text[start..i];
                tokens.Add(new Token(TokenType.Number, literal, start, double.Parse(literal, NumberStyles.Float, CultureInfo.InvariantCulture)));
                continue;
            }

            if (char.IsAsciiLetter(c) || c == '_' || c == '$')
            {
                var start = i;
                while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] == '_' || text[i] == '$'))
                {
                    i++;
                }

                tokens.Add(new Token(TokenType.Identifier, text[start..i], start));
                continue;
            }

            if (c is '(' or ')' or '[' or ']' or '{' or '}' or ',' or '#')
            {
                tokens.Add(new Token(TokenType.Punctuation, c.ToString(), i));
                i++;
                continue;
            }

            var op = Operators.FirstOrDefault(o => string.CompareOrdinal(text, i, o, 0, o.Length) == 0);
            if (op is not null)
            {
                tokens.Add(new Token(TokenType.Operator, op, i));
                i += op.Length;
                continue;
            }

            throw new ConditionSyntaxException(c switch
            {
                '"' or '\'' or '`' => "strings are not supported in conditions: Prometheus answers are numbers",
                '.' when i + 1 < text.Length && text[i + 1] == '.' => "ranges (..) are not supported in conditions",
                '.' => "member access (.) is not supported in conditions: `result` is a number or a list of numbers",
                '?' => "'?' (ternary, ?? or ?.) is not supported in conditions",
                '|' => "pipes (|) are not supported in conditions; did you mean || ?",
                '&' => "'&' is not an operator; did you mean && ?",
                '=' => "'=' is not an operator; did you mean == ?",
                ':' => "slices (:) are not supported in conditions",
                _ => $"unexpected character '{c}'",
            }, i);
        }

        tokens.Add(new Token(TokenType.End, string.Empty, text.Length));
        return tokens;
    }

    // ---- parser and type checker -------------------------------------------------------------------------------------

    private static readonly Dictionary<string, (int Precedence, bool RightAssociative)> BinaryOperators = new(StringComparer.Ordinal)
    {
        ["||"] = (10, false),
        ["or"] = (10, false),
        ["&&"] = (15, false),
        ["and"] = (15, false),
        ["=="] = (20, false),
        ["!="] = (20, false),
        ["<"] = (20, false),
        [">"] = (20, false),
        ["<="] = (20, false),
        [">="] = (20, false),
        ["+"] = (30, false),
        ["-"] = (30, false),
        ["*"] = (60, false),
        ["/"] = (60, false),
        ["%"] = (60, false),
        ["**"] = (100, true),
        ["^"] = (100, true),
    };

    private static readonly Dictionary<string, int> UnaryOperators = new(StringComparer.Ordinal)
    {
        ["!"] = 50,
        ["not"] = 50,
        ["-"] = 90,
        ["+"] = 90,
    };

    private const string SupportedFunctions = "len, all, any, none, default, isNaN, isInf, abs";

    private static readonly HashSet<string> RefusedWords = new(StringComparer.Ordinal)
    {
        "in", "matches", "contains", "startsWith", "endsWith", "nil", "let", "if", "else",
    };

    private sealed class Parser(string text)
    {
        private readonly List<Token> tokens = Lex(text);
        private int next;
        private int predicateDepth;

        private Token Current => tokens[next];

        public Node ParseCondition()
        {
            if (Current.Type == TokenType.End)
            {
                throw new ConditionSyntaxException("the condition is empty", 0);
            }

            var node = ParseExpression(0);
            if (Current.Type != TokenType.End)
            {
                throw Unexpected("an operator or the end of the condition");
            }

            if (node.Kind != Kind.Bool)
            {
                throw new ConditionSyntaxException($"a condition must be true or false, but \"{text.Trim()}\" is {Describe(node.Kind)}; compare it, e.g. \"{text.Trim()} > 0\"", node.Position);
            }

            return node;
        }

        private Node ParseExpression(int minPrecedence)
        {
            var left = ParseUnary();
            while (true)
            {
                var token = Current;
                var op = token.Type is TokenType.Operator or TokenType.Identifier ? token.Text : null;
                if (op is null || !BinaryOperators.TryGetValue(op, out var info))
                {
                    if (token.Type == TokenType.Identifier && RefusedWords.Contains(token.Text))
                    {
                        throw new ConditionSyntaxException($"'{token.Text}' is not supported in conditions", token.Position);
                    }

                    return left;
                }

                if (info.Precedence < minPrecedence)
                {
                    return left;
                }

                next++;
                var right = ParseExpression(info.RightAssociative ? info.Precedence : info.Precedence + 1);
                left = MakeBinary(op, left, right, token.Position);
            }
        }

        private Node ParseUnary()
        {
            var token = Current;
            if (token.Type is TokenType.Operator or TokenType.Identifier && UnaryOperators.TryGetValue(token.Text, out var precedence))
            {
                next++;
                var operand = ParseExpression(precedence);
                if (token.Text is "!" or "not")
                {
                    if (operand.Kind != Kind.Bool)
                    {
                        throw new ConditionSyntaxException($"'{token.Text}' needs true or false, but its operand is {Describe(operand.Kind)}: '{token.Text}' binds tighter than comparisons, so write {token.Text} (a > b)", token.Position);
                    }

                    return new Unary("!", operand, Kind.Bool, token.Position);
                }

                RequireNumber(operand, $"unary '{token.Text}'");
                return new Unary(token.Text, operand, Kind.Number, token.Position);
            }

            return ParsePostfix(ParsePrimary());
        }

        private Node ParsePostfix(Node node)
        {
            while (Current.Type == TokenType.Punctuation && Current.Text == "[")
            {
                var open = Current;
                if (node.Kind != Kind.Result)
                {
                    throw new ConditionSyntaxException("only `result` can be indexed", open.Position);
                }

                next++;
                var at = ParseExpression(0);
                RequireNumber(at, "an index");
                if (at is NumberLiteral literal && literal.Value != Math.Floor(literal.Value))
                {
                    throw new ConditionSyntaxException($"an index must be a whole number, not {literal.Value.ToString(CultureInfo.InvariantCulture)}", literal.Position);
                }

                Expect("]");
                node = new Index(node, at, open.Position);
            }

            if (Current.Type == TokenType.Punctuation && Current.Text == "(")
            {
                throw new ConditionSyntaxException("only functions can be called", Current.Position);
            }

            return node;
        }

        private Node ParsePrimary()
        {
            var token = Current;
            switch (token.Type)
            {
                case TokenType.Number:
                    next++;
                    return new NumberLiteral(token.Number, token.Position);
                case TokenType.Punctuation when token.Text == "(":
                    {
                        next++;
                        var inner = ParseExpression(0);
                        Expect(")");
                        return inner;
                    }

                case TokenType.Punctuation when token.Text == "#":
                    next++;
                    if (predicateDepth == 0)
                    {
                        throw new ConditionSyntaxException("'#' (the current element) can only be used inside all, any or none, e.g. all(result, {# < 0.1})", token.Position);
                    }

                    return new Element(token.Position);
                case TokenType.Punctuation when token.Text == "[":
                    throw new ConditionSyntaxException("array literals are not supported in conditions", token.Position);
                case TokenType.Punctuation when token.Text == "{":
                    throw new ConditionSyntaxException("a predicate {...} can only be the second argument of all, any or none", token.Position);
                case TokenType.Identifier:
                    next++;
                    switch (token.Text)
                    {
                        case "true":
                            return new BoolLiteral(true, token.Position);
                        case "false":
                            return new BoolLiteral(false, token.Position);
                        case "result":
                            return new ResultRef(token.Position);
                    }

                    if (Current.Type == TokenType.Punctuation && Current.Text == "(")
                    {
                        return ParseCall(token);
                    }

                    if (RefusedWords.Contains(token.Text))
                    {
                        throw new ConditionSyntaxException($"'{token.Text}' is not supported in conditions", token.Position);
                    }

                    throw new ConditionSyntaxException($"unknown name '{token.Text}': a condition can only refer to `result`", token.Position);
                case TokenType.End:
                    throw new ConditionSyntaxException("the condition ends too early: a value is missing", token.Position);
                default:
                    throw Unexpected("a value");
            }
        }

        private Node ParseCall(Token name)
        {
            Expect("(");
            var args = new List<Node>();
            switch (name.Text)
            {
                case "all" or "any" or "none":
                    {
                        var list = ParseExpression(0);
                        RequireList(list, name.Text);
                        Expect(",");
                        var braced = Current.Type == TokenType.Punctuation && Current.Text == "{";
                        if (braced)
                        {
                            next++;
                        }

                        predicateDepth++;
                        var predicate = ParseExpression(0);
                        predicateDepth--;
                        if (braced)
                        {
                            Expect("}");
                        }

                        if (predicate.Kind != Kind.Bool)
                        {
                            throw new ConditionSyntaxException($"the predicate of {name.Text} must be true or false, e.g. {{# < 0.1}}", predicate.Position);
                        }

                        args.Add(list);
                        args.Add(predicate);
                        Expect(")");
                        return new Call(name.Text, args, Kind.Bool, name.Position);
                    }

                case "len":
                    {
                        var list = ParseExpression(0);
                        RequireList(list, "len");
                        Expect(")");
                        return new Call("len", [list], Kind.Number, name.Position);
                    }

                case "isNaN" or "isInf" or "abs":
                    {
                        var value = ParseExpression(0);
                        RequireNumber(value, name.Text);
                        Expect(")");
                        return new Call(name.Text, [value], name.Text == "abs" ? Kind.Number : Kind.Bool, name.Position);
                    }

                case "default":
                    {
                        var value = ParseExpression(0);
                        RequireNumber(value, "default");
                        Expect(",");
                        var fallback = ParseExpression(0);
                        RequireNumber(fallback, "default's second argument");
                        Expect(")");
                        return new Call("default", [value, fallback], Kind.Number, name.Position);
                    }

                default:
                    throw new ConditionSyntaxException($"unsupported function '{name.Text}' (supported: {SupportedFunctions})", name.Position);
            }
        }

        private Node MakeBinary(string op, Node left, Node right, int position)
        {
            switch (op)
            {
                case "||" or "or" or "&&" or "and":
                    if (left.Kind != Kind.Bool || right.Kind != Kind.Bool)
                    {
                        var bad = left.Kind != Kind.Bool ? left : right;
                        throw new ConditionSyntaxException($"'{op}' needs true or false on both sides, but one side is {Describe(bad.Kind)}", bad.Position);
                    }

                    return new Binary(op is "||" or "or" ? "||" : "&&", left, right, Kind.Bool, position);
                case "==" or "!=":
                    if (left.Kind == Kind.Bool && right.Kind == Kind.Bool)
                    {
                        return new Binary(op, left, right, Kind.Bool, position);
                    }

                    if (left.Kind == Kind.Bool || right.Kind == Kind.Bool)
                    {
                        throw new ConditionSyntaxException($"'{op}' compares a number with true/false", position);
                    }

                    return new Binary(op, left, right, Kind.Bool, position);
                case "<" or ">" or "<=" or ">=":
                    RequireNumber(left, $"'{op}'");
                    RequireNumber(right, $"'{op}'");
                    return new Binary(op, left, right, Kind.Bool, position);
                default:
                    RequireNumber(left, $"'{op}'");
                    RequireNumber(right, $"'{op}'");
                    return new Binary(op == "^" ? "**" : op, left, right, Kind.Number, position);
            }
        }

        private static void RequireNumber(Node node, string what)
        {
            if (node.Kind == Kind.Bool)
            {
                throw new ConditionSyntaxException($"{what} needs a number, but got true/false", node.Position);
            }
        }

        private static void RequireList(Node node, string function)
        {
            if (node is not ResultRef)
            {
                throw new ConditionSyntaxException($"{function} applies to `result` only", node.Position);
            }
        }

        private void Expect(string punctuation)
        {
            if (Current.Type != TokenType.Punctuation || Current.Text != punctuation)
            {
                throw Unexpected($"'{punctuation}'");
            }

            next++;
        }

        private ConditionSyntaxException Unexpected(string expected) =>
            Current.Type == TokenType.End
                ? new ConditionSyntaxException($"the condition ends too early: expected {expected}", Current.Position)
                : new ConditionSyntaxException($"expected {expected} but found '{Current.Text}'", Current.Position);

        private static string Describe(Kind kind) => kind switch
        {
            Kind.Bool => "true/false",
            Kind.Number => "a number",
            _ => "`result` itself",
        };
    }

    // ---- evaluation --------------------------------------------------------------------------------------------------

    private sealed class Evaluator(QueryResult result)
    {
        public Truth Bool(Node node, double element)
        {
            switch (node)
            {
                case BoolLiteral b:
                    return b.Value ? Truth.True : Truth.False;
                case Unary u:
                    return Bool(u.Operand, element) switch
                    {
                        Truth.True => Truth.False,
                        Truth.False => Truth.True,
                        _ => Truth.Unknown,
                    };
                case Binary { Op: "&&" } b:
                    {
                        var left = Bool(b.Left, element);
                        if (left == Truth.False)
                        {
                            return Truth.False;
                        }

                        var right = Bool(b.Right, element);
                        return right == Truth.False ? Truth.False : left == Truth.True && right == Truth.True ? Truth.True : Truth.Unknown;
                    }

                case Binary { Op: "||" } b:
                    {
                        var left = Bool(b.Left, element);
                        if (left == Truth.True)
                        {
                            return Truth.True;
                        }

                        var right = Bool(b.Right, element);
                        return right == Truth.True ? Truth.True : left == Truth.False && right == Truth.False ? Truth.False : Truth.Unknown;
                    }

                case Binary { Left.Kind: Kind.Bool } b:
                    {
                        var left = Bool(b.Left, element);
                        var right = Bool(b.Right, element);
                        if (left == Truth.Unknown || right == Truth.Unknown)
                        {
                            return Truth.Unknown;
                        }

                        return (left == right) == (b.Op == "==") ? Truth.True : Truth.False;
                    }

                case Binary b:
                    {
                        var left = Number(b.Left, element);
                        var right = Number(b.Right, element);
                        if (left is not { } l || right is not { } r || double.IsNaN(l) || double.IsNaN(r))
                        {
                            return Truth.Unknown;
                        }

                        var value = b.Op switch
                        {
                            "==" => l == r,
                            "!=" => l != r,
                            "<" => l < r,
                            ">" => l > r,
                            "<=" => l <= r,
                            ">=" => l >= r,
                            _ => throw new InvalidOperationException(b.Op),
                        };
                        return value ? Truth.True : Truth.False;
                    }

                case Call { Function: "isNaN" or "isInf" } c:
                    {
                        if (Number(c.Args[0], element) is not { } v)
                        {
                            return Truth.Unknown;
                        }

                        var value = c.Function == "isNaN" ? double.IsNaN(v) : double.IsInfinity(v);
                        return value ? Truth.True : Truth.False;
                    }

                case Call { Function: "all" or "any" or "none" } c:
                    {
                        var list = List(c.Args[0]);
                        if (list.Count == 0)
                        {
                            return Truth.Unknown;
                        }

                        var sawUnknown = false;
                        var stopOn = c.Function == "all" ? Truth.False : Truth.True;
                        foreach (var item in list)
                        {
                            var t = Bool(c.Args[1], item);
                            if (t == stopOn)
                            {
                                return c.Function == "any" ? Truth.True : Truth.False;
                            }

                            sawUnknown |= t == Truth.Unknown;
                        }

                        return sawUnknown ? Truth.Unknown : c.Function == "any" ? Truth.False : Truth.True;
                    }

                default:
                    throw new InvalidOperationException($"not a condition: {node}");
            }
        }

        /// <summary>A number, or null when the data is missing (an index past the end of the result).</summary>
        private double? Number(Node node, double element)
        {
            switch (node)
            {
                case NumberLiteral n:
                    return n.Value;
                case Element:
                    return element;
                case ResultRef:
                    if (!result.IsScalar)
                    {
                        throw new ConditionEvaluationException(
                            $"the query returned a vector of {result.Values.Count} sample(s), so `result` is a list: compare result[0], or use all(result, {{...}})");
                    }

                    return result.Values[0];
                case Index ix:
                    {
                        var list = List(ix.Target);
                        if (Number(ix.At, element) is not { } at)
                        {
                            return null;
                        }

                        if (at != Math.Floor(at) || double.IsInfinity(at))
                        {
                            throw new ConditionEvaluationException($"an index must be a whole number, not {QueryResult.FormatNumber(at)}");
                        }

                        var i = at < 0 ? list.Count + at : at;
                        return i >= 0 && i < list.Count ? list[(int)i] : null;
                    }

                case Unary u:
                    return Number(u.Operand, element) is { } v ? (u.Op == "-" ? -v : v) : null;
                case Binary b:
                    {
                        if (Number(b.Left, element) is not { } l || Number(b.Right, element) is not { } r)
                        {
                            return null;
                        }

                        return b.Op switch
                        {
                            "+" => l + r,
                            "-" => l - r,
                            "*" => l * r,
                            "/" => l / r,
                            "%" => l % r,
                            "**" => Math.Pow(l, r),
                            _ => throw new InvalidOperationException(b.Op),
                        };
                    }

                case Call { Function: "len" } c:
                    return List(c.Args[0]).Count;
                case Call { Function: "abs" } c:
                    return Number(c.Args[0], element) is { } a ? Math.Abs(a) : null;
                case Call { Function: "default" } c:
                    return Number(c.Args[0], element) ?? Number(c.Args[1], element);
                default:
                    throw new InvalidOperationException($"not a number: {node}");
            }
        }

        private IReadOnlyList<double> List(Node node)
        {
            if (result.IsScalar)
            {
                throw new ConditionEvaluationException("the query returned a scalar, so `result` is a number: use result itself, not result[0], len(result) or all/any/none");
            }

            return node is ResultRef ? result.Values : throw new InvalidOperationException($"not a list: {node}");
        }
    }
}
