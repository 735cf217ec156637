using Ferry.SyncRunner.Execution;

namespace Ferry.SyncRunner.Watching;

/// <summary>What one full sync did, over every destination.</summary>
/// <param name="Succeeded">Whether it succeeded on every destination.</param>
/// <param name="Counters">The counters summed over the destinations (empty when it ran elsewhere and only the
/// outcome is known).</param>
/// <param name="FailedKeys">The keys that failed, with why.</param>
/// <param name="KeysKnown">Whether <paramref name="FailedKeys"/> names every key that failed; when false a failed full
/// sync covers nothing and is asked for again.</param>
/// <param name="Message">Why it failed, for people; <see langword="null"/> when it succeeded.</param>
internal sealed record FullSyncResult(bool Succeeded, SyncCounters Counters, IReadOnlyDictionary<string, string> FailedKeys, bool KeysKnown, string? Message);
