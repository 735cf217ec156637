using Microsoft.Win32.SafeHandles;

namespace Ferry.SyncRunner.Storage.Local;

/// <summary>
/// A stream that reads an open local file, exposing the file itself so that a destination can move its bytes
/// without reading them into memory (Linux <c>splice</c> into the pipe to ssh, <see cref="Sftp.SftpChannel"/>).
/// </summary>
internal interface ILocalFileRegion
{
    /// <summary>The open file; owned by the stream.</summary>
    SafeFileHandle Handle { get; }

    /// <summary>Where in the file the stream's next byte is, in bytes from the file's start.</summary>
    long FileOffset { get; }

    /// <summary>Marks <paramref name="count"/> bytes as consumed by the caller, who moved them by other means.</summary>
    void Advance(long count);
}
