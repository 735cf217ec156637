using System.Text.Json;
using Ferry.SyncRunner.Cli;
using Ferry.SyncRunner.Tests.Support;

namespace Ferry.SyncRunner.Tests.Cli;

public class SyncCommandTests
{
    private static async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = await FerryCli.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Sync_Success_ExitsZeroAndCopies()
    {
        using var src = new TempDirectory();
        using var dst = new TempDirectory();
        src.Write("a/b", "x");

        (int code, _, string err) = await RunAsync("sync", src.Path + "/", dst.Path + "/");

        Assert.Equal(0, code);
        Assert.Equal("x", File.ReadAllText(dst.Combine("a/b")));
        Assert.Contains("copied 1", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sync_Json_PrintsOneObjectWithEveryCounter()
    {
        using var src = new TempDirectory();
        using var dst = new TempDirectory();
        src.Write("a", "12345");
        dst.Write("extra", "e");

        (int code, string output, _) = await RunAsync("sync", src.Path + "/", dst.Path + "/", "--json");

        Assert.Equal(0, code);
        using JsonDocument doc = JsonDocument.Parse(output);
        JsonElement root = doc.RootElement;
        foreach (string field in new[] { "scanned", "scannedBytes", "copied", "copiedBytes", "checked", "skipped", "skippedBytes", "deleted", "excluded", "extra", "failed" })
        {
            Assert.True(root.TryGetProperty(field, out _), field);
        }

        Assert.Equal(1, root.GetProperty("copied").GetInt64());
        Assert.Equal(5, root.GetProperty("copiedBytes").GetInt64());
        Assert.Equal(1, root.GetProperty("extra").GetInt64());
    }

    [Fact]
    public async Task Sync_Dry_PrintsPlanLines()
    {
        using var src = new TempDirectory();
        using var dst = new TempDirectory();
        src.Write("new", "n");
        Directory.CreateDirectory(src.Combine("empty"));
        dst.Write("old", "o");

        (int code, string output, _) = await RunAsync("sync", src.Path + "/", dst.Path + "/", "--dry", "--delete-dst", "--dirs", "--delete-src-after");

        Assert.Equal(0, code);
        Assert.Equal(new[] { "copy empty/", "copy new", "delete-src new", "delete-dst old" }, output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.False(File.Exists(dst.Combine("new")));
        Assert.True(File.Exists(src.Combine("new")));
        Assert.True(File.Exists(dst.Combine("old")));
    }

    [Fact]
    public async Task Sync_DryDeleteSrc_PlansOnlyKeysDestinationHolds()
    {
        using var src = new TempDirectory();
        using var dst = new TempDirectory();
        src.Write("new", "n");
        src.Write("same", "s");
        dst.Write("same", "s");

        (int code, string output, _) = await RunAsync("sync", src.Path + "/", dst.Path + "/", "--dry", "--delete-src");

        Assert.Equal(0, code);
        Assert.Equal(new[] { "copy new", "delete-src same" }, output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.True(File.Exists(src.Combine("same")));
    }

    [Theory]
    [InlineData("1", "1")]
    [InlineData("3", "2")]
    [InlineData("2", "0")]
    public async Task Sync_ListThreadsAndDepth_SamePlanAsOneListing(string listThreads, string listDepth)
    {
        using var src = new TempDirectory();
        using var dst = new TempDirectory();
        foreach (string key in new[] { "!top", "a-b", "a/f", "a/x/1", "a/y/2", "a0", "b/c/d", "z" })
        {
            src.Write(key, key);
        }

        dst.Write("a/x/old", "o");
        dst.Write("m/old", "o");

        (int code, string output, _) = await RunAsync("sync", src.Path + "/", dst.Path + "/", "--dry", "--delete-dst", "--list-threads", listThreads, "--list-depth", listDepth);

        Assert.Equal(0, code);
        Assert.Equal(
            new[] { "copy !top", "copy a-b", "copy a/f", "copy a/x/1", "delete-dst a/x/old", "copy a/y/2", "copy a0", "copy b/c/d", "delete-dst m/old", "copy z" },
            output.Split('\n', StringSplitOptions.RemoveEmptyEntries).OrderBy(line => line[(line.IndexOf(' ') + 1)..], Ferry.SyncRunner.Keys.KeyComparer.Utf8));
    }

    [Fact]
    public async Task Sync_MissingSource_ExitsTwoWithReason()
    {
        using var dst = new TempDirectory();

        (int code, _, string err) = await RunAsync("sync", "/nonexistent/ferry-src/", dst.Path + "/");

        Assert.Equal(2, code);
        Assert.Contains("does not exist", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sync_FilesFromMissing_ExitsTwoNamingTheOption_AndCopiesNothing()
    {
        using var src = new TempDirectory();
        using var dst = new TempDirectory();
        src.Write("a", "a");

        (int code, _, string err) = await RunAsync("sync", src.Path + "/", dst.Path + "/", "--files-from", src.Combine("no-such-list"));

        Assert.Equal(2, code);
        Assert.StartsWith("ferry: --files-from ", err, StringComparison.Ordinal);
        Assert.Contains("no-such-list", err, StringComparison.Ordinal);
        Assert.False(File.Exists(dst.Combine("a")));
    }

    [Fact]
    public async Task Sync_DestinationInsideSource_ExitsTwoAndWritesNothing()
    {
        using var src = new TempDirectory();
        src.Write("f", "x");

        (int code, _, string err) = await RunAsync("sync", src.Path + "/", src.Combine("sub") + "/");

        Assert.Equal(2, code);
        Assert.Contains("inside SRC", err, StringComparison.Ordinal);
        Assert.False(Directory.Exists(src.Combine("sub")));
    }

    [Fact]
    public async Task Sync_TrailingSlashMismatch_ExitsTwo()
    {
        using var src = new TempDirectory();
        using var dst = new TempDirectory();

        (int code, _, string err) = await RunAsync("sync", src.Path + "/", dst.Path);

        Assert.Equal(2, code);
        Assert.Contains("both end with '/'", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--threads", "0")]
    [InlineData("--min-size", "ten")]
    [InlineData("--max-delete", "12x")]
    [InlineData("--no-such-flag", "x")]
    [InlineData("--exclude", "[abc")]
    [InlineData("--include", "")]
    [InlineData("--list-threads", "0")]
    [InlineData("--list-depth", "-1")]
    public async Task Sync_BadOption_ExitsTwo(string flag, string value)
    {
        using var src = new TempDirectory();
        using var dst = new TempDirectory();

        (int code, _, string err) = await RunAsync("sync", src.Path + "/", dst.Path + "/", flag, value);

        Assert.Equal(2, code);
        Assert.StartsWith("ferry: ", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sync_NoSlashes_TreatsLocationsAsPrefixes()
    {
        using var root = new TempDirectory();
        root.Write("test/a", "1");
        root.Write("text/b", "2");
        root.Write("other/c", "3");

        (int code, _, _) = await RunAsync("sync", root.Combine("te"), root.Combine("out/ab"));

        Assert.Equal(0, code);
        Assert.Equal("1", File.ReadAllText(root.Combine("out/abst/a")));
        Assert.Equal("2", File.ReadAllText(root.Combine("out/abxt/b")));
        Assert.False(Directory.Exists(root.Combine("out/other")));
    }

    [Fact]
    public async Task Sync_SingleFileWithoutSlash_CopiesTheFile()
    {
        using var root = new TempDirectory();
        root.Write("file.txt", "content");

        (int code, _, _) = await RunAsync("sync", root.Combine("file.txt"), root.Combine("copy.txt"));

        Assert.Equal(0, code);
        Assert.Equal("content", File.ReadAllText(root.Combine("copy.txt")));
    }

    [Theory]
    [InlineData("--bwlimit", "-1")]
    [InlineData("--bwlimit", "1e400")]
    [InlineData("--bwlimit", "NaN")]
    [InlineData("--threads", "0")]
    [InlineData("--threads", "99999999")]
    [InlineData("--list-threads", "0")]
    [InlineData("--list-threads", "5000")]
    [InlineData("--list-depth", "-1")]
    [InlineData("--list-depth", "100")]
    [InlineData("--limit", "-2")]
    [InlineData("--max-failure", "-2")]
    [InlineData("--min-size", "-1")]
    [InlineData("--max-size", "99999999T")]
    [InlineData("--min-age", "-5")]
    [InlineData("--max-age", "1e300")]
    [InlineData("--start-time", "yesterday")]
    [InlineData("--max-delete", "-3")]
    public async Task Sync_BadNumber_ExitsTwoNamingTheOption(string option, string value)
    {
        using var src = new TempDirectory();
        using var dst = new TempDirectory();
        src.Write("a", "a");

        (int code, _, string err) = await RunAsync("sync", src.Path + "/", dst.Path + "/", option, value);

        Assert.Equal(2, code);
        Assert.Contains(option, err, StringComparison.Ordinal);
        Assert.False(File.Exists(dst.Combine("a")));
    }

    [Theory]
    [InlineData("--min-size", "5", "--max-size", "3")]
    [InlineData("--min-age", "2h", "--max-age", "1h")]
    [InlineData("--start-time", "2024-02-01", "--end-time", "2024-01-01")]
    public async Task Sync_EmptySelection_ExitsTwoNamingBothOptions(string lowOption, string low, string highOption, string high)
    {
        using var src = new TempDirectory();
        using var dst = new TempDirectory();

        (int code, _, string err) = await RunAsync("sync", src.Path + "/", dst.Path + "/", lowOption, low, highOption, high);

        Assert.Equal(2, code);
        Assert.Contains(lowOption, err, StringComparison.Ordinal);
        Assert.Contains(highOption, err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sync_SourceListingFails_SummaryAndJsonNameTheFailedTask()
    {
        using var dst = new TempDirectory();
        const string Src = "sftp://nobody@127.0.0.1:1/x/"; // nothing listens on port 1: ssh exits at once

        (int code, _, string err) = await RunAsync("sync", Src, dst.Path + "/");
        (int jsonCode, string output, _) = await RunAsync("sync", Src, dst.Path + "/", "--json");

        Assert.Equal(1, code);
        Assert.Contains("failed tasks 1", err, StringComparison.Ordinal);
        Assert.Contains("ferry: failed task [, ∞): ", err, StringComparison.Ordinal);
        Assert.Equal(1, jsonCode);
        using JsonDocument doc = JsonDocument.Parse(output);
        JsonElement root = doc.RootElement;
        Assert.False(root.GetProperty("success").GetBoolean());
        JsonElement task = Assert.Single(root.GetProperty("failedTasks").EnumerateArray());
        Assert.Equal("", task.GetProperty("start").GetString());
        Assert.Equal(JsonValueKind.Null, task.GetProperty("end").ValueKind);
        Assert.Contains("Connection refused", task.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void OrderedRules_KeepsCommandLineOrderAcrossIncludeAndExclude()
    {
        var parse = FerryCli.CreateRootCommand().Parse(["sync", "a/", "b/", "--include", "x", "--exclude", "y", "--include", "z", "-p", "3", "--exclude=w"]);

        var rules = SyncCommand.OrderedRules(parse);

        Assert.Equal(
            new[] { "--include 'x'", "--exclude 'y'", "--include 'z'", "--exclude 'w'" },
            rules.Select(r => r.ToString()));
    }

    [Fact]
    public async Task Help_ExplainsEveryOption()
    {
        (int code, string output, _) = await RunAsync("sync", "--help");

        Assert.Equal(0, code);
        foreach (string flag in new[]
        {
            "--threads", "-p", "--update", "-u", "--force-update", "-f", "--existing", "--ignore-existing", "--check-all", "--check-new", "--check-change",
            "--delete-src", "--delete-src-after", "--delete-dst", "--dirs", "--perms", "--links", "-l", "--include", "--exclude", "--match-full-path", "--dry", "--min-size",
            "--max-size", "--min-age", "--max-age", "--start-time", "--end-time", "--start", "-s", "--end", "-e", "--limit", "--files-from", "--bwlimit",
            "--list-threads", "--list-depth", "--max-failure", "--max-delete", "--metrics", "--json", "--verbose", "--quiet", "--inplace", "--storage-class", "--enable-checkpoint", "--checkpoint-interval", "--checkpoint-force-reset", "--checkpoint-dir",
        })
        {
            Assert.Contains(flag, output, StringComparison.Ordinal);
        }
    }
}
