using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Ferry.SyncRunner.Tests.Support;

namespace Ferry.SyncRunner.Tests.Watching;

/// <summary><c>ferry sync --watch</c> on real directories with real inotify events: every kind of change, a burst, an
/// overflow, changes during the first full sync, filters, failing keys, and SIGINT in the middle of a batch.</summary>
public class SyncWatchTests
{
    private static readonly TimeSpan Converge = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Watch_EveryKindOfChange_ReachesTheDestination()
    {
        using var src = new TempDirectory();
        using var dst = new TempDirectory();
        // An hour old, so that every edit below is newer (--update compares whole seconds, as a full run does).
        DateTime old = DateTime.UtcNow.AddHours(-1);
        src.Write("keep.txt", "keep", old);
        src.Write("old/name.txt", "moving file", old);
        src.Write("tree/a/1", "one", old);
        src.Write("tree/b/2", "two", old);
        src.Write("tree/b/c/3", "three", old);
        src.Write("gone.txt", "to be deleted", old);
        src.Write("edit.txt", "short", old);
        src.Write("same.txt", "AAAA", old);
        src.Write("dir-gone/x", "x", old);
        await using var run = WatchRun.Start("--watch-delay", "300ms", "--delete-dst", "--dirs", "--links", "--update", src.Path + "/", dst.Path + "/");
        await run.WaitForStartAsync();
        Assert.Equal(TreeSnapshot.Take(src.Path), TreeSnapshot.Take(dst.Path));

        File.WriteAllText(src.Combine("new.txt"), "created");
        File.WriteAllText(src.Combine("edit.txt"), "a modification of another size");
        File.WriteAllText(src.Combine("same.txt"), "BBBB");
        File.Delete(src.Combine("gone.txt"));
        File.Move(src.Combine("keep.txt"), src.Combine("renamed.txt"));
        File.Move(src.Combine("old/name.txt"), src.Combine("tree/moved.txt"));
        Directory.Move(src.Combine("tree/a"), src.Combine("tree/a2"));
        Directory.Move(src.Combine("tree/b"), src.Combine("old/b"));
        Directory.Delete(src.Combine("dir-gone"), recursive: true);
        Directory.CreateDirectory(src.Combine("empty/nested"));
        Directory.CreateDirectory(src.Combine("deep/x/y"));
        File.WriteAllText(src.Combine("deep/x/y/z"), "written right after its directories");
        File.CreateSymbolicLink(src.Combine("link"), "renamed.txt");

        await run.WaitUntilAsync(() => Same(src, dst), Converge, "the destination to equal the source", () => Diff(src, dst));
        Assert.Equal("BBBB", File.ReadAllText(dst.Combine("same.txt")));
        Assert.Equal("renamed.txt", new FileInfo(dst.Combine("link")).LinkTarget);
        Assert.Equal(0, await run.StopAsync());
        JsonObject summary = run.Events.Single(e => (string?)e["event"] == "summary");
        Assert.True((bool)summary["success"]!);
        Assert.Equal(1, run.Events.Count(e => (string?)e["event"] == "full-sync"));
        Assert.True((int)summary["batches"]! >= 1);
    }

    [Fact]
    public async Task Watch_BurstOf20000FilesIn200NewDirectories_Converges()
    {
        using var src = new TempDirectory();
        using var dst = new TempDirectory();
        await using var run = WatchRun.Start("--watch-delay", "500ms", src.Path + "/", dst.Path + "/");
        await run.WaitForStartAsync();

        // Each directory is created and filled at once: inotify reports a new directory's files only once it watches it.
        for (int d = 0; d < 200; d++)
        {
            string dir = src.Combine($"d{d:000}");
            Directory.CreateDirectory(dir);
            for (int f = 0; f < 100; f++)
            {
                File.WriteAllText(Path.Combine(dir, $"f{f:000}"), $"{d}/{f}");
            }
        }

        await run.WaitUntilAsync(() => CountFiles(dst.Path) == 20_000, TimeSpan.FromSeconds(180), "20,000 files in the destination");
        Assert.Equal(TreeSnapshot.Take(src.Path, withDirectories: false), TreeSnapshot.Take(dst.Path, withDirectories: false));
        Assert.Equal(0, await run.StopAsync());
    }

