using System.Collections.Concurrent;
using System.IO.Pipes;
using System.Runtime.InteropServices;

namespace Ferry.SyncRunner.Storage.Sftp;

/// <summary>
/// The requests of one session on their way to ssh. Requests from every thread meet in one queue; whoever finds no
/// writer at work becomes it and sends all that is queued, small packets gathered into one pipe write (fewer system
/// calls here and fewer wake-ups of ssh, which then packs them into fewer SSH messages), WRITE data from local files
/// moved into the pipe by <c>splice</c>.
/// </summary>
/// <param name="input">ssh's stdin.</param>
/// <param name="displayName">The storage as messages name it.</param>
internal sealed class SftpOutbox(Stream input, string displayName)
{
    private const int BatchLength = 64 * 1024;
    private const int DirectWriteThreshold = 8 * 1024;

    private readonly ConcurrentQueue<SftpPacketWriter> _queue = new();
    private int _writing;
    private byte[]? _batch;
    private long _bytesSpliced;

    /// <summary>Whether packets can carry file data that the kernel moves into the pipe without a copy (Linux).</summary>
    public bool CanSplice => FileSplice.IsSupported && input is PipeStream;

    /// <summary>Bytes of WRITE data moved from local files into the pipe by <c>splice</c>, without a copy.</summary>
    public long BytesSpliced => Interlocked.Read(ref _bytesSpliced);

    /// <summary>Queues <paramref name="packet"/> (the outbox disposes it once written) and, when no other thread is
    /// writing, writes everything queued.</summary>
    /// <param name="packet">The request.</param>
    /// <exception cref="IOException">The pipe to ssh is broken: the session is lost, and every queued packet was
    /// dropped.</exception>
    public void Send(SftpPacketWriter packet)
    {
        _queue.Enqueue(packet);
        if (Interlocked.CompareExchange(ref _writing, 1, 0) == 0)
        {
            Drain();
        }
    }

    /// <summary>
    /// Writes queued packets to ssh until the queue is empty: packets up to <see cref="DirectWriteThreshold"/> bytes are
    /// gathered into one buffer per pipe write, larger ones (WRITE data) go out as they are, uncopied. Only the thread
    /// that set <see cref="_writing"/> runs this; it disposes every packet it takes.
    /// </summary>
    /// <remarks>
    /// The writes block: a pipe has no asynchronous writes on Unix, and
    /// <see cref="Stream.WriteAsync(ReadOnlyMemory{byte}, CancellationToken)"/> would only run the same blocking
    /// write as a thread-pool work item, one more hand-over per packet. At most one thread per session waits here,
    /// and only while ssh's pipe (1 MiB, <see cref="PipeBuffers"/>) is full.
    /// </remarks>
    private void Drain()
    {
        try
        {
            while (true)
            {
                byte[] batch = _batch ??= new byte[BatchLength];
                int used = 0;
                while (_queue.TryDequeue(out SftpPacketWriter? packet))
                {
                    using (packet)
                    {
                        ReadOnlyMemory<byte> data = packet.Packet;
                        if (packet.Tail is { } tail)
                        {
                            if (used > 0)
                            {
                                input.Write(batch, 0, used);
                                used = 0;
                            }

                            input.Write(data.Span);
                            WriteTail(tail);
                            continue;
                        }

                        if (data.Length > DirectWriteThreshold || data.Length > batch.Length - used)
                        {
                            if (used > 0)
                            {
                                input.Write(batch, 0, used);
                                used = 0;
                            }

                            if (data.Length > DirectWriteThreshold)
                            {
                                input.Write(data.Span);
                                continue;
                            }
                        }

                        data.Span.CopyTo(batch.AsSpan(used));
                        used += data.Length;
                    }
                }

                if (used > 0)
                {
                    input.Write(batch, 0, used);
                }

                input.Flush();
                Volatile.Write(ref _writing, 0);

                // A packet queued after the last TryDequeue but before the flag was cleared has no writer yet.
                if (_queue.IsEmpty || Interlocked.CompareExchange(ref _writing, 1, 0) != 0)
                {
                    return;
                }
            }
        }
        catch
        {
            // The session is lost (the caller fails it); packets still queued are never sent.
            while (_queue.TryDequeue(out SftpPacketWriter? dropped))
            {
                dropped.Dispose();
            }

            Volatile.Write(ref _writing, 0);
            throw;
        }
    }

