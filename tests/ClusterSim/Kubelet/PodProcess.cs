using System.Diagnostics;

namespace Ferry.ClusterSim.Kubelet;

/// <summary>One pod's running container: a process started through <c>setsid</c> (so it leads its own process group
/// and its children can be signalled together), stdin from <c>/dev/null</c>, stdout and stderr appended to the log.</summary>
internal sealed class PodProcess : IDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _stopping;
    private int _pid;
    private int _disposed;

    private PodProcess(Process process, string ns, string name, string uid, LaunchPlan plan)
    {
        _process = process;
        Namespace = ns;
        Name = name;
        Uid = uid;
        Plan = plan;
        StartedAt = DateTimeOffset.UtcNow;
    }

    public string Namespace { get; }

    public string Name { get; }

    public string Uid { get; }

    public LaunchPlan Plan { get; }

    /// <summary>The process id (and process group id), kept after the process is disposed.</summary>
    public int Pid => _pid;

    public DateTimeOffset StartedAt { get; }

    /// <summary>Completes when the main process has exited (its exit code is then known).</summary>
    public Task Exited => _exited.Task;

    public int ExitCode => _process.ExitCode;

    /// <summary>Whether the kubelet stopped it (pod deleted, Job failed or suspended) rather than it ending by itself.</summary>
    public bool Stopping => Volatile.Read(ref _stopping) != 0;

    /// <exception cref="System.ComponentModel.Win32Exception">setsid or /bin/sh cannot be started.</exception>
    public static PodProcess Start(string ns, string name, string uid, LaunchPlan plan, bool inheritEnvironment)
    {
        var info = new ProcessStartInfo("setsid")
        {
            UseShellExecute = false,
            WorkingDirectory = Directory.Exists(plan.WorkingDirectory) ? plan.WorkingDirectory : plan.PodDirectory,
        };
        if (!inheritEnvironment)
        {
            var path = info.Environment.TryGetValue("PATH", out var p) ? p : null;
            info.Environment.Clear();
            if (path is not null)
            {
                info.Environment["PATH"] = path;
            }
        }

        foreach (var (key, value) in plan.Environment)
        {
            info.Environment[key] = value;
        }

        // setsid execs (no fork: a child of .NET is not a group leader), then sh redirects and execs the command,
        // so the pod's pid is the command's pid and the process group id.
        info.ArgumentList.Add("/bin/sh");
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("exec \"$@\" </dev/null >>\"$0\" 2>&1");
        info.ArgumentList.Add(plan.LogPath);
        foreach (var arg in plan.Argv)
        {
            info.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var pod = new PodProcess(process, ns, name, uid, plan);
        process.Exited += (_, _) => pod._exited.TrySetResult();
        process.Start();
        pod._pid = process.Id;
        if (process.HasExited)
        {
            pod._exited.TrySetResult();
        }

        return pod;
    }

    /// <summary>Sends <paramref name="signal"/> to the process group; a no-op once the kubelet has reaped the pod
    /// (disposed it after its exit and the group's SIGKILL), which a concurrent stop can still reach.</summary>
    public bool Signal(PodSignal signal) => Volatile.Read(ref _disposed) == 0 && NativeSignals.SignalGroup(_pid, signal);

    /// <summary>SIGTERM to the group, then SIGKILL once <paramref name="grace"/> has passed (or at once when zero).</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        Interlocked.Exchange(ref _stopping, 1);
        if (grace > TimeSpan.Zero)
        {
            Signal(PodSignal.SIGTERM);
            await Task.WhenAny(Exited, Task.Delay(grace)).ConfigureAwait(false);
        }

        Signal(PodSignal.SIGKILL);
        await Task.WhenAny(Exited, Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
    }

    public void Dispose()
    {
        Interlocked.Exchange(ref _disposed, 1);
        _process.Dispose();
    }
}
