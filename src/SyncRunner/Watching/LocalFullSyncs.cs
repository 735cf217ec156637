using Ferry.SyncRunner.Execution;

namespace Ferry.SyncRunner.Watching;

/// <summary>Full syncs in this process: every <see cref="SyncPair"/> at once, each a whole run of the engine
/// (<c>ferry sync --watch</c>).</summary>
/// <param name="pairs">The destinations.</param>
internal sealed class LocalFullSyncs(IReadOnlyList<SyncPair> pairs) : IFullSyncRunner
{
    public async Task<FullSyncResult> RunAsync(string reason, CancellationToken cancellationToken)
    {
        TargetResult[] results = await Task.WhenAll(pairs.Select(p => p.FullSyncAsync(cancellationToken))).ConfigureAwait(false);
        return Merge(results);
    }

    public Task<bool> IsBusyAsync(CancellationToken cancellationToken) => Task.FromResult(false);

    /// <summary>One result from the destinations' results.</summary>
    /// <param name="results">One per destination.</param>
    /// <returns>The merged result.</returns>
    internal static FullSyncResult Merge(IReadOnlyList<TargetResult> results)
    {
        var counters = new SyncCounters();
        var failed = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (TargetResult r in results)
        {
            counters.Add(r.Result.Counters);
            foreach ((string key, string error) in r.FailedKeys)
            {
                failed.TryAdd(key, results.Count > 1 ? $"{r.Target}: {error}" : error);
            }
        }

        bool succeeded = results.All(r => r.Result.Outcome == SyncOutcome.Succeeded);
        string? message = succeeded ? null : string.Join("; ", results.Where(r => r.Result.Outcome != SyncOutcome.Succeeded)
            .Select(r => results.Count > 1 ? $"{r.Target}: {r.Result.Reason}" : r.Result.Reason ?? "the full sync failed"));
        return new FullSyncResult(succeeded, counters, failed, results.All(r => r.KeysKnown), message);
    }
}
