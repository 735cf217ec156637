namespace Ferry.SyncRunner.Queue;

/// <summary>The decided outcome of a whole run, recorded once in the queue by the first worker that finds the queue
/// finished (the scan Lease's <c>ferry.io/outcome</c> annotations in the Kubernetes queue).</summary>
/// <param name="Succeeded">Whether every selected key synced.</param>
/// <param name="Reason">Why the run failed (no secrets), or <see langword="null"/>.</param>
/// <param name="Condition">The <c>Failed</c> condition reason (<c>ObjectsFailed</c>, <c>MaxDeleteExceeded</c>,
/// <c>MaxFailuresReached</c>), or <see langword="null"/> on success.</param>
public sealed record QueueOutcome(bool Succeeded, string? Reason, string? Condition);
