using Ferry.Api.Runs;

namespace Ferry.SyncRunner.Execution;

/// <summary>How a <see cref="SyncEngine"/> reports and keeps time; everything optional.</summary>
public sealed record SyncEngineSettings
{
    /// <summary>The clock (ages, backoff, bandwidth). <value>Default: <see cref="TimeProvider.System"/>.</value></summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Where a dry run writes its plan, one line per action (<c>copy KEY</c>, <c>delete-dst KEY</c>, <c>delete-src KEY</c>). <value>Default: <see langword="null"/>, nowhere.</value></summary>
    public TextWriter? PlanOutput { get; init; }

    /// <summary>Called with one line for every object that failed. <value>Default: <see langword="null"/>.</value></summary>
    public Action<string>? OnError { get; init; }

    /// <summary>Called with the key and the reason of every object that failed after its retries (after <see cref="OnError"/>);
    /// <c>ferry sync --watch</c> retries those keys on later batches. <value>Default: <see langword="null"/>.</value></summary>
    public Action<string, string>? OnFailed { get; init; }

    /// <summary>Called with one line for every action taken (<c>--verbose</c>). <value>Default: <see langword="null"/>.</value></summary>
    public Action<string>? OnAction { get; init; }

    /// <summary>The worker's identity in the work queue. <value>Default: the host name and process id.</value></summary>
    public string HolderIdentity { get; init; } = $"{Environment.MachineName}-{Environment.ProcessId}";

    /// <summary>Whether the queue is shared with other processes (<c>ferry worker</c>, <c>ferry run --workers</c>): the
    /// scan then always cuts the source into tasks of about <see cref="Planning.SyncOptions.TaskObjects"/> keys or
    /// <see cref="Planning.SyncOptions.TaskBytes"/> bytes (at prefixes with <c>listThreads</c> &gt; 1), even with one
    /// task runner, so that every worker gets a share. <value>Default: <see langword="false"/>: with
    /// <c>listThreads</c> 1 the whole range is one task (one ordered listing, as <c>ferry sync</c> has).</value></summary>
    public bool Distributed { get; init; }

    /// <summary>The least time between two checkpoints of a task (each waits until the keys planned so far are
    /// finished, so that the checkpoint's counters are exact). <value>Default: 5 s.</value></summary>
    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A key at the root of both stores that the run never lists, copies or deletes: a checkpoint file kept in
    /// the destination (<c>--enable-checkpoint</c>). <value>Default: <see langword="null"/>, none.</value></summary>
    public string? HiddenKey { get; init; }

    /// <summary>Counters of range tasks a checkpoint says were done before this process started: they carry over into
    /// <see cref="SyncEngine.Snapshot"/> and the result, so that a resumed run's summary equals an uninterrupted run's.
    /// <value>Default: <see langword="null"/>, none.</value></summary>
    public TaskCounters? ResumedCounters { get; init; }

    /// <summary>How many keys a task plans between two checkpoint opportunities (tests lower it).</summary>
    internal int CheckpointEveryKeys { get; init; } = 1024;

    /// <summary>The size from which an object counts as large, in bytes: large objects stream through the runner at most
    /// <see cref="LargeObjectConcurrency"/> at a time. <value>Default: 64 MiB.</value></summary>
    public long LargeObjectSize { get; init; } = 64L * 1024 * 1024;

    /// <summary>How many large objects (<see cref="LargeObjectSize"/>) are copied through the runner at once, at most
    /// <see cref="Planning.SyncOptions.Threads"/>; small objects keep every thread. Server-side copies are not
    /// limited. <value>Default: 4, as rclone's <c>--transfers</c>.</value></summary>
    /// <remarks>Each large copy already keeps several requests in flight (multipart parts, ranged GETs, pipelined SFTP
    /// writes), so more of them at once only split the same bandwidth while multiplying buffers, and on a disk
    /// interleave their writes: ten 100 MiB SFTP uploads to a disk at once took 1.09× rclone's time, four 0.69×, with
    /// a quarter less CPU (bench/RESULTS-sftp.md, session 5).</remarks>
    public int LargeObjectConcurrency { get; init; } = 4;

    /// <summary>Retries of a transient storage error per object. <value>Default: 3.</value></summary>
    public int MaxRetries { get; init; } = 3;

    /// <summary>The first retry delay; later ones grow exponentially with jitter. <value>Default: 200 ms.</value></summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(200);
}
