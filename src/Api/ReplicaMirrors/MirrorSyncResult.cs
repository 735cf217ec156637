namespace Ferry.Api.ReplicaMirrors;

/// <summary>How a mirror run ended.</summary>
public enum MirrorSyncResult
{
    /// <summary>Every destination's SyncJob succeeded.</summary>
    Succeeded,

    /// <summary>Some destinations succeeded and others failed.</summary>
    PartiallyFailed,

    /// <summary>Every destination's SyncJob failed.</summary>
    Failed,
}
