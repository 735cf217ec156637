using System.Diagnostics;
using Ferry.SyncRunner.Filtering;
using FsCheck;
using FsCheck.Fluent;

namespace Ferry.SyncRunner.Tests.Filtering;

/// <summary>
/// Table tests for every pattern example of the juicefs sync guide (seeds/sync-guide.zh.md, 模式匹配),
/// juicefs's own matcher tests (pkg/sync/sync_test.go, TestMatchObjects and TestMatchFullPatch), and
/// property tests of the pruning rule. Rules are written "+pattern" (include) and "-pattern" (exclude).
/// </summary>
public class FilterRuleSetTests
{
    private const bool S = true;  // sync
    private const bool E = false; // exclude
    private const bool Full = true;
    private const bool Layer = false;

    public static TheoryData<string, bool, string, bool> GuideExamples() => new()
    {
        // Top of the guide (full-path mode): copy only the .gz files.
        { "+**.gz -*", Full, "a.gz", S },
        { "+**.gz -*", Full, "x/y/b.gz", S },
        { "+**.gz -*", Full, "a.txt", E },
        { "+**.gz -*", Full, "x/a.txt", E },
        { "+**.gz -*", Full, "x/", E }, // a directory key is excluded, but its .gz files are not (see ExcludesSubtree)
        // Copy everything that does not end in .gz.
        { "-**.gz", Full, "a.gz", E },
        { "-**.gz", Full, "x/y/b.gz", E },
        { "-**.gz", Full, "a.txt", S },
        { "-**.gz", Full, "a.gz.txt", S },
        // Copy everything but subdirectories named tmpdir.
        { "-**/tmpdir/**", Full, "tmpdir/a", E },
        { "-**/tmpdir/**", Full, "x/tmpdir/a/b", E },
        { "-**/tmpdir/**", Full, "tmpdir/", E },
        { "-**/tmpdir/**", Full, "tmpdir", S },
        { "-**/tmpdir/**", Full, "x/tmpdir", S },
        { "-**/tmpdir/**", Full, "tmpdirx/a", S },
        { "-**/tmpdir/**", Full, "xtmpdir/a", S },

        // 匹配规则: "*" stops at "/".
        { "-a*", Full, "abc", E },
        { "-a*", Full, "b/abc", E },
        { "-/a*", Full, "ab/c", S },
        // "**" matches "/" too.
        { "-/a**", Full, "ab/c", E },
        // "?" is one character other than "/".
        { "-a?c", Full, "abc", E },
        { "-a?c", Full, "ac", S },
        { "-a?c", Full, "abbc", S },
        { "-/a?c", Full, "a/c", S },
        // "[a-z]" one character of a set; "[^abc]" any character except those.
        { "-[a-z]", Full, "q", E },
        { "-[a-z]", Full, "Q", S },
        { "-[a-z]", Full, "qq", S },
        { "-[^abc]", Full, "d", E },
        { "-[^abc]", Full, "a", S },
        { "-[^abc]", Full, "c", S },
        { "-/x[^abc]y", Full, "x/y", S }, // a class never matches "/"
        // A pattern without special characters matches the whole file name at any depth.
        { "-foo", Full, "foo", E },
        { "-foo", Full, "xx/foo", E },
        { "-foo", Full, "foo1", S },
        { "-foo", Full, "2foo", S },
        { "-foo", Full, "foo/xx", S }, // foo is not the file name
        { "-foo", Layer, "foo", E },
        { "-foo", Layer, "xx/foo", E },
        { "-foo", Layer, "foo1", S },
        { "-foo", Layer, "2foo", S },
        { "-foo", Layer, "foo/xx", E }, // layer mode: the layer "foo" (its parent directory) matches
        // A trailing "/" matches directories only.
        { "-foo/", Full, "foo/", E },
        { "-foo/", Full, "foo", S },
        { "-foo/", Full, "x/foo/", E },
        // A leading "/" anchors at the root of the transfer.
        { "-/foo", Full, "foo", E },
        { "-/foo", Full, "x/foo", S },

        // Examples: --exclude '*.o'.
        { "-*.o", Full, "a.o", E },
        { "-*.o", Full, "x/y/b.o", E },
        { "-*.o", Full, "a.oo", S },
        { "-*.o", Full, "a.c", S },
        { "-*.o", Layer, "a.o", E },
        { "-*.o", Layer, "x/y/b.o", E },
        { "-*.o", Layer, "a.oo", S },
        { "-*.o", Layer, "x.o/y.c", E }, // a directory named x.o is excluded with its content
        // --exclude '/foo/*/bar': bar two levels below the root directory foo.
        { "-/foo/*/bar", Full, "foo/x/bar", E },
        { "-/foo/*/bar", Full, "foo/bar", S },
        { "-/foo/*/bar", Full, "foo/x/y/bar", S },
        { "-/foo/*/bar", Full, "a/foo/x/bar", S },
        { "-/foo/*/bar", Full, "foo/x/bar/baz", S },
        { "-/foo/*/bar", Layer, "foo/x/bar", E },
        { "-/foo/*/bar", Layer, "foo/x/y/bar", S },
        { "-/foo/*/bar", Layer, "a/foo/x/bar", S },
        { "-/foo/*/bar", Layer, "foo/x/bar/baz", E },
        // --exclude '/foo/**/bar': bar at any depth below the root directory foo ("**" between slashes is at least one level).
        { "-/foo/**/bar", Full, "foo/x/bar", E },
        { "-/foo/**/bar", Full, "foo/x/y/z/bar", E },
        { "-/foo/**/bar", Full, "foo/bar", S },
        { "-/foo/**/bar", Full, "a/foo/x/bar", S },
        { "-/foo/**/bar", Full, "foo/x/barn", S },
        { "-/foo/**/bar", Layer, "foo/x/y/bar", E },
        { "-/foo/**/bar", Layer, "foo/x/y/bar/z", E },

        // 完整路径过滤模式: a1/b1/c1.txt with --include 'a*.txt' --include 'c1.txt' --exclude 'c*.txt'.
        { "-a*.txt", Full, "a1/b1/c1.txt", S },                      // step 1: no match, "*" does not match "/"
        { "-c1.txt", Full, "a1/b1/c1.txt", E },                      // step 2: c1.txt matches
        { "-c*.txt", Full, "a1/b1/c1.txt", E },                      // ... and so would c*.txt
        { "+a*.txt +c1.txt -c*.txt", Full, "a1/b1/c1.txt", S },      // the first match decides: sync
        { "+a*.txt +c1.txt -c*.txt", Full, "a1/b1/c2.txt", E },
        { "+a*.txt +c1.txt -c*.txt", Full, "a1.txt", S },
        // --exclude '/foo**': everything whose top-level name starts with foo.
        { "-/foo**", Full, "foo", E },
        { "-/foo**", Full, "foo/", E },
        { "-/foo**", Full, "foo/x/y", E },
        { "-/foo**", Full, "foobar/x", E },
        { "-/foo**", Full, "x/foo", S },
        { "-/foo**", Full, "x/foo/y", S },
        // --exclude '**foo/**': every directory whose name ends in foo, with its content.
        { "-**foo/**", Full, "foo/", E },
        { "-**foo/**", Full, "foo/x", E },
        { "-**foo/**", Full, "a/barfoo/x/y", E },
        { "-**foo/**", Full, "foo", S },
        { "-**foo/**", Full, "a/foo", S },
        { "-**foo/**", Full, "foo.txt", S },
        { "-**foo/**", Full, "foox/y", S },
        // --include '*/' --include '*.c' --exclude '*': all directories and .c files, nothing else.
        { "+*/ +*.c -*", Full, "a/", S },
        { "+*/ +*.c -*", Full, "a/b/", S },
        { "+*/ +*.c -*", Full, "x.c", S },
        { "+*/ +*.c -*", Full, "a/b/x.c", S },
        { "+*/ +*.c -*", Full, "x.h", E },
        { "+*/ +*.c -*", Full, "a/x.h", E },
        { "+*/ +*.c -*", Full, "Makefile", E },
        // --include 'foo/bar.c' --exclude '*': only foo/bar.c. The key "foo/" itself is excluded (as
        // juicefs does: "*" matches the empty last segment of a directory key); the directory still
        // arrives as the parent of foo/bar.c, and ExcludesSubtree("foo/") is false.
        { "+foo/bar.c -*", Full, "foo/bar.c", S },
        { "+foo/bar.c -*", Full, "foo/baz.c", E },
        { "+foo/bar.c -*", Full, "bar.c", E },
        { "+foo/bar.c -*", Full, "foo/", E },
        { "+foo/bar.c -*", Full, "x/foo/bar.c", S }, // unanchored: a trailing run of segments

        // 逐层过滤模式: the same a1/b1/c1.txt walk-through: a1 and a1/b1 match nothing, c1.txt is included.
        { "+a*.txt +c1.txt -c*.txt", Layer, "a1/b1/c1.txt", S },
        { "+a*.txt +c1.txt -c*.txt", Layer, "a1/b1/c2.txt", E },
        { "+a*.txt +c1.txt -c*.txt", Layer, "a1.txt", S },
        { "+a*.txt +c1.txt -c*.txt", Layer, "a1/", S },
        // --exclude /foo: the top-level file or directory foo.
        { "-/foo", Layer, "foo", E },
        { "-/foo", Layer, "foo/", E },
        { "-/foo", Layer, "foo/x/y", E },
        { "-/foo", Layer, "x/foo", S },
        { "-/foo", Layer, "foobar", S },
        // --exclude foo/: every directory named foo.
        { "-foo/", Layer, "foo/", E },
        { "-foo/", Layer, "foo/x", E },
        { "-foo/", Layer, "a/foo/x/y", E },
        { "-foo/", Layer, "foo", S },
        { "-foo/", Layer, "a/foo", S },
        // An excluded parent directory excludes the file, even with an include rule for it.
        { "+/some/path/this-file-will-not-be-synced -*", Layer, "some/path/this-file-will-not-be-synced", E },
        { "+/some/path/this-file-will-not-be-synced -*", Layer, "some/", E },
        { "+/some/path/this-file-will-not-be-synced -*", Full, "some/path/this-file-will-not-be-synced", S }, // full-path mode has no layers
        // Fix 1: include every directory with '*/' before --exclude '*'.
        { "+*/ +/some/path/this-file-will-not-be-synced -*", Layer, "some/path/this-file-will-not-be-synced", S },
        { "+/some/path/this-file-will-not-be-synced +*/ -*", Layer, "some/path/this-file-will-not-be-synced", S },
        { "+*/ +/some/path/this-file-will-not-be-synced -*", Layer, "some/path/other", E },
        { "+*/ +/some/path/this-file-will-not-be-synced -*", Layer, "top.txt", E },
        { "+*/ +/some/path/this-file-will-not-be-synced -*", Layer, "other/", S },
        { "-* +*/ +/some/path/this-file-will-not-be-synced", Layer, "some/path/this-file-will-not-be-synced", E }, // '*/' after '*' is too late
        // Fix 2: an include rule for every parent directory.
        { "+/some/ +/some/path/ +/some/path/this-file-will-be-synced -*", Layer, "some/path/this-file-will-be-synced", S },
        { "+/some/ +/some/path/ +/some/path/this-file-will-be-synced -*", Layer, "some/path/other", E },
        { "+/some/ +/some/path/ +/some/path/this-file-will-be-synced -*", Layer, "some/other/x", E },
        { "+/some/ +/some/path/ +/some/path/this-file-will-be-synced -*", Layer, "other", E },
        { "+/some/ +/some/path/ +/some/path/this-file-will-be-synced -*", Layer, "some/path/", S },

        // 删除特定文件 (delete specific files, full-path mode).
        { "-**.gz +*", Full, "a/b.gz", E },
        { "-**.gz +*", Full, "a/b.txt", S },
        { "+**.gz -*", Full, "a/b.gz", S },
        { "+**.gz -*", Full, "a/b.txt", E },

        // rsync's "dir/***": the directory and everything below it.
        { "-dir/***", Layer, "dir/", E },
        { "-dir/***", Layer, "dir/x/y", E },
        { "-dir/***", Layer, "dir", S },
        { "-dir/***", Layer, "a/dir/x", E },
        { "-dir/***", Full, "dir/", E },
        { "-dir/***", Full, "dir/x/y", E },
        { "-dir/***", Full, "dir", S },
        { "-/dir/***", Layer, "a/dir/x", S },
        { "+/dir/*** -*", Layer, "dir/x/y", S },
        { "+/dir/*** -*", Layer, "other", E },
        { "-dir/**", Layer, "dir/", S }, // "dir/**" is only what is below dir, not dir itself
        // A leading "**/" may match nothing, but only once: "**/**/x" needs one '/' before x (rsync agrees).
        { "-**/x", Full, "x", E },
        { "-**/**/x", Full, "x", S },
        { "-**/**/x", Full, "a/x", E },
        { "-**/**/x", Layer, "x", S },
        { "-dir/**", Layer, "dir/x", E },
        // "[!...]" negates, as in rsync.
        { "-[!abc]", Full, "d", E },
        { "-[!abc]", Full, "a", S },
        // "]" right after "[" is a member; "\" escapes.
        { "-[]x]", Full, "]", E },
        { "-[]x]", Full, "y", S },
        { @"-a\*b", Full, "a*b", E },
        { @"-a\*b", Full, "axb", S },
        // "?" and a negated class match one character, also outside the BMP.
        { "-?", Full, "\U0001F600", E },
        { "-[^a]", Full, "\U0001F600", E },
    };

