using Ferry.SyncRunner.Execution;
using Spectre.Console;

namespace Ferry.SyncRunner.Cli;

/// <summary>Live progress on stderr: a Spectre.Console status line on a terminal, a plain line every few seconds otherwise.</summary>
internal static class ProgressReporter
{
    /// <summary>Runs <paramref name="run"/> while showing progress from <paramref name="snapshot"/>.</summary>
    public static async Task<T> RunAsync<T>(Func<Task<T>> run, Func<SyncCounters> snapshot, bool show, TimeProvider time)
    {
        if (!show)
        {
            return await run().ConfigureAwait(false);
        }

        long started = time.GetTimestamp();
        if (!Console.IsErrorRedirected)
        {
            return await OnTerminalAsync(run, snapshot, time, started).ConfigureAwait(false);
        }

        Task<T> work = run();
        while (!work.IsCompleted)
        {
            await Task.WhenAny(work, Task.Delay(TimeSpan.FromSeconds(5), time)).ConfigureAwait(false);
            if (!work.IsCompleted)
            {
                await Console.Error.WriteLineAsync(Line(snapshot(), time.GetElapsedTime(started))).ConfigureAwait(false);
            }
        }

        return await work.ConfigureAwait(false);
    }

    /// <summary>The Spectre.Console status line on a terminal. A method of its own, so that a run whose stderr is not a
    /// terminal does not load Spectre.Console's assembly.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static async Task<T> OnTerminalAsync<T>(Func<Task<T>> run, Func<SyncCounters> snapshot, TimeProvider time, long started)
    {
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        T result = default!;
        await console.Status().Spinner(Spinner.Known.Dots).StartAsync("syncing", async ctx =>
        {
            Task<T> task = run();
            while (!task.IsCompleted)
            {
                await Task.WhenAny(task, Task.Delay(250)).ConfigureAwait(false);
                ctx.Status(Markup.Escape(Line(snapshot(), time.GetElapsedTime(started))));
            }

            result = await task.ConfigureAwait(false);
        }).ConfigureAwait(false);
        return result;
    }

    /// <summary>One progress line.</summary>
    public static string Line(SyncCounters c, TimeSpan elapsed)
    {
        double seconds = Math.Max(elapsed.TotalSeconds, 0.001);
        return $"scanned {c.Scanned} ({Bytes(c.ScannedBytes)}), copied {c.Copied} ({Bytes(c.CopiedBytes)}, {c.Copied / seconds:0} objects/s, {Bytes((long)(c.CopiedBytes / seconds))}/s), " +
            $"skipped {c.Skipped}, deleted {c.Deleted}, failed {c.Failed}, pending {c.Pending}";
    }

    /// <summary>A byte count for people (KiB, MiB, ...).</summary>
    public static string Bytes(long n)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
        double v = n;
        int u = 0;
        while (v >= 1024 && u < units.Length - 1)
        {
            v /= 1024;
            u++;
        }

        return u == 0 ? $"{n} B" : $"{v:0.0} {units[u]}";
    }
}
