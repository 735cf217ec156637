using Ferry.Api.ReplicaMirrors;

namespace Ferry.Api.Tests.ReplicaMirrors;

/// <summary>Child names are derived from mirror, destination and slot only, and stay valid DNS labels.</summary>
public sealed class MirrorNamesTests
{
    private static readonly DateTimeOffset Slot = new(2026, 12, 8, 10, 15, 0, TimeSpan.Zero);

    [Fact]
    public void ChildName_SameInputs_SameName()
    {
        Assert.Equal("assets-eu-west-1796724900", MirrorNames.ChildName("assets", "eu-west", Slot));
        Assert.Equal(MirrorNames.ChildName("assets", "eu-west", Slot), MirrorNames.ChildName("assets", "eu-west", Slot.AddMilliseconds(999)));
        Assert.NotEqual(MirrorNames.ChildName("assets", "eu-west", Slot), MirrorNames.ChildName("assets", "eu-west", Slot.AddSeconds(1)));
        Assert.NotEqual(MirrorNames.ChildName("assets", "eu-west", Slot), MirrorNames.ChildName("assets", "ap-south", Slot));
    }

    [Fact]
    public void ChildName_LongMirrorName_CutWithHashAndStillUnique()
    {
        string longName = new string('m', 60) + ".example";
        string a = MirrorNames.ChildName(longName, "eu-west", Slot);
        string b = MirrorNames.ChildName(longName + "x", "eu-west", Slot);

        Assert.True(a.Length <= 63, a);
        Assert.Matches("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", a);
        Assert.EndsWith("-1796724900", a, StringComparison.Ordinal);
        Assert.NotEqual(a, b);
        Assert.Equal(a, MirrorNames.ChildName(longName, "eu-west", Slot));
    }

    [Fact]
    public void LabelValue_LongName_CutToSixtyThreeWithHash()
    {
        string name = new string('a', 100);

        string value = MirrorNames.LabelValue(name);

        Assert.Equal(63, value.Length);
        Assert.Equal("short", MirrorNames.LabelValue("short"));
        Assert.NotEqual(value, MirrorNames.LabelValue(new string('a', 99)));
    }
}
