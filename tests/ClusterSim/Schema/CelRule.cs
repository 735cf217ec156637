using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Ferry.ClusterSim.Schema;

/// <summary>A small subset of CEL for <c>x-kubernetes-validations</c> rules: literals (int, double, string,
/// bool, null, lists), <c>self</c>, <c>oldSelf</c>, field selection, <c>has()</c>, <c>! &amp;&amp; || == != &lt;
/// &lt;= &gt; &gt;= + - ?:</c>, <c>size()</c>, <c>matches()</c>, <c>startsWith()</c>, <c>endsWith()</c>,
/// <c>contains()</c>, and the macros <c>all</c>, <c>exists</c>, <c>exists_one</c>, <c>filter</c>, <c>map</c>.</summary>
/// <remarks>Semantics follow the CEL language definition and "Validation rules" in the Kubernetes CRD
/// documentation: a rule that mentions <c>oldSelf</c> is a transition rule, checked only on update when the old
/// value exists. A rule outside the subset, or one whose evaluation fails (e.g. selecting an absent field), is
/// skipped: the simulator never refuses an object because of its own limits. Timestamps and durations compare as
/// strings.</remarks>
internal sealed class CelRule
{
    private static readonly ConcurrentDictionary<string, CelRule?> Cache = new(StringComparer.Ordinal);
    private readonly Node _root;

    private CelRule(Node root, bool usesOldSelf)
    {
        _root = root;
        UsesOldSelf = usesOldSelf;
    }

    /// <summary>Whether the rule mentions <c>oldSelf</c> (a transition rule).</summary>
    public bool UsesOldSelf { get; }

    /// <summary>The compiled rule, or null when it is outside the supported subset.</summary>
    public static CelRule? TryCompile(string rule) => Cache.GetOrAdd(rule, static r =>
    {
        try
        {
            var parser = new Parser(Tokenize(r));
            Node root = parser.ParseExpression();
            return parser.AtEnd ? new CelRule(root, Regex.IsMatch(r, @"\boldSelf\b")) : null;
        }
        catch (FormatException)
        {
            return null;
        }
    });

    /// <summary>True or false; null when evaluation failed (the rule is then skipped).</summary>
    public bool? Evaluate(JsonNode? self, JsonNode? oldSelf)
    {
        try
        {
            return Eval(_root, new Env(FromJson(self), FromJson(oldSelf), null)) as bool?;
        }
        catch (Exception e) when (e is CelError or InvalidCastException or NullReferenceException or FormatException or ArgumentException or RegexMatchTimeoutException)
        {
            return null;
        }
    }

    private sealed class CelError(string message) : Exception(message);

    private abstract record Node;

    private sealed record Literal(object? Value) : Node;

    private sealed record Ident(string Name) : Node;

    private sealed record Select(Node Target, string Field) : Node;

    private sealed record Has(Select Selection) : Node;

    private sealed record Call(Node? Target, string Function, List<Node> Args) : Node;

    private sealed record Macro(Node Target, string Name, string Variable, Node Body) : Node;

    private sealed record Unary(string Op, Node Operand) : Node;

    private sealed record Binary(string Op, Node Left, Node Right) : Node;

    private sealed record Conditional(Node Test, Node Then, Node Else) : Node;

    private sealed record ListLiteral(List<Node> Items) : Node;

    private sealed record Index(Node Target, Node Key) : Node;

    private sealed record Env(object? Self, object? OldSelf, (string Name, object? Value, Env Parent)? Binding)
    {
        public object? Lookup(string name)
        {
            for ((string Name, object? Value, Env Parent)? b = Binding; b is not null; b = b.Value.Parent.Binding)
            {
                if (b.Value.Name == name)
                {
                    return b.Value.Value;
                }
            }

            return name switch
            {
                "self" => Self,
                "oldSelf" => OldSelf ?? throw new CelError("no oldSelf"),
                _ => throw new CelError($"undeclared reference to '{name}'"),
            };
        }
    }

    private static object? FromJson(JsonNode? node) => node switch
    {
        null => null,
        JsonObject o => o,
        JsonArray a => a.Select(FromJson).ToList(),
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => v.GetValue<string>(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Number when long.TryParse(v.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l) => l,
            JsonValueKind.Number => double.Parse(v.ToJsonString(), CultureInfo.InvariantCulture),
            _ => null,
        },
        _ => null,
    };

