using Ferry.SyncRunner.Keys;
using Ferry.SyncRunner.Storage;

namespace Ferry.SyncRunner.Queue;

/// <summary>
/// The scan step: lists the source once and cuts its key space into half-open range tasks of about
/// <c>taskObjects</c> keys or <c>taskBytes</c> bytes, publishing each as it goes and resuming from the
/// queue's scan cursor.
/// </summary>
/// <param name="source">The source store.</param>
/// <param name="queue">Where tasks are published.</param>
/// <param name="range">The whole range of the run (<c>--start</c>/<c>--end</c>).</param>
/// <param name="links">Whether the listing keeps symbolic links (<c>--links</c>).</param>
/// <param name="taskObjects">Keys per task, about.</param>
/// <param name="taskBytes">Bytes per task, about.</param>
internal sealed class RangeScanner(IObjectStorage source, IWorkQueue queue, KeyRange range, bool links, int taskObjects, long taskBytes)
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

        await queue.PublishAsync(new KeyRange(start, range.End), cancellationToken).ConfigureAwait(false);
        await queue.CompleteScanAsync(cancellationToken).ConfigureAwait(false);
    }
}
