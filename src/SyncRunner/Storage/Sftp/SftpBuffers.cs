using System.Buffers;

namespace Ferry.SyncRunner.Storage.Sftp;

/// <summary>
/// The buffer pool for SFTP packets. A pipelined transfer holds dozens of ~64 KiB packets at once, more than
/// <see cref="ArrayPool{T}.Shared"/> keeps per core; the surplus would be fresh large-object-heap arrays and
/// gen-2 collections, so SFTP packets get a pool of their own sized for that.
/// </summary>
internal static class SftpBuffers
{
    public static ArrayPool<byte> Pool { get; } = ArrayPool<byte>.Create(maxArrayLength: 1024 * 1024, maxArraysPerBucket: 512);
}
