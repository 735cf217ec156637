using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using Ferry.Api.Runs;
using Ferry.SyncRunner.Keys;
using Ferry.SyncRunner.Planning;
using Ferry.SyncRunner.Queue;
using Ferry.SyncRunner.Storage;
using Polly;
using Polly.Retry;

namespace Ferry.SyncRunner.Execution;

/// <summary>The action executor of <see cref="SyncEngine"/>: the copy workers, which run the batched copies, checks and deletes
/// with retries, and the deletes that come last.</summary>
public sealed partial class SyncEngine
{
    private async Task WorkerAsync(ChannelReader<Batch> reader, CancellationTokenSource abort)
    {
        try
        {
            await foreach (Batch batch in reader.ReadAllAsync(abort.Token).ConfigureAwait(false))
            {
                int done = 0;
                try
                {
                    foreach (PlannedAction action in batch.Actions)
                    {
                        abort.Token.ThrowIfCancellationRequested();
                        await RunOneAsync(action, batch.Counters, abort).ConfigureAwait(false);
                        done++;
                        Interlocked.Decrement(ref _pending);
                    }
                }
                finally
                {
                    Interlocked.Add(ref _pending, done - batch.Actions.Count);
                    batch.Slot.Finish();
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Drain what is left so that task runners waiting on their watermark finish.
            while (reader.TryRead(out Batch? batch))
            {
                Interlocked.Add(ref _pending, -batch.Actions.Count);
                batch.Slot.Finish();
            }
        }
    }

    private async ValueTask RunOneAsync(PlannedAction action, SyncCounters counters, CancellationTokenSource abort)
    {
        try
        {
            try
            {
                await ExecuteAsync(action, counters, abort.Token).ConfigureAwait(false);
            }
            catch (StorageException e) when (e.IsTransient && !abort.IsCancellationRequested)
            {
                // Only an object whose first attempt failed transiently goes through the retry pipeline: the common path
                // costs no resilience context per object (and no JIT of the pipeline's generic machinery at start-up).
                // The first retry waits the base delay with jitter, as the pipeline's own first retry would.
                await Task.Delay(_settings.RetryDelay * (0.5 + Random.Shared.NextDouble()), _settings.Time, abort.Token).ConfigureAwait(false);
                await _retry.Value.ExecuteAsync(static (state, ct) => state.Engine.ExecuteAsync(state.Action, state.Counters, ct), (Engine: this, Action: action, Counters: counters), abort.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !abort.IsCancellationRequested)
        {
            // Any failure of one object (also an unexpected exception type, or a timeout surfacing as a cancellation)
            // counts as that object failing: a copy worker that died would leave its task's watermark undrained.
            counters.AddFailed();
            long failed = Interlocked.Increment(ref _failedTotal);
            _settings.OnError?.Invoke($"failed {action.Kind.ToString().ToLowerInvariant()} {action.Key}: {e.Message}");
            _settings.OnFailed?.Invoke(action.Key, e.Message);
            if (_options.MaxFailures > 0 && failed >= _options.MaxFailures && _abortReason is null)
            {
                _abortReason = $"aborted after {failed} failed object(s) (--max-failure {_options.MaxFailures})";
                _abortFailure = RunFailureKind.MaxFailuresReached;
                await abort.CancelAsync().ConfigureAwait(false);
            }
        }
    }

    private async ValueTask ExecuteAsync(PlannedAction a, SyncCounters counters, CancellationToken cancellationToken)
    {
        switch (a.Kind)
        {
            case SyncActionKind.Copy:
                await CopyAsync(a.Source!, counters, cancellationToken).ConfigureAwait(false);
                break;
            case SyncActionKind.Resolve:
                PlannedAction resolved = await ResolveAsync(a, cancellationToken).ConfigureAwait(false);
                if (resolved.Kind == SyncActionKind.Skip)
                {
                    counters.AddSkipped(a.Source!.Size);
                    return;
                }

                await ExecuteAsync(resolved, counters, cancellationToken).ConfigureAwait(false);
                return;
            case SyncActionKind.Check:
                counters.AddChecked();
                if (await SameContentAsync(a.Key, cancellationToken).ConfigureAwait(false))
                {
                    if (_options.DeletesEqualSource)
                    {
                        await _source.DeleteAsync(a.Key, cancellationToken).ConfigureAwait(false);
                        counters.AddDeleted();
                    }

                    counters.AddSkipped(a.Source!.Size);
                }
                else
                {
                    await CopyAsync(a.Source!, counters, cancellationToken).ConfigureAwait(false);
                }

                break;
            case SyncActionKind.CopyPerms:
                await _destination.SetAttributesAsync(a.Key, a.Source!.Mode, null, cancellationToken).ConfigureAwait(false);
                counters.AddCopied(0);
                break;
            case SyncActionKind.DeleteSrc:
                await _source.DeleteAsync(a.Key, cancellationToken).ConfigureAwait(false);
                counters.AddDeleted();
                counters.AddSkipped(a.Source!.Size);
                break;
            case SyncActionKind.DeleteDst:
                await _destination.DeleteAsync(a.Key, cancellationToken).ConfigureAwait(false);
                counters.AddDeleted();
                break;
            default:
                throw new UnreachableException($"action {a.Kind} is not dispatched");
        }

        _settings.OnAction?.Invoke($"{a.Kind.ToString().ToLowerInvariant()} {a.Key}");
    }

    /// <summary>
    /// Decides a <see cref="SyncActionKind.Resolve"/> action again with exact modification times: HEADs the side(s)
    /// whose listing only approximated the time (<see cref="ObjectEntry.ModifiedTimeIsExact"/>). A key gone from the
    /// destination since the listing is copied; one gone from the source keeps its listed entry (its copy then fails
    /// as not found, like any key deleted mid-run).
    /// </summary>
    private async Task<PlannedAction> ResolveAsync(PlannedAction a, CancellationToken cancellationToken)
    {
        ObjectEntry s = a.Source!;
        ObjectEntry? d = a.Destination;
        if (!s.ModifiedTimeIsExact)
        {
            ObjectEntry? head = await _source.HeadAsync(s.Key, cancellationToken).ConfigureAwait(false);
            s = head is null ? s with { ModifiedTimeIsExact = true } : s with { ModifiedTime = head.ModifiedTime, ModifiedTimeIsExact = true };
        }

        if (d is not null && !d.ModifiedTimeIsExact)
        {
            ObjectEntry? head = await _destination.HeadAsync(d.Key, cancellationToken).ConfigureAwait(false);
            d = head is null ? null : d with { ModifiedTime = head.ModifiedTime, Size = head.Size, ModifiedTimeIsExact = true };
        }

        return a with { Kind = Decision.Decide(s, d, _options), Source = s, Destination = d };
    }

    private async Task CopyAsync(ObjectEntry s, SyncCounters counters, CancellationToken cancellationToken)
    {
        if (!s.ModifiedTimeIsExact && _options.CheckChange && _serverSide)
        {
            // --check-change compares the source before and after the copy on the same (exact) time.
            s = await _source.HeadAsync(s.Key, cancellationToken).ConfigureAwait(false) is { } head
                ? s with { ModifiedTime = head.ModifiedTime, ModifiedTimeIsExact = true }
                : s;
        }

        var put = new PutOptions { ModifiedTime = s.ModifiedTime, Mode = _options.Perms ? s.Mode : null, InPlace = _options.InPlace };
        switch (s.Kind)
        {
            case EntryKind.Directory:
                await _destination.CreateDirectoryAsync(s.Key, put, cancellationToken).ConfigureAwait(false);
                if (_options.DeleteSrcAfter)
                {
                    _sourceDirectoryDeletes.Add(s.Key);
                }

                counters.AddCopied(0);
                return;
            case EntryKind.Symlink:
                await _destination.CreateSymlinkAsync(s.Key, s.LinkTarget!, cancellationToken).ConfigureAwait(false);
                await DeleteSourceAfterCopyAsync(s, counters, cancellationToken).ConfigureAwait(false);
                counters.AddCopied(0);
                return;
        }

        if (_serverSide)
        {
            await ((IServerSideCopy)_destination).CopyFromAsync(_source, s, s.Key, put, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            // Large objects take one of a few slots (SyncEngineSettings.LargeObjectConcurrency) for their transfer.
            bool large = s.Size >= _settings.LargeObjectSize;
            if (large)
            {
                await _largeSlots.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            try
            {
                Stream stream = await _source.OpenReadAsync(s.Key, 0, -1, cancellationToken).ConfigureAwait(false);
                await using (stream.ConfigureAwait(false))
                {
                    if (!s.ModifiedTimeIsExact && stream is IObjectReadInfo { ModifiedTime: { } exact })
                    {
                        // The listing only approximated the mtime; the GET response carries the stored one: keep that.
                        s = s with { ModifiedTime = exact, ModifiedTimeIsExact = true };
                        put = put with { ModifiedTime = exact };
                    }

                    Stream body = _limiter is null ? stream : new ThrottledReadStream(stream, _limiter);
                    await _destination.PutAsync(s.Key, body, s.Size, put, cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                if (large)
                {
                    _largeSlots.Release();
                }
            }
        }

        if (_options.CheckNew)
        {
            counters.AddChecked();
            if (!await SameContentAsync(s.Key, cancellationToken).ConfigureAwait(false))
            {
                throw new StorageException(StorageErrorKind.Other, $"{s.Key}: destination content differs from the source after the copy");
            }
        }

        if (_options.CheckChange)
        {
            ObjectEntry? now = await _source.HeadAsync(s.Key, cancellationToken).ConfigureAwait(false);
            if (now is null || now.Size != s.Size || now.ModifiedTime.ToUnixTimeSeconds() != s.ModifiedTime.ToUnixTimeSeconds())
            {
                throw new StorageException(StorageErrorKind.Other, $"{s.Key}: the source changed while it was copied");
            }
        }

        await DeleteSourceAfterCopyAsync(s, counters, cancellationToken).ConfigureAwait(false);
        counters.AddCopied(s.Size);
    }

    /// <summary>With <c>--delete-src-after</c>, deletes the source key once the destination holds it with the same size.</summary>
    private async Task DeleteSourceAfterCopyAsync(ObjectEntry s, SyncCounters counters, CancellationToken cancellationToken)
    {
        if (!_options.DeleteSrcAfter)
        {
            return;
        }

        ObjectEntry? copied = await _destination.HeadAsync(s.Key, cancellationToken).ConfigureAwait(false);
        if (copied is null || (s.Kind == EntryKind.File && copied.Size != s.Size))
        {
            throw new StorageException(StorageErrorKind.Other, $"{s.Key}: the copy could not be verified; the source was kept");
        }

        await _source.DeleteAsync(s.Key, cancellationToken).ConfigureAwait(false);
        counters.AddDeleted();
    }

    private async Task<bool> SameContentAsync(string key, CancellationToken cancellationToken)
    {
        byte[] a = ArrayPool<byte>.Shared.Rent(CompareBufferSize);
        byte[] b = ArrayPool<byte>.Shared.Rent(CompareBufferSize);
        try
        {
            Stream x = await _source.OpenReadAsync(key, 0, -1, cancellationToken).ConfigureAwait(false);
            await using (x.ConfigureAwait(false))
            {
                Stream y = await _destination.OpenReadAsync(key, 0, -1, cancellationToken).ConfigureAwait(false);
                await using (y.ConfigureAwait(false))
                {
                    while (true)
                    {
                        int n = await x.ReadAtLeastAsync(a.AsMemory(0, CompareBufferSize), CompareBufferSize, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                        int m = await y.ReadAtLeastAsync(b.AsMemory(0, CompareBufferSize), CompareBufferSize, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                        if (n != m || !a.AsSpan(0, n).SequenceEqual(b.AsSpan(0, m)))
                        {
                            return false;
                        }

                        if (n == 0)
                        {
                            return true;
                        }
                    }
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(a);
            ArrayPool<byte>.Shared.Return(b);
        }
    }

    /// <summary>
    /// Deletes the source directories that <c>--delete-src</c> / <c>--delete-src-after</c> collected, deepest first, each
    /// only when no key is left below it (an S3 directory marker would otherwise go while its keys stay). Keys that
    /// stay (copied this run under <c>--delete-src</c>, failed, excluded) keep their directories.
    /// </summary>
    private async Task DeleteSourceDirectoriesAsync(CancellationToken cancellationToken)
    {
        string[] dirs = _sourceDirectoryDeletes.ToArray();
        Array.Sort(dirs, KeyComparer.Utf8);
        Array.Reverse(dirs);
        foreach (string dir in dirs)
        {
            bool empty = true;
            await foreach (ObjectEntry entry in _source.ListAsync(new ListOptions { Prefix = dir, Links = true }, cancellationToken).ConfigureAwait(false))
            {
                if (entry.Key != dir)
                {
                    empty = false;
                    break;
                }
            }

            if (!empty)
            {
                continue;
            }

            try
            {
                await _source.DeleteAsync(dir, cancellationToken).ConfigureAwait(false);
                _finished.AddDeleted();
            }
            catch (StorageException e) when (e.Kind == StorageErrorKind.Invalid)
            {
                // Not empty after all (a key appeared meanwhile): it stays.
            }
        }
    }

    private async Task DeleteDirectoriesAsync(CancellationToken cancellationToken)
    {
        string[] dirs = _directoryDeletes.ToArray();
        Array.Sort(dirs, KeyComparer.Utf8);
        Array.Reverse(dirs);
        foreach (string dir in dirs)
        {
            try
            {
                await _destination.DeleteAsync(dir, cancellationToken).ConfigureAwait(false);
                _finished.AddDeleted();
            }
            catch (StorageException e) when (e.Kind == StorageErrorKind.Invalid)
            {
                // Not empty: it holds keys the filters exclude, which are never deleted.
            }
        }
    }

}
