namespace Ferry.SyncRunner.Filtering;

/// <summary>
/// An ordered list of include/exclude rules, compiled once, that decides for each key whether it is
/// synced or excluded, in one of the two filter modes of juicefs sync.
/// </summary>
/// <remarks>
/// <para>Source: the juicefs sync guide, 模式匹配 (pattern matching), and juicefs <c>pkg/sync</c>
/// (<c>matchFullPath</c>, <c>matchLeveledPath</c>); patterns as in rsync(1). See <see cref="FilterRule"/>
/// for the pattern syntax.</para>
/// <para><b>Full-path mode</b> (<c>--match-full-path</c>, 完整路径过滤模式): the whole key is matched
/// against the rules in order; the first rule that matches decides (include → sync, exclude → excluded);
/// a key no rule matches is synced.</para>
/// <para><b>Layer-by-layer mode</b> (the default, 逐层过滤模式): the key <c>a1/b1/c1.txt</c> is checked as
/// the layers <c>a1</c>, <c>a1/b1</c>, <c>a1/b1/c1.txt</c>, from the top. At each layer the rules are
/// tried in order: an exclude match excludes the key at once, an include match skips the layer's
/// remaining rules and moves to the next layer, no match moves to the next layer. A key that passes all
/// layers is synced, so a key whose parent directory is excluded is never synced. A directory layer is
/// shown as <c>a1/</c> to patterns that end in <c>/</c> or <c>/***</c> and as <c>a1</c> to all others
/// (as juicefs does), so <c>foo/</c> matches only directories and <c>foo</c> matches both.</para>
/// <para>With no rules every key is synced. Keys are relative to the root of the transfer; a directory
/// key ends in <c>/</c>; a leading <c>/</c> on a key is ignored. Instances are immutable and safe to use
/// from many threads at once.</para>
/// </remarks>
public sealed class FilterRuleSet
{
    [ThreadStatic]
    private static ParentCache? parentCache;

    private readonly CompiledRule[] compiled;

    private FilterRuleSet(IReadOnlyList<FilterRule> rules, CompiledRule[] compiled, bool matchFullPath)
    {
        Rules = rules;
        this.compiled = compiled;
        MatchFullPath = matchFullPath;
    }

    /// <summary>A rule set without rules: every key is synced.</summary>
    public static FilterRuleSet Empty { get; } = new([], [], matchFullPath: false);

    /// <summary>The rules, in evaluation order.</summary>
    public IReadOnlyList<FilterRule> Rules { get; }

    /// <summary>Whether full-path mode is used (<c>--match-full-path</c>); otherwise layer-by-layer mode.</summary>
    public bool MatchFullPath { get; }

    /// <summary>Whether there are no rules (every key is synced).</summary>
    public bool IsEmpty => compiled.Length == 0;

    /// <summary>Compiles a rule list.</summary>
    /// <param name="rules">The rules in the order given on the command line (include and exclude interleaved).</param>
    /// <param name="matchFullPath"><see langword="true"/> for full-path mode, <see langword="false"/> for layer-by-layer mode.</param>
    /// <returns>The compiled rule set.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="rules"/> or a rule in it is null.</exception>
    /// <exception cref="FilterPatternException">A pattern is invalid (empty, unclosed <c>[</c>, reversed range, trailing <c>\</c>); the message names the pattern and the reason.</exception>
    public static FilterRuleSet Create(IReadOnlyList<FilterRule> rules, bool matchFullPath)
    {
        ArgumentNullException.ThrowIfNull(rules);
        FilterRule[] copy = rules.ToArray();
        var compiled = new CompiledRule[copy.Length];
        for (int i = 0; i < copy.Length; i++)
        {
            ArgumentNullException.ThrowIfNull(copy[i], nameof(rules));
            compiled[i] = new CompiledRule(copy[i].Action == FilterAction.Include, FilterPattern.Parse(copy[i].Pattern));
        }

        return new FilterRuleSet(Array.AsReadOnly(copy), compiled, matchFullPath);
    }

    /// <summary>Decides whether a key is synced.</summary>
    /// <param name="key">The key relative to the root of the transfer; a directory key ends in <c>/</c>.</param>
    /// <returns><see langword="true"/> to sync the key, <see langword="false"/> when it is excluded.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
    public bool Includes(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (compiled.Length == 0)
        {
            return true;
        }

        ReadOnlySpan<char> span = key.AsSpan().TrimStart('/');
        return MatchFullPath ? IncludesFullPath(span) : IncludesLayered(span, useCache: true);
    }

