using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using Ferry.Api.SyncJobs;
using Ferry.SyncRunner.Keys;
using Ferry.SyncRunner.Planning;
using Ferry.SyncRunner.Queue;
using Ferry.SyncRunner.Storage;
using Polly;
using Polly.Retry;

namespace Ferry.SyncRunner.Execution;

/// <summary>The task runner of <see cref="SyncEngine"/>: merge-joins one range task, counts what needs no work and hands
/// copies and deletes to the copy workers in batches, checkpointing the task as its keys finish.</summary>
public sealed partial class SyncEngine
{
    private async Task<string?> RunTaskAsync(IWorkQueue queue, RangeTaskLease lease, SyncPlanner planner, ChannelWriter<Batch> work, CancellationToken cancellationToken)
    {
        RangeTask task = lease.Task;
        SyncCounters counters = SyncCounters.FromTaskCounters(task.Counters);
        _active[task.Id] = counters;
        var watermark = new Watermark();
        var run = new TaskRun(counters, watermark);
        bool copyPhase = task.Phase == RangeTaskPhase.Copy;
        string start = task.LastKey is null ? task.Range.Start : task.LastKey + "\0";
        CancellationToken phaseToken = cancellationToken;
        using CancellationTokenSource? linked = lease.Lost.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lease.Lost) : null;
        cancellationToken = linked?.Token ?? cancellationToken;
        long lastCheckpoint = _settings.Time.GetTimestamp();
        try
        {
            IAsyncEnumerable<ObjectEntry> src = Hide(_source.ListAsync(new ListOptions { Start = start, End = task.Range.End, Links = _options.Links }, cancellationToken));
            IAsyncEnumerable<ObjectEntry> dst = CountDestination(
                Prefetch.AheadAsync(Hide(_destination.ListAsync(new ListOptions { Start = start, End = task.Range.End, Links = true }, cancellationToken)), 4, cancellationToken),
                counters,
                copyPhase);
            long n = 0;
            await foreach (PlannedAction action in planner.PlanAsync(src, dst, cancellationToken).ConfigureAwait(false))
            {
                if (n == 0)
                {
                    OpenGate(task);
                }

                if (copyPhase)
                {
                    await PlanCopyPhaseAsync(action, run, work, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await PlanDeletePhaseAsync(action, run, work, cancellationToken).ConfigureAwait(false);
                }

                if (++n % _settings.CheckpointEveryKeys == 0)
                {
                    await FlushAsync(run, work, cancellationToken).ConfigureAwait(false);
                    if (_settings.Time.GetElapsedTime(lastCheckpoint) >= _settings.CheckpointInterval)
                    {
                        // A checkpoint pairs a key with the counters of exactly the keys up to it: wait until every
                        // key planned so far is finished, so that a worker resuming after it counts no key twice.
                        await watermark.DrainAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
                        if (watermark.LastKey is { } last)
                        {
                            await queue.CheckpointAsync(lease, last, counters.ToTaskCounters(), cancellationToken).ConfigureAwait(false);
                        }

                        lastCheckpoint = _settings.Time.GetTimestamp();
                    }
                }
            }

            await FlushAsync(run, work, cancellationToken).ConfigureAwait(false);
            await watermark.DrainAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            await queue.CompleteAsync(lease, counters.ToTaskCounters(), cancellationToken).ConfigureAwait(false);
            _finished.Add(counters);
            _active.TryRemove(task.Id, out _);
            return null;
        }
        catch (Exception e) when (e is OperationCanceledException or LeaseLostException && lease.Lost.IsCancellationRequested && !phaseToken.IsCancellationRequested)
        {
            // Another worker took the task over: stop without failing it; its new holder redoes the keys after the
            // last published checkpoint, and this attempt's counters are dropped.
            if (run.Open is { } open)
            {
                Interlocked.Add(ref _pending, -open.Actions.Count);
                run.Open = null;
                open.Slot.Finish();
            }

            await watermark.DrainAsync().ConfigureAwait(false);
            _settings.OnError?.Invoke($"task {task.Id}: lease lost; another worker continues it");
            _active.TryRemove(task.Id, out _);
            return null;
        }
        catch (Exception e) when (e is StorageException or IOException or UnauthorizedAccessException)
        {
            if (run.Open is { } open)
            {
                // Never dispatched: the retry of the task redoes these keys.
                Interlocked.Add(ref _pending, -open.Actions.Count);
                run.Open = null;
                open.Slot.Finish();
            }

            await watermark.DrainAsync().ConfigureAwait(false);
            string reason = $"task {task.Id} {task.Range}: {e.Message}";
            _settings.OnError?.Invoke(reason);
            bool final = await queue.FailAsync(lease, reason, CancellationToken.None).ConfigureAwait(false);
            if (final)
            {
                _finished.Add(counters);
                _failedTasks.Enqueue(new FailedTask(task.Range, e.Message));
            }

            _active.TryRemove(task.Id, out _);
            return final ? reason : null;
        }
    }

    /// <summary>The listing without <see cref="SyncEngineSettings.HiddenKey"/> (the checkpoint file in the destination).</summary>
    private IAsyncEnumerable<ObjectEntry> Hide(IAsyncEnumerable<ObjectEntry> entries) =>
        _settings.HiddenKey is { } hidden ? WithoutKey(entries, hidden) : entries;

    private static async IAsyncEnumerable<ObjectEntry> WithoutKey(IAsyncEnumerable<ObjectEntry> entries, string hidden)
    {
        await foreach (ObjectEntry e in entries.ConfigureAwait(false))
        {
            if (e.Key != hidden)
            {
                yield return e;
            }
        }
    }

