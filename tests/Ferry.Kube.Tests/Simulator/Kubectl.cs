using System.Diagnostics;
using System.Text;

namespace Ferry.Kube.Tests.Simulator;

/// <summary>Runs the real kubectl against a kubeconfig, with a private discovery cache.</summary>
internal sealed class Kubectl(string executable, string kubeconfig, string cacheDir)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    /// <summary>The kubectl binaries to test: <c>$FERRY_KUBECTL</c> (else <c>kubectl</c> on PATH) always; also
    /// <c>kubectl</c> on PATH and the repository's <c>.tools/kubectl/kubectl</c> when present and different.</summary>
    public static TheoryData<string> Binaries()
    {
        string primary = Environment.GetEnvironmentVariable("FERRY_KUBECTL") is { Length: > 0 } configured ? configured : "kubectl";
        var seen = new HashSet<string>(StringComparer.Ordinal) { Resolve(primary) };
        var data = new TheoryData<string> { primary };
        string tools = Path.Combine(TestFiles.RepoRoot, ".tools", "kubectl", "kubectl");
        foreach (string? candidate in new[] { Which("kubectl"), File.Exists(tools) ? tools : null })
        {
            if (candidate is not null && seen.Add(Resolve(candidate)))
            {
                data.Add(candidate);
            }
        }

        return data;
    }

    private static string? Which(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    private static string Resolve(string executable) =>
        executable.Contains('/') ? Path.GetFullPath(executable) : Which(executable) ?? executable;

    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
    }

    public ProcessStartInfo StartInfo(params string[] args)
    {
        var info = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["KUBECONFIG"] = kubeconfig;
        info.ArgumentList.Add("--cache-dir");
        info.ArgumentList.Add(cacheDir);
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        return info;
    }

    /// <summary>Runs kubectl to completion (killed by PID and failed after 60 s).</summary>
    public async Task<Result> RunAsync(params string[] args)
    {
        using Process process = Process.Start(StartInfo(args)) ?? throw new InvalidOperationException($"cannot start {executable}");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(Limit);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"kubectl {string.Join(' ', args)} did not finish within {Limit}");
        }

        return new Result(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs kubectl and fails the test unless it exits 0.</summary>
    public async Task<Result> RunOkAsync(params string[] args)
    {
        Result result = await RunAsync(args);
        Assert.True(result.ExitCode == 0, $"kubectl {string.Join(' ', args)}: {result}");
        return result;
    }

    /// <summary>A long-running kubectl (e.g. <c>get --watch</c>) whose output is collected as it arrives.</summary>
    public sealed class Streaming : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _stdout = new();
        private readonly StringBuilder _stderr = new();

        public Streaming(ProcessStartInfo info)
        {
            _process = Process.Start(info) ?? throw new InvalidOperationException("cannot start kubectl");
            _process.OutputDataReceived += (_, e) => Append(_stdout, e.Data);
            _process.ErrorDataReceived += (_, e) => Append(_stderr, e.Data);
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        private static void Append(StringBuilder sb, string? line)
        {
            if (line is not null)
            {
                lock (sb)
                {
                    sb.AppendLine(line);
                }
            }
        }

        public string Stdout
        {
            get
            {
                lock (_stdout)
                {
                    return _stdout.ToString();
                }
            }
        }

        public string Stderr
        {
            get
            {
                lock (_stderr)
                {
                    return _stderr.ToString();
                }
            }
        }

        /// <summary>Waits until the output satisfies <paramref name="condition"/>; fails the test after 30 s or if kubectl exits.</summary>
        public async Task WaitForAsync(Func<string, bool> condition, string what)
        {
            DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (!condition(Stdout))
            {
                Assert.True(DateTime.UtcNow < deadline, $"kubectl watch never showed {what}.\nstdout:\n{Stdout}\nstderr:\n{Stderr}");
                Assert.False(_process.HasExited, $"kubectl watch exited before showing {what}.\nstdout:\n{Stdout}\nstderr:\n{Stderr}");
                await Task.Delay(50);
            }
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }

            _process.Dispose();
        }
    }
}