    private static object? Eval(Node node, Env env)
    {
        switch (node)
        {
            case Literal l:
                return l.Value;
            case Ident i:
                return env.Lookup(i.Name);
            case Select s:
                {
                    object? target = Eval(s.Target, env);
                    return target is JsonObject o && o.TryGetPropertyValue(s.Field, out JsonNode? v)
                        ? FromJson(v)
                        : throw new CelError($"no such key: {s.Field}");
                }

            case Has h:
                return Eval(h.Selection.Target, env) is JsonObject ho && ho.ContainsKey(h.Selection.Field);
            case Unary { Op: "!" } u:
                return !(bool)Eval(u.Operand, env)!;
            case Unary { Op: "-" } u:
                return Eval(u.Operand, env) switch
                {
                    long l => -l,
                    double d => -d,
                    _ => throw new CelError("bad operand"),
                };
            case Binary { Op: "&&" } b:
                return (bool)Eval(b.Left, env)! && (bool)Eval(b.Right, env)!;
            case Binary { Op: "||" } b:
                return (bool)Eval(b.Left, env)! || (bool)Eval(b.Right, env)!;
            case Binary b:
                return BinaryOp(b.Op, Eval(b.Left, env), Eval(b.Right, env));
            case Conditional c:
                return (bool)Eval(c.Test, env)! ? Eval(c.Then, env) : Eval(c.Else, env);
            case ListLiteral list:
                return list.Items.Select(i => Eval(i, env)).ToList();
            case Index ix:
                {
                    object? target = Eval(ix.Target, env);
                    object? key = Eval(ix.Key, env);
                    return (target, key) switch
                    {
                        (List<object?> l, long n) when n >= 0 && n < l.Count => l[(int)n],
                        (JsonObject o, string k) when o.TryGetPropertyValue(k, out JsonNode? v) => FromJson(v),
                        _ => throw new CelError("index out of range"),
                    };
                }

            case Macro m:
                return EvalMacro(m, env);
            case Call c:
                return EvalCall(c, env);
            default:
                throw new CelError("unsupported");
        }
    }

    private static object? EvalMacro(Macro m, Env env)
    {
        List<object?> items = Eval(m.Target, env) switch
        {
            List<object?> l => l,
            JsonObject o => o.Select(p => (object?)p.Key).ToList(),
            _ => throw new CelError("macro target is not a list or map"),
        };
        bool Test(object? item) => (bool)Eval(m.Body, env with { Binding = (m.Variable, item, env) })!;
        return m.Name switch
        {
            "all" => items.All(Test),
            "exists" => items.Any(Test),
            "exists_one" => items.Count(Test) == 1,
            "filter" => items.Where(Test).ToList(),
            "map" => items.Select(i => Eval(m.Body, env with { Binding = (m.Variable, i, env) })).ToList(),
            _ => throw new CelError("unsupported macro"),
        };
    }

    private static object? EvalCall(Call c, Env env)
    {
        object? target = c.Target is null ? null : Eval(c.Target, env);
        var args = c.Args.Select(a => Eval(a, env)).ToList();
        return (c.Function, target, args) switch
        {
            ("size", null, [var x]) => Size(x),
            ("size", var x, []) => Size(x),
            ("matches", string s, [string re]) => Regex.IsMatch(s, re, RegexOptions.None, TimeSpan.FromSeconds(1)),
            ("startsWith", string s, [string p]) => s.StartsWith(p, StringComparison.Ordinal),
            ("endsWith", string s, [string p]) => s.EndsWith(p, StringComparison.Ordinal),
            ("contains", string s, [string p]) => s.Contains(p, StringComparison.Ordinal),
            _ => throw new CelError($"unsupported function {c.Function}"),
        };
    }

    private static long Size(object? x) => x switch
    {
        string s => s.EnumerateRunes().Count(),
        List<object?> l => l.Count,
        JsonObject o => o.Count,
        _ => throw new CelError("size of unsupported value"),
    };

