using Ferry.Api.Endpoints;
using Ferry.Api.ReplicaMirrors;

namespace Ferry.Api.Tests.ReplicaMirrors;

/// <summary>Slots of schedules (Cronos, IANA time zones, daylight saving as batch/v1 CronJob) and intervals; missed
/// slots and <c>startingDeadlineSeconds</c>; parse errors; default RPO.</summary>
public sealed class MirrorTriggerTests
{
    private static ReplicaMirrorSpec Spec(string? schedule = null, string? timeZone = null, string? interval = null, long? deadline = null, string? manual = null, string? rpo = null) => new()
    {
        Source = new Endpoint { Volume = new VolumeEndpoint { ClaimName = "src" } },
        Destinations = [new MirrorDestination { Name = "a", Volume = new VolumeEndpoint { ClaimName = "dst" } }],
        Schedule = schedule,
        TimeZone = timeZone,
        Interval = interval,
        StartingDeadlineSeconds = deadline,
        ManualTrigger = manual,
        Rpo = rpo,
    };

    private static DateTimeOffset Utc(string text) => DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture).ToUniversalTime();

    [Theory]
    // Europe/Berlin, 2026-03-29: 02:00 CET jumps to 03:00 CEST. 02:30 does not exist: the slot runs at 03:00 CEST.
    [InlineData("30 2 * * *", "Europe/Berlin", "2026-03-28T02:30:00+01:00", "2026-03-29T03:00:00+02:00")]
    [InlineData("30 2 * * *", "Europe/Berlin", "2026-03-29T03:00:00+02:00", "2026-03-30T02:30:00+02:00")]
    // Europe/Berlin, 2026-10-25: 03:00 CEST falls back to 02:00 CET. 02:30 comes twice: it runs once, in the first pass.
    [InlineData("30 2 * * *", "Europe/Berlin", "2026-10-24T02:30:00+02:00", "2026-10-25T02:30:00+02:00")]
    [InlineData("30 2 * * *", "Europe/Berlin", "2026-10-25T02:30:00+02:00", "2026-10-26T02:30:00+01:00")]
    // America/New_York, 2026-03-08: 02:00 EST jumps to 03:00 EDT.
    [InlineData("0 2 * * *", "America/New_York", "2026-03-07T02:00:00-05:00", "2026-03-08T03:00:00-04:00")]
    // America/New_York, 2026-11-01: 02:00 EDT falls back to 01:00 EST; 01:30 runs once.
    [InlineData("30 1 * * *", "America/New_York", "2026-10-31T01:30:00-04:00", "2026-11-01T01:30:00-04:00")]
    [InlineData("30 1 * * *", "America/New_York", "2026-11-01T01:30:00-04:00", "2026-11-02T01:30:00-05:00")]
    // No time zone: UTC.
    [InlineData("@hourly", null, "2026-12-08T10:00:00Z", "2026-12-08T11:00:00Z")]
    [InlineData("15 10 * * 1-5", null, "2026-12-11T10:15:00Z", "2026-12-14T10:15:00Z")]
    public void NextAfter_FixedTimeSchedule_HandlesDaylightSavingLikeCronJob(string schedule, string? zone, string after, string expected)
    {
        var trigger = MirrorTrigger.Parse(Spec(schedule, zone));

        Assert.Equal(Utc(expected), trigger.NextAfter(Utc(after)));
    }

    [Fact]
    public void NextAfter_IntervalLikeScheduleOverFallBack_RunsInBothPassesOfTheRepeatedHour()
    {
        var trigger = MirrorTrigger.Parse(Spec("*/30 * * * *", "Europe/Berlin"));
        var slots = new List<DateTimeOffset>();
        DateTimeOffset cursor = Utc("2026-10-24T23:15:00Z");
        for (int i = 0; i < 6; i++)
        {
            cursor = trigger.NextAfter(cursor)!.Value;
            slots.Add(cursor);
        }

        // 01:30, 02:00 and 02:30 CEST, then 02:00, 02:30 and 03:00 CET: every 30 minutes of real time.
        Assert.Equal(
            ["2026-10-24T23:30:00Z", "2026-10-25T00:00:00Z", "2026-10-25T00:30:00Z", "2026-10-25T01:00:00Z", "2026-10-25T01:30:00Z", "2026-10-25T02:00:00Z"],
            slots.Select(s => s.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void Decide_ScheduleFirstRun_WaitsForTheFirstSlotAfterCreation()
    {
        var trigger = MirrorTrigger.Parse(Spec("0 * * * *"));
        DateTimeOffset created = Utc("2026-12-08T10:20:00Z");

        SlotDecision before = trigger.Decide(null, created, Utc("2026-12-08T10:59:59Z"));
        SlotDecision at = trigger.Decide(null, created, Utc("2026-12-08T11:00:03Z"));

        Assert.Equal(new SlotDecision(null, null, 0, Utc("2026-12-08T11:00:00Z")), before);
        Assert.Equal(new SlotDecision(Utc("2026-12-08T11:00:00Z"), Utc("2026-12-08T11:00:00Z"), 0, Utc("2026-12-08T12:00:00Z")), at);
    }

    [Fact]
    public void Decide_ThreeDayDowntime_RunsOnlyTheLatestSlotAndCountsTheRest()
    {
        var trigger = MirrorTrigger.Parse(Spec("0 * * * *"));
        DateTimeOffset last = Utc("2026-12-05T10:00:00Z");

        SlotDecision decision = trigger.Decide(last, Utc("2026-12-01T00:00:00Z"), Utc("2026-12-08T10:20:00Z"));

        // 72 hourly slots passed (11:00 on the 5th up to 10:00 on the 8th): the latest runs, 71 are missed.
        Assert.Equal(Utc("2026-12-08T10:00:00Z"), decision.Run);
        Assert.Equal(71, decision.Missed);
        Assert.Equal(Utc("2026-12-08T11:00:00Z"), decision.Next);
    }

    [Fact]
    public void Decide_LatestSlotPastStartingDeadline_DoesNotRunButIsConsumedAndCounted()
    {
        var trigger = MirrorTrigger.Parse(Spec("0 * * * *", deadline: 600));
        DateTimeOffset last = Utc("2026-12-05T10:00:00Z");

        SlotDecision late = trigger.Decide(last, Utc("2026-12-01T00:00:00Z"), Utc("2026-12-08T10:20:00Z"));
        SlotDecision inTime = trigger.Decide(last, Utc("2026-12-01T00:00:00Z"), Utc("2026-12-08T10:09:59Z"));

        Assert.Null(late.Run);
        Assert.Equal(Utc("2026-12-08T10:00:00Z"), late.Consumed);
        Assert.Equal(72, late.Missed);
        Assert.Equal(Utc("2026-12-08T10:00:00Z"), inTime.Run);
        Assert.Equal(71, inTime.Missed);
    }

    [Fact]
    public void Decide_EveryMinuteForAYear_CountsUpToTheCapAndStillFindsTheLatestSlot()
    {
        var trigger = MirrorTrigger.Parse(Spec("* * * * *"));

        SlotDecision decision = trigger.Decide(Utc("2025-12-08T10:00:00Z"), Utc("2025-12-01T00:00:00Z"), Utc("2026-12-08T10:20:30Z"));

        Assert.Equal(Utc("2026-12-08T10:20:00Z"), decision.Run);
        Assert.Equal(MirrorTrigger.MaxCountedSlots - 1, decision.Missed);
    }

    [Fact]
    public void Decide_Interval_FirstAtCreationThenEveryIntervalFromTheLastSlot()
    {
        var trigger = MirrorTrigger.Parse(Spec(interval: "15m"));
        DateTimeOffset created = Utc("2026-12-08T10:00:07Z");

        SlotDecision first = trigger.Decide(null, created, created);
        SlotDecision early = trigger.Decide(created, created, created + TimeSpan.FromMinutes(14));
        SlotDecision late = trigger.Decide(created, created, created + TimeSpan.FromMinutes(47));

        Assert.Equal(new SlotDecision(created, created, 0, created + TimeSpan.FromMinutes(15)), first);
        Assert.Equal(new SlotDecision(null, null, 0, created + TimeSpan.FromMinutes(15)), early);
        Assert.Equal(new SlotDecision(created + TimeSpan.FromMinutes(45), created + TimeSpan.FromMinutes(45), 2, created + TimeSpan.FromMinutes(60)), late);
    }

    [Theory]
    [InlineData(null, null, null, MirrorTriggerKind.BackToBack)]
    [InlineData(null, null, "t1", MirrorTriggerKind.Manual)]
    [InlineData("@daily", null, "t1", MirrorTriggerKind.Schedule)]
    [InlineData(null, "10m", "t1", MirrorTriggerKind.Interval)]
    public void Parse_TriggerFields_GiveTheKind(string? schedule, string? interval, string? manual, MirrorTriggerKind kind)
    {
        var trigger = MirrorTrigger.Parse(Spec(schedule, interval: interval, manual: manual));

        Assert.Equal(kind, trigger.Kind);
        if (kind is MirrorTriggerKind.BackToBack or MirrorTriggerKind.Manual)
        {
            Assert.Equal(default, trigger.Decide(null, Utc("2026-01-01T00:00:00Z"), Utc("2026-06-01T00:00:00Z")));
            Assert.Null(trigger.NextAfter(Utc("2026-01-01T00:00:00Z")));
        }
    }

    [Theory]
    [InlineData("61 * * * *", null, null, "spec.schedule")]
    [InlineData("0 * * * *", "Mars/Olympus_Mons", null, "spec.timeZone: unknown time zone \"Mars/Olympus_Mons\"")]
    [InlineData(null, null, "500ms", "spec.interval: \"500ms\" must be a whole number of seconds, at least 1s")]
    [InlineData(null, null, "1.5s", "spec.interval")]
    [InlineData(null, null, "10x", "spec.interval")]
    public void Parse_BadTrigger_FormatExceptionNamesTheField(string? schedule, string? zone, string? interval, string message)
    {
        FormatException e = Assert.Throws<FormatException>(() => MirrorTrigger.Parse(Spec(schedule, zone, interval)));

        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ScheduleAndInterval_Refused()
    {
        FormatException e = Assert.Throws<FormatException>(() => MirrorTrigger.Parse(Spec("@daily", interval: "1h")));

        Assert.Contains("mutually exclusive", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "15m", null, 1800)]
    [InlineData("0 */6 * * *", null, null, 43200)]
    [InlineData("0 */6 * * *", null, "1h", 3600)]
    [InlineData(null, null, null, -1)]
    public void Rpo_DefaultsToTwiceTheCadence(string? schedule, string? interval, string? rpo, int expectedSeconds)
    {
        ReplicaMirrorSpec spec = Spec(schedule, interval: interval, rpo: rpo);

        TimeSpan? actual = MirrorTrigger.Parse(spec).Rpo(spec, Utc("2026-12-08T10:20:00Z"));

        Assert.Equal(expectedSeconds < 0 ? null : TimeSpan.FromSeconds(expectedSeconds), actual);
    }
}