    /// <summary>
    /// Whether every key strictly below a directory is excluded, so that a listing may skip the whole
    /// subtree. Exact in the safe direction: it never returns <see langword="true"/> when some key below
    /// the directory would be synced; it may return <see langword="false"/> when it cannot prove that.
    /// </summary>
    /// <param name="directoryKey">The directory key relative to the root of the transfer, ending in <c>/</c> (a missing trailing <c>/</c> is added); empty for the root.</param>
    /// <returns><see langword="true"/> when the subtree can be pruned.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="directoryKey"/> is null.</exception>
    /// <remarks>
    /// Layer-by-layer mode: every key below the directory is checked through the directory's own layers
    /// first, so an excluded directory excludes its subtree (the guide's "if a parent directory is
    /// excluded, the file is not synced"). Full-path mode: pruned when some exclude rule matches every
    /// path below the directory and no include rule before it can match any path below it.
    /// </remarks>
    public bool ExcludesSubtree(string directoryKey)
    {
        ArgumentNullException.ThrowIfNull(directoryKey);
        if (compiled.Length == 0)
        {
            return false;
        }

        string directory = directoryKey.TrimStart('/');
        if (directory.Length > 0 && directory[^1] != '/')
        {
            directory += "/";
        }

        if (!MatchFullPath)
        {
            return directory.Length > 0 && !IncludesLayered(directory, useCache: false);
        }

        foreach (CompiledRule rule in compiled)
        {
            if (rule.Include)
            {
                if (!rule.Pattern.IsDisjointFromSubtree(directory))
                {
                    return false;
                }
            }
            else if (rule.Pattern.CoversSubtree(directory))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Layer-by-layer evaluation without the per-thread cache of the parent directory (for tests).</summary>
    internal bool IncludesUncached(string key) =>
        compiled.Length == 0 || (MatchFullPath ? IncludesFullPath(key.AsSpan().TrimStart('/')) : IncludesLayered(key.AsSpan().TrimStart('/'), useCache: false));

    private bool IncludesFullPath(ReadOnlySpan<char> key)
    {
        foreach (CompiledRule rule in compiled)
        {
            if (rule.Pattern.IsMatch(key))
            {
                return rule.Include;
            }
        }

        return true;
    }

    private bool IncludesLayered(ReadOnlySpan<char> key, bool useCache)
    {
        // The final layer is the whole key without a trailing '/'; a directory key's final layer is a directory layer.
        bool finalIsDirectory = key.Length > 0 && key[^1] == '/';
        int finalEnd = finalIsDirectory ? key.Length - 1 : key.Length;
        int parentSlash = key[..finalEnd].LastIndexOf('/');
        if (parentSlash >= 0 && !ParentLayersPass(key[..(parentSlash + 1)], useCache))
        {
            return false;
        }

        // juicefs skips empty segments ("a//b", or the empty key).
        return finalEnd == parentSlash + 1 || EvaluateLayer(key, finalEnd, finalIsDirectory) != FilterAction.Exclude;
    }

    // parent: the parent directory of a key's final layer, ending in '/'.
    private bool ParentLayersPass(ReadOnlySpan<char> parent, bool useCache)
    {
        ParentCache? cache = useCache ? parentCache ??= new ParentCache() : null;
        if (cache is not null && ReferenceEquals(cache.Owner, this) && parent.SequenceEqual(cache.Parent))
        {
            return cache.Pass;
        }

        bool pass = true;
        int segmentStart = 0;
        for (int i = 0; i < parent.Length; i++)
        {
            if (parent[i] != '/')
            {
                continue;
            }

            if (i > segmentStart && EvaluateLayer(parent, i, isDirectory: true) == FilterAction.Exclude)
            {
                pass = false;
                break;
            }

            segmentStart = i + 1;
        }

        if (cache is not null)
        {
            cache.Owner = this;
            cache.Parent = parent.ToString();
            cache.Pass = pass;
        }

        return pass;
    }

    // The layer is path[..end]; for a directory layer path[end] is its '/'. Returns the action of the
    // first matching rule, or null.
    private FilterAction? EvaluateLayer(ReadOnlySpan<char> path, int end, bool isDirectory)
    {
        foreach (CompiledRule rule in compiled)
        {
            ReadOnlySpan<char> layer = isDirectory && rule.Pattern.IsDirectoryPattern ? path[..(end + 1)] : path[..end];
            if (rule.Pattern.IsMatch(layer))
            {
                return rule.Include ? FilterAction.Include : FilterAction.Exclude;
            }
        }

        return null;
    }

    private readonly record struct CompiledRule(bool Include, FilterPattern Pattern);

    private sealed class ParentCache
    {
        public FilterRuleSet? Owner { get; set; }

        public string Parent { get; set; } = string.Empty;

        public bool Pass { get; set; }
    }
}
