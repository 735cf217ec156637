namespace Ferry.Api.Sync;

/// <summary>The defaults and bounds of the numeric sync options, defined once: the CRD schema (<see cref="SyncOptionsSpec"/>'s
/// attributes), the <c>ferry sync</c> command line (which refuses a value outside them with exit code 2 and the option's
/// name) and the engine's defaults all read them.</summary>
/// <remarks>Defaults follow <c>juicefs sync</c> (<c>--threads 10</c>, <c>--list-threads 1</c>, <c>--list-depth 1</c>,
/// <c>--checkpoint-interval 10s</c>); the upper bounds only catch values no run can mean (a million copy threads would
/// exhaust memory before the first copy).</remarks>
public static class SyncOptionLimits
{
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

    /// <summary>The most directory levels listed in parallel.</summary>
    public const int MaxListDepth = 64;

    /// <summary>The highest bandwidth limit, in Mbit/s (100 Tbit/s): anything above is a typo.</summary>
    public const long MaxBwLimit = 100_000_000;

    /// <summary>Seconds between two checkpoints of a local run by default (<c>--checkpoint-interval</c>).</summary>
    public const int DefaultCheckpointIntervalSeconds = 10;
}
