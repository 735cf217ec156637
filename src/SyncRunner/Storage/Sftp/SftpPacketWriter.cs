using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Ferry.SyncRunner.Storage.Sftp;

/// <summary>Builds one SFTP packet (uint32 length, byte type, payload) in a pooled buffer.</summary>
internal sealed class SftpPacketWriter : IDisposable
{
    private byte[] _buffer;
    private int _length;
    private int _reservedAt = -1;

    public SftpPacketWriter(SftpPacketType type, int capacity = 256)
    {
        _buffer = SftpBuffers.Pool.Rent(Math.Max(capacity, 64));
        _length = 4;
        WriteByte((byte)type);
    }

    /// <summary>
    /// Bytes that follow <see cref="Packet"/> on the wire straight from a local file (a WRITE's data), counted in the
    /// length prefix; <see langword="null"/> when the packet is all in this buffer.
    /// </summary>
    public SftpFileSplice? Tail { get; set; }

    /// <summary>The finished packet (without <see cref="Tail"/>), with its length prefix filled in.</summary>
    public ReadOnlyMemory<byte> Packet
    {
        get
        {
            BinaryPrimitives.WriteUInt32BigEndian(_buffer, (uint)(_length - 4 + (Tail?.Length ?? 0)));
            return _buffer.AsMemory(0, _length);
        }
    }

    public void WriteByte(byte value)
    {
        Ensure(1);
        _buffer[_length++] = value;
    }

    public void WriteUInt32(uint value)
    {
        Ensure(4);
        BinaryPrimitives.WriteUInt32BigEndian(_buffer.AsSpan(_length), value);
        _length += 4;
    }

    public void WriteUInt64(ulong value)
    {
        Ensure(8);
        BinaryPrimitives.WriteUInt64BigEndian(_buffer.AsSpan(_length), value);
        _length += 8;
    }

    /// <summary>Writes an SSH string: uint32 length and the bytes.</summary>
    public void WriteBytes(ReadOnlySpan<byte> value)
    {
        WriteUInt32((uint)value.Length);
        Ensure(value.Length);
        value.CopyTo(_buffer.AsSpan(_length));
        _length += value.Length;
    }

    /// <summary>
    /// Starts an SSH string of at most <paramref name="maxLength"/> bytes whose bytes the caller fills in place (no
    /// copy through a buffer of its own); <see cref="CommitBytes"/> ends it. Nothing may be written in between.
    /// </summary>
    /// <returns>The space for the bytes, valid until the packet is disposed.</returns>
    public Memory<byte> ReserveBytes(int maxLength)
    {
        WriteUInt32(0);
        _reservedAt = _length - 4;
        Ensure(maxLength);
        return _buffer.AsMemory(_length, maxLength);
    }

    /// <summary>Ends the string <see cref="ReserveBytes"/> started: its first <paramref name="length"/> bytes count.</summary>
    /// <exception cref="InvalidOperationException">No string was reserved.</exception>
    public void CommitBytes(int length)
    {
        if (_reservedAt < 0)
        {
            throw new InvalidOperationException("No reserved string to commit.");
        }

        BinaryPrimitives.WriteUInt32BigEndian(_buffer.AsSpan(_reservedAt), (uint)length);
        _length += length;
        _reservedAt = -1;
    }

    /// <summary>Writes a string as UTF-8 (OpenSSH's filenames are UTF-8 bytes).</summary>
    public void WriteString(string value)
    {
        int n = Encoding.UTF8.GetByteCount(value);
        WriteUInt32((uint)n);
        Ensure(n);
        _length += Encoding.UTF8.GetBytes(value, _buffer.AsSpan(_length));
    }

    public void WriteAttributes(SftpAttributes attributes)
    {
        uint flags = 0;
        if (attributes.Size is not null)
        {
            flags |= SftpAttributes.FlagSize;
        }

        if (attributes.Uid is not null && attributes.Gid is not null)
        {
            flags |= SftpAttributes.FlagUidGid;
        }

        if (attributes.Permissions is not null)
        {
            flags |= SftpAttributes.FlagPermissions;
        }

        if (attributes.ModifiedTime is not null)
        {
            flags |= SftpAttributes.FlagACModTime;
        }

        WriteUInt32(flags);
        if (attributes.Size is { } size)
        {
            WriteUInt64(size);
        }

        if ((flags & SftpAttributes.FlagUidGid) != 0)
        {
            WriteUInt32(attributes.Uid!.Value);
            WriteUInt32(attributes.Gid!.Value);
        }

        if (attributes.Permissions is { } permissions)
        {
            WriteUInt32(permissions);
        }

        if (attributes.ModifiedTime is { } mtime)
        {
            WriteUInt32(attributes.AccessTime ?? mtime);
            WriteUInt32(mtime);
        }
    }

    public void Dispose()
    {
        byte[] buffer = _buffer;
        _buffer = [];
        if (buffer.Length > 0)
        {
            SftpBuffers.Pool.Return(buffer);
        }
    }

    private void Ensure(int extra)
    {
        if (_length + extra <= _buffer.Length)
        {
            return;
        }

        byte[] bigger = SftpBuffers.Pool.Rent(Math.Max(_buffer.Length * 2, _length + extra));
        _buffer.AsSpan(0, _length).CopyTo(bigger);
        SftpBuffers.Pool.Return(_buffer);
        _buffer = bigger;
    }
}
