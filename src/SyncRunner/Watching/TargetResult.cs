using Ferry.SyncRunner.Execution;

namespace Ferry.SyncRunner.Watching;

/// <summary>What one batch or full sync did on one destination.</summary>
/// <param name="Target">The destination's name.</param>
/// <param name="Result">The engine's outcome and counters.</param>
/// <param name="FailedKeys">The keys that failed, with why; empty when the run failed as a whole (see
/// <see cref="KeysKnown"/>).</param>
internal sealed record TargetResult(string Target, SyncResult Result, IReadOnlyDictionary<string, string> FailedKeys)
{
    /// <summary>Whether <see cref="FailedKeys"/> tells every key that failed: false when the run failed without naming
    /// keys (a listing failed, <c>--max-delete</c> was exceeded, the run was aborted).</summary>
    public bool KeysKnown => Result.Outcome == SyncOutcome.Succeeded || FailedKeys.Count > 0 && Result.Counters.Failed <= FailedKeys.Count;
}
