using Ferry.SyncRunner.Planning;
using Ferry.SyncRunner.Storage;

namespace Ferry.SyncRunner.Tests.Planning;

public class DecisionTests
{
    private static readonly DateTimeOffset T = new(2024, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private static ObjectEntry F(long size, double secondsOffset = 0, int mode = 0x1A4) =>
        new("k", size, T.AddSeconds(secondsOffset)) { Mode = mode };

    public static TheoryData<string, long, double, long?, double, string, SyncActionKind> Table => new()
    {
        // name, src size, src mtime offset (s), dst size (null = missing), dst mtime offset (s), options, expected
        { "missing → copy", 10, 0, null, 0, "", SyncActionKind.Copy },
        { "missing + existing → skip", 10, 0, null, 0, "existing", SyncActionKind.Skip },
        { "same size → skip", 10, 0, 10, 0, "", SyncActionKind.Skip },
        { "same size, older dst → skip (size only)", 10, 100, 10, 0, "", SyncActionKind.Skip },
        { "size differs → copy", 10, 0, 11, 0, "", SyncActionKind.Copy },
        { "size differs + ignore-existing → skip", 10, 0, 11, 0, "ignoreExisting", SyncActionKind.Skip },
        { "update: src newer → copy", 10, 5, 10, 0, "update", SyncActionKind.Copy },
        { "update: src older, size differs → skip", 10, -5, 99, 0, "update", SyncActionKind.Skip },
        { "update: same second, size differs → skip", 10, 0.4, 99, 0, "update", SyncActionKind.Skip },
        { "update: sub-second newer only → skip", 10, 0.5, 10, 0.1, "update", SyncActionKind.Skip },
        { "force-update: equal → copy", 10, 0, 10, 0, "forceUpdate", SyncActionKind.Copy },
        { "force-update: missing → copy", 10, 0, null, 0, "forceUpdate", SyncActionKind.Copy },
        { "check-all: equal → check", 10, 0, 10, 0, "checkAll", SyncActionKind.Check },
        { "check-all: size differs → copy", 10, 0, 11, 0, "checkAll", SyncActionKind.Copy },
        { "delete-src: equal → delete-src", 10, 0, 10, 0, "deleteSrc", SyncActionKind.DeleteSrc },
        { "delete-src: differs → copy", 10, 0, 12, 0, "deleteSrc", SyncActionKind.Copy },
        { "check-all before delete-src", 10, 0, 10, 0, "checkAll,deleteSrc", SyncActionKind.Check },
        { "delete-src: missing → copy, kept for the next run", 10, 0, null, 0, "deleteSrc", SyncActionKind.Copy },
        { "delete-src + update: src older → skip, kept", 10, -5, 10, 0, "update,deleteSrc", SyncActionKind.Skip },
        { "delete-src + update: src newer → copy, kept", 10, 5, 10, 0, "update,deleteSrc", SyncActionKind.Copy },
        { "delete-src + update: same second, size differs → delete-src", 10, 0, 12, 0, "update,deleteSrc", SyncActionKind.DeleteSrc },
        { "delete-src-after: equal → delete-src", 10, 0, 10, 0, "deleteSrcAfter", SyncActionKind.DeleteSrc },
        { "delete-src-after: missing → copy", 10, 0, null, 0, "deleteSrcAfter", SyncActionKind.Copy },
        { "delete-src-after + update: src older → skip, kept", 10, -5, 10, 0, "update,deleteSrcAfter", SyncActionKind.Skip },
        { "update + src older + check-all → skip", 10, -5, 10, 0, "update,checkAll", SyncActionKind.Skip },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void Decide_Table_MatchesJuicefs(string name, long srcSize, double srcOffset, long? dstSize, double dstOffset, string flags, SyncActionKind expected)
    {
        var set = flags.Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
        var options = new SyncOptions
        {
            Existing = set.Contains("existing"),
            IgnoreExisting = set.Contains("ignoreExisting"),
            Update = set.Contains("update"),
            ForceUpdate = set.Contains("forceUpdate"),
            CheckAll = set.Contains("checkAll"),
            DeleteSrc = set.Contains("deleteSrc"),
            DeleteSrcAfter = set.Contains("deleteSrcAfter"),
        };
        ObjectEntry? dst = dstSize is { } d ? F(d, dstOffset) : null;

        SyncActionKind actual = Decision.Decide(F(srcSize, srcOffset), dst, options);

        Assert.True(expected == actual, $"{name}: expected {expected}, got {actual}");
    }

    [Fact]
    public void Decide_PermsDiffer_CopiesPermsOnlyWithPerms()
    {
        ObjectEntry src = F(10, mode: 0x1ED);
        ObjectEntry dst = F(10, mode: 0x1A4);

        Assert.Equal(SyncActionKind.CopyPerms, Decision.Decide(src, dst, new SyncOptions { Perms = true }));
        Assert.Equal(SyncActionKind.Skip, Decision.Decide(src, dst, new SyncOptions()));
    }

    [Fact]
    public void Decide_SymlinkSameTarget_Skips_DifferentTarget_Copies()
    {
        ObjectEntry link(string target) => new("l", target.Length, T) { Kind = EntryKind.Symlink, LinkTarget = target };

        Assert.Equal(SyncActionKind.Skip, Decision.Decide(link("a"), link("a"), new SyncOptions { Links = true }));
        Assert.Equal(SyncActionKind.Copy, Decision.Decide(link("a"), link("b"), new SyncOptions { Links = true }));
        Assert.Equal(SyncActionKind.Copy, Decision.Decide(F(1), link("k"), new SyncOptions()));
    }

    [Fact]
    public void Decide_DirectoryExists_Skips()
    {
        var dir = new ObjectEntry("d/", 0, T) { Kind = EntryKind.Directory, Mode = 0x1ED };

        Assert.Equal(SyncActionKind.Skip, Decision.Decide(dir, dir with { ModifiedTime = T.AddDays(1) }, new SyncOptions { Dirs = true, ForceUpdate = true }));
        Assert.Equal(SyncActionKind.Copy, Decision.Decide(dir, null, new SyncOptions { Dirs = true }));
    }

    [Fact]
    public void Decide_ApproximateModifiedTime_ResolvesOnlyWhereUpdateComparesTimes()
    {
        ObjectEntry approximate = F(10, 100) with { ModifiedTimeIsExact = false };

        Assert.Equal(SyncActionKind.Resolve, Decision.Decide(approximate, F(10), new SyncOptions { Update = true }));
        Assert.Equal(SyncActionKind.Resolve, Decision.Decide(F(10), approximate, new SyncOptions { Update = true }));
        Assert.Equal(SyncActionKind.Skip, Decision.Decide(approximate, F(10), new SyncOptions()));
        Assert.Equal(SyncActionKind.Copy, Decision.Decide(approximate, F(11), new SyncOptions()));
        Assert.Equal(SyncActionKind.Copy, Decision.Decide(approximate, null, new SyncOptions { Update = true }));
        Assert.Equal(SyncActionKind.Copy, Decision.Decide(approximate, F(10), new SyncOptions { Update = true, ForceUpdate = true }));
        Assert.Equal(SyncActionKind.Skip, Decision.Decide(approximate, F(10), new SyncOptions { Update = true, IgnoreExisting = true }));
    }
}
