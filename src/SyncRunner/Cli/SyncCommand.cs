using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.Json;
using Ferry.SyncRunner.Execution;
using Ferry.SyncRunner.Filtering;
using Ferry.SyncRunner.Planning;
using Ferry.SyncRunner.Queue;
using Ferry.SyncRunner.Storage;
using Ferry.SyncRunner.Watching;

namespace Ferry.SyncRunner.Cli;

/// <summary><c>ferry sync SRC DST [options]</c>: one sync run in this process.</summary>
/// <remarks>Flags and their meaning follow the juicefs sync guide and <c>juicefs sync --help</c>.</remarks>
internal static class SyncCommand
{
    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private static readonly Argument<string> Src = new("SRC")
    {
        Description = "Source: a local path, file:// URL, s3://[ACCESS:SECRET@]BUCKET[.ENDPOINT]/PREFIX (or ?endpoint=URL), minio://HOST:PORT/BUCKET/PREFIX, sftp://USER@HOST[:PORT]/PATH or USER@HOST:PATH. Ending in '/' it is a directory; without '/' a key prefix.",
    };

    private static readonly Argument<string> Dst = new("DST")
    {
        Description = "Destination, same forms as SRC. SRC and DST must both end with '/' or neither.",
    };

    private static readonly Option<int> Threads = new("--threads", "-p") { Description = "Concurrent copy workers.", DefaultValueFactory = _ => 10 };
    private static readonly Option<bool> Update = new("--update", "-u") { Description = "Copy when the source mtime (whole seconds) is newer than the destination's, skip when older, ignoring size." };
    private static readonly Option<bool> ForceUpdate = new("--force-update", "-f") { Description = "Always copy, even when the destination looks up to date." };
    private static readonly Option<bool> Existing = new("--existing", "--ignore-non-existing") { Description = "Skip creating new files in the destination; only update existing ones." };
    private static readonly Option<bool> IgnoreExisting = new("--ignore-existing") { Description = "Skip updating files that already exist in the destination." };
    private static readonly Option<bool> CheckAll = new("--check-all") { Description = "Compare the content of every pair that looks equal and copy when it differs." };
    private static readonly Option<bool> CheckNew = new("--check-new") { Description = "Verify the content of every newly copied file." };
    private static readonly Option<bool> CheckChange = new("--check-change") { Description = "After a copy, check that the source size and mtime did not change during it; a changed source counts as failed." };
    private static readonly Option<bool> DeleteSrc = new("--delete-src", "--deleteSrc") { Description = "Delete each source file once its copy in the destination is verified." };
    private static readonly Option<bool> DeleteDst = new("--delete-dst", "--deleteDst") { Description = "Delete destination files absent in the source (never files the filters exclude), after all copies succeeded." };
    private static readonly Option<bool> Dirs = new("--dirs") { Description = "Sync directories too, including empty ones." };
    private static readonly Option<bool> Perms = new("--perms") { Description = "Preserve permission bits." };
    private static readonly Option<bool> Links = new("--links", "-l") { Description = "Copy symbolic links as links (target kept verbatim); without it, links are followed only inside SRC." };
    private static readonly Option<string[]> Include = new("--include") { Description = "Sync keys matching PATTERN (ordered with --exclude; repeatable).", HelpName = "PATTERN" };
    private static readonly Option<string[]> Exclude = new("--exclude") { Description = "Exclude keys matching PATTERN (ordered with --include; repeatable).", HelpName = "PATTERN" };
    private static readonly Option<bool> MatchFullPath = new("--match-full-path") { Description = "Match rules against the full path once instead of layer by layer." };
    private static readonly Option<bool> Dry = new("--dry") { Description = "Copy and delete nothing; print the plan, one line per action (copy KEY, delete-dst KEY, delete-src KEY)." };
    private static readonly Option<string?> MinSize = new("--min-size") { Description = "Skip files smaller than SIZE (bytes; K, M, G, T suffixes are powers of 1024).", HelpName = "SIZE" };
    private static readonly Option<string?> MaxSize = new("--max-size") { Description = "Skip files larger than SIZE.", HelpName = "SIZE" };
    private static readonly Option<string?> MinAge = new("--min-age") { Description = "Skip files modified less than DURATION ago (e.g. 30m, 2h, 7d).", HelpName = "DURATION" };
    private static readonly Option<string?> MaxAge = new("--max-age") { Description = "Skip files modified more than DURATION ago.", HelpName = "DURATION" };
    private static readonly Option<string?> StartTime = new("--start-time") { Description = "Skip files modified before TIME (\"2006-01-02 15:04:05\", local time, or ISO 8601).", HelpName = "TIME" };
    private static readonly Option<string?> EndTime = new("--end-time") { Description = "Skip files modified after TIME.", HelpName = "TIME" };
    private static readonly Option<string?> Start = new("--start", "-s") { Description = "The first KEY to sync.", HelpName = "KEY" };
    private static readonly Option<string?> End = new("--end", "-e") { Description = "The last KEY to sync (inclusive).", HelpName = "KEY" };
    private static readonly Option<long> Limit = new("--limit") { Description = "Process at most N source keys (-1 is unlimited).", DefaultValueFactory = _ => -1 };
    private static readonly Option<string?> FilesFrom = new("--files-from") { Description = "Sync only the keys listed in FILE, one per line (a line ending in '/' selects everything below it).", HelpName = "FILE" };
    private static readonly Option<double> BwLimit = new("--bwlimit") { Description = "Limit bandwidth to N Mbit/s across all threads (0 is unlimited).", DefaultValueFactory = _ => 0 };
    private static readonly Option<int> ListThreads = new("--list-threads")
    {
        Description = "List the source with up to N concurrent listers (default 1: one ordered listing). With N > 1 the key space is cut at "
            + "directory prefixes down to --list-depth and up to N range tasks list and merge-join their own prefixes at once. "
            + "--limit keeps one ordered listing.",
        HelpName = "N",
        DefaultValueFactory = _ => 1,
    };

