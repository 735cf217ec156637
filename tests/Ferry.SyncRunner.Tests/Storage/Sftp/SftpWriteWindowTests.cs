using System.Buffers.Binary;
using Ferry.SyncRunner.Storage.Sftp;

namespace Ferry.SyncRunner.Tests.Storage.Sftp;

public sealed class SftpWriteWindowTests
{
    private static readonly Exception Denied = new InvalidOperationException("write denied");

    [Fact]
    public void AcquireAsync_BelowDepth_CompletesAtOnceAndCounts()
    {
        using SftpWriteWindow window = Window(3);
        for (int i = 0; i < 3; i++)
        {
            Assert.True(window.AcquireAsync(default).IsCompletedSuccessfully);
        }

        Assert.Equal(3, window.InFlight);
        Assert.False(window.AcquireAsync(default).IsCompleted);
    }

    [Fact]
    public async Task AcquireAsync_WindowFull_WakesOnlyOnceHalfHasDrained()
    {
        using SftpWriteWindow window = await FullWindowAsync(8);

        Task waiting = window.AcquireAsync(default).AsTask();
        for (int i = 0; i < 3; i++)
        {
            window.OnReply(Status(0));
        }

        await Task.Delay(50);
        Assert.False(waiting.IsCompleted); // 5 still in flight: above half of 8

        window.OnReply(Status(0)); // 4 in flight: half drained
        await waiting.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(5, window.InFlight); // the 4 left plus the one just acquired
    }

    [Fact]
    public async Task OnReply_ErrorStatus_FailsTheNextAcquireAndTheDrain()
    {
        using SftpWriteWindow window = Window(4);
        await window.AcquireAsync(default);
        await window.AcquireAsync(default);
        window.OnReply(Status(4)); // SSH_FX_FAILURE
        window.OnReply(Status(0));

        Exception thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => window.AcquireAsync(default).AsTask());
        Assert.Same(Denied, thrown);
        Assert.Same(Denied, await window.DrainAsync());
    }

    [Fact]
    public async Task OnReply_ErrorWhileWriterWaits_WakesItAtOnce()
    {
        using SftpWriteWindow window = await FullWindowAsync(8);

        Task waiting = window.AcquireAsync(default).AsTask();
        window.OnReply(Status(4));
        await Assert.ThrowsAsync<InvalidOperationException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task DrainAsync_WaitsForEveryReplyOrSessionFailure()
    {
        using SftpWriteWindow window = Window(4);
        for (int i = 0; i < 3; i++)
        {
            await window.AcquireAsync(default);
        }

        Task<Exception?> drain = window.DrainAsync();
        window.OnReply(Status(0));
        window.OnReply(Status(0));
        await Task.Delay(50);
        Assert.False(drain.IsCompleted);

        var lost = new IOException("session lost");
        window.OnFailed(lost);
        Assert.Same(lost, await drain.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(0, window.InFlight);
    }

    [Fact]
    public async Task Release_UnsentSlot_IsGivenBackWithoutError()
    {
        using SftpWriteWindow window = Window(1);
        await window.AcquireAsync(default);
        window.Release();
        Assert.Equal(0, window.InFlight);
        Assert.Null(await window.DrainAsync());
        Assert.True(window.AcquireAsync(default).IsCompletedSuccessfully);
    }

    [Fact]
    public async Task AcquireAsync_Cancelled_ThrowsWithoutTakingASlot()
    {
        using SftpWriteWindow window = Window(1);
        await window.AcquireAsync(default);
        using var cancel = new CancellationTokenSource();
        Task waiting = window.AcquireAsync(cancel.Token).AsTask();
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.Equal(1, window.InFlight);
    }

    [Fact]
    public async Task AcquireAsync_DepthShrinksWhileRunning_UsesTheNewDepth()
    {
        int depth = 4;
        using var window = new SftpWriteWindow(() => depth, Check, () => { });
        await window.AcquireAsync(default);
        await window.AcquireAsync(default);
        depth = 2; // another file joined the session
        Assert.False(window.AcquireAsync(default).IsCompleted);
    }

    [Fact]
    public void Dispose_CallsClosedOnce()
    {
        int closed = 0;
        var window = new SftpWriteWindow(() => 1, Check, () => closed++);
        window.Dispose();
        window.Dispose();
        Assert.Equal(1, closed);
    }

    private static SftpWriteWindow Window(int depth) => new(() => depth, Check, () => { });

    /// <summary>A window of <paramref name="depth"/> with every slot taken.</summary>
    private static async Task<SftpWriteWindow> FullWindowAsync(int depth)
    {
        SftpWriteWindow window = Window(depth);
        for (int i = 0; i < depth; i++)
        {
            await window.AcquireAsync(default);
        }

        return window;
    }

    private static Exception? Check(SftpReply reply)
    {
        reply.ReadUInt32(); // request id
        return reply.ReadUInt32() == 0 ? null : Denied;
    }

    /// <summary>A STATUS reply body: type, id, code.</summary>
    private static SftpReply Status(uint code)
    {
        byte[] body = SftpBuffers.Pool.Rent(9); // the reply returns its buffer to this pool
        body[0] = (byte)SftpPacketType.Status;
        BinaryPrimitives.WriteUInt32BigEndian(body.AsSpan(1), 7);
        BinaryPrimitives.WriteUInt32BigEndian(body.AsSpan(5), code);
        return new SftpReply(body, body.Length);
    }
}
