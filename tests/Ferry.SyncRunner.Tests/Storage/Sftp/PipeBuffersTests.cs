using System.Diagnostics;
using Ferry.SyncRunner.Storage.Sftp;

namespace Ferry.SyncRunner.Tests.Storage.Sftp;

public sealed class PipeBuffersTests
{
    [Fact]
    public void Enlarge_PipeToChild_GrowsKernelBufferToOneMiB()
    {
        using Process cat = Process.Start(new ProcessStartInfo("cat") { RedirectStandardInput = true, RedirectStandardOutput = true })!;
        try
        {
            Stream input = cat.StandardInput.BaseStream;
            Assert.Equal(64 * 1024, PipeBuffers.SizeOf(input)); // Linux default
            PipeBuffers.Enlarge(input);
            Assert.Equal(1024 * 1024, PipeBuffers.SizeOf(input));
        }
        finally
        {
            cat.Kill();
            cat.WaitForExit();
        }
    }
}