    private static object? BinaryOp(string op, object? left, object? right)
    {
        switch (op)
        {
            case "==":
                return CelEquals(left, right);
            case "!=":
                return !CelEquals(left, right);
            case "in":
                return right switch
                {
                    List<object?> l => l.Any(i => CelEquals(i, left)),
                    JsonObject o when left is string k => o.ContainsKey(k),
                    _ => throw new CelError("bad in"),
                };
            case "+":
                return (left, right) switch
                {
                    (long a, long b) => a + b,
                    (double a, double b) => a + b,
                    (string a, string b) => a + b,
                    (List<object?> a, List<object?> b) => a.Concat(b).ToList(),
                    _ => throw new CelError("bad +"),
                };
            case "-":
                return (left, right) switch
                {
                    (long a, long b) => a - b,
                    (double a, double b) => a - b,
                    _ => throw new CelError("bad -"),
                };
        }

        int cmp = (left, right) switch
        {
            (long a, long b) => a.CompareTo(b),
            (double a, double b) => a.CompareTo(b),
            (long a, double b) => ((double)a).CompareTo(b),
            (double a, long b) => a.CompareTo(b),
            (string a, string b) => string.CompareOrdinal(a, b),
            (bool a, bool b) => a.CompareTo(b),
            _ => throw new CelError("values are not comparable"),
        };
        return op switch
        {
            "<" => cmp < 0,
            "<=" => cmp <= 0,
            ">" => cmp > 0,
            ">=" => cmp >= 0,
            _ => throw new CelError($"unsupported operator {op}"),
        };
    }

    private static bool CelEquals(object? a, object? b) => (a, b) switch
    {
        (null, null) => true,
        (long x, double y) => x == y,
        (double x, long y) => x == y,
        (List<object?> x, List<object?> y) => x.Count == y.Count && x.Zip(y).All(p => CelEquals(p.First, p.Second)),
        (JsonObject x, JsonObject y) => JsonNode.DeepEquals(x, y),
        _ => Equals(a, b),
    };

