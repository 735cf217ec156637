namespace Ferry.SyncRunner.Storage;

/// <summary>
/// Implemented by a stream from <see cref="IObjectStorage.OpenReadAsync"/> that learned the object's metadata from
/// the read itself (an S3 GET response carries the stored mtime), so a copy needs no extra HEAD for it.
/// </summary>
public interface IObjectReadInfo
{
    /// <summary>The modification time <see cref="IObjectStorage.HeadAsync"/> would report for the object read, or
    /// <see langword="null"/> when the response did not say.</summary>
    DateTimeOffset? ModifiedTime { get; }
}
