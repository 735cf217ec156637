using System.Runtime.CompilerServices;
using Ferry.SyncRunner.Keys;
using Ferry.SyncRunner.Storage;

namespace Ferry.SyncRunner.Queue;

/// <summary>
/// The scan step: cuts the source's key space into half-open range tasks that tile it exactly (the first
/// starts at the run's start, the last ends at the run's end), publishing each as it goes and resuming
/// from the queue's scan cursor.
/// </summary>
/// <remarks>
/// With <paramref name="listDepth"/> &gt; 0 the scan follows juicefs sync's concurrent listing
/// (<c>--list-depth</c>, pkg/sync <c>startProducer</c>; guide "并发 list"): it lists the source one level at a
/// time (<see cref="ListOptions.Recursive"/> <see langword="false"/>) down to that many directory levels and
/// cuts the key space at every directory prefix it finds, so each task covers one prefix plus the keys that
/// sort between it and the next one (top-level files, <c>a-b</c> between <c>a/</c> and <c>a0</c>). Task
/// runners then list their own ranges concurrently; the scan never lists the whole source. With
/// <paramref name="listDepth"/> 0 it lists the whole range once and cuts every <paramref name="taskObjects"/>
/// keys or <paramref name="taskBytes"/> bytes.
/// </remarks>
/// <param name="source">The source store.</param>
/// <param name="queue">Where tasks are published.</param>
/// <param name="range">The whole range of the run (<c>--start</c>/<c>--end</c>).</param>
/// <param name="links">Whether the listing keeps symbolic links (<c>--links</c>).</param>
/// <param name="taskObjects">Keys per task, about (<paramref name="listDepth"/> 0 only).</param>
/// <param name="taskBytes">Bytes per task, about (<paramref name="listDepth"/> 0 only).</param>
/// <param name="listDepth">Directory levels to cut at (<c>--list-depth</c>), or 0 to cut by count.</param>
internal sealed class RangeScanner(IObjectStorage source, IWorkQueue queue, KeyRange range, bool links, int taskObjects, long taskBytes, int listDepth = 0)
{
    /// <summary>Publishes the rest of <paramref name="range"/> (from the scan cursor) as one task without listing, then completes the scan.</summary>
    public static async Task PublishWholeRangeAsync(IWorkQueue queue, KeyRange range, CancellationToken cancellationToken)
    {
        if (await queue.IsScanDoneAsync(cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        string start = await queue.GetScanCursorAsync(cancellationToken).ConfigureAwait(false) ?? range.Start;
        await queue.PublishAsync(new KeyRange(start, range.End), cancellationToken).ConfigureAwait(false);
        await queue.CompleteScanAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Scans and publishes until the source is exhausted, then completes the scan.</summary>
    /// <exception cref="StorageException">Listing the source failed.</exception>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (await queue.IsScanDoneAsync(cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        string start = await queue.GetScanCursorAsync(cancellationToken).ConfigureAwait(false) ?? range.Start;
        if (KeyComparer.Utf8.Compare(start, range.Start) < 0)
        {
            start = range.Start;
        }

        start = listDepth > 0
            ? await CutAtPrefixesAsync(start, cancellationToken).ConfigureAwait(false)
            : await CutByCountAsync(start, cancellationToken).ConfigureAwait(false);
        await queue.PublishAsync(new KeyRange(start, range.End), cancellationToken).ConfigureAwait(false);
        await queue.CompleteScanAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Publishes [start, cut) for every directory prefix down to the depth; returns the start of the last, unpublished range.</summary>
    private async Task<string> CutAtPrefixesAsync(string start, CancellationToken cancellationToken)
    {
        await foreach (string cut in PrefixesAsync("", 0, start, cancellationToken).ConfigureAwait(false))
        {
            if (range.End is not null && KeyComparer.Utf8.Compare(cut, range.End) >= 0)
            {
                break;
            }

            // Pre-order over sorted listings is ascending already; this guard keeps the tiling exact
            // (no empty or overlapping range) whatever a backend returns.
            if (KeyComparer.Utf8.Compare(cut, start) <= 0)
            {
                continue;
            }

            await queue.PublishAsync(new KeyRange(start, cut), cancellationToken).ConfigureAwait(false);
            start = cut;
        }

        return start;
    }

    /// <summary>The directory prefixes below <paramref name="prefix"/> down to the depth, in ascending order (pre-order).</summary>
    private async IAsyncEnumerable<string> PrefixesAsync(string prefix, int level, string from, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var options = new ListOptions { Prefix = prefix, Recursive = false, Links = links, End = range.End };
        await foreach (ObjectEntry entry in source.ListAsync(options, cancellationToken).ConfigureAwait(false))
        {
            string key = entry.Key;
            if (entry.Kind != EntryKind.Directory || !key.EndsWith('/') || key.Length <= prefix.Length)
            {
                continue;
            }

            // Every key below "d/" sorts before "d0" ('0' follows '/'): skip subtrees wholly before the start.
            if (KeyComparer.Utf8.Compare(key[..^1] + "0", from) <= 0)
            {
                continue;
            }

            yield return key;
            if (level + 1 < listDepth)
            {
                await foreach (string below in PrefixesAsync(key, level + 1, from, cancellationToken).ConfigureAwait(false))
                {
                    yield return below;
                }
            }
        }
    }

    /// <summary>Lists the range once and publishes a task every <c>taskObjects</c> keys or <c>taskBytes</c> bytes; returns the start of the last, unpublished range.</summary>
    private async Task<string> CutByCountAsync(string start, CancellationToken cancellationToken)
    {
        long count = 0;
        long bytes = 0;
        bool cut = false;
        var options = new ListOptions { Start = start, End = range.End, Links = links };
        await foreach (ObjectEntry entry in source.ListAsync(options, cancellationToken).ConfigureAwait(false))
        {
            if (cut)
            {
                await queue.PublishAsync(new KeyRange(start, entry.Key), cancellationToken).ConfigureAwait(false);
                start = entry.Key;
                count = 0;
                bytes = 0;
                cut = false;
            }

            count++;
            bytes += entry.Size;
            cut = count >= taskObjects || bytes >= taskBytes;
        }

        return start;
    }
}
