using System.Globalization;
using Cronos;
using Ferry.Api.Common;

namespace Ferry.Api.ReplicaMirrors;

/// <summary>The parsed trigger of a <see cref="ReplicaMirror"/>: which slots exist and which one is due.</summary>
/// <remarks>
/// <para>Schedules are parsed and stepped by the Cronos package in the IANA time zone <c>spec.timeZone</c>: an
/// occurrence inside a daylight-saving gap runs at the end of the gap (the next valid minute); a fixed-time occurrence
/// in a repeated hour runs once, an interval-like one (<c>*/15</c> in the minute or hour field) in both passes — as
/// Vixie cron and batch/v1 CronJob do. An interval's slots are <c>lastScheduleTime + k·interval</c>, the first one at
/// creation.</para>
/// <para>Missed slots never stop scheduling (unlike Kubernetes #42649, where a CronJob gave up after 100): only the
/// latest due slot runs, the earlier ones are counted; a slot noticed later than <c>startingDeadlineSeconds</c> after
/// its time is counted too and does not run (batch/v1 CronJob semantics).</para>
/// <para>All times are whole seconds in UTC.</para>
/// </remarks>
public sealed class MirrorTrigger
{
    /// <summary>Missed slots of a schedule are counted up to this many; beyond, the count stops and the latest slot is
    /// found by searching back from now.</summary>
    public const int MaxCountedSlots = 100_000;

    private static readonly TimeSpan[] SearchWindows =
        [TimeSpan.FromHours(1), TimeSpan.FromDays(1), TimeSpan.FromDays(32), TimeSpan.FromDays(367), TimeSpan.FromDays(4 * 366 + 1), TimeSpan.FromDays(29 * 366)];

    private readonly CronExpression? _cron;
    private readonly TimeZoneInfo _zone;

    private MirrorTrigger(MirrorTriggerKind kind, CronExpression? cron, TimeZoneInfo zone, TimeSpan? interval, TimeSpan? startingDeadline, ContinuousSettings? continuous = null)
    {
        Kind = kind;
        Continuous = continuous;
        _cron = cron;
        _zone = zone;
        Interval = interval;
        StartingDeadline = startingDeadline;
    }

    /// <summary>The kind of trigger.</summary>
    public MirrorTriggerKind Kind { get; }

    /// <summary>The interval, for <see cref="MirrorTriggerKind.Interval"/>.</summary>
    public TimeSpan? Interval { get; }

    /// <summary>The parsed <c>spec.continuous</c>, for <see cref="MirrorTriggerKind.Continuous"/>.</summary>
    public ContinuousSettings? Continuous { get; }

    /// <summary><c>spec.startingDeadlineSeconds</c>, or <see langword="null"/>.</summary>
    public TimeSpan? StartingDeadline { get; }

    /// <summary>The value of the <see cref="MirrorLabels.Trigger"/> annotation for runs started by slots of this
    /// trigger: <c>schedule</c>, <c>interval</c>, <c>manual</c>, <c>full-sync</c> (a continuous mirror's full syncs) or
    /// <c>back-to-back</c>.</summary>
    public string AnnotationValue => Kind switch
    {
        MirrorTriggerKind.Schedule => "schedule",
        MirrorTriggerKind.Interval => "interval",
        MirrorTriggerKind.Manual => "manual",
        MirrorTriggerKind.Continuous => "full-sync",
        _ => "back-to-back",
    };

    /// <summary>Parses the trigger fields of a spec.</summary>
    /// <param name="spec">The mirror's spec.</param>
    /// <returns>The trigger.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="spec"/> is null.</exception>
    /// <exception cref="FormatException">The schedule is not a cron expression, the time zone is unknown, the interval
    /// is not a whole number of seconds of at least 1 s, <c>rpo</c> is not a duration, schedule, interval and
    /// continuous are not mutually exclusive, or a <c>continuous</c> field is invalid; the message names the field.</exception>
    public static MirrorTrigger Parse(ReplicaMirrorSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Schedule is not null && spec.Interval is not null)
        {
            throw new FormatException("spec.schedule and spec.interval are mutually exclusive");
        }

        if (spec.Continuous is not null && (spec.Schedule is not null || spec.Interval is not null))
        {
            throw new FormatException("spec.continuous excludes spec.schedule and spec.interval");
        }

