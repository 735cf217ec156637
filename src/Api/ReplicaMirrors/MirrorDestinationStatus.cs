using Ferry.Api.Common;
using Ferry.Api.Schema;
using Ferry.Api.SyncJobs;

namespace Ferry.Api.ReplicaMirrors;

/// <summary>The state of one destination of a <see cref="ReplicaMirror"/>.</summary>
public sealed class MirrorDestinationStatus
{
    /// <summary>The destination's name from the spec.</summary>
    [Length(1, 32), Pattern(SchemaPatterns.DnsLabel)]
    public required string Name { get; set; }

    /// <summary>The name of the destination's current or most recent child SyncJob.</summary>
    [Length(1, 253)]
    public string? SyncJob { get; set; }

    /// <summary>The phase of that SyncJob.</summary>
    public SyncJobPhase? Phase { get; set; }

    /// <summary>How the destination's last finished run ended: Succeeded or Failed.</summary>
    public SyncResult? LastSyncResult { get; set; }

    /// <summary>When the destination's last finished run ended.</summary>
    [Format("date-time")]
    public DateTimeOffset? LastSyncTime { get; set; }

    /// <summary>When a run last succeeded for this destination; the mirror's data is at least this fresh.</summary>
    [Format("date-time")]
    public DateTimeOffset? LastSuccessfulSyncTime { get; set; }

    /// <summary>The last error of the destination's runs, for people; never contains credentials.</summary>
    [Length(0, 4096)]
    public string? LastError { get; set; }
}
