using System.Diagnostics;

namespace Ferry.E2E.Tests.Harness;

/// <summary>The real kubectl against the simulator's kubeconfig, with a private discovery cache, with its default
/// (strict, server-side) validation.</summary>
internal sealed class Kubectl(string kubeconfig, string cacheDirectory)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);

    /// <summary>What one kubectl run printed.</summary>
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        /// <inheritdoc/>
        public override string ToString() => $"exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
    }

    /// <summary>Runs kubectl to completion; killed by PID and failed after 90 s.</summary>
    public async Task<Result> RunAsync(params string[] args)
    {
        var info = new ProcessStartInfo(Repo.KubectlExecutable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["KUBECONFIG"] = kubeconfig;
        info.ArgumentList.Add("--cache-dir");
        info.ArgumentList.Add(cacheDirectory);
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        using Process process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {Repo.KubectlExecutable}");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(Limit);
        }
        catch (TimeoutException)
        {
            process.Kill();
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
}
