namespace Ferry.SyncRunner.Queue;

/// <summary>A worker's hold on the run's scan: only the holder publishes copy tasks.</summary>
/// <param name="HolderIdentity">The worker holding the scan lease.</param>
/// <remarks>DESIGN.md, "Distributed work: the lease-coordinated queue": one worker at a time holds the scan lease; a
/// scan that loses its worker resumes from the checkpointed cursor under the next holder.</remarks>
public sealed record ScanLease(string HolderIdentity)
{
    /// <summary>Cancelled when the hold is lost (another worker took the scan lease over): stop publishing.
    /// <value>Default: <see cref="CancellationToken.None"/> (an in-process hold is never lost).</value></summary>
    public CancellationToken Lost { get; init; }
}
