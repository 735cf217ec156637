using Microsoft.Win32.SafeHandles;

namespace Ferry.SyncRunner.Storage.Sftp;

/// <summary>The operations: one method per SFTP request (draft-ietf-secsh-filexfer-02, section 6), each reply decoded
/// into its result or a <see cref="SftpStatusException"/> naming the operation, the path and the server's message.</summary>
internal sealed partial class SftpChannel
{
    public async Task<byte[]> OpenAsync(string path, SftpOpenFlags flags, SftpAttributes attributes, CancellationToken cancellationToken)
    {
        var packet = _mux.Begin(SftpPacketType.Open, out uint id);
        packet.WriteString(path);
        packet.WriteUInt32((uint)flags);
        packet.WriteAttributes(attributes);
        return await ExpectHandleAsync(_mux.SendAsync(packet, id, cancellationToken), "open", path).ConfigureAwait(false);
    }

    public Task CloseAsync(byte[] handle, CancellationToken cancellationToken)
    {
        var packet = _mux.Begin(SftpPacketType.Close, out uint id);
        packet.WriteBytes(handle);
        return ExpectStatusAsync(_mux.SendAsync(packet, id, cancellationToken), "close", "handle");
    }

    /// <summary>Sends a READ; the reply owns a pooled buffer holding the data (<see langword="null"/> at end of file).</summary>
    public async Task<SftpData?> ReadAsync(byte[] handle, ulong offset, int length, CancellationToken cancellationToken)
    {
        var packet = _mux.Begin(SftpPacketType.Read, out uint id);
        packet.WriteBytes(handle);
        packet.WriteUInt64(offset);
        packet.WriteUInt32((uint)length);
        SftpReply reply = await _mux.SendAsync(packet, id, cancellationToken).ConfigureAwait(false);
        if (reply.Type == SftpPacketType.Data)
        {
            (int start, int count) = reply.ReadBytesRange();
            return new SftpData(reply, start, count);
        }

        using (reply)
        {
            SftpStatusCode code = ReadStatus(reply, out string message);
            if (code == SftpStatusCode.Eof)
            {
                return null;
            }

            throw StatusError(code, message, "read", "file");
        }
    }

    /// <summary>
    /// Starts a WRITE of at most <paramref name="maxLength"/> bytes at <paramref name="offset"/> whose data the caller
    /// reads straight into <see cref="SftpWriteRequest.Data"/>; send it with <see cref="PostWrite"/> or dispose it.
    /// </summary>
    public SftpWriteRequest BeginWrite(byte[] handle, ulong offset, int maxLength)
    {
        var packet = _mux.Begin(SftpPacketType.Write, out uint id, maxLength + handle.Length + 64);
        packet.WriteBytes(handle);
        packet.WriteUInt64(offset);
        return new SftpWriteRequest(packet, id, packet.ReserveBytes(maxLength));
    }

    public Task<SftpAttributes> StatAsync(string path, CancellationToken cancellationToken) =>
        PathAttributesAsync(SftpPacketType.Stat, path, cancellationToken);

    public Task<SftpAttributes> LStatAsync(string path, CancellationToken cancellationToken) =>
        PathAttributesAsync(SftpPacketType.LStat, path, cancellationToken);

    public async Task<SftpAttributes> FStatAsync(byte[] handle, CancellationToken cancellationToken)
    {
        var packet = _mux.Begin(SftpPacketType.FStat, out uint id);
        packet.WriteBytes(handle);
        return await ExpectAttributesAsync(_mux.SendAsync(packet, id, cancellationToken), "fstat", "handle").ConfigureAwait(false);
    }

    public Task SetStatAsync(string path, SftpAttributes attributes, CancellationToken cancellationToken)
    {
        var packet = _mux.Begin(SftpPacketType.SetStat, out uint id);
        packet.WriteString(path);
        packet.WriteAttributes(attributes);
        return ExpectStatusAsync(_mux.SendAsync(packet, id, cancellationToken), "setstat", path);
    }

