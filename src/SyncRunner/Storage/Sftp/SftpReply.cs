using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Ferry.SyncRunner.Storage.Sftp;

/// <summary>
/// One reply packet from the server in a pooled buffer, with a read cursor. The owner disposes it to
/// return the buffer.
/// </summary>
internal sealed class SftpReply : IDisposable
{
    private byte[] _buffer;
    private readonly int _length;
    private int _position;

    /// <summary>Wraps a packet body (type byte onwards, without the length prefix).</summary>
    public SftpReply(byte[] pooledBuffer, int length)
    {
        _buffer = pooledBuffer;
        _length = length;
        Type = (SftpPacketType)pooledBuffer[0];
        _position = 1;
    }

    public SftpPacketType Type { get; }

    public byte[] Buffer => _buffer;

    public int Position => _position;

    public int Remaining => _length - _position;

    public byte ReadByte()
    {
        Check(1);
        return _buffer[_position++];
    }

    public uint ReadUInt32()
    {
        Check(4);
        uint value = BinaryPrimitives.ReadUInt32BigEndian(_buffer.AsSpan(_position));
        _position += 4;
        return value;
    }

    public ulong ReadUInt64()
    {
        Check(8);
        ulong value = BinaryPrimitives.ReadUInt64BigEndian(_buffer.AsSpan(_position));
        _position += 8;
        return value;
    }

    /// <summary>Reads an SSH string and returns where its bytes lie in <see cref="Buffer"/>.</summary>
    public (int Offset, int Count) ReadBytesRange()
    {
        int n = checked((int)ReadUInt32());
        Check(n);
        int offset = _position;
        _position += n;
        return (offset, n);
    }

    public byte[] ReadBytes()
    {
        (int offset, int count) = ReadBytesRange();
        return _buffer.AsSpan(offset, count).ToArray();
    }

    public string ReadString()
    {
        (int offset, int count) = ReadBytesRange();
        return Encoding.UTF8.GetString(_buffer, offset, count);
    }

    public SftpAttributes ReadAttributes()
    {
        uint flags = ReadUInt32();
        ulong? size = (flags & SftpAttributes.FlagSize) != 0 ? ReadUInt64() : null;
        uint? uid = null, gid = null;
        if ((flags & SftpAttributes.FlagUidGid) != 0)
        {
            uid = ReadUInt32();
            gid = ReadUInt32();
        }

        uint? permissions = (flags & SftpAttributes.FlagPermissions) != 0 ? ReadUInt32() : null;
        uint? atime = null, mtime = null;
        if ((flags & SftpAttributes.FlagACModTime) != 0)
        {
            atime = ReadUInt32();
            mtime = ReadUInt32();
        }

        if ((flags & SftpAttributes.FlagExtended) != 0)
        {
            uint count = ReadUInt32();
            for (uint i = 0; i < count; i++)
            {
                ReadBytesRange();
                ReadBytesRange();
            }
        }

        return new SftpAttributes { Size = size, Uid = uid, Gid = gid, Permissions = permissions, AccessTime = atime, ModifiedTime = mtime };
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

    private void Check(int n)
    {
        if (n < 0 || _position + n > _length)
        {
            throw new InvalidDataException("Malformed SFTP reply: field runs past the end of the packet.");
        }
    }
}
