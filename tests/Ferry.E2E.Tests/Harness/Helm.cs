using System.Diagnostics;

namespace Ferry.E2E.Tests.Harness;

/// <summary>Helm 4 (<c>$FERRY_HELM</c>, else <c>.tools/helm/helm</c>, which <c>./test.sh</c> installs): renders the
/// repository's chart. A missing helm fails the test.</summary>
internal static class Helm
{
    /// <summary>The helm executable.</summary>
    public static string Executable =>
        Environment.GetEnvironmentVariable("FERRY_HELM") is { Length: > 0 } configured ? configured : Path.Combine(Repo.Root, ".tools", "helm", "helm");

    /// <summary><c>helm template ferry charts/ferry --show-only TEMPLATE --set VALUE...</c>: one template as the chart
    /// renders it.</summary>
    public static async Task<string> TemplateAsync(string template, params string[] values)
    {
        var info = new ProcessStartInfo(Executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { "template", "ferry", Path.Combine(Repo.Root, "charts", "ferry"), "--show-only", template })
        {
            info.ArgumentList.Add(a);
        }

        foreach (string v in values)
        {
            info.ArgumentList.Add("--set");
            info.ArgumentList.Add(v);
        }

        using Process process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {Executable}");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(process.ExitCode == 0, $"helm template {template}: exit {process.ExitCode}\n{await stderr}");
        return await stdout;
    }
}