    // Where juicefs's matcher disagrees with rsync, Ferry follows rsync (see FilterPattern's remarks).
    public static TheoryData<string, bool, string, bool> DeparturesFromJuicefs() => new()
    {
        { "-/***/b", Full, "a/b", E },
        { "-/***/b", Full, "b", S },       // juicefs: a leading "***" of an anchored pattern matches everything
        { "-/***/b", Full, "a/c", S },
        { "-[!a]", Full, "b", E },         // juicefs (Go path.Match): "[!a]" is the set {'!', 'a'}
        { "-*/a/***", Layer, "/a/", S },   // juicefs: the empty segment before a leading "/" in the key matches "*"
    };

    public static TheoryData<string, bool, string, bool> NoRules() => new()
    {
        { "", Full, "a", S },
        { "", Full, "a/b/c", S },
        { "", Full, "a/", S },
        { "", Layer, "a", S },
        { "", Layer, "a/b/c", S },
        { "", Layer, ".hidden/x", S },
    };

    // juicefs pkg/sync/sync_test.go TestMatchObjects (layer-by-layer mode; rules are excludes unless marked).
    // Keys there that start with "/" are given here without it (Ferry keys never start with "/").
    public static TheoryData<string, string, bool> JuicefsLayerCases() => new()
    {
        { "-a*", "a1", E },
        { "-a*/b*", "a1/b1", E },
        { "-/a*", "a1", E },
        { "-/a", "a1", S },
        { "-/a/b/c", "a1", S },
        { "-a*/b?", "a1/b1/c2/d1", E },
        { "-a*/b?/", "a1/", S },
        { "-a*/b?/c.txt", "a1/b1", S },
        { "-a*/b?/", "a1/b1/", E },
        { "-a*/b?/", "a1/b1/c.txt", E },
        { "-a*/", "a1/b1", E },
        { "-a*/b*/", "a1/b1/c1/d.txt/", E },
        { "-/a*/b*", "a1/b1/c1/d.txt/", E },
        { "-a*/b*/c", "a1/b1/c1/d.txt/", S },
        { "-a", "a/b/c/d/", E },
        { "+a.go -pkg", "a/pkg/c/a.go", E },
        { "-a +pkg", "a/pkg/c/a.go", E },
        { "+a.go -pkg", "", S },
        { "+a -b/ +c", "a/b/c", E },
        { "+a/ -a", "a/b", S },
        { "-/***", "a", E },
        { "-/***", "a/b", E },
        { "-/a/***", "a/", E },
        { "-/a/***", "a/b", E },
        { "-/a/***", "a/b/c", E },
        { "-/a/***", "b/a/", S },
        { "-a/***", "a/", E },
        { "-a/***", "a/b", E },
        { "-a/***", "a/b/c", E },
        { "-a/***", "d/a/b/c", E },
        { "-a/***", "a", S },
        { "-a/***", "ba", S },
        { "-a/***", "ba/", S },
        { "-*/a/***", "b/a/", E },
        { "-*/a/***", "b/a/c", E },
        { "-/*/a/***", "b/a/", E },
        { "-/*/a/***", "b/a/c", E },
        { "-/*/a/***", "c/b/a/", S },
        { "-a/**/b", "a/c/b", E },
        { "-a/**/b", "a/c/d/b", E },
        { "-a/**/b", "a/c/d/e/b", E },
        { "-/**/b", "a/c/b", E },
        { "-/**/b", "a/c/d/b/", E },
        { "-a**/b", "a/c/d/b/", E },
        { "-a**/b", "a/c/d/ab/", S },
        { "-a**b", "a/c/d/b/", E },
        { "-a**b", "b/c/d/b/", S },
        { "-a?**", "a/a", S },
        { "-**a", "a", E },
        { "-a**", "a", E },
        { "-a**a", "a", S },
        { "-aa**a", "aa", S },
        { "-**/d2/**a", "d2/d3/1a", E },
        { "-a/**/a", "a", S },
        { "-a/**/a", "a/", S },
        { "+**aa** -a", "aa/a", S },
    };

