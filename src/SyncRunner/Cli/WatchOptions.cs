using System.CommandLine;
using Ferry.Api;
using Ferry.Api.ReplicaMirrors;
using Ferry.SyncRunner.Watching;

namespace Ferry.SyncRunner.Cli;

/// <summary>The <c>--watch</c> options of <c>ferry sync</c>; defaults are <see cref="ContinuousSpec"/>'s, the same as a
/// continuous ReplicaMirror's.</summary>
internal static class WatchOptions
{
    /// <summary><c>--watch</c>.</summary>
    public static readonly Option<bool> Watch = new("--watch")
    {
        Description = "After the first sync, keep SRC and DST in sync: a local SRC is watched for changes (inotify), which are gathered for "
            + "--watch-delay (or until --watch-max-batch keys are pending) and synced with the same rules; lost events (an overflow, an "
            + "unwatchable directory) are reported and followed by a full sync, at most one per --watch-delay; a full sync also runs every "
            + "--full-sync-interval. An S3 or SFTP SRC has no events: the sync repeats every --watch-interval. Stop with Ctrl-C (SIGINT) or "
            + "SIGTERM: the batch in flight finishes, a second signal aborts it.",
    };

    /// <summary><c>--watch-delay</c>.</summary>
    public static readonly Option<string> Delay = new("--watch-delay")
    {
        Description = "With --watch: how long changes are gathered before they are synced (lsyncd's delay).",
        HelpName = "DURATION",
        DefaultValueFactory = _ => ContinuousSpec.DefaultDelay,
    };

    /// <summary><c>--watch-max-batch</c>.</summary>
    public static readonly Option<int> MaxBatch = new Option<int>("--watch-max-batch")
    {
        Description = "With --watch: sync as soon as N changed keys are pending, and at most N at a time (lsyncd's maxDelays).",
        HelpName = "N",
        DefaultValueFactory = _ => ContinuousSpec.DefaultMaxBatch,
    }.Within(ContinuousSpec.MinMaxBatch, ContinuousSpec.MaxMaxBatch);

    /// <summary><c>--full-sync-interval</c>.</summary>
    public static readonly Option<string> FullSyncInterval = new("--full-sync-interval")
    {
        Description = "With --watch: run a full sync this often, to catch what events cannot show (0 disables).",
        HelpName = "DURATION",
        DefaultValueFactory = _ => ContinuousSpec.DefaultFullSyncInterval,
    };

    /// <summary><c>--watch-interval</c>.</summary>
    public static readonly Option<string> Interval = new("--watch-interval")
    {
        Description = "With --watch and an S3 or SFTP SRC (no change events): repeat the sync this often.",
        HelpName = "DURATION",
        DefaultValueFactory = _ => WatchSettings.DefaultWatchIntervalText,
    };

    /// <summary><c>--watch-max-pending</c>.</summary>
    public static readonly Option<int> MaxPending = new Option<int>("--watch-max-pending")
    {
        Description = "With --watch: the most changes held in memory; beyond, they are dropped and a full sync follows.",
        HelpName = "N",
        DefaultValueFactory = _ => ContinuousSpec.DefaultMaxPending,
    }.Within(1, int.MaxValue);

    /// <summary>Every option, in help order.</summary>
    public static IReadOnlyList<Option> All { get; } = [Watch, Delay, MaxBatch, FullSyncInterval, Interval, MaxPending];

    /// <summary>The watch settings of the command line.</summary>
    /// <param name="p">The parse result.</param>
    /// <returns>The settings, or <see langword="null"/> without <c>--watch</c>.</returns>
    /// <exception cref="ConfigurationException">A duration is malformed or out of range, a <c>--watch-*</c> option is given
    /// without <c>--watch</c>, or <c>--watch</c> is combined with <c>--enable-checkpoint</c> (the message names the
    /// option). The numeric options' bounds are checked while parsing.</exception>
    public static WatchSettings? Read(ParseResult p)
    {
        if (!p.GetValue(Watch))
        {
            if (All.Skip(1).FirstOrDefault(o => p.GetResult(o) is { Implicit: false }) is { } stray)
            {
                throw new ConfigurationException($"{stray.Name} needs --watch");
            }

            return null;
        }

        TimeSpan delay = Duration(p, Delay);
        TimeSpan full = Duration(p, FullSyncInterval);
        TimeSpan interval = Duration(p, Interval);
        int maxBatch = p.GetValue(MaxBatch);
        int maxPending = p.GetValue(MaxPending);
        if (delay <= TimeSpan.Zero)
        {
            throw new ConfigurationException($"--watch-delay must be more than 0 (got {p.GetValue(Delay)})");
        }

        if (interval < TimeSpan.FromSeconds(1))
        {
            throw new ConfigurationException($"--watch-interval must be at least 1s (got {p.GetValue(Interval)})");
        }

        return new WatchSettings { Delay = delay, MaxBatch = maxBatch, FullSyncInterval = full, WatchInterval = interval, MaxPending = maxPending };
    }

    private static TimeSpan Duration(ParseResult p, Option<string> option)
    {
        try
        {
            return ValueParsers.ParseDuration(p.GetValue(option)!);
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
        {
            throw new ConfigurationException($"{option.Name}: {e.Message}", e);
        }
    }
}