        if (spec.TimeZone is not null && spec.Schedule is null)
        {
            throw new FormatException("spec.timeZone needs spec.schedule");
        }

        if (spec.Rpo is not null)
        {
            ParseDuration(spec.Rpo, "spec.rpo");
        }

        TimeSpan? deadline = spec.StartingDeadlineSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null;
        TimeZoneInfo zone = TimeZoneInfo.Utc;
        if (spec.TimeZone is { } zoneName)
        {
            try
            {
                zone = TimeZoneInfo.FindSystemTimeZoneById(zoneName);
            }
            catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
            {
                throw new FormatException($"spec.timeZone: unknown time zone \"{zoneName}\" (an IANA name such as Europe/Berlin)", e);
            }
        }

        if (spec.Continuous is { } continuous)
        {
            if (spec.StartingDeadlineSeconds is not null)
            {
                throw new FormatException("spec.startingDeadlineSeconds needs spec.schedule or spec.interval");
            }

            TimeSpan delay = ParseDuration(continuous.Delay ?? ContinuousSpec.DefaultDelay, "spec.continuous.delay");
            if (delay <= TimeSpan.Zero)
            {
                throw new FormatException($"spec.continuous.delay: \"{continuous.Delay}\" must be more than 0s");
            }

            TimeSpan full = ParseDuration(continuous.FullSyncInterval ?? ContinuousSpec.DefaultFullSyncInterval, "spec.continuous.fullSyncInterval");
            if (full != TimeSpan.Zero && (full < TimeSpan.FromSeconds(1) || full.Ticks % TimeSpan.TicksPerSecond != 0))
            {
                throw new FormatException($"spec.continuous.fullSyncInterval: \"{continuous.FullSyncInterval}\" must be 0s or a whole number of seconds, at least 1s");
            }

            int maxBatch = continuous.MaxBatch ?? ContinuousSpec.DefaultMaxBatch;
            if (maxBatch < 1)
            {
                throw new FormatException("spec.continuous.maxBatch must be at least 1");
            }

            return new MirrorTrigger(MirrorTriggerKind.Continuous, null, zone, null, null, new ContinuousSettings(delay, maxBatch, full));
        }

        if (spec.Schedule is { } schedule)
        {
            CronExpression cron;
            try
            {
                cron = CronExpression.Parse(schedule.Trim(), CronFormat.Standard);
            }
            catch (CronFormatException e)
            {
                throw new FormatException($"spec.schedule: \"{schedule}\" is not a cron expression: {e.Message}", e);
            }

            return new MirrorTrigger(MirrorTriggerKind.Schedule, cron, zone, null, deadline);
        }

        if (spec.Interval is { } intervalText)
        {
            TimeSpan interval = ParseDuration(intervalText, "spec.interval");
            if (interval < TimeSpan.FromSeconds(1) || interval.Ticks % TimeSpan.TicksPerSecond != 0)
            {
                throw new FormatException($"spec.interval: \"{intervalText}\" must be a whole number of seconds, at least 1s");
            }

            return new MirrorTrigger(MirrorTriggerKind.Interval, null, zone, interval, deadline);
        }

