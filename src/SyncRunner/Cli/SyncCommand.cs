using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.Json;
using Ferry.Api;
using Ferry.Api.Sync;
using Ferry.SyncRunner.Execution;
using Ferry.SyncRunner.Filtering;
using Ferry.SyncRunner.Jobs;
using Ferry.SyncRunner.Planning;
using Ferry.SyncRunner.Queue;
using Ferry.SyncRunner.Queue.Checkpoints;
using Ferry.SyncRunner.Storage;
using Ferry.SyncRunner.Storage.Local;
using Ferry.SyncRunner.Storage.S3;
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

    private static readonly Option<int> Threads = new Option<int>("--threads", "-p")
    {
        Description = $"Concurrent copy workers (1 to {SyncOptionLimits.MaxThreads}).",
        DefaultValueFactory = _ => SyncOptionLimits.DefaultThreads,
    }.Within(1, SyncOptionLimits.MaxThreads);

    private static readonly Option<bool> Update = new("--update", "-u") { Description = "Copy when the source mtime (whole seconds) is newer than the destination's, skip when older, ignoring size." };
    private static readonly Option<bool> ForceUpdate = new("--force-update", "-f") { Description = "Always copy, even when the destination looks up to date." };
    private static readonly Option<bool> Existing = new("--existing", "--ignore-non-existing") { Description = "Skip creating new files in the destination; only update existing ones." };
    private static readonly Option<bool> IgnoreExisting = new("--ignore-existing") { Description = "Skip updating files that already exist in the destination." };
    private static readonly Option<bool> CheckAll = new("--check-all") { Description = "Compare the content of every pair that looks equal and copy when it differs." };
    private static readonly Option<bool> CheckNew = new("--check-new") { Description = "Verify the content of every newly copied file." };
    private static readonly Option<bool> CheckChange = new("--check-change") { Description = "After a copy, check that the source size and mtime did not change during it; a changed source counts as failed." };
    private static readonly Option<bool> DeleteSrc = new("--delete-src", "--deleteSrc")
    {
        Description = "Delete source files that DST already holds equal. As in juicefs, files copied in this run stay in SRC and are deleted by the next run.",
    };

    private static readonly Option<bool> DeleteSrcAfter = new("--delete-src-after")
    {
        Description = "Delete each source file in this run once DST holds it: right after its copy succeeded (and was verified with --check-new), or when DST already held it equal.",
    };

    private static readonly Option<bool> DeleteDst = new("--delete-dst", "--deleteDst") { Description = "Delete destination files absent in the source (never files the filters exclude), after all copies succeeded." };
    private static readonly Option<bool> InPlace = new("--inplace")
    {
        Description = "Rewrite changed destination files in place (same inode, hard links kept, no temporary file; not atomic). For file destinations, meant with --update; refused for object stores.",
    };

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
    private static readonly Option<long> Limit = new Option<long>("--limit")
    {
        Description = "Process at most N source keys (-1 is unlimited, 0 processes none).",
        DefaultValueFactory = _ => SyncOptionLimits.DefaultLimit,
    }.Within(-1, long.MaxValue);
    private static readonly Option<string?> FilesFrom = new("--files-from") { Description = "Sync only the keys listed in FILE, one per line (a line ending in '/' selects everything below it).", HelpName = "FILE" };
    private static readonly Option<double> BwLimit = new Option<double>("--bwlimit") { Description = "Limit bandwidth to N Mbit/s across all threads (0 is unlimited).", DefaultValueFactory = _ => 0 }
        .Within(0, SyncOptionLimits.MaxBwLimit);
    private static readonly Option<int> ListThreads = new Option<int>("--list-threads")
    {
        Description = "List the source with up to N concurrent listers (default 1: one ordered listing). With N > 1 the key space is cut at "
            + "directory prefixes down to --list-depth and up to N range tasks list and merge-join their own prefixes at once. "
            + "--limit keeps one ordered listing.",
        HelpName = "N",
        DefaultValueFactory = _ => SyncOptionLimits.DefaultListThreads,
    }.Within(1, SyncOptionLimits.MaxListThreads);

    private static readonly Option<int> ListDepth = new Option<int>("--list-depth")
    {
        Description = "With --list-threads > 1: how many directory levels are listed one level at a time to find the prefixes to list "
            + "in parallel (1: top-level directories, 2: also their sub-directories). 0 cuts the key space every "
            + SyncOptionLimits.DefaultTaskObjects.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) + " keys instead, after one sequential listing.",
        HelpName = "N",
        DefaultValueFactory = _ => SyncOptionLimits.DefaultListDepth,
    }.Within(SyncOptionLimits.MinListDepth, SyncOptionLimits.MaxListDepth);

    private static readonly Option<long> MaxFailure = new Option<long>("--max-failure")
    {
        Description = "Abort once N objects have failed (-1 or 0 is unlimited, as in juicefs).",
        DefaultValueFactory = _ => SyncOptionLimits.DefaultMaxFailures,
    }.Within(SyncOptionLimits.MinMaxFailures, long.MaxValue);
    private static readonly Option<string?> MaxDelete = new("--max-delete") { Description = "Fail before deleting anything when --delete-dst would delete more than N keys or N% of the destination.", HelpName = "N|N%" };
    private static readonly Option<string?> StorageClass = new("--storage-class")
    {
        Description = "The storage class of the objects written to an S3 DST (e.g. STANDARD_IA, GLACIER_IR): every PutObject, multipart upload and server-side copy carries it. Default: the bucket's default class.",
        HelpName = "NAME",
    };

    private static readonly Option<bool> EnableCheckpoint = new("--enable-checkpoint")
    {
        Description = "Save the run's progress (its range tasks and their last finished keys) in a checkpoint file, so that a run killed or failed resumes where it stopped. The file is .ferry-checkpoint.json in DST (or in --checkpoint-dir) and is deleted when the run succeeds.",
    };

    private static readonly Option<string> CheckpointInterval = new("--checkpoint-interval")
    {
        Description = "How often the checkpoint is saved (e.g. 10s, 1m; more than 0).",
        HelpName = "DURATION",
        DefaultValueFactory = _ => SyncOptionLimits.DefaultCheckpointIntervalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) + "s",
    };

    private static readonly Option<bool> CheckpointForceReset = new("--checkpoint-force-reset") { Description = "Ignore an existing checkpoint: start from scratch and overwrite it." };
    private static readonly Option<string?> CheckpointDir = new("--checkpoint-dir") { Description = "Keep the checkpoint file in this local directory instead of DST.", HelpName = "DIR" };

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
            Threads, Update, ForceUpdate, Existing, IgnoreExisting, CheckAll, CheckNew, CheckChange, DeleteSrc, DeleteSrcAfter, DeleteDst, InPlace, Dirs, Perms, Links,
            Include, Exclude, MatchFullPath, Dry, MinSize, MaxSize, MinAge, MaxAge, StartTime, EndTime, Start, End, Limit, FilesFrom,
            BwLimit, ListThreads, ListDepth, MaxFailure, MaxDelete, StorageClass, EnableCheckpoint, CheckpointInterval, CheckpointForceReset, CheckpointDir,
            Metrics, Json, Verbose, Quiet,
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

    /// <summary>What <c>-v</c> says of the destination's storage class: only an S3 destination has one. A method of its
    /// own, so that a run to a directory does not load the AWS SDK's assembly with <see cref="RunAsync"/>.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static string StorageClassNote(IObjectStorage destination) =>
        destination is S3Storage s3 ? $" (storage class {s3.Options.StorageClass ?? "of the bucket's default"})" : "";

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
        IObjectStorage? source = null;
        IObjectStorage? destination = null;
        SyncEngine engine;
        SyncWatch? watch = null;
        CheckpointSession? checkpoint = null;
        try
        {
            options = ReadOptions(parseResult);
            WatchSettings? watchSettings = WatchOptions.Read(parseResult);
            if (watchSettings is not null && parseResult.GetValue(EnableCheckpoint))
            {
                throw new ConfigurationException("--enable-checkpoint cannot be combined with --watch: a watch resumes by a full sync, which finds what is done");
            }
            UserInput.Check(() => StorageFactory.Default.CheckTrailingSlashes(src, dst));
            CheckLocalPaths(src, dst);
            source = UserInput.Open(() => StorageFactory.Default.Create(src));
            destination = UserInput.Open(() => StorageFactory.Default.Create(dst));
            if (parseResult.GetValue(StorageClass) is { } storageClass)
            {
                destination = await WithStorageClassAsync(destination, storageClass).ConfigureAwait(false);
            }

            if (parseResult.GetValue(Verbose))
            {
                string cls = StorageClassNote(destination);
                WriteLocked(stderr, $"ferry: {(options.DryRun ? "dry run: " : "")}sync {source.DisplayName} to {destination.DisplayName}{cls}");
            }
            TimeSpan interval = CheckpointIntervalOf(parseResult);
            if (parseResult.GetValue(EnableCheckpoint) && !options.DryRun)
            {
                checkpoint = await CheckpointSession.OpenAsync(
                    source, destination, options, parseResult.GetValue(CheckpointDir), parseResult.GetValue(CheckpointForceReset), interval,
                    TimeProvider.System, line => WriteLocked(stderr, "ferry: " + line), cancellationToken).ConfigureAwait(false);
                if (checkpoint.ResumeMessage is { } resumed && !quiet)
                {
                    WriteLocked(stderr, "ferry: " + resumed);
                }
            }

            engine = new SyncEngine(source, destination, options, new SyncEngineSettings
            {
                PlanOutput = options.DryRun ? stdout : null,
                OnError = quiet && json ? null : line => WriteLocked(stderr, "ferry: " + line),
                OnAction = parseResult.GetValue(Verbose) ? line => WriteLocked(stderr, line) : null,
                CheckpointInterval = checkpoint is null ? new SyncEngineSettings().CheckpointInterval : interval,
                HiddenKey = checkpoint?.HiddenKey,
                ResumedCounters = checkpoint?.ResumedCounters,
            });
            if (watchSettings is not null)
            {
                watch = SyncWatch.Create(src, source, destination, options, watchSettings, new SyncEngineSettings
                {
                    PlanOutput = options.DryRun ? stdout : null,
                    OnAction = parseResult.GetValue(Verbose) ? line => WriteLocked(stderr, line) : null,
                }, stdout, stderr, json, quiet);
            }
        }
        catch (ConfigurationException e)
        {
            await stderr.WriteLineAsync("ferry: " + e.Message).ConfigureAwait(false);
            if (checkpoint is not null)
            {
                await checkpoint.DisposeAsync().ConfigureAwait(false);
            }

            foreach (IObjectStorage? opened in new[] { source, destination })
            {
                if (opened is not null)
                {
                    await opened.DisposeAsync().ConfigureAwait(false);
                }
            }

            return ExitCodes.Usage;
        }

        ThreadPool.GetMinThreads(out int workerMin, out int ioMin);
        ThreadPool.SetMinThreads(Math.Max(workerMin, options.Threads + options.ListThreads + 4), ioMin);
        await using (source.ConfigureAwait(false))
        await using (destination.ConfigureAwait(false))
        {
            using var metrics = new SyncMetrics(watch is null ? engine.Snapshot : watch.Snapshot);
            IDisposable? exporter;
            try
            {
                exporter = RunnerTelemetry.Start(metrics.Meter, parseResult.GetValue(Metrics), Environment.GetEnvironmentVariable);
            }
            catch (Exception e) when (e is ArgumentException or System.Net.HttpListenerException)
            {
                await stderr.WriteLineAsync($"ferry: --metrics {parseResult.GetValue(Metrics)}: {e.Message}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            try
            {
                if (watch is not null)
                {
                    return await watch.RunAsync(cancellationToken).ConfigureAwait(false);
                }

                bool showProgress = !quiet && !json && !options.DryRun && ReferenceEquals(stderr, Console.Error);
                IWorkQueue queue = checkpoint?.Queue ?? (IWorkQueue)new InProcessWorkQueue();
                SyncResult result;
                try
                {
                    result = await ProgressReporter.RunAsync(
                        () => engine.RunAsync(queue, cancellationToken), engine.Snapshot, showProgress, TimeProvider.System).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (checkpoint is not null)
                {
                    await checkpoint.FinishAsync(succeeded: false).ConfigureAwait(false);
                    throw;
                }

                if (checkpoint is not null)
                {
                    await checkpoint.FinishAsync(result.Outcome == SyncOutcome.Succeeded).ConfigureAwait(false);
                }

                if (json)
                {
                    await stdout.WriteLineAsync(JsonSerializer.Serialize(new Summary(result), JsonOptions)).ConfigureAwait(false);
                }
                else if (!quiet)
                {
                    SyncCounters c = result.Counters;
                    await stderr.WriteLineAsync(
                        $"{(options.DryRun ? "dry run: " : "")}scanned {c.Scanned} ({ProgressReporter.Bytes(c.ScannedBytes)}), copied {c.Copied} ({ProgressReporter.Bytes(c.CopiedBytes)}), " +
                        $"checked {c.Checked}, skipped {c.Skipped} ({ProgressReporter.Bytes(c.SkippedBytes)}), deleted {c.Deleted}, excluded {c.Excluded}, extra {c.Extra}, failed {c.Failed}" +
                        $"{(result.FailedTasks.Count > 0 ? $", failed tasks {result.FailedTasks.Count}" : "")} in {result.Elapsed.TotalSeconds:0.00}s").ConfigureAwait(false);
                    foreach (FailedTask t in result.FailedTasks)
                    {
                        await stderr.WriteLineAsync($"ferry: failed task {t.Range}: {t.Reason}").ConfigureAwait(false);
                    }
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
                if (checkpoint is not null)
                {
                    await checkpoint.DisposeAsync().ConfigureAwait(false);
                }

                exporter?.Dispose();
            }
        }
    }

    /// <summary>The checkpoint interval: more than 0.</summary>
    /// <exception cref="ConfigurationException">The value is malformed or 0.</exception>
    private static TimeSpan CheckpointIntervalOf(ParseResult p)
    {
        string text = p.GetValue(CheckpointInterval) ?? "";
        TimeSpan interval;
        try
        {
            interval = ValueParsers.ParseDuration(text);
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
        {
            throw new ConfigurationException("--checkpoint-interval: " + e.Message, e);
        }

        return interval > TimeSpan.Zero ? interval : throw new ConfigurationException($"--checkpoint-interval must be more than 0 (got {text})");
    }

    /// <summary>The destination writing objects in <paramref name="storageClass"/>; only an S3 destination has classes.</summary>
    /// <exception cref="ConfigurationException">The name is malformed or DST is not S3.</exception>
    private static async Task<IObjectStorage> WithStorageClassAsync(IObjectStorage destination, string storageClass)
    {
        if (!System.Text.RegularExpressions.Regex.IsMatch(storageClass, Ferry.Api.Common.SchemaPatterns.StorageClass))
        {
            await destination.DisposeAsync().ConfigureAwait(false);
            throw new ConfigurationException($"--storage-class '{storageClass}' is not a storage class name (letters, digits, '_', '-', '.'; e.g. STANDARD_IA)");
        }

        if (destination is not S3Storage s3)
        {
            string where = destination.DisplayName;
            await destination.DisposeAsync().ConfigureAwait(false);
            throw new ConfigurationException($"--storage-class applies to an S3 destination; DST {where} has no storage classes");
        }

        S3Storage classed = s3.WithStorageClass(storageClass);
        await s3.DisposeAsync().ConfigureAwait(false);
        return classed;
    }

    private static void WriteLocked(TextWriter writer, string line)
    {
        lock (writer)
        {
            writer.WriteLine(line);
        }
    }

    /// <summary>The engine options of a parsed <c>ferry sync</c> command line.</summary>
    /// <exception cref="ConfigurationException">An option's value is malformed, two bounds select nothing, or the
    /// <c>--files-from</c> file cannot be read.</exception>
    internal static SyncOptions ReadOptions(ParseResult p)
    {
        long? minSize = OptionRules.Parse(p, MinSize, ValueParsers.ParseSize);
        long? maxSize = OptionRules.Parse(p, MaxSize, ValueParsers.ParseSize);
        if (minSize > maxSize)
        {
            throw new ConfigurationException($"--min-size {minSize} is larger than --max-size {maxSize}: nothing would be selected");
        }

        TimeSpan? minAge = OptionRules.Parse(p, MinAge, ValueParsers.ParseDuration);
        TimeSpan? maxAge = OptionRules.Parse(p, MaxAge, ValueParsers.ParseDuration);
        if (minAge > maxAge)
        {
            throw new ConfigurationException($"--min-age {p.GetValue(MinAge)} is longer than --max-age {p.GetValue(MaxAge)}: nothing would be selected");
        }

        DateTimeOffset? startTime = OptionRules.Parse(p, StartTime, ValueParsers.ParseTime);
        DateTimeOffset? endTime = OptionRules.Parse(p, EndTime, ValueParsers.ParseTime);
        if (startTime > endTime)
        {
            throw new ConfigurationException($"--start-time {p.GetValue(StartTime)} is after --end-time {p.GetValue(EndTime)}: nothing would be selected");
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
            DeleteSrcAfter = p.GetValue(DeleteSrcAfter),
            DeleteDst = p.GetValue(DeleteDst),
            InPlace = p.GetValue(InPlace),
            Dirs = p.GetValue(Dirs),
            Perms = p.GetValue(Perms),
            Links = p.GetValue(Links),
            DryRun = p.GetValue(Dry),
            MinSize = minSize,
            MaxSize = maxSize,
            MinAge = minAge,
            MaxAge = maxAge,
            StartTime = startTime,
            EndTime = endTime,
            Start = p.GetValue(Start),
            End = p.GetValue(End),
            Limit = p.GetValue(Limit),
            Threads = p.GetValue(Threads),
            ListThreads = p.GetValue(ListThreads),
            ListDepth = p.GetValue(ListDepth),
            BwLimit = p.GetValue(BwLimit),
            MaxDelete = p.GetValue(MaxDelete) is { } maxDelete ? MaxDeleteValue(maxDelete) : null,
            MaxFailures = p.GetValue(MaxFailure),
            Filters = OrderedRules(p),
            MatchFullPath = p.GetValue(MatchFullPath),
            FilesFrom = filesFrom is null ? null : ReadFilesFrom(filesFrom),
        };
    }

    /// <summary>The lines of the <c>--files-from</c> file.</summary>
    /// <exception cref="ConfigurationException">The file cannot be read.</exception>
    private static string[] ReadFilesFrom(string path)
    {
        try
        {
            return File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException($"--files-from {path}: {e.Message}", e);
        }
    }

    private static string MaxDeleteValue(string text)
    {
        try
        {
            return ValueParsers.ParseMaxDelete(text);
        }
        catch (FormatException e)
        {
            throw new ConfigurationException("--max-delete: " + e.Message, e);
        }
    }

    /// <summary>Refuses a missing local SRC and a local DST inside SRC.</summary>
    private static void CheckLocalPaths(string src, string dst)
    {
        string? srcPath = LocalStorageProvider.LocalPathOf(src);
        if (srcPath is null)
        {
            return;
        }

        if (srcPath.EndsWith('/'))
        {
            if (!Directory.Exists(srcPath))
            {
                throw new ConfigurationException($"SRC {srcPath} does not exist or is not a directory");
            }
        }
        else
        {
            string parent = Path.GetDirectoryName(srcPath) ?? "/";
            string name = Path.GetFileName(srcPath);
            if (!Directory.Exists(parent) || (!Path.Exists(srcPath) && !Directory.EnumerateFileSystemEntries(parent, name + "*").Any()))
            {
                throw new ConfigurationException($"SRC {srcPath} does not exist");
            }
        }

        string? dstPath = LocalStorageProvider.LocalPathOf(dst);
        if (dstPath is null)
        {
            return;
        }

        string srcDir = srcPath.EndsWith('/') ? srcPath : srcPath + "/";
        string dstDir = dstPath.EndsWith('/') ? dstPath : dstPath + "/";
        if (dstDir.StartsWith(srcDir, StringComparison.Ordinal))
        {
            throw new ConfigurationException($"DST {dstPath} is inside SRC {srcPath}");
        }

        if (!srcPath.EndsWith('/') && dstPath.StartsWith(srcPath, StringComparison.Ordinal))
        {
            throw new ConfigurationException($"DST {dstPath} starts with the SRC prefix {srcPath}: its keys would be copied into themselves");
        }
    }

    /// <summary>The <c>--json</c> summary; <c>failedTasks</c> names each failed range task (and a failed scan) with its range and reason.</summary>
    private sealed record Summary(bool Success, string? Reason, long Scanned, long ScannedBytes, long Copied, long CopiedBytes, long Checked,
        long Skipped, long SkippedBytes, long Deleted, long Excluded, long Extra, long Failed, IReadOnlyList<FailedTaskSummary> FailedTasks, double ElapsedSeconds)
    {
        public Summary(SyncResult r)
            : this(r.Outcome == SyncOutcome.Succeeded, r.Reason, r.Counters.Scanned, r.Counters.ScannedBytes, r.Counters.Copied, r.Counters.CopiedBytes,
                r.Counters.Checked, r.Counters.Skipped, r.Counters.SkippedBytes, r.Counters.Deleted, r.Counters.Excluded, r.Counters.Extra,
                r.Counters.Failed, r.FailedTasks.Select(t => new FailedTaskSummary(t.Range.ToString(), t.Range.Start, t.Range.End, t.Reason)).ToArray(),
                Math.Round(r.Elapsed.TotalSeconds, 3))
        {
        }
    }

    /// <summary>One failed task in <c>--json</c>: the range as text (<c>[start, end)</c>), its bounds (end <see langword="null"/>: unbounded) and the reason.</summary>
    private sealed record FailedTaskSummary(string Range, string Start, string? End, string Reason);
}