    /// <summary>
    /// Writes a WRITE's data from its file into the pipe: by <c>splice</c>, or through a buffer where the file cannot
    /// be spliced. A file that ends early or fails to read is padded with zeros to the declared length, so the stream
    /// to ssh stays in step, and its upload is failed through the window.
    /// </summary>
    /// <exception cref="IOException">The pipe to ssh is broken (the session is lost).</exception>
    private void WriteTail(SftpFileSplice tail)
    {
        var pipe = (PipeStream)input;
        long position = tail.Offset;
        int moved = 0;
        Exception? failure = null;
        bool pipeRef = false;
        bool fileRef = false;
        try
        {
            pipe.SafePipeHandle.DangerousAddRef(ref pipeRef);
            tail.Source.DangerousAddRef(ref fileRef);
            int pipeFd = (int)pipe.SafePipeHandle.DangerousGetHandle();
            int fileFd = (int)tail.Source.DangerousGetHandle();
            while (moved < tail.Length)
            {
                nint n = FileSplice.Move(fileFd, ref position, pipeFd, tail.Length - moved);
                if (n > 0)
                {
                    moved += (int)n;
                    Interlocked.Add(ref _bytesSpliced, n);
                    continue;
                }

                if (n == 0)
                {
                    break; // the file ended early
                }

                int errno = Marshal.GetLastPInvokeError();
                if (errno == FileSplice.Interrupted)
                {
                    continue;
                }

                if (errno == FileSplice.BrokenPipe)
                {
                    throw new IOException($"The pipe to ssh for {displayName} is broken.");
                }

                // This file or pipe cannot be spliced (EINVAL and the like): copy the rest through memory.
                (int copied, failure) = CopyTail(tail, position, tail.Length - moved);
                moved += copied;
                break;
            }
        }
        finally
        {
            if (fileRef)
            {
                tail.Source.DangerousRelease();
            }

            if (pipeRef)
            {
                pipe.SafePipeHandle.DangerousRelease();
            }
        }

        if (moved < tail.Length)
        {
            byte[] zeros = SftpBuffers.Pool.Rent(Math.Min(tail.Length - moved, 64 * 1024));
            Array.Clear(zeros);
            for (int left = tail.Length - moved; left > 0; left -= Math.Min(left, zeros.Length))
            {
                input.Write(zeros, 0, Math.Min(left, zeros.Length));
            }

            SftpBuffers.Pool.Return(zeros);
            tail.Window.Poison(new StorageException(
                StorageErrorKind.Invalid,
                $"A local file gave {moved} of {tail.Length} bytes at offset {tail.Offset} while being sent to {displayName}: it changed or could not be read.",
                failure));
        }
    }

    /// <summary>Copies up to <paramref name="count"/> bytes of the tail's file through memory; a failed file read ends it early (reported), a failed pipe write throws.</summary>
    private (int Copied, Exception? Failure) CopyTail(SftpFileSplice tail, long position, int count)
    {
        byte[] buffer = SftpBuffers.Pool.Rent(Math.Min(count, 64 * 1024));
        int copied = 0;
        try
        {
            while (copied < count)
            {
                int n;
                try
                {
                    n = RandomAccess.Read(tail.Source, buffer.AsSpan(0, Math.Min(count - copied, buffer.Length)), position + copied);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
                {
                    return (copied, e);
                }

                if (n == 0)
                {
                    break;
                }

                input.Write(buffer, 0, n);
                copied += n;
            }

            return (copied, null);
        }
        finally
        {
            SftpBuffers.Pool.Return(buffer);
        }
    }
}
