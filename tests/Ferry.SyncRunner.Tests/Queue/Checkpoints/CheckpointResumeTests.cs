using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using Ferry.SyncRunner.Cli;
using Ferry.SyncRunner.Execution;
using Ferry.SyncRunner.Planning;
using Ferry.SyncRunner.Queue;
using Ferry.SyncRunner.Queue.Checkpoints;
using Ferry.SyncRunner.Storage;
using Ferry.SyncRunner.Storage.Local;
using Ferry.SyncRunner.Tests.Support;

namespace Ferry.SyncRunner.Tests.Queue.Checkpoints;

/// <summary><c>--enable-checkpoint</c>: a run killed mid-copy resumes after its last finished key, says so, lists no
/// finished range again, and ends with the counts of an uninterrupted run; a checkpoint of another sync is refused.</summary>
public class CheckpointResumeTests
{
    [Fact]
    public async Task Sync_SigkilledMidCopy_ResumesAfterTheLastFinishedKeyWithTheCountsOfAnUninterruptedRun()
    {
        using var src = new TempDirectory();
        using var dst = new TempDirectory();
        for (int i = 0; i < 3000; i++)
        {
            src.Write($"k{i:D4}", $"file {i}");
        }

        // k1024 is a FIFO without a writer: the one copy thread blocks opening it, right after the checkpoint the engine
        // takes once 1,024 keys are finished, and nothing after it finishes before the kill.
        File.Delete(src.Combine("k1024"));
        Assert.Equal(0, MakeFifo(src.Combine("k1024"), 0x1A4));
        string[] args = ["sync", src.Path + "/", dst.Path + "/", "--enable-checkpoint", "--checkpoint-interval", "1ms", "--threads", "1", "--json"];
        string checkpoint = dst.Combine(CheckpointFile.DestinationKey);

        using (Process killed = StartFerry(args))
        {
            try
            {
                await WaitForAsync(() => LastKeyOf(checkpoint) == "k1023", killed);
            }
            finally
            {
                killed.Kill(); // SIGKILL
                await killed.WaitForExitAsync();
            }
        }

        Assert.Equal(1024, Directory.GetFiles(dst.Path).Count(f => Path.GetFileName(f).StartsWith('k')));
        File.Delete(src.Combine("k1024"));
        src.Write("k1024", "file 1024");
        File.Delete(dst.Combine("k0000")); // inside the finished range: listing it again would copy it again

        using Process resumed = StartFerry(args);
        string output = await resumed.StandardOutput.ReadToEndAsync();
        string error = await resumed.StandardError.ReadToEndAsync();
        await resumed.WaitForExitAsync();

        Assert.True(resumed.ExitCode == 0, error);
        Assert.Contains("resuming from checkpoint", error, StringComparison.Ordinal);
        Assert.Contains("continues after 'k1023'", error, StringComparison.Ordinal);
        using JsonDocument summary = JsonDocument.Parse(output);
        JsonElement root = summary.RootElement;
        Assert.Equal(3000, root.GetProperty("scanned").GetInt64());
        Assert.Equal(3000, root.GetProperty("copied").GetInt64());
        Assert.Equal(0, root.GetProperty("skipped").GetInt64());
        Assert.Equal(0, root.GetProperty("failed").GetInt64());
        Assert.False(File.Exists(dst.Combine("k0000")));
        Assert.Equal(2999, Directory.GetFiles(dst.Path).Length); // the checkpoint is gone with the run's success
        Assert.Equal("file 2999", File.ReadAllText(dst.Combine("k2999")));
        Assert.Equal("file 1024", File.ReadAllText(dst.Combine("k1024")));
    }

    [Fact]
    public async Task RunAsync_ResumedAfterCancel_ListsNoDoneRangeAgain_AndScansEveryKeyOnce()
    {
        using var src = new TempDirectory();
        using var dst = new TempDirectory();
        foreach (string dir in new[] { "a", "b", "c", "d" })
        {
            for (int i = 0; i < 5; i++)
            {
                src.Write($"{dir}/f{i}", $"{dir}{i}");
            }
        }

        var options = new SyncOptions { ListThreads = 2, ListDepth = 1, Threads = 2 };
        using var cancel = new CancellationTokenSource();
        var first = new RecordingStorage(new FileStorage(src.Path))
        {
            BeforeList = async o =>
            {
                if (o.Recursive && o.Start.StartsWith("c/", StringComparison.Ordinal))
                {
                    await cancel.CancelAsync();
                }
            },
        };
        await using (CheckpointSession session = await OpenAsync(first, dst.Path, options))
        {
            var engine = new SyncEngine(first, new FileStorage(dst.Path), options, Settings(session));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => engine.RunAsync(session.Queue, cancel.Token));
            await session.FinishAsync(succeeded: false);
        }

        CheckpointDocument saved = (await CheckpointFile.For(new FileStorage(dst.Path), null).LoadAsync(CancellationToken.None))!;
        CheckpointDocument.TaskEntry[] done = saved.Tasks.Where(t => t.State == RangeTaskState.Done).ToArray();
        Assert.NotEmpty(done);

