namespace Ferry.SyncRunner.Storage.Sftp;

/// <summary>The bytes of an SSH_FXP_DATA reply, inside the reply's pooled buffer; dispose to return it.</summary>
internal sealed class SftpData(SftpReply reply, int offset, int count) : IDisposable
{
    public ReadOnlySpan<byte> Span => reply.Buffer.AsSpan(offset, count);

    public int Count => count;

    public void Dispose() => reply.Dispose();
}