    private static readonly Option<int> ListDepth = new("--list-depth")
    {
        Description = "With --list-threads > 1: how many directory levels are listed one level at a time to find the prefixes to list "
            + "in parallel (1: top-level directories, 2: also their sub-directories). 0 cuts the key space every 100,000 keys instead, "
            + "after one sequential listing.",
        HelpName = "N",
        DefaultValueFactory = _ => 1,
    };

    private static readonly Option<long> MaxFailure = new("--max-failure") { Description = "Abort once N objects have failed (0 is unlimited).", DefaultValueFactory = _ => 0 };
    private static readonly Option<string?> MaxDelete = new("--max-delete") { Description = "Fail before deleting anything when --delete-dst would delete more than N keys or N% of the destination.", HelpName = "N|N%" };
    private static readonly Option<string?> Metrics = new("--metrics") { Description = "Serve Prometheus metrics on http://ADDR/metrics (e.g. 127.0.0.1:9567).", HelpName = "ADDR" };
    private static readonly Option<bool> Json = new("--json") { Description = "Print the closing summary as one JSON object on stdout." };
    private static readonly Option<bool> Verbose = new("--verbose", "-v") { Description = "Print every action taken on stderr." };
    private static readonly Option<bool> Quiet = new("--quiet", "-q") { Description = "Print only errors." };

    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var command = new Command("sync", "Sync SRC to DST with juicefs sync semantics: copy missing or changed files, optionally delete extraneous ones.");
        command.Arguments.Add(Src);
        command.Arguments.Add(Dst);
        foreach (Option o in new Option[]
        {
            Threads, Update, ForceUpdate, Existing, IgnoreExisting, CheckAll, CheckNew, CheckChange, DeleteSrc, DeleteDst, Dirs, Perms, Links,
            Include, Exclude, MatchFullPath, Dry, MinSize, MaxSize, MinAge, MaxAge, StartTime, EndTime, Start, End, Limit, FilesFrom,
            BwLimit, ListThreads, ListDepth, MaxFailure, MaxDelete, Metrics, Json, Verbose, Quiet,
        })
        {
            command.Options.Add(o);
        }

        foreach (Option o in WatchOptions.All)
        {
            command.Options.Add(o);
        }