    private static List<string> Tokenize(string text)
    {
        var tokens = new List<string>();
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c is '\'' or '"')
            {
                var sb = new System.Text.StringBuilder("\"");
                i++;
                while (i < text.Length && text[i] != c)
                {
                    if (text[i] == '\\' && i + 1 < text.Length)
                    {
                        i++;
                        sb.Append(text[i] switch { 'n' => '\n', 't' => '\t', var e => e });
                    }
                    else
                    {
                        sb.Append(text[i]);
                    }

                    i++;
                }

                if (i >= text.Length)
                {
                    throw new FormatException("unterminated string");
                }

                i++;
                tokens.Add(sb.ToString());
            }
            else if (char.IsLetter(c) || c == '_')
            {
                int start = i;
                while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] == '_'))
                {
                    i++;
                }

                tokens.Add(text[start..i]);
            }
            else if (char.IsDigit(c))
            {
                int start = i;
                while (i < text.Length && (char.IsDigit(text[i]) || text[i] == '.' && i + 1 < text.Length && char.IsDigit(text[i + 1])))
                {
                    i++;
                }

                tokens.Add(text[start..i]);
            }
            else
            {
                string two = i + 1 < text.Length ? text.Substring(i, 2) : "";
                if (two is "&&" or "||" or "==" or "!=" or "<=" or ">=")
                {
                    tokens.Add(two);
                    i += 2;
                }
                else if ("!<>?:()[],.+-".Contains(c, StringComparison.Ordinal))
                {
                    tokens.Add(c.ToString());
                    i++;
                }
                else
                {
                    throw new FormatException($"unsupported character {c}");
                }
            }
        }

        return tokens;
    }

    private sealed class Parser(List<string> tokens)
    {
        private static readonly HashSet<string> Macros = ["all", "exists", "exists_one", "filter", "map"];
        private int _at;

        public bool AtEnd => _at == tokens.Count;

        private string? Peek => _at < tokens.Count ? tokens[_at] : null;

        private string Next() => _at < tokens.Count ? tokens[_at++] : throw new FormatException("unexpected end");

        private void Expect(string token)
        {
            if (Next() != token)
            {
                throw new FormatException($"expected {token}");
            }
        }

        public Node ParseExpression()
        {
            Node test = ParseOr();
            if (Peek != "?")
            {
                return test;
            }

            Next();
            Node then = ParseOr();
            Expect(":");
            return new Conditional(test, then, ParseExpression());
        }

        private Node ParseOr()
        {
            Node left = ParseAnd();
            while (Peek == "||")
            {
                Next();
                left = new Binary("||", left, ParseAnd());
            }

            return left;
        }

        private Node ParseAnd()
        {
            Node left = ParseRelation();
            while (Peek == "&&")
            {
                Next();
                left = new Binary("&&", left, ParseRelation());
            }

            return left;
        }

        private Node ParseRelation()
        {
            Node left = ParseAdditive();
            while (Peek is "==" or "!=" or "<" or "<=" or ">" or ">=" or "in")
            {
                string op = Next();
                left = new Binary(op, left, ParseAdditive());
            }

            return left;
        }

        private Node ParseAdditive()
        {
            Node left = ParseUnary();
            while (Peek is "+" or "-")
            {
                string op = Next();
                left = new Binary(op, left, ParseUnary());
            }

            return left;
        }

        private Node ParseUnary()
        {
            if (Peek is "!" or "-")
            {
                string op = Next();
                return new Unary(op, ParseUnary());
            }

            return ParseMember();
        }

        private Node ParseMember()
        {
            Node node = ParsePrimary();
            while (true)
            {
                if (Peek == ".")
                {
                    Next();
                    string name = Next();
                    if (!IsIdentifier(name))
                    {
                        throw new FormatException("expected a field name");
                    }

                    if (Peek == "(")
                    {
                        Next();
                        List<Node> args = ParseArguments();
                        if (Macros.Contains(name))
                        {
                            if (args is not [Ident variable, var body])
                            {
                                throw new FormatException("bad macro");
                            }

                            node = new Macro(node, name, variable.Name, body);
                        }
                        else
                        {
                            node = new Call(node, name, args);
                        }
                    }
                    else
                    {
                        node = new Select(node, name);
                    }
                }
                else if (Peek == "[")
                {
                    Next();
                    Node key = ParseExpression();
                    Expect("]");
                    node = new Index(node, key);
                }
                else
                {
                    return node;
                }
            }
        }

        private List<Node> ParseArguments()
        {
            var args = new List<Node>();
            if (Peek == ")")
            {
                Next();
                return args;
            }

            while (true)
            {
                args.Add(ParseExpression());
                string t = Next();
                if (t == ")")
                {
                    return args;
                }

                if (t != ",")
                {
                    throw new FormatException("expected , or )");
                }
            }
        }

        private static bool IsIdentifier(string token) => token.Length > 0 && (char.IsLetter(token[0]) || token[0] == '_');

        private Node ParsePrimary()
        {
            string t = Next();
            switch (t)
            {
                case "(":
                    {
                        Node inner = ParseExpression();
                        Expect(")");
                        return inner;
                    }

                case "[":
                    {
                        var items = new List<Node>();
                        if (Peek == "]")
                        {
                            Next();
                            return new ListLiteral(items);
                        }

                        while (true)
                        {
                            items.Add(ParseExpression());
                            string sep = Next();
                            if (sep == "]")
                            {
                                return new ListLiteral(items);
                            }

                            if (sep != ",")
                            {
                                throw new FormatException("expected , or ]");
                            }
                        }
                    }

                case "true":
                    return new Literal(true);
                case "false":
                    return new Literal(false);
                case "null":
                    return new Literal(null);
                case "has":
                    {
                        Expect("(");
                        Node arg = ParseExpression();
                        Expect(")");
                        return arg is Select s ? new Has(s) : throw new FormatException("has() needs a field selection");
                    }
            }

            if (t.StartsWith('"'))
            {
                return new Literal(t[1..]);
            }

            if (char.IsDigit(t[0]))
            {
                return t.Contains('.')
                    ? new Literal(double.Parse(t, CultureInfo.InvariantCulture))
                    : new Literal(long.Parse(t, CultureInfo.InvariantCulture));
            }

            if (IsIdentifier(t))
            {
                if (Peek == "(")
                {
                    Next();
                    return new Call(null, t, ParseArguments());
                }

                return new Ident(t);
            }

            throw new FormatException($"unexpected token {t}");
        }
    }
}
