using System.Diagnostics;

namespace Ferry.E2E.Tests.Harness;

/// <summary>The image's <c>/app</c> as the <c>Dockerfile</c> lays it out: <c>dotnet publish</c> of <c>src/SyncRunner</c>
/// and <c>src/Operator</c> into one directory, so that <c>ferry</c> (the entrypoint) and <c>ferry-operator</c> sit side by
/// side. Published from this test run's build (<c>--no-build</c>, the configuration of this assembly): framework-dependent
/// and without ReadyToRun, unlike the image (which precompiles for one runtime identifier).</summary>
internal static class ImageDirectory
{
    /// <summary>The chart's default image (<c>image.repository</c>, any tag), which the kubelet maps to the directory.</summary>
    public const string ChartImage = "ghcr.io/ferry-io/ferry:*";

    /// <summary>Publishes both programs into <paramref name="directory"/>.</summary>
    public static async Task PublishAsync(string directory)
    {
        foreach (string project in new[] { "src/SyncRunner/Ferry.SyncRunner.csproj", "src/Operator/Ferry.Operator.csproj" })
        {
            var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = Repo.Root };
            foreach (string a in new[] { "publish", project, "-c", Repo.Configuration, "--no-build", "-o", directory, "-nologo", "-v", "q" })
            {
                info.ArgumentList.Add(a);
            }

            using Process process = Process.Start(info) ?? throw new InvalidOperationException("cannot start dotnet");
            Task<string> stdout = process.StandardOutput.ReadToEndAsync();
            Task<string> stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(180));
            Assert.True(process.ExitCode == 0, $"dotnet publish {project}: exit {process.ExitCode}\n{await stdout}\n{await stderr}");
        }

        foreach (string program in new[] { "ferry", "ferry-operator" })
        {
            Assert.True(File.Exists(Path.Combine(directory, program)), $"dotnet publish left no {program} in {directory}");
        }
    }
}
