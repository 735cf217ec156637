namespace Ferry.Api.ReplicaMirrors;

/// <summary>A continuous mirror's <c>spec.continuous</c>, parsed and with defaults applied
/// (<see cref="MirrorTrigger.Continuous"/>).</summary>
/// <param name="Delay">How long changes are gathered before a batch (more than zero).</param>
/// <param name="MaxBatch">How many keys make a batch due at once, and the most a batch applies (at least 1).</param>
/// <param name="FullSyncInterval">From one full sync's start to the next's, whole seconds; <see cref="TimeSpan.Zero"/>
/// when periodic full syncs are off.</param>
public sealed record ContinuousSettings(TimeSpan Delay, int MaxBatch, TimeSpan FullSyncInterval);
