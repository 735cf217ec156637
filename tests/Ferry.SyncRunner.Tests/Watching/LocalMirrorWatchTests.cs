using System.Diagnostics;
using System.Text.Json.Nodes;
using Ferry.SyncRunner.Cli;
using Ferry.SyncRunner.Tests.Support;

namespace Ferry.SyncRunner.Tests.Watching;

/// <summary><c>ferry run -f mirror.yaml</c> on a continuous mirror: the watcher runs here until interrupted, full
/// syncs as the children the operator would create, batches to every destination, and the status at the end.</summary>
public class LocalMirrorWatchTests
{
    [Fact]
    public async Task RunContinuousMirror_WatchesUntilStopped_AppliesBatchesToEveryDestination_PrintsTheStatus()
    {
        using var dir = new TempDirectory();
        dir.Write("inbox/a.txt", "first");
        dir.Write("inbox/old.txt", "to be deleted");
        dir.Write("inbox/keep/k.txt", "kept");
        Directory.CreateDirectory(dir.Combine("one"));
        Directory.CreateDirectory(dir.Combine("two"));
        string manifest = dir.Write("mirror.yaml", """
            apiVersion: ferry.io/v1alpha1
            kind: ReplicaMirror
            metadata: {name: docs, namespace: default}
            spec:
              source: {volume: {claimName: inbox}}
              destinations:
              - {name: one, volume: {claimName: one}}
              - {name: two, volume: {claimName: two, path: sub}}
              - {name: paused, suspend: true, volume: {claimName: one, path: never}}
              continuous: {delay: 300ms}
              maxDelete: "100%"
            """);
        var output = new LineLog();
        var error = new LineLog();
        using var stop = new CancellationTokenSource();
        Task<int> run = Task.Run(() => FerryCli.RunAsync(["run", "-f", manifest, "--volume", $"inbox={dir.Combine("inbox")}", "--volume", $"one={dir.Combine("one")}",
            "--volume", $"two={dir.Combine("two")}"], output, error, stop.Token));

        await UntilAsync(() => File.Exists(dir.Combine("two/sub/keep/k.txt")), run, error, "the first full sync");
        dir.Write("inbox/b.txt", "created while watched");
        File.Delete(dir.Combine("inbox/old.txt"));
        await UntilAsync(() => Same(dir.Combine("inbox"), dir.Combine("one")) && Same(dir.Combine("inbox"), dir.Combine("two/sub")), run, error, "the batch on both destinations");
        await stop.CancelAsync();
        Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(60)));

        Assert.False(Directory.Exists(dir.Combine("one/never")));
        JsonObject status = JsonNode.Parse(string.Join('\n', output.Lines))!.AsObject();
        Assert.Equal(["one", "two", "paused"], status["destinations"]!.AsArray().Select(d => (string?)d!["name"]));
        Assert.Equal("Succeeded", (string?)status["destinations"]![0]!["lastResult"]!["result"]);
        Assert.StartsWith("docs-one-", (string?)status["destinations"]![0]!["lastResult"]!["syncJob"], StringComparison.Ordinal);
        Assert.True((long?)status["continuous"]!["lastBatchKeys"] >= 1, status.ToJsonString());
        Assert.Equal(0L, (long?)status["continuous"]!["pendingChanges"]);
        Assert.Equal("True", (string?)status["conditions"]!.AsArray().Single(c => (string?)c!["type"] == "InSync")!["status"]);
        Assert.Contains(error.Lines, l => l.StartsWith("batch: ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunContinuousMirror_FromS3_ExitsTwoWithTheReason()
    {
        using var dir = new TempDirectory();
        string manifest = dir.Write("mirror.yaml", """
            apiVersion: ferry.io/v1alpha1
            kind: ReplicaMirror
            metadata: {name: docs, namespace: default}
            spec:
              source: {s3: {bucket: b, endpoint: "http://127.0.0.1:9"}}
              destinations: [{name: one, volume: {claimName: one}}]
              continuous: {}
            """);
        var error = new StringWriter();

        int code = await FerryCli.RunAsync(["run", "-f", manifest, "--volume", $"one={dir.Path}"], new StringWriter(), error);

        Assert.Equal(2, code);
        Assert.Contains("continuous needs a volume source; use interval", error.ToString(), StringComparison.Ordinal);
    }

    private static bool Same(string a, string b)
    {
        try
        {
            return TreeSnapshot.Take(a, withDirectories: false).SequenceEqual(TreeSnapshot.Take(b, withDirectories: false));
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static async Task UntilAsync(Func<bool> condition, Task<int> run, LineLog error, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.False(run.IsCompleted, $"ferry run ended before {what}: {error}");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"timed out waiting for {what}: {error}");
            await Task.Delay(100);
        }
    }
}
