using Ferry.E2E.Tests.Harness;

namespace Ferry.E2E.Tests.Scenarios.Mirrors;

/// <summary>Mirror scenario 2: a manual token on a schedule that would not fire during the test starts one run of every
/// destination, and the status echoes the token.</summary>
[Collection(E2ECollection.Name)]
public sealed class MirrorManualTriggerTests(E2EFixture fixture)
{
    [Fact]
    public async Task ManualTrigger_OnAYearlySchedule_RunsEveryDestinationOnceAndEchoesTheToken()
    {
        const string ns = "manual";
        await using E2ECluster cluster = await E2ECluster.StartAsync(fixture, "manual");
        await cluster.PrepareNamespaceAsync(ns, "eu");
        await cluster.ApplyAsync(Manifests.Claim(ns, "ap"));
        using MirrorSource source = await MirrorSource.CreateAsync(fixture.S3, fixture.Tree, 30);
        await cluster.ApplyAsync(Manifests.ReplicaMirror(ns, "release", source.Bucket, fixture.S3.Endpoint, [("eu", "eu", "r"), ("ap", "ap", "r")], spec =>
        {
            spec["schedule"] = "0 0 1 1 *";
            spec["timeZone"] = "Europe/Berlin";
        }));
        MirrorView idle = await cluster.WaitForMirrorAsync(ns, "release", m => m.ConditionStatus("Ready") == "True" && m.Object["status"]?["nextSyncTime"] is not null, TimeSpan.FromSeconds(30), "Ready with a next sync time");
        Assert.Empty(cluster.MirrorChildren(ns, "release", "eu"));
        // Midnight of the next 1 January in Berlin, written in UTC (an hour earlier, in winter).
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        DateTime newYear = new(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, berlin).Year + 1, 1, 1, 0, 0, 0, DateTimeKind.Unspecified);
        var expected = new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(newYear, berlin), TimeSpan.Zero);
        Assert.Equal(expected, DateTimeOffset.Parse((string)idle.Object["status"]!["nextSyncTime"]!, System.Globalization.CultureInfo.InvariantCulture));

        await cluster.Kubectl.RunOkAsync("patch", "rmir", "release", "-n", ns, "--type", "merge", "-p", """{"spec":{"manualTrigger":"release-2026.12"}}""");

        MirrorView done = await cluster.WaitForMirrorAsync(ns, "release", m => m.LastManualTrigger == "release-2026.12" && m.LastResult("eu") == "Succeeded" && m.LastResult("ap") == "Succeeded",
            TimeSpan.FromSeconds(90), "the manual run of both destinations");
        TreeSnapshot.AssertEqual(source.Expected, TreeSnapshot.Take(cluster.VolumePath("eu", "r")), "eu");
        TreeSnapshot.AssertEqual(source.Expected, TreeSnapshot.Take(cluster.VolumePath("ap", "r")), "ap");
        foreach (string d in new[] { "eu", "ap" })
        {
            SyncJobView child = Assert.Single(cluster.MirrorChildren(ns, "release", d));
            Assert.Equal("release-2026.12", (string?)child.Object["metadata"]!["annotations"]!["ferry.io/manual-trigger"]);
            Assert.Equal("release-2026.12", (string?)done.Destination(d)!["lastManualTrigger"]);
        }
    }
}
