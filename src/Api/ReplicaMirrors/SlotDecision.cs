namespace Ferry.Api.ReplicaMirrors;

/// <summary>What a destination's trigger says at one moment: the slot to run now (if any), the slot it has dealt
/// with, how many slots were missed, and when the next slot comes.</summary>
/// <param name="Run">The slot to start a run for now, or <see langword="null"/>.</param>
/// <param name="Consumed">The latest slot that is due: <paramref name="Run"/>, or the one too late to run under
/// <c>startingDeadlineSeconds</c>; the destination's <c>lastScheduleTime</c> moves to it once acted on.</param>
/// <param name="Missed">Due slots that will not run: every one before the latest, plus the latest when it is too late.
/// Counted up to <see cref="MirrorTrigger.MaxCountedSlots"/>.</param>
/// <param name="Next">The first slot after now, or <see langword="null"/> when there is none.</param>
public readonly record struct SlotDecision(DateTimeOffset? Run, DateTimeOffset? Consumed, long Missed, DateTimeOffset? Next);
