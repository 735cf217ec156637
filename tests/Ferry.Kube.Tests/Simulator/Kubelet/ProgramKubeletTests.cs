using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Ferry.ClusterSim.Kubelet;

namespace Ferry.Kube.Tests.Simulator.Kubelet;

/// <summary>The standalone simulator with <c>--kubelet --volumes DIR --image-map IMAGE=EXECUTABLE</c>: a Job's pod runs
/// as a process with its claim mapped to <c>DIR/NAME</c>, and SIGTERM to the simulator leaves no process behind.</summary>
public sealed partial class ProgramKubeletTests
{
    [GeneratedRegex(@"server: (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ServerLine();

    [Fact]
    public async Task Main_Kubelet_RunsAJobsPodWithMappedImageAndClaimAndKillsItOnSigterm()
    {
        DirectoryInfo temp = Directory.CreateTempSubdirectory("clustersim-kubelet-program-");
        string kubeconfig = Path.Combine(temp.FullName, "kubeconfig");
        string volumes = Path.Combine(temp.FullName, "volumes");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string? a in new[]
        {
            Path.Combine(AppContext.BaseDirectory, "ClusterSim.dll"), "--port", "0", "--kubeconfig", kubeconfig,
            "--kubelet", "--volumes", volumes, "--work-dir", Path.Combine(temp.FullName, "pods"), "--image-map", "example.com/tool:*=/bin/sh -c",
        })
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
            using var client = new HttpClient { BaseAddress = new Uri(server + "/") };
            const string job = """
                {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "tool"},
                 "spec": {"template": {"spec": {"restartPolicy": "Never",
                   "volumes": [{"name": "out", "persistentVolumeClaim": {"claimName": "out"}}],
                   "containers": [{"name": "main", "image": "example.com/tool:v1",
                     "args": ["echo written > /mnt/out/file.txt; exec sleep 60"],
                     "volumeMounts": [{"name": "out", "mountPath": "/mnt/out"}]}]}}}}
                """;
            using HttpResponseMessage created = await client.PostAsync("apis/batch/v1/namespaces/default/jobs", new StringContent(job, Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);

            string file = Path.Combine(volumes, "out", "file.txt");
            int? pid = null;
            DateTime until = DateTime.UtcNow.AddSeconds(30);
            while ((pid is null || !File.Exists(file)) && DateTime.UtcNow < until)
            {
                JsonArray pods = JsonNode.Parse(await client.GetStringAsync("api/v1/namespaces/default/pods?labelSelector=job-name%3Dtool"))!["items"]!.AsArray();
                string? id = pods.Count == 0 ? null : (string?)pods[0]?["status"]?["containerStatuses"]?[0]?["containerID"];
                pid = id?.StartsWith("process://", StringComparison.Ordinal) == true ? int.Parse(id["process://".Length..], CultureInfo.InvariantCulture) : null;
                await Task.Delay(50);
            }

            Assert.NotNull(pid);
            Assert.Equal("written\n", await File.ReadAllTextAsync(file));
            Assert.True(NativeSignals.IsAlive(pid.Value));

            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(0, process.ExitCode);
            Assert.False(NativeSignals.IsAlive(pid.Value));
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
