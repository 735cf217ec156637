using Ferry.Api.Runs;

namespace Ferry.SyncRunner.Queue;

/// <summary>The decided outcome of a whole run, recorded once in the queue by the first worker that finds the queue
/// finished (the scan Lease's <c>ferry.io/outcome</c> annotations in the Kubernetes queue).</summary>
/// <param name="Succeeded">Whether every selected key synced.</param>
/// <param name="Reason">Why the run failed (no secrets), or <see langword="null"/>.</param>
/// <param name="Failure">Why the run failed, or <see langword="null"/> on success; the operator and <c>ferry run</c> turn it
/// into the SyncJob's <c>Failed</c> condition reason.</param>
public sealed record QueueOutcome(bool Succeeded, string? Reason, RunFailureKind? Failure);