        return new MirrorTrigger(spec.ManualTrigger is null ? MirrorTriggerKind.BackToBack : MirrorTriggerKind.Manual, null, zone, null, null);
    }

    /// <summary>The <c>rpo</c> a spec gets when it sets none: twice the interval, or twice the gap between the two
    /// schedule slots that follow <paramref name="now"/>, or four times a continuous mirror's delay;
    /// <see langword="null"/> for manual-only and back-to-back mirrors.</summary>
    /// <param name="now">The moment the gap is measured after (schedules can have uneven gaps).</param>
    /// <returns>The default RPO, or <see langword="null"/>.</returns>
    public TimeSpan? DefaultRpo(DateTimeOffset now)
    {
        if (Interval is { } interval)
        {
            return interval * 2;
        }

        if (Continuous is { } continuous)
        {
            return continuous.Delay * 4;
        }

        if (_cron is not null && NextAfter(now) is { } first && NextAfter(first) is { } second)
        {
            return (second - first) * 2;
        }

        return null;
    }

    /// <summary>The RPO of a spec: <c>spec.rpo</c>, else <see cref="DefaultRpo"/>.</summary>
    /// <param name="spec">The spec (already checked by <see cref="Parse"/>).</param>
    /// <param name="now">See <see cref="DefaultRpo"/>.</param>
    /// <returns>The RPO, or <see langword="null"/> when there is none.</returns>
    public TimeSpan? Rpo(ReplicaMirrorSpec spec, DateTimeOffset now) =>
        spec.Rpo is { } text ? GoDuration.Parse(text) : DefaultRpo(now);

    /// <summary>The first slot strictly after <paramref name="time"/>.</summary>
    /// <param name="time">Any moment.</param>
    /// <returns>The slot, or <see langword="null"/> for triggers without slots or a schedule that never fires again.</returns>
    public DateTimeOffset? NextAfter(DateTimeOffset time) => Kind switch
    {
        MirrorTriggerKind.Schedule => _cron!.GetNextOccurrence(Truncate(time), _zone, inclusive: false)?.ToUniversalTime(),
        MirrorTriggerKind.Interval => Truncate(time) + Interval!.Value,
        _ => null,
    };

    /// <summary>Decides which slot of a destination is due at <paramref name="now"/>.</summary>
    /// <param name="lastScheduleTime">The destination's last slot dealt with, or <see langword="null"/> before its
    /// first run.</param>
    /// <param name="created">The mirror's <c>creationTimestamp</c>: a schedule's first slot is the first one after it,
    /// an interval's first slot is it.</param>
    /// <param name="now">The current time.</param>
    /// <returns>The decision; for manual-only and back-to-back triggers always empty (no slots).</returns>
    public SlotDecision Decide(DateTimeOffset? lastScheduleTime, DateTimeOffset created, DateTimeOffset now)
    {
        now = Truncate(now);
        created = Truncate(created);
        DateTimeOffset? latest;
        long due;
        DateTimeOffset? next;
        switch (Kind)
        {
            case MirrorTriggerKind.Schedule:
                (latest, due) = LatestOccurrence(lastScheduleTime ?? created, now);
                next = NextAfter(now);
                break;
            case MirrorTriggerKind.Interval:
                TimeSpan interval = Interval!.Value;
                DateTimeOffset first = lastScheduleTime is { } last ? Truncate(last) + interval : created;
                if (first > now)
                {
                    return new SlotDecision(null, null, 0, first);
                }

                due = ((now - first).Ticks / interval.Ticks) + 1;
                latest = first + (interval * (due - 1));
                next = latest + interval;
                break;
            default:
                return default;
        }

        if (latest is not { } slot)
        {
            return new SlotDecision(null, null, 0, next);
        }

        if (StartingDeadline is { } deadline && now - slot > deadline)
        {
            return new SlotDecision(null, slot, due, next);
        }

        return new SlotDecision(slot, slot, due - 1, next);
    }

    /// <summary>Whole seconds, UTC.</summary>
    /// <param name="time">A moment.</param>
    /// <returns>The moment cut to whole seconds, with offset zero.</returns>
    public static DateTimeOffset Truncate(DateTimeOffset time) =>
        new(time.UtcTicks - (time.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);

    /// <summary>The latest occurrence in <c>(after, now]</c> and how many there are (counted up to
    /// <see cref="MaxCountedSlots"/>).</summary>
    private (DateTimeOffset? Latest, long Count) LatestOccurrence(DateTimeOffset after, DateTimeOffset now)
    {
        DateTimeOffset? latest = null;
        long count = 0;
        DateTimeOffset cursor = after;
        while (count < MaxCountedSlots && NextAfter(cursor) is { } occurrence && occurrence <= now)
        {
            latest = occurrence;
            cursor = occurrence;
            count++;
        }

        if (count < MaxCountedSlots)
        {
            return (latest, count);
        }

        // Too many to step through: find the latest by looking back from now in growing windows.
        foreach (TimeSpan window in SearchWindows)
        {
            DateTimeOffset from = now - window > cursor ? now - window : cursor;
            DateTimeOffset? found = null;
            DateTimeOffset probe = from;
            while (NextAfter(probe) is { } occurrence && occurrence <= now)
            {
                found = occurrence;
                probe = occurrence;
            }

            if (found is not null)
            {
                return (found, count);
            }
        }

        return (latest, count);
    }

    private static TimeSpan ParseDuration(string text, string field)
    {
        try
        {
            return GoDuration.Parse(text);
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"{field}: {e.Message}"), e);
        }
    }
}
