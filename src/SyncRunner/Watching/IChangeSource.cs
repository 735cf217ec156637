namespace Ferry.SyncRunner.Watching;

/// <summary>Reports changed paths of a source as they happen (for a local directory: <see cref="FileSystemChangeSource"/>).</summary>
/// <remarks>Implementations call their change callback from any thread, and never block long in it.</remarks>
internal interface IChangeSource : IDisposable
{
    /// <summary>What is watched, for messages.</summary>
    string Description { get; }

    /// <summary>Starts reporting changes.</summary>
    /// <exception cref="IOException">The source cannot be watched at all (e.g. the inotify instance limit).</exception>
    void Start();

    /// <summary>Stops and starts again, e.g. after an overflow stopped the events.</summary>
    /// <exception cref="IOException">The source cannot be watched any more.</exception>
    void Restart();
}
