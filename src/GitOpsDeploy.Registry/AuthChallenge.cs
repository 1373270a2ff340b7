using System.Text;

namespace GitOpsDeploy.Registry;

/// <summary>
/// One challenge of a <c>WWW-Authenticate</c> header (RFC 7235 §4.1): a scheme with either auth-params
/// (names case-insensitive, values a token or a quoted-string with backslash escapes) or a token68.
/// </summary>
internal sealed record AuthChallenge(string Scheme, IReadOnlyDictionary<string, string> Parameters, string? Token68 = null)
{
    public bool IsBearer => Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase);

    public bool IsBasic => Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase);

    public string? this[string name] => Parameters.TryGetValue(name, out var value) ? value : null;

    /// <summary>Every challenge of every header value, in order; a malformed tail is dropped, not thrown.</summary>
    public static IReadOnlyList<AuthChallenge> ParseAll(IEnumerable<string> headerValues)
    {
        var challenges = new List<AuthChallenge>();
        foreach (var value in headerValues)
        {
            challenges.AddRange(Parse(value));
        }

        return challenges;
    }

    /// <summary>The challenges in one header value (several may share it, separated by commas).</summary>
    public static IReadOnlyList<AuthChallenge> Parse(string header)
    {
        var result = new List<AuthChallenge>();
        var p = new Cursor(header);
        while (true)
        {
            p.SkipListSeparators();
            if (p.AtEnd)
            {
                return result;
            }

            var scheme = p.Token();
            if (scheme.Length == 0)
            {
                // Not a token where a scheme must be: what follows cannot be read reliably.
                return result;
            }

            var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            string? token68 = null;
            var hadSpace = p.SkipSpaces();
            if (hadSpace && !p.AtEnd && p.Peek != ',')
            {
                if (p.LooksLikeToken68())
                {
                    token68 = p.Token68();
                }
                else
                {
                    ReadParameters(p, parameters);
                }
            }

            result.Add(new AuthChallenge(scheme, parameters, token68));
            if (!p.AtEnd && p.Peek != ',')
            {
                // Garbage after a challenge: keep what was read.
                return result;
            }
        }
    }

    private static void ReadParameters(Cursor p, Dictionary<string, string> parameters)
    {
        while (true)
        {
            var mark = p.Position;
            var name = p.Token();
            p.SkipSpaces();
            if (name.Length == 0 || p.AtEnd || p.Peek != '=')
            {
                // A token without '=' starts the next challenge.
                p.Position = mark;
                return;
            }

            p.Advance();
            p.SkipSpaces();
            var value = !p.AtEnd && p.Peek == '"' ? p.QuotedString() : p.UnquotedValue();
            if (value is null)
            {
                return;
            }

            // RFC 7235: each parameter name appears at most once; keep the first.
            parameters.TryAdd(name, value);
            p.SkipSpaces();
            if (p.AtEnd || p.Peek != ',')
            {
                return;
            }

            // Past the comma (and empty list elements): a parameter of this challenge or the next challenge.
            mark = p.Position;
            p.SkipListSeparators();
            var lookahead = p.Position;
            var next = p.Token();
            p.SkipSpaces();
            var isParameter = next.Length > 0 && !p.AtEnd && p.Peek == '=';
            p.Position = isParameter ? lookahead : mark;
            if (!isParameter)
            {
                return;
            }
        }
    }

    private sealed class Cursor(string text)
    {
        public int Position { get; set; }

        public bool AtEnd => Position >= text.Length;

        public char Peek => text[Position];

        public void Advance() => Position++;

        public bool SkipSpaces()
        {
            var start = Position;
            while (!AtEnd && Peek is ' ' or '\t')
            {
                Position++;
            }

            return Position > start;
        }

        public void SkipListSeparators()
        {
            while (!AtEnd && Peek is ' ' or '\t' or ',')
            {
                Position++;
            }
        }

        /// <summary>tchar: <c>!#$%&amp;'*+-.^_`|~</c>, digits and letters.</summary>
        public string Token()
        {
            var start = Position;
            while (!AtEnd && IsTokenChar(Peek))
            {
                Position++;
            }

            return text[start..Position];
        }

        /// <summary>
        /// An unquoted parameter value: a token by the RFC, read leniently up to a comma or a space, since
        /// some servers leave a URL (realm) or a scope (with ':') unquoted.
        /// </summary>
        public string UnquotedValue()
        {
            var start = Position;
            while (!AtEnd && Peek is not (',' or ' ' or '\t' or '"'))
            {
                Position++;
            }

            return text[start..Position];
        }

        /// <summary>A quoted-string; <c>\x</c> stands for <c>x</c>. Null when the closing quote is missing.</summary>
        public string? QuotedString()
        {
            var value = new StringBuilder();
            Position++;
            while (!AtEnd)
            {
                var c = Peek;
                Position++;
                if (c == '"')
                {
                    return value.ToString();
                }

                if (c == '\\' && !AtEnd)
                {
                    c = Peek;
                    Position++;
                }

                value.Append(c);
            }

            return null;
        }

        /// <summary>token68 ends at the end, a comma or a space, after its trailing '='s, and has no '=' followed by a value.</summary>
        public bool LooksLikeToken68()
        {
            var i = Position;
            while (i < text.Length && IsToken68Char(text[i]))
            {
                i++;
            }

            if (i == Position)
            {
                return false;
            }

            while (i < text.Length && text[i] == '=')
            {
                i++;
            }

            while (i < text.Length && text[i] is ' ' or '\t')
            {
                i++;
            }

            // "name=value" and "name = value" are parameters; "abc==" followed by nothing or a comma is a token68.
            return i >= text.Length || text[i] == ',';
        }

        public string Token68()
        {
            var start = Position;
            while (!AtEnd && (IsToken68Char(Peek) || Peek == '='))
            {
                Position++;
            }

            return text[start..Position];
        }

        private static bool IsTokenChar(char c) =>
            char.IsAsciiLetterOrDigit(c) || c is '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~';

        private static bool IsToken68Char(char c) =>
            char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~' or '+' or '/';
    }
}
