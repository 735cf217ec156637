using System.Diagnostics;
using System.Text.RegularExpressions;
using Ferry.ClusterSim.Kubelet;

namespace Ferry.E2E.Tests.Harness;

/// <summary><c>ferry-operator</c> as a separate process against the simulator's kubeconfig, its output appended to a
/// log file; stopped (or killed, for the restart scenario) by its PID.</summary>
internal sealed class OperatorProcess : IDisposable
{
    private readonly Process process;

    private readonly long logStart;

    private OperatorProcess(Process process, string log, long logStart)
    {
        this.process = process;
        LogPath = log;
        this.logStart = logStart;
    }

    /// <summary>The operator's PID.</summary>
    public int Pid => process.Id;

    /// <summary>The log file (stdout and stderr).</summary>
    public string LogPath { get; }

    /// <summary>Whether the process is still running.</summary>
    public bool IsRunning => NativeSignals.IsAlive(process.Id) && !process.HasExited;

    /// <summary>Starts the operator with <paramref name="arguments"/>, <c>KUBECONFIG</c> set and output appended to
    /// <paramref name="log"/>. Started through <c>/bin/sh -c 'exec …'</c> so the PID is the operator's own.</summary>
    public static OperatorProcess Start(string kubeconfig, IEnumerable<string> arguments, string log)
    {
        var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("exec \"$@\" </dev/null >>\"$FERRY_E2E_LOG\" 2>&1");
        info.ArgumentList.Add("ferry-operator");
        info.ArgumentList.Add(Repo.OperatorExecutable);
        foreach (string a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["KUBECONFIG"] = kubeconfig;
        info.Environment["FERRY_E2E_LOG"] = log;
        File.AppendAllText(log, $"=== ferry-operator {string.Join(' ', arguments)} at {DateTimeOffset.UtcNow:O}\n");
        long start = new FileInfo(log).Length;
        return new OperatorProcess(Process.Start(info) ?? throw new InvalidOperationException("cannot start ferry-operator"), log, start);
    }

    /// <summary>Whether the test stopped it (so its exit is no failure).</summary>
    public bool Stopped { get; private set; }

    /// <summary>Kills the operator with SIGKILL (a crash: nothing released) and waits for it to be gone.</summary>
    public void Kill()
    {
        Stopped = true;
        if (!process.HasExited)
        {
            process.Kill();
        }

        process.WaitForExit(10_000);
    }

    /// <summary>This process's <c>/metrics</c> URL, from the <c>listening on</c> line it printed; waits up to 30 s.</summary>
    public async Task<Uri> MetricsUrlAsync()
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            using (var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
            {
                stream.Seek(logStart, SeekOrigin.Begin);
                string text = await new StreamReader(stream).ReadToEndAsync();
                Match match = System.Text.RegularExpressions.Regex.Match(text, @"listening on http://[^:\s]*(\[[^\]]*\])?:(?<port>\d+)");
                if (match.Success)
                {
                    return new Uri($"http://127.0.0.1:{match.Groups["port"].Value}/metrics");
                }
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"ferry-operator (pid {Pid}) printed no listening address\n{Tail()}");
    }

    /// <summary>The last <paramref name="lines"/> lines of the log.</summary>
    public string Tail(int lines = 80) => File.Exists(LogPath) ? string.Join('\n', File.ReadLines(LogPath).TakeLast(lines)) : "(no log)";

    /// <summary>Kills the process if it still runs.</summary>
    public void Dispose()
    {
        Kill();
        process.Dispose();
    }
}
