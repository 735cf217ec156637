namespace Ferry.SyncRunner.Storage.Sftp;

/// <summary>
/// A WRITE request being filled: its packet (header written, data space reserved), request id and the space for the
/// data. Disposing it returns the packet's buffer unless it was sent.
/// </summary>
internal sealed class SftpWriteRequest(SftpPacketWriter packet, uint id, Memory<byte> data) : IDisposable
{
    private SftpPacketWriter? _packet = packet;

    /// <summary>The request id.</summary>
    public uint Id { get; } = id;

    /// <summary>Where the data goes; its length is the most the request may carry.</summary>
    public Memory<byte> Data { get; } = data;

    /// <summary>Hands the packet over for sending; the request no longer owns it.</summary>
    /// <exception cref="ObjectDisposedException">The request was sent or disposed already.</exception>
    public SftpPacketWriter Detach()
    {
        SftpPacketWriter packet = _packet ?? throw new ObjectDisposedException(nameof(SftpWriteRequest));
        _packet = null;
        return packet;
    }

    public void Dispose()
    {
        _packet?.Dispose();
        _packet = null;
    }
}
