namespace Ferry.Api.Sync;

/// <summary>The defaults and bounds of the sync options, defined once: the CRD schema (<see cref="SyncOptionsSpec"/>'s
/// attributes), the <c>ferry sync</c> command line (its defaults, shown by <c>--help</c>, and its range checks, which
/// refuse a value outside them with exit code 2 and the option's name), the engine's option defaults and the operator's
/// runner Job all read them.</summary>
/// <remarks>Defaults follow <c>juicefs sync</c> where it has the option (<c>--threads 10</c>, <c>--list-threads 1</c>,
/// <c>--list-depth 1</c>, <c>--max-failure -1</c>, <c>--limit -1</c>, <c>--checkpoint-interval 10s</c>; juicefs 1.3
/// command reference and <c>cmd/sync.go</c>); the task sizes and the pod counts are Ferry's own. The upper bounds only
/// catch values no run can mean (a million copy threads would exhaust memory before the first copy).</remarks>
public static class SyncOptionLimits
{
    /// <summary>Runner pods of one run by default (<c>workers</c>, the runner Job's <c>parallelism</c>; <c>ferry run
    /// --workers</c> takes <c>spec.workers</c>).</summary>
    public const int DefaultWorkers = 1;

    /// <summary>The most runner pods (or <c>ferry run --workers</c>) of one run.</summary>
    public const int MaxWorkers = 1000;

    /// <summary>Concurrent copy operations per process by default (<c>--threads</c>, <c>threads</c>).</summary>
    public const int DefaultThreads = 10;

    /// <summary>The most concurrent copy operations per process.</summary>
    public const int MaxThreads = 1024;

    /// <summary>Concurrent listers per process by default (<c>--list-threads</c>, <c>listThreads</c>).</summary>
    public const int DefaultListThreads = 1;

    /// <summary>The most concurrent listers per process.</summary>
    public const int MaxListThreads = 1024;

    /// <summary>Directory levels listed in parallel by default (<c>--list-depth</c>, <c>listDepth</c>).</summary>
    public const int DefaultListDepth = 1;

    /// <summary>The fewest directory levels: 0 lists no level in parallel and cuts the key space by count instead
    /// (<see cref="DefaultTaskObjects"/>, <see cref="DefaultTaskBytes"/>).</summary>
    public const int MinListDepth = 0;

    /// <summary>The most directory levels listed in parallel.</summary>
    public const int MaxListDepth = 64;

    /// <summary>The highest bandwidth limit, in Mbit/s (100 Tbit/s): anything above is a typo. The default, 0, is no
    /// limit (<c>--bwlimit</c>, <c>bwLimit</c>).</summary>
    public const long MaxBwLimit = 100_000_000;

    /// <summary>Objects a run may see fail before it stops, by default: -1, no limit, as juicefs's <c>--max-failure
    /// -1</c> (<c>--max-failure</c>, <c>maxFailures</c>). 0 means no limit too; the least value is -1.</summary>
    public const long DefaultMaxFailures = -1;

    /// <summary>The least <c>--max-failure</c> / <c>maxFailures</c>: -1 (no limit).</summary>
    public const long MinMaxFailures = -1;

    /// <summary>Source keys a run processes at most, by default: -1, no limit (<c>--limit</c>; a SyncJob's absent
    /// <c>limit</c>). 0 processes nothing, as in juicefs.</summary>
    public const long DefaultLimit = -1;

    /// <summary>About how many source keys one range task covers when the scan cuts by count (<c>taskObjects</c>): the
    /// unit of work runner pods share and of checkpoints.</summary>
    public const int DefaultTaskObjects = 10_000;

    /// <summary>About how many source bytes one range task covers at most when the scan cuts by count
    /// (<c>taskBytes</c>), as the quantity the CRD shows: <c>8Gi</c>.</summary>
    public const string DefaultTaskBytesQuantity = "8Gi";

    /// <summary><see cref="DefaultTaskBytesQuantity"/> in bytes (8 GiB).</summary>
    public const long DefaultTaskBytes = 8L << 30;

    /// <summary>How many times failed runner pods are replaced by default (<c>backoffLimit</c>, the runner Job's
    /// <c>backoffLimit</c>; the Kubernetes Job's own default).</summary>
    public const int DefaultBackoffLimit = 6;

    /// <summary>The highest <c>backoffLimit</c>.</summary>
    public const int MaxBackoffLimit = 100;

    /// <summary>Seconds between two checkpoints of a local run by default (<c>--checkpoint-interval</c>).</summary>
    public const int DefaultCheckpointIntervalSeconds = 10;
}
