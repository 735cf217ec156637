using Microsoft.Win32.SafeHandles;

namespace Ferry.SyncRunner.Storage.Sftp;

/// <summary>
/// The data of a WRITE request that follows its packet's header straight from a local file: <paramref name="Length"/>
/// bytes at <paramref name="Offset"/> of <paramref name="Source"/>, moved into the pipe to ssh by the kernel
/// (<see cref="FileSplice"/>). If the file cannot supply them all, the request is padded to its declared length (the
/// stream to ssh must stay in step) and <paramref name="Window"/> is told, so the upload fails.
/// </summary>
internal sealed record SftpFileSplice(SafeFileHandle Source, long Offset, int Length, SftpWriteWindow Window);
