using System.Diagnostics;
using System.Text.Json.Nodes;
using Ferry.SyncRunner.Cli;
using Ferry.SyncRunner.Tests.Support;

namespace Ferry.SyncRunner.Tests.Watching;

/// <summary><c>ferry sync --watch --json ...</c> running in this process until <see cref="StopAsync"/> (what the first
/// SIGINT does), with its JSON lines and stderr readable while it runs.</summary>
internal sealed class WatchRun : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();

    private WatchRun(string[] args)
    {
        Exit = Task.Run(() => FerryCli.RunAsync(args, Out, Err, _stop.Token));
    }

    public LineLog Out { get; } = new();

    public LineLog Err { get; } = new();

    public Task<int> Exit { get; }

    /// <summary>The JSON objects printed so far.</summary>
    public IReadOnlyList<JsonObject> Events => [.. Out.Lines.Where(l => l.StartsWith('{')).Select(l => JsonNode.Parse(l)!.AsObject())];

    public static WatchRun Start(params string[] args) => new(["sync", "--watch", "--json", .. args]);

    /// <summary>Waits until a printed event satisfies <paramref name="match"/>.</summary>
    public async Task<JsonObject> WaitForEventAsync(Func<JsonObject, bool> match, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (Events.FirstOrDefault(match) is { } found)
            {
                return found;
            }

            if (Exit.IsCompleted)
            {
                Assert.Fail($"ferry exited ({await Exit}) before {what}\nstdout:\n{Out}\nstderr:\n{Err}");
            }

            if (clock.Elapsed > timeout)
            {
                Assert.Fail($"timed out after {timeout.TotalSeconds:0}s waiting for {what}\nstdout:\n{Out}\nstderr:\n{Err}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Waits for the first full sync to end: from then on changes are batched.</summary>
    public Task<JsonObject> WaitForStartAsync() =>
        WaitForEventAsync(e => (string?)e["event"] == "full-sync" && (string?)e["reason"] == "start", TimeSpan.FromSeconds(60), "the first full sync");

    /// <summary>Waits until <paramref name="condition"/> holds (polling every 100 ms).</summary>
    public async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what, Func<string>? describe = null)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (Exit.IsCompleted)
            {
                Assert.Fail($"ferry exited ({await Exit}) before {what}\nstdout:\n{Out}\nstderr:\n{Err}");
            }

            if (clock.Elapsed > timeout)
            {
                Assert.Fail($"timed out after {timeout.TotalSeconds:0}s waiting for {what}\n{describe?.Invoke()}\nstdout:\n{Out}\nstderr:\n{Err}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Stops the watch as the first SIGINT does and returns the exit code.</summary>
    public async Task<int> StopAsync()
    {
        await _stop.CancelAsync();
        return await Exit.WaitAsync(TimeSpan.FromSeconds(60));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await Exit.WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
        }

        _stop.Dispose();
    }
}
