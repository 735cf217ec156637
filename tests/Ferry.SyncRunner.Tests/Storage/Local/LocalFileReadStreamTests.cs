using Ferry.SyncRunner.Storage.Local;
using Microsoft.Win32.SafeHandles;

namespace Ferry.SyncRunner.Tests.Storage.Local;

public sealed class LocalFileReadStreamTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), "ferry-lfrs-" + Guid.NewGuid().ToString("N"));

    public LocalFileReadStreamTests() => File.WriteAllBytes(_path, Enumerable.Range(0, 100).Select(i => (byte)i).ToArray());

    public void Dispose() => File.Delete(_path);

    [Fact]
    public async Task ReadAsync_Range_ReturnsItsBytesThenEnds()
    {
        await using var stream = new LocalFileReadStream(Open(), 10, 25);
        byte[] buffer = new byte[64];
        int n = await stream.ReadAsync(buffer);
        Assert.Equal(Enumerable.Range(10, 15).Select(i => (byte)i), buffer[..n]);
        Assert.Equal(0, await stream.ReadAsync(buffer));
        Assert.Equal(15, stream.Position);
        Assert.Equal(25, stream.FileOffset);
    }

    [Fact]
    public async Task ReadAsync_EndPastEndOfFile_StopsAtEndOfFile()
    {
        await using var stream = new LocalFileReadStream(Open(), 90, long.MaxValue);
        byte[] buffer = new byte[64];
        Assert.Equal(10, await stream.ReadAsync(buffer));
        Assert.Equal(0, await stream.ReadAsync(buffer));
    }

    [Fact]
    public async Task ReadAsync_CompletesSynchronously()
    {
        await using var stream = new LocalFileReadStream(Open(), 0, long.MaxValue);
        ValueTask<int> read = stream.ReadAsync(new byte[8]);
        Assert.True(read.IsCompletedSuccessfully);
        Assert.Equal(8, await read);
    }

    [Fact]
    public async Task ReadAsync_CancelledToken_IsCancelled()
    {
        await using var stream = new LocalFileReadStream(Open(), 0, long.MaxValue);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await stream.ReadAtLeastAsync(new byte[8], 8, cancellationToken: new CancellationToken(canceled: true)));
    }

    [Fact]
    public async Task Advance_BytesMovedByTheCaller_AreSkipped()
    {
        await using var stream = new LocalFileReadStream(Open(), 0, 50);
        stream.Advance(45);
        Assert.Equal(45, stream.FileOffset);
        byte[] buffer = new byte[64];
        int n = await stream.ReadAsync(buffer);
        Assert.Equal(new byte[] { 45, 46, 47, 48, 49 }, buffer[..n]);
    }

    [Fact]
    public void Dispose_ClosesTheHandle()
    {
        SafeFileHandle handle = Open();
        new LocalFileReadStream(handle, 0, 1).Dispose();
        Assert.True(handle.IsClosed);
    }

    private SafeFileHandle Open() => File.OpenHandle(_path);
}
