using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;

namespace Ferry.Kube.Tests.Simulator;

/// <summary>The standalone simulator: <c>ClusterSim --port 0 --kubeconfig FILE</c> prints <c>ready</c>, serves the
/// kubeconfig's server, and exits cleanly on SIGTERM.</summary>
public sealed partial class ProgramTests
{
    [GeneratedRegex(@"server: (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ServerLine();

    [Fact]
    public async Task Main_PortZeroAndKubeconfig_PrintsReadyServesAndStopsOnSigterm()
    {
        DirectoryInfo temp = Directory.CreateTempSubdirectory("clustersim-program-");
        string kubeconfig = Path.Combine(temp.FullName, "kubeconfig");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string? a in new[] { Path.Combine(AppContext.BaseDirectory, "ClusterSim.dll"), "--port", "0", "--kubeconfig", kubeconfig })
        {
            info.ArgumentList.Add(a);
        }

        using Process process = Process.Start(info)!;
        try
        {
            string? line;
            do
            {
                line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            }
            while (line is not null && line != "ready");

            Assert.Equal("ready", line);
            string server = ServerLine().Match(await File.ReadAllTextAsync(kubeconfig)).Groups[1].Value;
            using var client = new HttpClient();
            using HttpResponseMessage response = await client.GetAsync($"{server}/api/v1/namespaces/default");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);

            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            temp.Delete(recursive: true);
        }
    }
}
