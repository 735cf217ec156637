namespace Ferry.SyncRunner.Watching;

/// <summary>A destination that batches are applied to.</summary>
internal interface IWatchTarget
{
    /// <summary>The destination's name, for messages (the location, or a mirror destination's name).</summary>
    string Name { get; }

    /// <summary>Syncs exactly the keys of <paramref name="selection"/> from the source to this destination.</summary>
    /// <param name="selection">The batch.</param>
    /// <param name="cancellationToken">Aborts the batch (temporary files are removed).</param>
    /// <returns>What happened.</returns>
    Task<TargetResult> ApplyAsync(ChangeSelection selection, CancellationToken cancellationToken);
}