    public Task<byte[]> OpenDirAsync(string path, CancellationToken cancellationToken)
    {
        var packet = _mux.Begin(SftpPacketType.OpenDir, out uint id);
        packet.WriteString(path);
        return ExpectHandleAsync(_mux.SendAsync(packet, id, cancellationToken), "opendir", path);
    }

    /// <summary>Reads the next batch of directory entries, or <see langword="null"/> at the end.</summary>
    public async Task<IReadOnlyList<SftpName>?> ReadDirAsync(byte[] handle, CancellationToken cancellationToken)
    {
        var packet = _mux.Begin(SftpPacketType.ReadDir, out uint id);
        packet.WriteBytes(handle);
        using SftpReply reply = await _mux.SendAsync(packet, id, cancellationToken).ConfigureAwait(false);
        if (reply.Type == SftpPacketType.Name)
        {
            return ReadNames(reply);
        }

        SftpStatusCode code = ReadStatus(reply, out string message);
        return code == SftpStatusCode.Eof ? null : throw StatusError(code, message, "readdir", "directory");
    }

    /// <summary>Reads a whole directory (without <c>.</c> and <c>..</c>).</summary>
    public async Task<List<SftpName>> ReadWholeDirectoryAsync(string path, CancellationToken cancellationToken)
    {
        byte[] handle = await OpenDirAsync(path, cancellationToken).ConfigureAwait(false);
        var names = new List<SftpName>();
        try
        {
            while (await ReadDirAsync(handle, cancellationToken).ConfigureAwait(false) is { } batch)
            {
                foreach (SftpName name in batch)
                {
                    if (name.FileName is not ("." or ".."))
                    {
                        names.Add(name);
                    }
                }
            }
        }
        finally
        {
            await CloseQuietlyAsync(handle).ConfigureAwait(false);
        }

        return names;
    }

    public Task RemoveAsync(string path, CancellationToken cancellationToken) => PathStatusAsync(SftpPacketType.Remove, "remove", path, cancellationToken);

    public Task MkDirAsync(string path, SftpAttributes attributes, CancellationToken cancellationToken)
    {
        var packet = _mux.Begin(SftpPacketType.MkDir, out uint id);
        packet.WriteString(path);
        packet.WriteAttributes(attributes);
        return ExpectStatusAsync(_mux.SendAsync(packet, id, cancellationToken), "mkdir", path);
    }

    public Task RmDirAsync(string path, CancellationToken cancellationToken) => PathStatusAsync(SftpPacketType.RmDir, "rmdir", path, cancellationToken);

    /// <summary>Renames; with <paramref name="replace"/> and posix-rename@openssh.com offered, an existing target is replaced atomically.</summary>
    public Task RenameAsync(string oldPath, string newPath, bool replace, CancellationToken cancellationToken)
    {
        SftpPacketWriter packet;
        uint id;
        if (replace && HasPosixRename)
        {
            packet = _mux.Begin(SftpPacketType.Extended, out id);
            packet.WriteString(PosixRename);
        }
        else
        {
            packet = _mux.Begin(SftpPacketType.Rename, out id);
        }

        packet.WriteString(oldPath);
        packet.WriteString(newPath);
        return ExpectStatusAsync(_mux.SendAsync(packet, id, cancellationToken), "rename", newPath);
    }

    public Task<string> ReadLinkAsync(string path, CancellationToken cancellationToken) =>
        PathNameAsync(SftpPacketType.ReadLink, "readlink", path, cancellationToken);