        command.SetAction((parseResult, cancellationToken) => RunAsync(parseResult, cancellationToken));
        return command;
    }

    /// <summary>The include/exclude rules in the order they appear on the command line.</summary>
    public static IReadOnlyList<FilterRule> OrderedRules(ParseResult parseResult)
    {
        var rules = new List<FilterRule>();
        IReadOnlyList<Token> tokens = parseResult.Tokens;
        for (int i = 0; i < tokens.Count - 1; i++)
        {
            if (tokens[i].Type != TokenType.Option)
            {
                continue;
            }

            bool? include = tokens[i].Value switch
            {
                "--include" => true,
                "--exclude" => false,
                _ => null,
            };
            if (include is { } inc && tokens[i + 1].Type == TokenType.Argument)
            {
                rules.Add(new FilterRule(inc ? FilterAction.Include : FilterAction.Exclude, tokens[i + 1].Value));
                i++;
            }
        }

        return rules;
    }

    private static async Task<int> RunAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        TextWriter stdout = parseResult.InvocationConfiguration.Output;
        TextWriter stderr = parseResult.InvocationConfiguration.Error;
        string src = parseResult.GetRequiredValue(Src);
        string dst = parseResult.GetRequiredValue(Dst);
        bool quiet = parseResult.GetValue(Quiet);
        bool json = parseResult.GetValue(Json);
        SyncOptions options;
        IObjectStorage source;
        IObjectStorage destination;
        SyncEngine engine;
        SyncWatch? watch = null;
        try
        {
            options = ReadOptions(parseResult);
            StorageFactory.CheckTrailingSlashes(src, dst);
            CheckLocalPaths(src, dst);
            source = StorageFactory.Default.Create(src);
            destination = StorageFactory.Default.Create(dst);
            engine = new SyncEngine(source, destination, options, new SyncEngineSettings
            {
                PlanOutput = options.DryRun ? stdout : null,
                OnError = quiet && json ? null : line => WriteLocked(stderr, "ferry: " + line),
                OnAction = parseResult.GetValue(Verbose) ? line => WriteLocked(stderr, line) : null,
            });
            if (WatchOptions.Read(parseResult) is { } watchSettings)
            {
                watch = SyncWatch.Create(src, source, destination, options, watchSettings, new SyncEngineSettings
                {
                    PlanOutput = options.DryRun ? stdout : null,
                    OnAction = parseResult.GetValue(Verbose) ? line => WriteLocked(stderr, line) : null,
                }, stdout, stderr, json, quiet);
            }
        }
        catch (Exception e) when (e is ArgumentException or FormatException or NotSupportedException or IOException or UnauthorizedAccessException or StorageException)
        {
            await stderr.WriteLineAsync("ferry: " + e.Message).ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        ThreadPool.GetMinThreads(out int workerMin, out int ioMin);
        ThreadPool.SetMinThreads(Math.Max(workerMin, options.Threads + options.ListThreads + 4), ioMin);
        await using (source.ConfigureAwait(false))
        await using (destination.ConfigureAwait(false))
        {
            using var metrics = new SyncMetrics(watch is null ? engine.Snapshot : watch.Snapshot);
            PrometheusExporter? exporter = null;
            if (parseResult.GetValue(Metrics) is { } address)
            {
                try
                {
                    exporter = new PrometheusExporter(metrics.Meter);
                    exporter.Start(address);
                }
                catch (Exception e) when (e is ArgumentException or System.Net.HttpListenerException)
                {
                    await stderr.WriteLineAsync($"ferry: --metrics {address}: {e.Message}").ConfigureAwait(false);
                    if (exporter is not null)
                    {
                        await exporter.DisposeAsync().ConfigureAwait(false);
                    }

                    return ExitCodes.Usage;
                }
            }

            try
            {
                if (watch is not null)
                {
                    return await watch.RunAsync(cancellationToken).ConfigureAwait(false);
                }

                bool showProgress = !quiet && !json && !options.DryRun && ReferenceEquals(stderr, Console.Error);
                SyncResult result = await ProgressReporter.RunAsync(
                    () => engine.RunAsync(new InProcessWorkQueue(), cancellationToken), engine.Snapshot, showProgress, TimeProvider.System).ConfigureAwait(false);
                if (json)
                {
                    await stdout.WriteLineAsync(JsonSerializer.Serialize(new Summary(result), JsonOptions)).ConfigureAwait(false);
                }
                else if (!quiet)
                {
                    SyncCounters c = result.Counters;
                    await stderr.WriteLineAsync(
                        $"{(options.DryRun ? "dry run: " : "")}scanned {c.Scanned} ({ProgressReporter.Bytes(c.ScannedBytes)}), copied {c.Copied} ({ProgressReporter.Bytes(c.CopiedBytes)}), " +
                        $"checked {c.Checked}, skipped {c.Skipped} ({ProgressReporter.Bytes(c.SkippedBytes)}), deleted {c.Deleted}, excluded {c.Excluded}, extra {c.Extra}, failed {c.Failed} in {result.Elapsed.TotalSeconds:0.00}s").ConfigureAwait(false);
                }

                if (result.Outcome != SyncOutcome.Succeeded)
                {
                    await stderr.WriteLineAsync("ferry: " + result.Reason).ConfigureAwait(false);
                    return ExitCodes.Failed;
                }

                return ExitCodes.Success;
            }
            finally
            {
                if (exporter is not null)
                {
                    await exporter.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
    }

    private static void WriteLocked(TextWriter writer, string line)
    {
        lock (writer)
        {
            writer.WriteLine(line);
        }
    }

    private static SyncOptions ReadOptions(ParseResult p)
    {
        int threads = p.GetValue(Threads);
        if (threads < 1)
        {
            throw new ArgumentException("--threads must be at least 1");
        }

        int listThreads = p.GetValue(ListThreads);
        int listDepth = p.GetValue(ListDepth);
        if (listThreads < 1)
        {
            throw new ArgumentException("--list-threads must be at least 1");
        }

        if (listDepth < 0)
        {
            throw new ArgumentException("--list-depth must be 0 or more");
        }

        string? filesFrom = p.GetValue(FilesFrom);
        return new SyncOptions
        {
            Update = p.GetValue(Update),
            ForceUpdate = p.GetValue(ForceUpdate),
            CheckAll = p.GetValue(CheckAll),
            CheckNew = p.GetValue(CheckNew),
            CheckChange = p.GetValue(CheckChange),
            Existing = p.GetValue(Existing),
            IgnoreExisting = p.GetValue(IgnoreExisting),
            DeleteSrc = p.GetValue(DeleteSrc),
            DeleteDst = p.GetValue(DeleteDst),
            Dirs = p.GetValue(Dirs),
            Perms = p.GetValue(Perms),
            Links = p.GetValue(Links),
            DryRun = p.GetValue(Dry),
            MinSize = p.GetValue(MinSize) is { } minSize ? ValueParsers.ParseSize(minSize) : null,
            MaxSize = p.GetValue(MaxSize) is { } maxSize ? ValueParsers.ParseSize(maxSize) : null,
            MinAge = p.GetValue(MinAge) is { } minAge ? ValueParsers.ParseDuration(minAge) : null,
            MaxAge = p.GetValue(MaxAge) is { } maxAge ? ValueParsers.ParseDuration(maxAge) : null,
            StartTime = p.GetValue(StartTime) is { } startTime ? ValueParsers.ParseTime(startTime) : null,
            EndTime = p.GetValue(EndTime) is { } endTime ? ValueParsers.ParseTime(endTime) : null,
            Start = p.GetValue(Start),
            End = p.GetValue(End),
            Limit = p.GetValue(Limit),
            Threads = threads,
            ListThreads = listThreads,
            ListDepth = listDepth,
            BwLimit = Math.Max(0, p.GetValue(BwLimit)),
            MaxDelete = p.GetValue(MaxDelete) is { } maxDelete ? ValueParsers.ParseMaxDelete(maxDelete) : null,
            MaxFailures = Math.Max(0, p.GetValue(MaxFailure)),
            Filters = OrderedRules(p),
            MatchFullPath = p.GetValue(MatchFullPath),
            FilesFrom = filesFrom is null ? null : File.ReadAllLines(filesFrom),
        };
    }

    /// <summary>Refuses a missing local SRC and a local DST inside SRC.</summary>
    private static void CheckLocalPaths(string src, string dst)
    {
        string? srcPath = StorageFactory.LocalPathOf(src);
        if (srcPath is null)
        {
            return;
        }

        if (srcPath.EndsWith('/'))
        {
            if (!Directory.Exists(srcPath))
            {
                throw new ArgumentException($"SRC {srcPath} does not exist or is not a directory");
            }
        }
        else
        {
            string parent = Path.GetDirectoryName(srcPath) ?? "/";
            string name = Path.GetFileName(srcPath);
            if (!Directory.Exists(parent) || (!Path.Exists(srcPath) && !Directory.EnumerateFileSystemEntries(parent, name + "*").Any()))
            {
                throw new ArgumentException($"SRC {srcPath} does not exist");
            }
        }

        string? dstPath = StorageFactory.LocalPathOf(dst);
        if (dstPath is null)
        {
            return;
        }

        string srcDir = srcPath.EndsWith('/') ? srcPath : srcPath + "/";
        string dstDir = dstPath.EndsWith('/') ? dstPath : dstPath + "/";
        if (dstDir.StartsWith(srcDir, StringComparison.Ordinal))
        {
            throw new ArgumentException($"DST {dstPath} is inside SRC {srcPath}");
        }

        if (!srcPath.EndsWith('/') && dstPath.StartsWith(srcPath, StringComparison.Ordinal))
        {
            throw new ArgumentException($"DST {dstPath} starts with the SRC prefix {srcPath}: its keys would be copied into themselves");
        }
    }

    /// <summary>The <c>--json</c> summary.</summary>
    private sealed record Summary(bool Success, string? Reason, long Scanned, long ScannedBytes, long Copied, long CopiedBytes, long Checked,
        long Skipped, long SkippedBytes, long Deleted, long Excluded, long Extra, long Failed, double ElapsedSeconds)
    {
        public Summary(SyncResult r)
            : this(r.Outcome == SyncOutcome.Succeeded, r.Reason, r.Counters.Scanned, r.Counters.ScannedBytes, r.Counters.Copied, r.Counters.CopiedBytes,
                r.Counters.Checked, r.Counters.Skipped, r.Counters.SkippedBytes, r.Counters.Deleted, r.Counters.Excluded, r.Counters.Extra,
                r.Counters.Failed, Math.Round(r.Elapsed.TotalSeconds, 3))
        {
        }
    }
}
