using System.Diagnostics;

namespace Ferry.ClusterSim.Kubelet;

/// <summary>One pod's running container: a process started through <c>setsid</c> (so it leads its own process group
/// and its children can be signalled together), stdin from <c>/dev/null</c>, stdout and stderr appended to the log, in
/// its own mount namespace (<c>unshare --mount --propagation private</c>) whose root is a copy-on-write overlay of the
/// host's (writes stay in the pod, as in a container's writable layer) with the host's other mounts bound in, each volume
/// bound at its mount path (read-only where the volumeMount says so) and an image directory at <c>/app</c>; the command
/// runs there through <c>chroot</c>.</summary>
/// <remarks>Needs root and util-linux's <c>unshare</c> (see tests/README.md); <see cref="ProcessKubelet"/> refuses to start
/// without them. setsid, the shells, unshare and chroot all exec, so the pod's pid is the command's pid.</remarks>
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
            string? path = info.Environment.TryGetValue("PATH", out string? p) ? p : null;
            info.Environment.Clear();
            if (path is not null)
            {
                info.Environment["PATH"] = path;
            }
        }

        foreach ((string? key, string? value) in plan.Environment)
        {
            info.Environment[key] = value;
        }

        // setsid execs (no fork: a child of .NET is not a group leader), then sh redirects and execs unshare, which
        // execs the sandbox script in the new mount namespace, which execs chroot and the command: one pid throughout.
        string script = Path.Combine(plan.PodDirectory, "sandbox.sh");
        File.WriteAllText(script, SandboxScript(plan));
        info.ArgumentList.Add("/bin/sh");
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("exec \"$@\" </dev/null >>\"$0\" 2>&1");
        info.ArgumentList.Add(plan.LogPath);
        info.ArgumentList.Add("unshare");
        info.ArgumentList.Add("--mount");
        info.ArgumentList.Add("--propagation");
        info.ArgumentList.Add("private");
        info.ArgumentList.Add("/bin/sh");
        info.ArgumentList.Add(script);
        info.ArgumentList.Add(plan.WorkingDirectory);
        foreach (string arg in plan.Argv)
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

    /// <summary>A mount path with the symbolic links along it resolved as the pod's root (an overlay of the host's) has
    /// them, so that <c>mkdir</c> and <c>mount</c> outside the <c>chroot</c> never follow an absolute link such as
    /// <c>/var/run</c> → <c>/run</c> onto the host.</summary>
    internal static string ResolveInRoot(string path)
    {
        var parts = new Queue<string>(path.Split('/', StringSplitOptions.RemoveEmptyEntries));
        var resolved = new List<string>();
        for (int hops = 0; parts.Count > 0 && hops < 64;)
        {
            string part = parts.Dequeue();
            if (part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (resolved.Count > 0)
                {
                    resolved.RemoveAt(resolved.Count - 1);
                }

                continue;
            }

            string candidate = "/" + string.Join('/', resolved.Append(part));
            string? target = new FileInfo(candidate).LinkTarget;
            if (target is null)
            {
                resolved.Add(part);
                continue;
            }

            hops++;
            if (target.StartsWith('/'))
            {
                resolved.Clear();
            }

            foreach (string? p in parts.ToList())
            {
                target += "/" + p;
            }

            parts = new Queue<string>(target.Split('/', StringSplitOptions.RemoveEmptyEntries));
        }

        return "/" + string.Join('/', resolved);
    }

    private static string Quote(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>The script run as the pod's process in its new mount namespace: overlay root, host mounts, volumes, chroot.
    /// Its arguments are the working directory and the argv.</summary>
    internal static string SandboxScript(LaunchPlan plan)
    {
        string layers = Path.Combine(plan.PodDirectory, "layers");
        string root = Path.Combine(plan.PodDirectory, "root");
        var text = new System.Text.StringBuilder();
        text.Append("set -e\n");
        text.Append($"layers={Quote(layers)}; root={Quote(root)}\n");
        text.Append("mkdir -p \"$layers\" \"$root\"\n");
        text.Append("mount -t tmpfs clustersim-pod \"$layers\"\n");
        text.Append("mkdir \"$layers/upper\" \"$layers/work\"\n");
        text.Append("mount -t overlay clustersim-pod -o lowerdir=/,upperdir=\"$layers/upper\",workdir=\"$layers/work\" \"$root\"\n");
        // The host's other mounts (/dev, /proc, /sys, a tmpfs /tmp...), each top-level one bound recursively.
        text.Append("awk '$2 != \"/\" {print $2}' /proc/self/mounts | sort -u | while read -r m; do\n");
        text.Append("  case \"$m\" in \"$layers\"*|\"$root\"*) continue;; esac\n");
        text.Append("  parent_mounted=; for p in $done; do case \"$m\" in \"$p\"/*) parent_mounted=1;; esac; done\n");
        text.Append("  [ -n \"$parent_mounted\" ] && continue\n");
        text.Append("  [ -d \"$m\" ] || continue\n");
        text.Append("  mkdir -p \"$root$m\" && mount --rbind \"$m\" \"$root$m\" && done=\"$done $m\"\n");
        text.Append("done\n");
        foreach ((string? mountPath, string? host) in plan.Mounts.OrderBy(m => m.Key.Length))
        {
            string target = "\"$root\"" + Quote(ResolveInRoot(mountPath));
            text.Append($"if [ -d {Quote(host)} ]; then mkdir -p {target}; else mkdir -p \"$(dirname {target})\"; touch {target}; fi\n");
            text.Append($"mount --bind {Quote(host)} {target}\n");
            if (plan.ReadOnlyMounts.Contains(mountPath))
            {
                text.Append($"mount -o remount,bind,ro {target}\n");
            }
        }

        text.Append("exec chroot \"$root\" /bin/sh -c 'cd \"$0\" && exec \"$@\"' \"$@\"\n");
        return text.ToString();
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
