namespace Ferry.SyncRunner.Storage;

/// <summary>
/// A storage operation failed: the store said no, or talking to it failed. Messages name the key and
/// the location's <see cref="IObjectStorage.DisplayName"/>, never a credential.
/// </summary>
public class StorageException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="kind">Why the operation failed.</param>
    /// <param name="message">What failed, naming the key and location (no secrets).</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public StorageException(StorageErrorKind kind, string message, Exception? innerException = null)
        : base(message, innerException) => Kind = kind;

    /// <summary>Why the operation failed.</summary>
    public StorageErrorKind Kind { get; }

    /// <summary>Whether repeating the operation may succeed (<see cref="StorageErrorKind.Transient"/>).</summary>
    public bool IsTransient => Kind == StorageErrorKind.Transient;
}