    /// <summary>Creates a symbolic link at <paramref name="linkPath"/> pointing to <paramref name="targetPath"/>.</summary>
    /// <remarks>
    /// The draft orders the fields linkpath, targetpath; OpenSSH's sftp-server reads them the other way round
    /// (its PROTOCOL file, "SSH_FXP_SYMLINK"), and every client sends them the OpenSSH way. So does this one.
    /// </remarks>
    public Task SymlinkAsync(string linkPath, string targetPath, CancellationToken cancellationToken)
    {
        var packet = _mux.Begin(SftpPacketType.Symlink, out uint id);
        packet.WriteString(targetPath);
        packet.WriteString(linkPath);
        return ExpectStatusAsync(_mux.SendAsync(packet, id, cancellationToken), "symlink", linkPath);
    }

    /// <summary>Canonicalises a path on the server (OpenSSH resolves symbolic links too).</summary>
    public Task<string> RealPathAsync(string path, CancellationToken cancellationToken) =>
        PathNameAsync(SftpPacketType.RealPath, "realpath", path, cancellationToken);

    /// <summary>Closes a handle, ignoring failures, also of a closed session (used on error and dispose paths).</summary>
    public async Task CloseQuietlyAsync(byte[] handle)
    {
        try
        {
            await CloseAsync(handle, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is StorageException or ObjectDisposedException or InvalidDataException)
        {
        }
    }

    /// <summary>
    /// Sends a WRITE begun with <see cref="BeginWrite"/> holding the first <paramref name="length"/> bytes of its
    /// data, for a slot already taken in <paramref name="window"/>, which receives its outcome.
    /// </summary>
    public void PostWrite(SftpWriteRequest request, int length, SftpWriteWindow window)
    {
        SftpPacketWriter packet = request.Detach();
        packet.CommitBytes(length);
        _mux.Post(packet, request.Id, window);
    }

    /// <summary>
    /// Sends a WRITE of <paramref name="length"/> bytes at <paramref name="offset"/> whose data is the bytes at
    /// <paramref name="sourceOffset"/> of the local file <paramref name="source"/>, moved into the pipe by the kernel
    /// when the request's turn comes, for a slot already taken in <paramref name="window"/>. The file must stay open
    /// until the window has drained. Needs <see cref="CanSplice"/>.
    /// </summary>
    public void PostSplicedWrite(byte[] handle, ulong offset, SafeFileHandle source, long sourceOffset, int length, SftpWriteWindow window)
    {
        var packet = _mux.Begin(SftpPacketType.Write, out uint id, handle.Length + 64);
        packet.WriteBytes(handle);
        packet.WriteUInt64(offset);
        packet.WriteUInt32((uint)length); // the data string's length; its bytes are the tail
        packet.Tail = new SftpFileSplice(source, sourceOffset, length, window);
        _mux.Post(packet, id, window);
    }

    /// <summary>
    /// Sends FSETSTAT (<paramref name="attributes"/>) and CLOSE for a file written through <paramref name="window"/>,
    /// counted in it: their outcomes join the WRITEs', so one <see cref="SftpWriteWindow.DrainAsync"/> tells all, with
    /// one wake-up instead of one per request. OpenSSH's server handles a session's requests in order, so the times are
    /// set after the last byte is written.
    /// </summary>
    public void PostFinish(byte[] handle, SftpAttributes attributes, SftpWriteWindow window)
    {
        var setStat = _mux.Begin(SftpPacketType.FSetStat, out uint setStatId);
        setStat.WriteBytes(handle);
        setStat.WriteAttributes(attributes);
        _mux.Post(setStat, setStatId, window.Track(reply => CheckStatus(reply, "fsetstat", "handle")));

        var close = _mux.Begin(SftpPacketType.Close, out uint closeId);
        close.WriteBytes(handle);
        _mux.Post(close, closeId, window.Track(reply => CheckStatus(reply, "close", "handle")));
    }

    private static SftpStatusCode ReadStatus(SftpReply reply, out string message)
    {
        if (reply.Type != SftpPacketType.Status)
        {
            throw new StorageException(StorageErrorKind.Other, $"Unexpected SFTP reply {reply.Type}.");
        }

        var code = (SftpStatusCode)reply.ReadUInt32();
        message = reply.Remaining >= 4 ? reply.ReadString() : "";
        return code;
    }

    private static List<SftpName> ReadNames(SftpReply reply)
    {
        uint count = reply.ReadUInt32();
        var names = new List<SftpName>((int)Math.Min(count, 1024));
        for (uint i = 0; i < count; i++)
        {
            string fileName = reply.ReadString();
            reply.ReadBytesRange(); // longname, for display only
            names.Add(new SftpName(fileName, reply.ReadAttributes()));
        }

        return names;
    }

    private Exception? CheckWriteStatus(SftpReply reply) => CheckStatus(reply, "write", "file");

    private Exception? CheckStatus(SftpReply reply, string operation, string path)
    {
        SftpStatusCode code = ReadStatus(reply, out string message);
        return code == SftpStatusCode.Ok ? null : StatusError(code, message, operation, path);
    }

    private StorageException StatusError(SftpStatusCode code, string message, string operation, string path) =>
        new SftpStatusException(code, $"SFTP {operation} '{path}' on {_displayName} failed: {(message.Length > 0 ? message : code.ToString())} ({code}).");

    private async Task ExpectStatusAsync(Task<SftpReply> request, string operation, string path)
    {
        using SftpReply reply = await request.ConfigureAwait(false);
        if (CheckStatus(reply, operation, path) is { } failed)
        {
            throw failed;
        }
    }

    private async Task<byte[]> ExpectHandleAsync(Task<SftpReply> request, string operation, string path)
    {
        using SftpReply reply = await request.ConfigureAwait(false);
        return reply.Type == SftpPacketType.Handle ? reply.ReadBytes() : throw NotTheReply(reply, operation, path);
    }

    private async Task<SftpAttributes> ExpectAttributesAsync(Task<SftpReply> request, string operation, string path)
    {
        using SftpReply reply = await request.ConfigureAwait(false);
        return reply.Type == SftpPacketType.Attrs ? reply.ReadAttributes() : throw NotTheReply(reply, operation, path);
    }

    private async Task<string> ExpectSingleNameAsync(Task<SftpReply> request, string operation, string path)
    {
        using SftpReply reply = await request.ConfigureAwait(false);
        if (reply.Type == SftpPacketType.Name)
        {
            List<SftpName> names = ReadNames(reply);
            if (names.Count == 1)
            {
                return names[0].FileName;
            }
        }
        else
        {
            throw NotTheReply(reply, operation, path);
        }

        throw StatusError(SftpStatusCode.BadMessage, "expected one name", operation, path);
    }

    /// <summary>The error a STATUS reply in place of the data a request asked for stands for (an OK status there is a
    /// malformed reply).</summary>
    private StorageException NotTheReply(SftpReply reply, string operation, string path)
    {
        SftpStatusCode code = ReadStatus(reply, out string message);
        return StatusError(code == SftpStatusCode.Ok ? SftpStatusCode.BadMessage : code, message, operation, path);
    }

    private Task<SftpAttributes> PathAttributesAsync(SftpPacketType type, string path, CancellationToken cancellationToken)
    {
        var packet = _mux.Begin(type, out uint id);
        packet.WriteString(path);
        return ExpectAttributesAsync(_mux.SendAsync(packet, id, cancellationToken), type == SftpPacketType.Stat ? "stat" : "lstat", path);
    }

    private Task<string> PathNameAsync(SftpPacketType type, string operation, string path, CancellationToken cancellationToken)
    {
        var packet = _mux.Begin(type, out uint id);
        packet.WriteString(path);
        return ExpectSingleNameAsync(_mux.SendAsync(packet, id, cancellationToken), operation, path);
    }

    private Task PathStatusAsync(SftpPacketType type, string operation, string path, CancellationToken cancellationToken)
    {
        var packet = _mux.Begin(type, out uint id);
        packet.WriteString(path);
        return ExpectStatusAsync(_mux.SendAsync(packet, id, cancellationToken), operation, path);
    }
}