    private static async IAsyncEnumerable<ObjectEntry> CountDestination(IAsyncEnumerable<ObjectEntry> entries, SyncCounters counters, bool count)
    {
        await foreach (ObjectEntry e in entries.ConfigureAwait(false))
        {
            if (count && e.Kind != EntryKind.Directory)
            {
                counters.AddDestinationKey();
            }

            yield return e;
        }
    }

    private async ValueTask PlanCopyPhaseAsync(PlannedAction action, TaskRun run, ChannelWriter<Batch> work, CancellationToken cancellationToken)
    {
        if (action.Kind == SyncActionKind.Resolve && _options.DryRun)
        {
            // A dry run has no copy workers to resolve in; it reads the exact times here.
            action = await ResolveAsync(action, cancellationToken).ConfigureAwait(false);
        }

        SyncCounters counters = run.Counters;
        Watermark watermark = run.Watermark;
        long size = action.Source?.Size ?? 0;
        if (action.Source is not null)
        {
            counters.AddScanned(size);
        }

        switch (action.Kind)
        {
            case SyncActionKind.Skip:
                counters.AddSkipped(size);
                watermark.Done(action.Key);
                return;
            case SyncActionKind.Exclude:
                counters.AddExcluded();
                watermark.Done(action.Key);
                return;
            case SyncActionKind.Extra:
                counters.AddExtra();
                watermark.Done(action.Key);
                return;
            case SyncActionKind.DeleteDst:
                counters.AddExtra();
                counters.AddDeleteCandidate();
                if (_options.DryRun)
                {
                    Plan("delete-dst", action.Key);
                }

                watermark.Done(action.Key);
                return;
        }

        if (_options.DryRun)
        {
            switch (action.Kind)
            {
                case SyncActionKind.Copy:
                    Plan("copy", action.Key);
                    counters.AddCopied(size);
                    if (_options.DeleteSrcAfter && action.Source!.Kind != EntryKind.Directory)
                    {
                        Plan("delete-src", action.Key);
                    }

                    break;
                case SyncActionKind.DeleteSrc:
                    Plan("delete-src", action.Key);
                    counters.AddSkipped(size);
                    break;
                case SyncActionKind.CopyPerms:
                    Plan("chmod", action.Key);
                    counters.AddSkipped(size);
                    break;
                default:
                    counters.AddChecked();
                    counters.AddSkipped(size);
                    break;
            }

            watermark.Done(action.Key);
            return;
        }

        if (action.Kind == SyncActionKind.DeleteSrc && action.Source!.Kind == EntryKind.Directory)
        {
            // A directory goes after its contents: collected here, deleted at the end of the run when empty.
            _sourceDirectoryDeletes.Add(action.Key);
            counters.AddSkipped(size);
            watermark.Done(action.Key);
            return;
        }

        await DispatchAsync(action, run, work, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask PlanDeletePhaseAsync(PlannedAction action, TaskRun run, ChannelWriter<Batch> work, CancellationToken cancellationToken)
    {
        Watermark watermark = run.Watermark;
        if (action.Kind != SyncActionKind.DeleteDst)
        {
            watermark.Done(action.Key);
            return;
        }

        if (action.Key.EndsWith('/'))
        {
            _directoryDeletes.Add(action.Key);
            watermark.Done(action.Key);
            return;
        }

        await DispatchAsync(action, run, work, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Adds a copy or delete to the task's open batch; batches of small objects keep thread hand-offs and lock traffic per object low.</summary>
    private async ValueTask DispatchAsync(PlannedAction action, TaskRun run, ChannelWriter<Batch> work, CancellationToken cancellationToken)
    {
        Batch batch = run.Open ??= new Batch(run.Counters, run.Watermark.Begin(action.Key));
        batch.Actions.Add(action);
        batch.Slot.Key = action.Key;
        batch.Bytes += action.Source?.Size ?? 0;
        Interlocked.Increment(ref _pending);
        if (batch.Actions.Count >= BatchObjects || batch.Bytes >= BatchBytes)
        {
            await FlushAsync(run, work, cancellationToken).ConfigureAwait(false);
        }
    }

    private async ValueTask FlushAsync(TaskRun run, ChannelWriter<Batch> work, CancellationToken cancellationToken)
    {
        if (run.Open is { } batch)
        {
            run.Open = null;
            try
            {
                await work.WriteAsync(batch, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Never dispatched: release its slot so that the task's watermark can drain.
                Interlocked.Add(ref _pending, -batch.Actions.Count);
                batch.Slot.Finish();
                throw;
            }
        }
    }

    private void Plan(string verb, string key)
    {
        if (_settings.PlanOutput is { } output)
        {
            lock (_planLock)
            {
                output.WriteLine($"{verb} {key}");
            }
        }
    }
    /// <summary>Consecutive copies or deletes of one range task, run in order by one copy worker.</summary>
    private sealed class Batch(SyncCounters counters, Watermark.Slot slot)
    {
        public SyncCounters Counters { get; } = counters;

        public Watermark.Slot Slot { get; } = slot;

        public List<PlannedAction> Actions { get; } = [];

        public long Bytes { get; set; }
    }

    /// <summary>The state of one range task while it is planned.</summary>
    private sealed class TaskRun(SyncCounters counters, Watermark watermark)
    {
        public SyncCounters Counters { get; } = counters;

        public Watermark Watermark { get; } = watermark;

        public Batch? Open { get; set; }
    }
}