    [Fact]
    public async Task Watch_Overflow_ExactlyOneRateLimitedFullSyncAndNothingLost()
    {
        using var src = new TempDirectory();
        using var dst = new TempDirectory();
        src.Write("before", "b");

        // At most 100 changes are held: a burst of 1,000 within the 2 s delay overflows.
        await using var run = WatchRun.Start("--watch-delay", "2s", "--watch-max-pending", "100", src.Path + "/", dst.Path + "/");
        JsonObject first = await run.WaitForStartAsync();
        for (int i = 0; i < 1000; i++)
        {
            src.Write($"burst/{i % 10}/{i}", $"file {i}");
        }

        await run.WaitUntilAsync(() => CountFiles(dst.Path) == 1001, Converge, "every file after the overflow");
        JsonObject overflow = await run.WaitForEventAsync(e => (string?)e["event"] == "full-sync" && (string?)e["reason"] == "overflow", Converge, "the overflow's full sync");

        // Two more delay windows: no second full sync comes.
        await Task.Delay(TimeSpan.FromSeconds(5));
        Assert.Equal(0, await run.StopAsync());
        Assert.Equal(TreeSnapshot.Take(src.Path), TreeSnapshot.Take(dst.Path));
        Assert.Equal(["start", "overflow"], run.Events.Where(e => (string?)e["event"] == "full-sync").Select(e => (string?)e["reason"]));
        Assert.True(Time(overflow["started"]) - Time(first["started"]) >= TimeSpan.FromSeconds(1.99), $"rate limit: {first["started"]} then {overflow["started"]}");
        Assert.Single(run.Err.Lines, l => l.Contains("more than 100 changes were pending", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Watch_ChangesDuringTheFirstFullSync_AreAppliedAfterIt()
    {
        using var src = new TempDirectory();
        using var dst = new TempDirectory();
        string content = new string('x', 100_000);
        for (int i = 0; i < 20; i++)
        {
            src.Write($"f{i:00}", content);
        }

        // 2 MB at 4 Mbit/s: the first full sync takes about 4 s.
        await using var run = WatchRun.Start("--watch-delay", "300ms", "--delete-dst", "--bwlimit", "4", "--threads", "2", src.Path + "/", dst.Path + "/");
        await run.WaitUntilAsync(() => CountFiles(dst.Path) > 0, Converge, "the first full sync to copy its first file");
        DateTimeOffset changed = DateTimeOffset.UtcNow;
        src.Write("late.txt", "created during the full sync");
        src.Write("f00", "replaced during the full sync");
        File.Delete(src.Combine("f19"));

        JsonObject full = await run.WaitForStartAsync();
        DateTimeOffset started = Time(full["started"]);
        Assert.True(changed > started && changed < started + TimeSpan.FromSeconds((double)full["elapsedSeconds"]!), $"the changes at {changed:O} fell outside the full sync {full}");
        await run.WaitUntilAsync(() => Same(src, dst), Converge, "the changes made during the full sync");
        Assert.Equal("replaced during the full sync", File.ReadAllText(dst.Combine("f00")));
        Assert.False(File.Exists(dst.Combine("f19")));
        Assert.Equal(0, await run.StopAsync());
    }

    [Fact]
    public async Task Watch_ChangeToAnExcludedPath_IsNotCopied()
    {
        using var src = new TempDirectory();
        using var dst = new TempDirectory();
        await using var run = WatchRun.Start("--watch-delay", "300ms", "--exclude", "*.tmp", "--exclude", "cache/", src.Path + "/", dst.Path + "/");
        await run.WaitForStartAsync();

        src.Write("draft.tmp", "editor scratch");
        src.Write("cache/blob", "cached");
        src.Write("report.txt", "the real file");
        JsonObject batch = await run.WaitForEventAsync(e => (string?)e["event"] == "batch" && (long)e["copied"]! >= 1, Converge, "the batch with report.txt");

        Assert.True(File.Exists(dst.Combine("report.txt")));
        Assert.False(File.Exists(dst.Combine("draft.tmp")));
        Assert.False(Directory.Exists(dst.Combine("cache")));
        Assert.Equal(1L, (long)batch["copied"]!);
        Assert.Equal(0L, (long)batch["failed"]!);
        Assert.Equal(0, await run.StopAsync());
    }

    [Fact]
    public async Task Watch_FailingKey_IsRetriedWithBackoffReportedAndExitsOne()
    {
        using var src = new TempDirectory();
        using var dst = new TempDirectory();
        await using var run = WatchRun.Start("--watch-delay", "200ms", src.Path + "/", dst.Path + "/");
        await run.WaitForStartAsync();

        // A socket cannot be read: its key fails on every attempt.
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(src.Combine("bad.sock")));
        src.Write("good.txt", "fine");
        JsonObject failed = await run.WaitForEventAsync(e => (string?)e["event"] == "batch" && (long)e["failed"]! == 1, Converge, "the batch where bad.sock fails");
        Assert.Equal(1, (int)failed["failingKeys"]!);
        Assert.True(File.Exists(dst.Combine("good.txt")));
        await run.WaitForEventAsync(e => (string?)e["event"] == "batch" && (int)e["retries"]! == 1 && (long)e["failed"]! == 1, Converge, "a retry of bad.sock");
        await run.WaitUntilAsync(() => run.Events.Count(e => (string?)e["event"] == "batch" && (int)e["retries"]! == 1) >= 2, Converge, "a second retry of bad.sock");

        Assert.Equal(1, await run.StopAsync());
        Assert.Contains(run.Err.Lines, l => l.Contains("bad.sock", StringComparison.Ordinal));
        JsonObject summary = run.Events.Single(e => (string?)e["event"] == "summary");
        Assert.False((bool)summary["success"]!);
        JsonObject failing = summary["failingKeys"]!.AsArray().Single()!.AsObject();
        Assert.Equal("bad.sock", (string?)failing["key"]);
        Assert.True((int)failing["attempts"]! >= 3, summary.ToJsonString());
    }

    [Fact]
    public async Task Watch_FailingKeyThatHeals_IsCopiedOnItsRetryAndExitsZero()
    {
        using var src = new TempDirectory();
        using var dst = new TempDirectory();
        await using var run = WatchRun.Start("--watch-delay", "200ms", src.Path + "/", dst.Path + "/");
        await run.WaitForStartAsync();
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(src.Combine("item")));
        await run.WaitForEventAsync(e => (string?)e["event"] == "batch" && (int)e["failingKeys"]! == 1, Converge, "item failing");

        socket.Dispose();
        File.Delete(src.Combine("item"));
        src.Write("item", "now a regular file");
        await run.WaitUntilAsync(() => File.Exists(dst.Combine("item")), Converge, "item copied once readable");
        await run.WaitForEventAsync(e => (string?)e["event"] == "batch" && (int)e["failingKeys"]! == 0, Converge, "no failing key left");
        Assert.Equal(0, await run.StopAsync());
        Assert.Equal("now a regular file", File.ReadAllText(dst.Combine("item")));
    }

    [Fact]
    public async Task Watch_SigintMidBatch_FinishesTheCopyInFlightAndExitsZero()
    {
        using var src = new TempDirectory();
        using var dst = new TempDirectory();
        using FerryProcess running = StartFerry("sync", "--watch", "--json", "--watch-delay", "200ms", "--bwlimit", "8", src.Path + "/", dst.Path + "/");
        Process ferry = running.Process;
        LineLog stdout = running.Stdout;
        LineLog stderr = running.Stderr;
        await WaitForLineAsync(stdout, "\"full-sync\"", ferry);

        // 3 MB at 8 Mbit/s: the batch copies for about 3 s.
        byte[] data = new byte[3_000_000];
        Random.Shared.NextBytes(data);
        await File.WriteAllBytesAsync(src.Combine("big.bin"), data);
        await Task.Delay(TimeSpan.FromSeconds(1.2));
        DateTimeOffset interrupted = DateTimeOffset.UtcNow;
        Assert.Equal(0, Kill(ferry.Id, "INT"));

        Assert.True(ferry.WaitForExit(TimeSpan.FromSeconds(60)), $"ferry did not stop after SIGINT ({SignalState(ferry.Id)})\nstdout:\n{stdout}\nstderr:\n{stderr}");
        ferry.WaitForExit();
        Assert.Equal(0, ferry.ExitCode);
        JsonObject batch = stdout.Lines.Where(l => l.Contains("\"batch\"", StringComparison.Ordinal)).Select(l => JsonNode.Parse(l)!.AsObject()).Single();
        DateTimeOffset end = Time(batch["time"]);
        Assert.True(end - TimeSpan.FromSeconds((double)batch["elapsedSeconds"]!) < interrupted && interrupted < end, $"SIGINT at {interrupted:O} was not mid-batch: {batch}");
        Assert.Equal(data, await File.ReadAllBytesAsync(dst.Combine("big.bin")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(dst.Path, "*.tmp.*", SearchOption.AllDirectories));
        Assert.Contains(stdout.Lines, l => l.Contains("\"summary\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Watch_SecondSigintMidBatch_AbortsAndLeavesNoPartialFile()
    {
        using var src = new TempDirectory();
        using var dst = new TempDirectory();
        using FerryProcess running = StartFerry("sync", "--watch", "--json", "--watch-delay", "200ms", "--bwlimit", "4", src.Path + "/", dst.Path + "/");
        Process ferry = running.Process;
        LineLog stdout = running.Stdout;
        LineLog stderr = running.Stderr;
        await WaitForLineAsync(stdout, "\"full-sync\"", ferry);

        byte[] data = new byte[5_000_000];
        Random.Shared.NextBytes(data);
        await File.WriteAllBytesAsync(src.Combine("big.bin"), data);
        await Task.Delay(TimeSpan.FromSeconds(1.2));
        Assert.Equal(0, Kill(ferry.Id, "INT"));
        await Task.Delay(TimeSpan.FromSeconds(0.5));
        Assert.Equal(0, Kill(ferry.Id, "INT"));

        Assert.True(ferry.WaitForExit(TimeSpan.FromSeconds(30)), $"ferry did not stop after two SIGINTs ({SignalState(ferry.Id)})\nstdout:\n{stdout}\nstderr:\n{stderr}");
        ferry.WaitForExit();
        Assert.Equal(0, ferry.ExitCode);
        Assert.False(File.Exists(dst.Combine("big.bin")), "the aborted copy left a file");
        Assert.Empty(Directory.EnumerateFileSystemEntries(dst.Path, "*", SearchOption.AllDirectories));
        JsonObject summary = JsonNode.Parse(stdout.Lines.Single(l => l.Contains("\"summary\"", StringComparison.Ordinal)))!.AsObject();
        Assert.Equal(1, (int)summary["notApplied"]!);
    }

    [Theory]
    [InlineData("--watch-delay 5s", "--watch-delay needs --watch")]
    [InlineData("--watch --limit 5", "--limit cannot be combined with --watch")]
    [InlineData("--watch --watch-delay 0", "--watch-delay must be more than 0")]
    [InlineData("--watch --watch-max-batch 0", "--watch-max-batch must be between 1 and 1000000 (got 0)")]
    [InlineData("--watch --watch-max-batch 1000001", "--watch-max-batch must be between 1 and 1000000 (got 1000001)")]
    [InlineData("--watch --watch-max-pending 0", "--watch-max-pending must be between 1 and 2147483647 (got 0)")]
    [InlineData("--watch --enable-checkpoint", "--enable-checkpoint cannot be combined with --watch")]
    [InlineData("--watch --full-sync-interval soon", "--full-sync-interval: 'soon' is not a duration")]
    [InlineData("--watch --watch-interval 100ms", "--watch-interval must be at least 1s")]
    public async Task Watch_BadOptions_ExitTwoWithTheReasonAndCopyNothing(string options, string message)
    {
        using var src = new TempDirectory();
        using var dst = new TempDirectory();
        src.Write("a", "1");
        var output = new StringWriter();
        var error = new StringWriter();

        int code = await Ferry.SyncRunner.Cli.FerryCli.RunAsync(["sync", .. options.Split(' '), src.Path + "/", dst.Path + "/"], output, error);

        Assert.Equal(2, code);
        Assert.Contains(message, error.ToString(), StringComparison.Ordinal);
        Assert.False(File.Exists(dst.Combine("a")));
    }

    private static bool Same(TempDirectory a, TempDirectory b)
    {
        try
        {
            return TreeSnapshot.Take(a.Path).SequenceEqual(TreeSnapshot.Take(b.Path));
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static string Diff(TempDirectory a, TempDirectory b)
    {
        SortedDictionary<string, string> x = TreeSnapshot.Take(a.Path);
        SortedDictionary<string, string> y = TreeSnapshot.Take(b.Path);
        return string.Join('\n', x.Keys.Union(y.Keys).Order(StringComparer.Ordinal)
            .Where(k => x.GetValueOrDefault(k) != y.GetValueOrDefault(k))
            .Select(k => $"{k}: source {x.GetValueOrDefault(k) ?? "-"}, destination {y.GetValueOrDefault(k) ?? "-"}"));
    }

    private static int CountFiles(string root)
    {
        try
        {
            return Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Count();
        }
        catch (IOException)
        {
            return -1;
        }
    }

    private static DateTimeOffset Time(JsonNode? node) => DateTimeOffset.Parse((string)node!, System.Globalization.CultureInfo.InvariantCulture);

    private static FerryProcess StartFerry(params string[] args)
    {
        string config = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/')).Parent!.Name;

        // A test run started in the background of a non-interactive shell inherits SIGINT ignored, and so would ferry:
        // perl puts SIGINT back to its default action and execs ferry (same pid).
        var start = new ProcessStartInfo("perl")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-e");
        start.ArgumentList.Add("$SIG{INT} = 'DEFAULT'; exec {$ARGV[0]} @ARGV or die \"exec: $!\"");
        start.ArgumentList.Add(Path.Combine(RepositoryPaths.Root, "src", "SyncRunner", "bin", config, "net10.0", "ferry"));
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }

        return new FerryProcess(Process.Start(start)!);
    }

    /// <summary>A started ferry process, its stdout and stderr read line by line from the start, killed by its PID when
    /// the test ends without having stopped it.</summary>
    private sealed class FerryProcess : IDisposable
    {
        public FerryProcess(Process process)
        {
            Process = process;
            process.OutputDataReceived += (_, e) => Stdout.WriteLine(e.Data);
            process.ErrorDataReceived += (_, e) => Stderr.WriteLine(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public Process Process { get; }

        public LineLog Stdout { get; } = new();

        public LineLog Stderr { get; } = new();

        public void Dispose()
        {
            if (!Process.HasExited)
            {
                Process.Kill();
                Process.WaitForExit();
            }

            Process.Dispose();
        }
    }

    private static async Task WaitForLineAsync(LineLog log, string text, Process process)
    {
        var clock = Stopwatch.StartNew();
        while (!log.Lines.Any(l => l.Contains(text, StringComparison.Ordinal)))
        {
            Assert.False(process.HasExited, $"ferry exited ({(process.HasExited ? process.ExitCode : 0)}) before printing {text}: {log}");
            Assert.True(clock.Elapsed < Converge, $"no line with {text} after {Converge}: {log}");
            await Task.Delay(50);
        }
    }

    private static string SignalState(int pid)
    {
        try
        {
            return string.Join(", ", File.ReadLines($"/proc/{pid}/status").Where(l => l.StartsWith("Sig", StringComparison.Ordinal)));
        }
        catch (IOException e)
        {
            return e.Message;
        }
    }

    private static int Kill(int pid, string signal)
    {
        using Process kill = Process.Start("kill", ["-" + signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
        return kill.ExitCode;
    }
}
