namespace Ferry.Operator.Hosting;

/// <summary>What <c>/readyz</c> reports: the caches have synced and leadership is decided (this replica leads, another
/// one was seen leading, or leader election is off).</summary>
internal sealed class HealthState
{
    private volatile bool _synced;
    private volatile bool _leadershipDecided;
    private volatile bool _leading;

    /// <summary>Whether the informers have listed once.</summary>
    public bool Synced { get => _synced; set => _synced = value; }

    /// <summary>Whether this replica knows who leads.</summary>
    public bool LeadershipDecided { get => _leadershipDecided; set => _leadershipDecided = value; }

    /// <summary>Whether this replica reconciles.</summary>
    public bool Leading { get => _leading; set => _leading = value; }

    /// <summary>Whether <c>/readyz</c> answers 200.</summary>
    public bool Ready => Synced && LeadershipDecided;
}
