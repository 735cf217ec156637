using Ferry.Kube.Leases;
using k8s.Models;
using FakeClock = Microsoft.Extensions.Time.Testing.FakeTimeProvider;

namespace Ferry.Kube.Tests.Leases;

public sealed class LeaseObserverTests
{
    private static readonly TimeSpan Default = TimeSpan.FromSeconds(15);

    private static V1Lease Lease(string version, DateTimeOffset renew, string holder = "worker-a", int? seconds = 15, string name = "task", string ns = "default") => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, ResourceVersion = version },
        Spec = new V1LeaseSpec { HolderIdentity = holder, RenewTime = renew.UtcDateTime, AcquireTime = renew.UtcDateTime, LeaseDurationSeconds = seconds },
    };

    [Fact]
    public void IsExpired_UnchangedForTheDuration_OnTheReadersClock()
    {
        var reader = new FakeClock(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        var observer = new LeaseObserver(reader, Default);
        V1Lease lease = Lease("10", reader.GetUtcNow());

        Assert.False(observer.IsExpired(lease));
        reader.Advance(TimeSpan.FromSeconds(14.999));
        Assert.False(observer.IsExpired(lease));
        reader.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(observer.IsExpired(lease));
    }

    [Fact]
    public void IsExpired_HolderClockHoursBehind_RenewingLeaseNeverExpires()
    {
        // The holder's wall clock is 3 hours behind the reader's: every renewTime it writes looks long past.
        var reader = new FakeClock(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        var holder = new FakeClock(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));
        var observer = new LeaseObserver(reader, Default);

        for (int renewal = 0; renewal < 12; renewal++)
        {
            V1Lease renewed = Lease((100 + renewal).ToString(System.Globalization.CultureInfo.InvariantCulture), holder.GetUtcNow());
            Assert.False(observer.IsExpired(renewed), $"renewal {renewal}");
            reader.Advance(TimeSpan.FromSeconds(5));
            holder.Advance(TimeSpan.FromSeconds(5));
        }
    }

    [Fact]
    public void IsExpired_HolderClockHoursAhead_StoppedLeaseStillExpiresAfterTheDuration()
    {
        // The holder's wall clock is 3 hours ahead: its last renewTime looks hours in the future to the reader.
        var reader = new FakeClock(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        var observer = new LeaseObserver(reader, Default);
        V1Lease last = Lease("7", reader.GetUtcNow() + TimeSpan.FromHours(3));

        Assert.False(observer.IsExpired(last));
        reader.Advance(TimeSpan.FromSeconds(10));
        Assert.False(observer.IsExpired(last));
        reader.Advance(TimeSpan.FromSeconds(5));
        Assert.True(observer.IsExpired(last));
    }

    [Theory]
    [InlineData("2", 0, "worker-a")]    // a new resourceVersion
    [InlineData("1", 5, "worker-a")]    // a new renewTime under the same version (a client that sends none)
    [InlineData("1", 0, "worker-b")]    // another holder
    public void Observe_ChangedRecord_StartsAgain(string version, int renewLater, string holder)
    {
        var reader = new FakeClock(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        var observer = new LeaseObserver(reader, Default);
        DateTimeOffset renew = reader.GetUtcNow();
        observer.Observe(Lease("1", renew));
        reader.Advance(TimeSpan.FromSeconds(14));

        V1Lease changed = Lease(version, renew + TimeSpan.FromSeconds(renewLater), holder);
        Assert.Equal(TimeSpan.Zero, observer.Observe(changed));
        reader.Advance(TimeSpan.FromSeconds(14));
        Assert.False(observer.IsExpired(changed));
        Assert.Equal(TimeSpan.FromSeconds(14), observer.Observe(changed));
    }

    [Fact]
    public void IsExpired_NewReader_WaitsAWholeDurationWhateverTheRenewTimeSays()
    {
        var reader = new FakeClock(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        var observer = new LeaseObserver(reader, Default);
        V1Lease stale = Lease("3", reader.GetUtcNow() - TimeSpan.FromHours(1));

        Assert.False(observer.IsExpired(stale));
        reader.Advance(Default);
        Assert.True(observer.IsExpired(stale));
    }

    [Theory]
    [InlineData(null, 15)]
    [InlineData(0, 15)]
    [InlineData(5, 5)]
    public void DurationOf_LeaseDurationSeconds_ElseTheDefault(int? seconds, int expected)
    {
        var observer = new LeaseObserver(new FakeClock(), Default);

        Assert.Equal(TimeSpan.FromSeconds(expected), observer.DurationOf(Lease("1", DateTimeOffset.UnixEpoch, seconds: seconds)));
    }

    [Fact]
    public void Observe_LeasesKeptApartByNamespaceAndName_ForgetDropsOne()
    {
        var reader = new FakeClock();
        var observer = new LeaseObserver(reader, Default);
        V1Lease a = Lease("1", reader.GetUtcNow(), name: "a");
        V1Lease otherNamespace = Lease("1", reader.GetUtcNow(), name: "a", ns: "other");
        observer.Observe(a);
        reader.Advance(TimeSpan.FromSeconds(20));
        observer.Observe(otherNamespace);

        Assert.Equal(2, observer.Count);
        Assert.True(observer.IsExpired(a));
        Assert.False(observer.IsExpired(otherNamespace));

        observer.Forget(a);
        Assert.Equal(1, observer.Count);
        Assert.False(observer.IsExpired(a));   // seen again as new
    }

    [Fact]
    public void Constructor_And_Observe_RefuseBadArguments()
    {
        Assert.Throws<ArgumentNullException>(() => new LeaseObserver(null!, Default));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LeaseObserver(new FakeClock(), TimeSpan.Zero));
        var observer = new LeaseObserver(new FakeClock(), Default);
        Assert.Throws<ArgumentNullException>(() => observer.Observe(null!));
        Assert.Throws<ArgumentException>(() => observer.Observe(new V1Lease { Metadata = new V1ObjectMeta() }));
    }
}
