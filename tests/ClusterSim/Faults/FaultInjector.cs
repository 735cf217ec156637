using System.Collections.Concurrent;

namespace Ferry.ClusterSim.Faults;

/// <summary>Faults the simulator injects into requests, changeable while it runs (thread-safe).</summary>
/// <remarks>All rates are fractions in [0, 1]; decisions come from a seeded random source so a test run is
/// repeatable for a given request order.</remarks>
public sealed class FaultInjector
{
    private readonly Lock _gate = new();
    private Random _random;
    private long _injectedConflicts;
    private long _droppedWatches;

    /// <summary>Creates an injector with no faults.</summary>
    /// <param name="seed">The seed of the random source.</param>
    public FaultInjector(int seed = 4242)
    {
        _random = new Random(seed);
    }

    /// <summary>Delay added before every request is served.</summary>
    /// <value>Zero.</value>
    public TimeSpan Latency { get; set; }

    /// <summary>Fraction of non-watch requests answered with 500 InternalError.</summary>
    /// <value>0.</value>
    public double ServerErrorRate { get; set; }

    /// <summary>Per resource (plural, e.g. <c>leases</c>, or <c>plural.group</c>): the fraction of updates
    /// (PUT and PATCH) answered with 409 Conflict without being applied.</summary>
    /// <value>Empty.</value>
    public ConcurrentDictionary<string, double> ConflictRates { get; } = new(StringComparer.Ordinal);

    /// <summary>When set, every watch stream is cut (connection aborted) after this long.</summary>
    /// <value>Null: watches end only by <c>timeoutSeconds</c> or the server's maximum.</value>
    public TimeSpan? DropWatchesAfter { get; set; }

    /// <summary>How many updates were answered with an injected 409 Conflict so far.</summary>
    public long InjectedConflicts => Interlocked.Read(ref _injectedConflicts);

    /// <summary>How many watch streams were cut by <see cref="DropWatchesAfter"/> or
    /// <see cref="ClusterSimulator.DropWatches"/> so far.</summary>
    public long DroppedWatches => Interlocked.Read(ref _droppedWatches);

    /// <summary>Reseeds the random source.</summary>
    public void Reseed(int seed)
    {
        lock (_gate)
        {
            _random = new Random(seed);
        }
    }

    /// <summary>Removes all faults.</summary>
    public void Clear()
    {
        Latency = TimeSpan.Zero;
        ServerErrorRate = 0;
        ConflictRates.Clear();
        DropWatchesAfter = null;
    }

    internal bool Roll(double rate)
    {
        if (rate <= 0)
        {
            return false;
        }

        lock (_gate)
        {
            return _random.NextDouble() < rate;
        }
    }

    internal bool ShouldConflict(string plural, string group)
    {
        if ((ConflictRates.TryGetValue(plural, out double rate) || ConflictRates.TryGetValue($"{plural}.{group}", out rate)) && Roll(rate))
        {
            Interlocked.Increment(ref _injectedConflicts);
            return true;
        }

        return false;
    }

    internal void RecordDroppedWatch() => Interlocked.Increment(ref _droppedWatches);
}
