using System.Diagnostics;

namespace Ferry.E2E.Tests.Harness;

/// <summary>Helm 4 (<c>$FERRY_HELM</c>, else <c>.tools/helm/helm</c>, which <c>./test.sh</c> installs): renders the
/// repository's chart, and installs, upgrades and uninstalls it. A missing helm fails the test.</summary>
internal static class Helm
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(240);

    /// <summary>The helm executable.</summary>
    public static string Executable =>
        Environment.GetEnvironmentVariable("FERRY_HELM") is { Length: > 0 } configured ? configured : Path.Combine(Repo.Root, ".tools", "helm", "helm");

    /// <summary>The repository's chart directory.</summary>
    public static string Chart => Path.Combine(Repo.Root, "charts", "ferry");

    /// <summary><c>helm template ferry charts/ferry --show-only TEMPLATE --set VALUE...</c>: one template as the chart
    /// renders it.</summary>
    public static async Task<string> TemplateAsync(string template, params string[] values)
    {
        var args = new List<string> { "template", "ferry", Chart, "--show-only", template };
        foreach (string v in values)
        {
            args.Add("--set");
            args.Add(v);
        }

        Kubectl.Result result = await RunAsync(null, null, [.. args]);
        Assert.True(result.ExitCode == 0, $"helm template {template}: {result}");
        return result.Stdout;
    }

    /// <summary>Runs helm to completion with <c>KUBECONFIG</c> = <paramref name="kubeconfig"/> and its cache, config and
    /// data directories under <paramref name="home"/> (so no test touches the user's Helm settings); killed by PID and
    /// failed after 240 s.</summary>
    public static async Task<Kubectl.Result> RunAsync(string? kubeconfig, string? home, params string[] args)
    {
        var info = new ProcessStartInfo(Executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        if (kubeconfig is not null)
        {
            info.Environment["KUBECONFIG"] = kubeconfig;
        }

        if (home is not null)
        {
            info.Environment["HELM_CACHE_HOME"] = Path.Combine(home, "cache");
            info.Environment["HELM_CONFIG_HOME"] = Path.Combine(home, "config");
            info.Environment["HELM_DATA_HOME"] = Path.Combine(home, "data");
        }

        using Process process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {Executable}");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(Limit);
        }
        catch (TimeoutException)
        {
            process.Kill();
            throw new TimeoutException($"helm {string.Join(' ', args)} did not finish within {Limit}");
        }

        return new Kubectl.Result(process.ExitCode, await stdout, await stderr);
    }
}