        var second = new RecordingStorage(new FileStorage(src.Path));
        SyncResult result;
        await using (CheckpointSession session = await OpenAsync(second, dst.Path, options))
        {
            Assert.NotNull(session.ResumeMessage);
            result = await new SyncEngine(second, new FileStorage(dst.Path), options, Settings(session)).RunAsync(session.Queue);
            await session.FinishAsync(result.Outcome == SyncOutcome.Succeeded);
        }

        Assert.Equal(SyncOutcome.Succeeded, result.Outcome);
        foreach (ListOptions call in second.Calls.Where(c => c.Recursive))
        {
            Assert.DoesNotContain(done, t => new Ferry.SyncRunner.Keys.KeyRange(t.Start, t.End).Contains(call.Start) && call.Start != t.End);
        }

        Assert.Equal(20, result.Counters.Scanned);
        Assert.Equal(20, result.Counters.Copied + result.Counters.Skipped);
        Assert.Equal(20, Directory.GetFiles(dst.Path, "*", SearchOption.AllDirectories).Length);
    }

    [Fact]
    public async Task Sync_CheckpointOfAnotherSync_IsRefusedNamingTheDifference_ForceResetStartsOver()
    {
        using var src = new TempDirectory();
        using var dst = new TempDirectory();
        using var dir = new TempDirectory();
        src.Write("a", "a");
        var destination = new FileStorage(dst.Path);
        await using (CheckpointFile file = CheckpointFile.For(destination, dir.Path))
        {
            await file.SaveAsync(
                new CheckpointDocument
                {
                    Source = new FileStorage(src.Path).DisplayName,
                    Destination = destination.DisplayName,
                    Options = CheckpointFile.Fingerprint(new SyncOptions()),
                    Tasks = [new CheckpointDocument.TaskEntry { Id = "copy-00000", Phase = RangeTaskPhase.Copy, Start = "", State = RangeTaskState.Running, LastKey = "zzz" }],
                },
                CancellationToken.None);
        }

        (int refused, _, string why) = await RunAsync("sync", src.Path + "/", dst.Path + "/", "--enable-checkpoint", "--checkpoint-dir", dir.Path, "--update");
        (int reset, _, _) = await RunAsync("sync", src.Path + "/", dst.Path + "/", "--enable-checkpoint", "--checkpoint-dir", dir.Path, "--update", "--checkpoint-force-reset");

        Assert.Equal(2, refused);
        Assert.Contains("was made by another sync: --update 'false' (now 'true')", why, StringComparison.Ordinal);
        Assert.Contains("--checkpoint-force-reset", why, StringComparison.Ordinal);
        Assert.Equal(0, reset);
        Assert.Equal("a", File.ReadAllText(dst.Combine("a")));
        Assert.Empty(Directory.GetFiles(dir.Path)); // deleted with the run's success
    }

    [Theory]
    [InlineData("0s")]
    [InlineData("-1")]
    [InlineData("soon")]
    public async Task Sync_BadCheckpointInterval_ExitsTwoNamingIt(string value)
    {
        using var src = new TempDirectory();
        using var dst = new TempDirectory();

        (int code, _, string err) = await RunAsync("sync", src.Path + "/", dst.Path + "/", "--enable-checkpoint", "--checkpoint-interval", value);

        Assert.Equal(2, code);
        Assert.Contains("--checkpoint-interval", err, StringComparison.Ordinal);
    }

    private static Task<CheckpointSession> OpenAsync(IObjectStorage source, string dst, SyncOptions options) =>
        CheckpointSession.OpenAsync(source, new FileStorage(dst), options, null, false, TimeSpan.Zero, TimeProvider.System, null, CancellationToken.None);

    private static SyncEngineSettings Settings(CheckpointSession session) => new()
    {
        CheckpointInterval = TimeSpan.Zero,
        CheckpointEveryKeys = 1,
        HiddenKey = session.HiddenKey,
        ResumedCounters = session.ResumedCounters,
    };

    private static async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = await FerryCli.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    private static Process StartFerry(string[] args)
    {
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "ferry"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }

        return Process.Start(start)!;
    }

    private static string? LastKeyOf(string checkpoint)
    {
        try
        {
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(checkpoint));
            return doc.RootElement.GetProperty("tasks").EnumerateArray().Select(t => t.TryGetProperty("lastKey", out JsonElement k) ? k.GetString() : null).FirstOrDefault();
        }
        catch (Exception e) when (e is IOException or JsonException or KeyNotFoundException)
        {
            return null;
        }
    }

    private static async Task WaitForAsync(Func<bool> condition, Process process)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (process.HasExited)
            {
                Assert.Fail("ferry exited before the checkpoint: " + await process.StandardError.ReadToEndAsync());
            }

            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(120), "no checkpoint after 120 s");
            await Task.Delay(20);
        }
    }

    [DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
    private static extern int MakeFifo(string path, int mode);
}
