using System.Runtime.CompilerServices;
using Ferry.SyncRunner.Keys;
using Ferry.SyncRunner.Storage;

namespace Ferry.SyncRunner.Planning;

/// <summary>
/// The streaming merge-join of a source and a destination listing, both sorted in UTF-8 byte order, into
/// one <see cref="PlannedAction"/> per key. Memory does not depend on the number of keys.
/// </summary>
/// <remarks>DESIGN.md, "Planning is a merge-join"; decisions per key by <see cref="Decision"/>.</remarks>
internal sealed class SyncPlanner(SyncOptions options, KeySelection selection)
{
    /// <summary>Merges the two listings into actions, in key order.</summary>
    public async IAsyncEnumerable<PlannedAction> PlanAsync(
        IAsyncEnumerable<ObjectEntry> source,
        IAsyncEnumerable<ObjectEntry> destination,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using IAsyncEnumerator<ObjectEntry> src = source.GetAsyncEnumerator(cancellationToken);
        await using IAsyncEnumerator<ObjectEntry> dst = destination.GetAsyncEnumerator(cancellationToken);
        ObjectEntry? s = await src.MoveNextAsync().ConfigureAwait(false) ? src.Current : null;
        ObjectEntry? d = await dst.MoveNextAsync().ConfigureAwait(false) ? dst.Current : null;
        string? pruned = null;
        while (s is not null || d is not null)
        {
            int c = s is null ? 1 : d is null ? -1 : KeyComparer.Utf8.Compare(s.Key, d.Key);
            if (c <= 0)
            {
                ObjectEntry? match = c == 0 ? d : null;
                if (pruned is not null && !s!.Key.StartsWith(pruned, StringComparison.Ordinal))
                {
                    pruned = null;
                }

                PlannedAction? action = PlanSource(s!, match, ref pruned);
                if (action is { Kind: SyncActionKind.Exclude, Source: null })
                {
                    yield break; // --limit reached
                }

                if (action is not null)
                {
                    yield return action;
                }

                s = await src.MoveNextAsync().ConfigureAwait(false) ? src.Current : null;
                if (c == 0)
                {
                    d = await dst.MoveNextAsync().ConfigureAwait(false) ? dst.Current : null;
                }
            }
            else
            {
                PlannedAction? action = PlanDestinationOnly(d!, pruned);
                if (action is not null)
                {
                    yield return action;
                }

                d = await dst.MoveNextAsync().ConfigureAwait(false) ? dst.Current : null;
            }
        }
    }

    private PlannedAction? PlanSource(ObjectEntry s, ObjectEntry? d, ref string? pruned)
    {
        bool isDir = s.Kind == EntryKind.Directory;
        if (pruned is not null)
        {
            return isDir && !options.Dirs ? null : new PlannedAction(SyncActionKind.Exclude, s.Key, s, d);
        }

        if (!selection.PassesRules(s.Key))
        {
            if (isDir && selection.PrunesSubtree(s.Key))
            {
                pruned = s.Key;
            }

            return isDir && !options.Dirs ? null : new PlannedAction(SyncActionKind.Exclude, s.Key, s, d);
        }

        if (isDir && !options.Dirs)
        {
            return null;
        }

        if (!selection.InFilesFrom(s.Key))
        {
            return null;
        }

        if (!selection.PassesAttributes(s))
        {
            return new PlannedAction(SyncActionKind.Exclude, s.Key, s, d);
        }

        if (!selection.TryTakeLimit())
        {
            return new PlannedAction(SyncActionKind.Exclude, s.Key, null, null);
        }

        return new PlannedAction(Decision.Decide(s, d, options), s.Key, s, d);
    }

    private PlannedAction? PlanDestinationOnly(ObjectEntry d, string? pruned)
    {
        if (pruned is not null && d.Key.StartsWith(pruned, StringComparison.Ordinal))
        {
            return null;
        }

        if (!selection.PassesRules(d.Key) || !selection.InFilesFrom(d.Key))
        {
            return null;
        }

        if (d.Kind == EntryKind.Directory && !options.Dirs)
        {
            return null;
        }

        return new PlannedAction(options.DeleteDst ? SyncActionKind.DeleteDst : SyncActionKind.Extra, d.Key, null, d);
    }
}