    // juicefs pkg/sync/sync_test.go TestMatchFullPatch (full-path mode).
    public static TheoryData<string, string, bool> JuicefsFullPathCases() => new()
    {
        { "-a", "b/a", E },
        { "-a*", "a1", E },
        { "-a*/b*", "a1/b1", E },
        { "-/a*", "a1", E },
        { "-a*/b?/", "a1/b1/", E },
        { "-a/**/b", "a/c/b", E },
        { "-a/**/b", "a/c/d/b", E },
        { "-a/**/b", "a/c/d/e/b", E },
        { "-/**/b", "a/c/b", E },
        { "-a**/b", "a/c/d/b", E },
        { "-a**b", "a/c/d/b", E },
        { "-**a", "a", E },
        { "-a**", "a", E },
        { "-**/d2/**a", "d2/d3/1a", E },
        { "-/a", "a1", S },
        { "-a*/b?", "a1/b1/c2/d1", S },
        { "-/a/b/c", "a1", S },
        { "-a*/b?/", "a1/", S },
        { "-a*/b?/c.txt", "a1/b1", S },
        { "-a*/b?/", "a1/b1/c.txt", S },
        { "-a*/", "a1/b1", S },
        { "-a*/b*/", "a1/b1/c1/d.txt/", S },
        { "-/a*/b*", "a1/b1/c1/d.txt/", S },
        { "-a", "a/b/c/d/", S },
        { "-a*/b*/c", "a1/b1/c1/d.txt/", S },
        { "-a**/b", "a/c/d/ab/", S },
        { "-a**b", "b/c/d/b", S },
        { "-/**/b", "a/c/d/b/", S },
        { "-a?**", "a/a", S },
        { "-a**a", "a", S },
        { "-aa**a", "aa", S },
        { "-a/**/a", "a", S },
        { "-a/**/a", "a/", S },
        { "+**aa** -a", "aa/a", S },
    };

