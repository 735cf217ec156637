using Ferry.SyncRunner.Watching;

namespace Ferry.SyncRunner.Tests.Watching;

public class ChangeSelectionTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 8, 10, 0, 0, TimeSpan.Zero);

    private static PendingChange C(string path, bool deep = false) => new(path, deep, T0, T0);

    [Fact]
    public void From_EachPathSelectsItsKeyAndItsDirectoryEntry_InUtf8OrderGroupedByParent()
    {
        var selection = ChangeSelection.From([C("a/x"), C("b"), C("a/x-1"), C("a/x.txt")]);

        Assert.False(selection.All);
        Assert.Equal(["a/", ""], selection.Groups.Select(g => g.Parent));
        Assert.Equal(["a/x", "a/x-1", "a/x-1/", "a/x.txt", "a/x.txt/", "a/x/"], selection.Groups[0].Items.Select(i => i.Key));
        Assert.Equal(["b", "b/"], selection.Groups[1].Items.Select(i => i.Key));
        Assert.All(selection.Groups.SelectMany(g => g.Items), i => Assert.Equal(i.Key.EndsWith('/'), i.IsDirectory));
        Assert.Equal("a/x", selection.Groups[0].First);
        Assert.Equal("a/x/\0", selection.Groups[0].End);
    }

    [Fact]
    public void From_DeepChange_CoversEverythingBelowIt()
    {
        var selection = ChangeSelection.From([C("d/e/f"), C("d", deep: true), C("d/e", deep: true), C("d0"), C("d.x")]);

        ChangeSelection.Item[] items = [.. selection.Groups.SelectMany(g => g.Items)];
        Assert.Equal(["d", "d.x", "d.x/", "d/", "d0", "d0/"], items.Select(i => i.Key));
        Assert.True(items.Single(i => i.Key == "d/").Deep);
        Assert.False(items.Single(i => i.Key == "d0/").Deep);
        Assert.Equal(5, selection.Paths);
    }

    [Fact]
    public void From_ShallowAndDeepChangeOfOnePath_IsDeep()
    {
        var selection = ChangeSelection.From([C("p"), C("p", deep: true)]);

        Assert.True(selection.Groups.Single().Items.Single(i => i.Key == "p/").Deep);
    }

    [Fact]
    public void From_TheRootItself_SelectsEverything()
    {
        Assert.True(ChangeSelection.From([C("a"), C("")]).All);
    }

    [Theory]
    [InlineData("a", "")]
    [InlineData("a/", "")]
    [InlineData("a/b", "a/")]
    [InlineData("a/b/", "a/")]
    [InlineData("/x", "/")]
    public void Parent_IsTheDirectoryThatListsTheKey(string key, string parent) =>
        Assert.Equal(parent, ChangeSelection.Parent(key));
}
