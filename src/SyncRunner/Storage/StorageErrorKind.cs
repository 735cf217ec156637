namespace Ferry.SyncRunner.Storage;

/// <summary>Why a storage operation failed.</summary>
public enum StorageErrorKind
{
    /// <summary>Anything not covered below.</summary>
    Other,

    /// <summary>The key, bucket or path does not exist.</summary>
    NotFound,

    /// <summary>Credentials were refused or the caller lacks permission.</summary>
    AccessDenied,

    /// <summary>The request was invalid (bad key, bad range, not empty on directory delete).</summary>
    Invalid,

    /// <summary>A network or server failure that a retry may cure (5xx, throttling, reset connection).</summary>
    Transient,
}
