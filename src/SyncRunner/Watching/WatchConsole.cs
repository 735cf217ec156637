using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Ferry.SyncRunner.Cli;
using Ferry.SyncRunner.Execution;

namespace Ferry.SyncRunner.Watching;

/// <summary>
/// What a watch shows: with <c>--json</c> one JSON object per full sync and per batch on stdout (and a closing
/// <c>summary</c>); otherwise one line per full sync and per batch on stderr, and on a terminal a status line with the
/// pending changes, the age of the oldest, the last batch and the failing keys, redrawn every second. Problems (lost
/// events) always go to stderr.
/// </summary>
/// <param name="stdout">Standard output.</param>
/// <param name="stderr">Standard error.</param>
/// <param name="json">Whether <c>--json</c> was given.</param>
/// <param name="quiet">Whether <c>--quiet</c> was given (problems and failing keys are still printed).</param>
/// <param name="time">The clock.</param>
internal sealed class WatchConsole(TextWriter stdout, TextWriter stderr, bool json, bool quiet, TimeProvider time) : IWatchObserver
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    private readonly object _lock = new();
    private bool _statusShown;

    /// <summary>Whether a status line is redrawn (stderr is a terminal, no <c>--json</c>, no <c>--quiet</c>).</summary>
    public bool ShowsStatus { get; init; }

    public void FullSyncStarted(string reason)
    {
        if (!json && !quiet)
        {
            Line($"full sync ({reason}) started");
        }
    }

    public void FullSyncFinished(FullSyncReport report)
    {
        SyncCounters c = report.Result.Counters;
        if (json)
        {
            Json(new FullSyncLine("full-sync", report.Reason, Time(report.Started), report.Result.Succeeded, report.Result.Message, Seconds(report.Elapsed),
                c.Scanned, c.Copied, c.CopiedBytes, c.Skipped, c.Deleted, c.Failed, report.State.Pending, report.State.FailingKeys));
            return;
        }

        if (!quiet || !report.Result.Succeeded)
        {
            Line($"full sync ({report.Reason}) {(report.Result.Succeeded ? "done" : "failed: " + report.Result.Message)}: scanned {c.Scanned}, copied {c.Copied} "
                + $"({ProgressReporter.Bytes(c.CopiedBytes)}), skipped {c.Skipped}, deleted {c.Deleted}, failed {c.Failed} in {report.Elapsed.TotalSeconds:0.00}s");
        }
    }

    public void BatchApplied(BatchReport report)
    {
        SyncCounters c = report.Counters;
        WatchState s = report.State;
        if (json)
        {
            Json(new BatchLine("batch", Time(report.Time), report.Keys, report.Retries, c.Copied, c.CopiedBytes, c.Skipped, c.Deleted, c.Failed, Seconds(report.Elapsed),
                s.Pending, s.OldestPendingChange is { } o ? Seconds(report.Time - o) : null, s.FailingKeys));
            return;
        }

        if (!quiet)
        {
            Line($"batch: {report.Keys} key(s){(report.Retries > 0 ? $" ({report.Retries} retried)" : "")}: copied {c.Copied} ({ProgressReporter.Bytes(c.CopiedBytes)}), "
                + $"deleted {c.Deleted}, skipped {c.Skipped}, failed {c.Failed} in {report.Elapsed.TotalSeconds:0.00}s; {s.Pending} pending, {s.FailingKeys} failing");
        }
    }

    public void Problem(string message) => Line("ferry: " + message);

    /// <summary>An engine's error line (a key that failed).</summary>
    /// <param name="line">The line.</param>
    public void Error(string line) => Line("ferry: " + line);

    /// <summary>Redraws the status line (on a terminal only).</summary>
    /// <param name="state">The watch's state.</param>
    public void Status(WatchState state)
    {
        if (!ShowsStatus)
        {
            return;
        }

        lock (_lock)
        {
            stderr.Write("\r\x1b[K" + StatusLine(state, time.GetUtcNow()));
            stderr.Flush();
            _statusShown = true;
        }
    }

    /// <summary>The status line: pending changes and the age of the oldest, the last batch, the failing keys.</summary>
    /// <param name="state">The watch's state.</param>
    /// <param name="now">The current time.</param>
    /// <returns>One line.</returns>
    public static string StatusLine(WatchState state, DateTimeOffset now)
    {
        string pending = state.OldestPendingChange is { } oldest
            ? $"{state.Pending} pending (oldest {Ferry.Api.Common.GoDuration.Format(TimeSpan.FromSeconds(Math.Floor(Math.Max(0, (now - oldest).TotalSeconds))))})"
            : $"{state.Pending} pending";
        string batch = state.LastBatch is { } b
            ? $"last batch {b.Keys} key(s), {ProgressReporter.Bytes(b.CopiedBytes)} in {b.Elapsed.TotalSeconds:0.00}s at {b.Time.ToLocalTime():HH:mm:ss}"
            : "no batch yet";
        return $"watching: {pending}, {batch}, {state.FailingKeys} failing{(state.FullSyncRunning ? ", full sync running" : "")}";
    }

    /// <summary>Prints the closing summary (and the failing keys, even with <c>--quiet</c>).</summary>
    /// <param name="summary">The totals.</param>
    public void Summary(WatchSummary summary)
    {
        SyncCounters c = summary.Counters;
        if (json)
        {
            Json(new SummaryLine("summary", summary.Failing.Count == 0, summary.FullSyncs, summary.Batches, summary.Keys, c.Copied, c.CopiedBytes, c.Deleted, c.Failed,
                [.. summary.Failing.Select(f => new FailingKey(f.Key, f.Attempts, f.Error))], summary.NotApplied, Seconds(summary.Elapsed)));
            return;
        }

        if (!quiet)
        {
            Line($"watched for {summary.Elapsed.TotalSeconds:0.0}s: {summary.FullSyncs} full sync(s), {summary.Batches} batch(es) of {summary.Keys} key(s); "
                + $"copied {c.Copied} ({ProgressReporter.Bytes(c.CopiedBytes)}), deleted {c.Deleted}, failed {c.Failed}; "
                + $"{summary.Failing.Count} key(s) still failing, {summary.NotApplied} change(s) not applied");
        }

        foreach ((string key, int attempts, string error) in summary.Failing.Take(20))
        {
            Line(string.Create(CultureInfo.InvariantCulture, $"ferry: still failing after {attempts} attempt(s): {key}: {error}"));
        }

        if (summary.Failing.Count > 20)
        {
            Line($"ferry: ... and {summary.Failing.Count - 20} more failing key(s)");
        }
    }

    private void Line(string line)
    {
        lock (_lock)
        {
            if (_statusShown)
            {
                stderr.Write("\r\x1b[K");
                _statusShown = false;
            }

            stderr.WriteLine(line);
        }
    }

    private void Json<T>(T value)
    {
        lock (stdout)
        {
            stdout.WriteLine(JsonSerializer.Serialize(value, JsonOptions));
            stdout.Flush();
        }
    }

    private static string Time(DateTimeOffset t) => t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static double Seconds(TimeSpan t) => Math.Round(t.TotalSeconds, 3);

    private sealed record FullSyncLine(string Event, string Reason, string Started, bool Succeeded, string? Message, double ElapsedSeconds,
        long Scanned, long Copied, long CopiedBytes, long Skipped, long Deleted, long Failed, int Pending, int FailingKeys);

    private sealed record BatchLine(string Event, string Time, int Keys, int Retries, long Copied, long CopiedBytes, long Skipped, long Deleted, long Failed,
        double ElapsedSeconds, int Pending, double? OldestPendingAgeSeconds, int FailingKeys);

    private sealed record SummaryLine(string Event, bool Success, int FullSyncs, int Batches, long Keys, long Copied, long CopiedBytes, long Deleted, long Failed,
        IReadOnlyList<FailingKey> FailingKeys, int NotApplied, double ElapsedSeconds);

    private sealed record FailingKey(string Key, int Attempts, string Error);
}