    [Theory]
    [MemberData(nameof(GuideExamples))]
    [MemberData(nameof(NoRules))]
    [MemberData(nameof(DeparturesFromJuicefs))]
    public void Includes_GuideExample_DecidesAsTheGuide(string rules, bool matchFullPath, string key, bool sync)
    {
        var set = FilterRuleSet.Create(ParseRules(rules), matchFullPath);

        Assert.Equal(sync, set.Includes(key));
        Assert.Equal(sync, set.IncludesUncached(key));
    }

    [Theory]
    [MemberData(nameof(JuicefsLayerCases))]
    public void Includes_JuicefsLayerCase_AgreesWithJuicefs(string rules, string key, bool sync)
    {
        var set = FilterRuleSet.Create(ParseRules(rules), matchFullPath: false);

        Assert.Equal(sync, set.Includes(key));
        Assert.Equal(sync, set.IncludesUncached(key));
    }

    [Theory]
    [MemberData(nameof(JuicefsFullPathCases))]
    public void Includes_JuicefsFullPathCase_AgreesWithJuicefs(string rules, string key, bool sync)
    {
        var set = FilterRuleSet.Create(ParseRules(rules), matchFullPath: true);

        Assert.Equal(sync, set.Includes(key));
    }

    [Theory]
    [InlineData("/a1", "-/a*", true)]
    [InlineData("/x/foo", "-/foo", false)]
    public void Includes_KeyWithLeadingSlash_IgnoresTheSlash(string key, string rules, bool fullPath)
    {
        var set = FilterRuleSet.Create(ParseRules(rules), fullPath);

        Assert.Equal(set.Includes(key.TrimStart('/')), set.Includes(key));
    }

    [Theory]
    [InlineData("[abc", "unclosed '['")]
    [InlineData("a/[", "unclosed '['")]
    [InlineData("[a\\", "unclosed '['")]
    [InlineData("[]", "unclosed '['")]
    [InlineData("[z-a]", "reversed range")]
    [InlineData("abc\\", "unescaped '\\'")]
    [InlineData("", "empty")]
    public void Create_InvalidPattern_ThrowsNamingPatternAndReason(string pattern, string reason)
    {
        FilterPatternException e = Assert.Throws<FilterPatternException>(() =>
            FilterRuleSet.Create([FilterRule.Include("ok"), FilterRule.Exclude(pattern)], matchFullPath: false));

        Assert.Equal(pattern, e.Pattern);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
        Assert.Contains($"'{pattern}'", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Create_NoRules_IsEmptyAndPrunesNothing()
    {
        var set = FilterRuleSet.Create([], matchFullPath: true);

        Assert.True(set.IsEmpty);
        Assert.True(FilterRuleSet.Empty.IsEmpty);
        Assert.False(set.ExcludesSubtree("a/"));
        Assert.False(FilterRuleSet.Create([FilterRule.Exclude("x")], false).IsEmpty);
    }

    [Fact]
    public void Create_KeepsRulesInOrder()
    {
        FilterRule[] rules = [FilterRule.Exclude("a*"), FilterRule.Include("ab*")];

        var set = FilterRuleSet.Create(rules, matchFullPath: true);

        Assert.Equal(rules, set.Rules);
        Assert.False(set.Includes("abc"));
        Assert.True(FilterRuleSet.Create([.. rules.Reverse()], matchFullPath: true).Includes("abc"));
    }

    [Theory]
    // Layer mode: an excluded directory takes its subtree with it.
    [InlineData("-foo/", Layer, "foo/", true)]
    [InlineData("-foo/", Layer, "a/foo/", true)]
    [InlineData("-foo/", Layer, "foo/bar/", true)]
    [InlineData("-foo/", Layer, "bar/", false)]
    [InlineData("+/some/path/this-file-will-not-be-synced -*", Layer, "some/", true)]
    [InlineData("+*/ +*.c -*", Layer, "some/", false)]
    [InlineData("-*.o", Layer, "x.o/", true)]
    // Full-path mode: an exclude covering the subtree with no include able to reach into it first.
    [InlineData("-**/tmpdir/**", Full, "x/tmpdir/", true)]
    [InlineData("-**/tmpdir/**", Full, "x/tmpdir/y/", true)]
    [InlineData("-**/tmpdir/**", Full, "x/", false)]
    [InlineData("-/foo**", Full, "foo/", true)]
    [InlineData("-/foo**", Full, "foobar/", true)]
    [InlineData("-/foo**", Full, "x/", false)]
    [InlineData("-**foo/**", Full, "a/barfoo/", true)]
    [InlineData("+/keep/** -*", Full, "other/", true)]
    [InlineData("+/keep/** -*", Full, "keep/", false)]
    [InlineData("+/a/b/c.txt -*", Full, "a/x/", true)]
    [InlineData("+/a/b/c.txt -*", Full, "a/b/", false)]
    [InlineData("+/a/b/c.txt -*", Full, "a/b/c.txt/", true)]
    [InlineData("+foo/bar.c -*", Full, "foo/", false)]
    [InlineData("+foo/bar.c -*", Full, "other/", false)] // other/foo/bar.c would be synced
    [InlineData("+**.gz -*", Full, "x/", false)]
    [InlineData("+*/ +*.c -*", Full, "x/", false)]
    [InlineData("-**.gz", Full, "x/", false)]
    [InlineData("-*", Full, "x/", true)]
    [InlineData("-/***", Full, "x/", true)]
    public void ExcludesSubtree_Example_PrunesOnlyWhatIsExcluded(string rules, bool matchFullPath, string directory, bool prune)
    {
        var set = FilterRuleSet.Create(ParseRules(rules), matchFullPath);

        Assert.Equal(prune, set.ExcludesSubtree(directory));
    }

    [Fact]
    public void ExcludesSubtree_RandomRulesAndKeys_NeverPrunesAnIncludedKey()
    {
        Gen<(FilterRule[] rules, bool fullPath, string dir, string below)> gen =
            from rules in RulesGen()
            from fullPath in Gen.Elements(true, false)
            from dir in ListOf(SegmentGen(), 0, 3).Select(s => string.Concat(s.Select(x => x + "/")))
            from below in KeyGen().Where(k => k.Length > 0)
            select (rules, fullPath, dir, below);

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(20_000), Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var set = FilterRuleSet.Create(t.rules, t.fullPath);
            string key = t.dir + t.below;
            return !set.ExcludesSubtree(t.dir) || !set.Includes(key);
        }));
    }

    [Fact]
    public void ExcludesSubtree_LayerMode_PrunesEveryExcludedDirectory()
    {
        // In layer mode the pruning is complete for excluded directories: an excluded directory key is pruned.
        Gen<(FilterRule[] rules, string dir)> gen =
            from rules in RulesGen()
            from dir in ListOf(SegmentGen(), 1, 3).Select(s => string.Concat(s.Select(x => x + "/")))
            select (rules, dir);

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(5_000), Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var set = FilterRuleSet.Create(t.rules, matchFullPath: false);
            return set.Includes(t.dir) || set.ExcludesSubtree(t.dir);
        }));
    }

    [Fact]
    public void Includes_SortedKeysThroughTheParentCache_AgreesWithUncachedEvaluation()
    {
        Gen<(FilterRule[] rules, List<string> keys)> gen =
            from rules in RulesGen()
            from keys in ListOf(KeyGen(), 1, 30)
            select (rules, keys: keys.Order(StringComparer.Ordinal).ToList());

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(3_000), Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var set = FilterRuleSet.Create(t.rules, matchFullPath: false);
            var other = FilterRuleSet.Create(t.rules, matchFullPath: false);
            // Interleave two rule sets on the same thread, so the cache must tell them apart.
            return t.keys.All(k => set.Includes(k) == set.IncludesUncached(k) && other.Includes(k) == set.IncludesUncached(k));
        }));
    }

    [Fact]
    public void Includes_RandomRulesAndKeys_AgreesWithReferenceMatcher()
    {
        Gen<(FilterRule[] rules, bool fullPath, string key)> gen =
            from rules in RulesGen(WidePatternGen())
            from fullPath in Gen.Elements(true, false)
            from key in KeyGen(Gen.Elements("a", "b", "ab", "a.c", "]", "*", "-", "a-c", "!"))
            select (rules, fullPath, key);

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(20_000), Prop.ForAll(gen.ToArbitrary(), t =>
        {
            bool expected = ReferenceMatcher.Includes(t.rules, t.fullPath, t.key);
            bool actual = FilterRuleSet.Create(t.rules, t.fullPath).IncludesUncached(t.key);
            return actual == expected
                ? true
                : throw new InvalidOperationException($"{string.Join(" ", t.rules)} fullPath={t.fullPath} key='{t.key}': reference {expected}, actual {actual}");
        }));
    }

    [Fact]
    public void Includes_PatternsOfMoreThan64Tokens_AgreeWithReferenceMatcher()
    {
        // Long patterns run on the multi-word automaton; pad patterns and keys with a 70-character directory.
        string pad = new string('d', 35) + "-" + new string('e', 34);
        Gen<(FilterRule[] rules, bool fullPath, string key)> gen =
            from rules in RulesGen(WidePatternGen().Select(p => "/" + pad + "/" + p.TrimStart('/')))
            from fullPath in Gen.Elements(true, false)
            from key in KeyGen(Gen.Elements("a", "b", "ab", "a.c", "]", "*", "-", "a-c", "!"))
            select (rules, fullPath, key: pad + "/" + key);

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(3_000), Prop.ForAll(gen.ToArbitrary(), t =>
        {
            bool expected = ReferenceMatcher.Includes(t.rules, t.fullPath, t.key);
            bool actual = FilterRuleSet.Create(t.rules, t.fullPath).IncludesUncached(t.key);
            return actual == expected
                ? true
                : throw new InvalidOperationException($"{string.Join(" ", t.rules)} fullPath={t.fullPath} key='{t.key}': reference {expected}, actual {actual}");
        }));
    }

    [Theory]
    [InlineData(40, "", false)]
    [InlineData(39, "", true)]
    [InlineData(40, "x/", false)]
    [InlineData(40, "x/b", false)]
    [InlineData(39, "x/b", true)]
    [InlineData(100, "", false)]
    public void Includes_LongStarPattern_MatchesAcrossWords(int count, string prefix, bool sync)
    {
        // "*a" x 40 is 80 tokens: the automaton spans two 64-bit words.
        var set = FilterRuleSet.Create([FilterRule.Exclude(string.Concat(Enumerable.Repeat("*a", 40)))], matchFullPath: true);

        Assert.Equal(sync, set.Includes(prefix + new string('a', count)));
    }

    [Fact]
    public void Includes_LayerMode_AgreesWithRealRsync()
    {
        // The guide calls layer-by-layer mode rsync-compatible: compare with rsync's own filter on a real
        // tree (rsync -a -n lists what it would transfer, directories with a trailing '/').
        DirectoryInfo root = Directory.CreateTempSubdirectory("ferry-filter-rsync-");
        try
        {
            var keys = new List<string>();
            MakeTree(root.FullName, "", 1, keys);
            string[] tokens = ["a", "b", "*", "**", "***", "?", "[ab]", "[!a]", ".o", "/", "/"];
            var random = new Random(20261121);
            for (int c = 0; c < 150; c++)
            {
                FilterRule[] rules = Enumerable.Range(0, random.Next(1, 5))
                    .Select(_ =>
                    {
                        string pattern = string.Concat(Enumerable.Range(0, random.Next(1, 6)).Select(_ => tokens[random.Next(tokens.Length)]));
                        return random.Next(10) < 4 ? FilterRule.Include(pattern) : FilterRule.Exclude(pattern);
                    })
                    .ToArray();
                HashSet<string> transferred = RsyncDryRun(root.FullName, rules);
                var set = FilterRuleSet.Create(rules, matchFullPath: false);
                foreach (string key in keys)
                {
                    Assert.True(transferred.Contains(key) == set.Includes(key),
                        $"{string.Join(" ", rules)}: key '{key}': rsync {(transferred.Contains(key) ? "transfers" : "skips")} it, Ferry {(set.Includes(key) ? "syncs" : "excludes")} it");
                }
            }
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    private static void MakeTree(string root, string prefix, int depth, List<string> keys)
    {
        string[] files = depth < 3 ? ["b", "c.o"] : ["a", "b", "ab"];
        foreach (string f in files)
        {
            File.WriteAllBytes(Path.Combine(root, prefix + f), []);
            keys.Add(prefix + f);
        }

        if (depth < 3)
        {
            foreach (string? d in new[] { "a", "ab" })
            {
                Directory.CreateDirectory(Path.Combine(root, prefix + d));
                keys.Add(prefix + d + "/");
                MakeTree(root, prefix + d + "/", depth + 1, keys);
            }
        }
    }

    private static HashSet<string> RsyncDryRun(string source, FilterRule[] rules)
    {
        var start = new System.Diagnostics.ProcessStartInfo("rsync")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string? a in new[] { "-a", "-n", "--out-format=%n" })
        {
            start.ArgumentList.Add(a);
        }

        foreach (FilterRule rule in rules)
        {
            start.ArgumentList.Add(rule.Action == FilterAction.Include ? "--include" : "--exclude");
            start.ArgumentList.Add(rule.Pattern);
        }

        start.ArgumentList.Add(source + "/");
        start.ArgumentList.Add(Path.Combine(source, "..", Path.GetFileName(source) + "-nonexistent-dst") + "/");
        using Process process = System.Diagnostics.Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"rsync {string.Join(" ", start.ArgumentList)} exited {process.ExitCode}: {stderr.Result}");
        return stdout.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l != "./").ToHashSet(StringComparer.Ordinal);
    }

    [Fact]
    public void Includes_ManyThreads_AgreeWithSingleThread()
    {
        var set = FilterRuleSet.Create(ParseRules("+*/ +/some/path/f -* "), matchFullPath: false);
        string[] keys = Enumerable.Range(0, 2000).Select(i => $"some/{(i % 3 == 0 ? "path" : "other")}/{(i % 5 == 0 ? "f" : "g")}").ToArray();
        bool[] expected = keys.Select(set.IncludesUncached).ToArray();

        bool[] actual = new bool[keys.Length];
        Parallel.For(0, keys.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => actual[i] = set.Includes(keys[i]));

        Assert.Equal(expected, actual);
    }

    internal static FilterRule[] ParseRules(string rules) =>
        rules.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(r => r[0] switch
            {
                '+' => FilterRule.Include(r[1..]),
                '-' => FilterRule.Exclude(r[1..]),
                _ => throw new ArgumentException($"rule '{r}' must start with + or -", nameof(rules)),
            })
            .ToArray();

    private static Gen<T[]> ListOf<T>(Gen<T> gen, int min, int max) =>
        Gen.Choose(min, max).SelectMany(n => Gen.ArrayOf(gen, n));

    // Small alphabets so that random patterns and keys often meet.
    private static Gen<string> SegmentGen() => Gen.Elements("a", "b", "ab", "ba", "a.c", "aa");

    private static Gen<string> KeyGen() => KeyGen(SegmentGen());

    private static Gen<string> KeyGen(Gen<string> segment) =>
        from segments in ListOf(segment, 1, 4)
        from isDir in Gen.Elements(false, false, true)
        select string.Join("/", segments) + (isDir ? "/" : "");

    private static Gen<string> PatternGen() =>
        from parts in ListOf(Gen.Elements("a", "b", "*", "**", "***", "?", "[ab]", "[^a]", "[!b]", ".c", "/", "/"), 1, 5)
        let p = string.Concat(parts)
        where p.Length > 0
        select p;

    private static Gen<string> WidePatternGen() =>
        from parts in ListOf(Gen.Elements("a", "b", "*", "**", "***", "?", "[ab]", "[^a]", "[!b]", ".c", "/", "/", "\\*", "[]a]", "[a-c]", "[!a-b]", "\\-", "-", "]", "!"), 1, 5)
        select string.Concat(parts);

    private static Gen<FilterRule[]> RulesGen() => RulesGen(PatternGen());

    private static Gen<FilterRule[]> RulesGen(Gen<string> patternGen) =>
        ListOf(
            from pattern in patternGen
            from include in Gen.Elements(true, false)
            select include ? FilterRule.Include(pattern) : FilterRule.Exclude(pattern), 1, 4)
        .Select(r => r.ToArray());
}
