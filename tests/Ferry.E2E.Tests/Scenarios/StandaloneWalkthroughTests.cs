using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Ferry.E2E.Tests.Harness;

namespace Ferry.E2E.Tests.Scenarios;

/// <summary>The walkthrough of <c>tests/e2e/README.md</c>, "Try a SyncJob without a cluster", as a person runs it: the
/// standalone simulator program with <c>--kubelet --volumes --image-map</c>, <c>ferry-operator</c> with the README's
/// flags and its default runner image, and the README's own manifest applied with kubectl.</summary>
[Collection(E2ECollection.Name)]
public sealed partial class StandaloneWalkthroughTests
{
    [Fact]
    public async Task ReadmeWalkthrough_StandaloneSimulatorAndOperator_CopiesTheSampleTreeWithoutLogs()
    {
        string demo = Directory.CreateTempSubdirectory("ferry-e2e-readme-").FullName;
        Process? sim = null;
        Process? op = null;
        try
        {
            string inbox = Path.Combine(demo, "volumes", "inbox");
            Directory.CreateDirectory(inbox);
            await CopyTreeAsync(Path.Combine(Repo.Root, "samples", "tree"), inbox);
            string kubeconfig = Path.Combine(demo, "kubeconfig");
            string simDll = Path.Combine(Repo.Root, "tests", "ClusterSim", "bin", Repo.Configuration, "net10.0", "ClusterSim.dll");
            sim = StartLogged("dotnet", Path.Combine(demo, "sim.log"), null, simDll, "--port", "0", "--kubeconfig", kubeconfig,
                "--kubelet", "--volumes", Path.Combine(demo, "volumes"), "--image-map", $"ghcr.io/ferry-io/ferry:*={Repo.FerryExecutable}");
            await WaitForAsync(() => File.Exists(Path.Combine(demo, "sim.log")) && File.ReadAllText(Path.Combine(demo, "sim.log")).Contains("ready", StringComparison.Ordinal),
                TimeSpan.FromSeconds(30), "the simulator to print ready", Path.Combine(demo, "sim.log"));

            var kubectl = new Kubectl(kubeconfig, Path.Combine(demo, "kubectl-cache"));
            await kubectl.RunOkAsync("apply", "-f", Repo.Crds);
            op = StartLogged(Repo.OperatorExecutable, Path.Combine(demo, "operator.log"), kubeconfig, "--port", "0", "--lease-duration", "6", "--log-format", "text",
                "--runner-service-account", "ferry-runner");
            await kubectl.RunOkAsync("create", "namespace", "demo");
            string rbac = Path.Combine(demo, "runner-rbac.yaml");
            await File.WriteAllTextAsync(rbac, await Helm.TemplateAsync("templates/rbac-runner.yaml", "runner.namespaces={demo}"));
            await kubectl.RunOkAsync("apply", "-f", rbac);
            string manifest = Path.Combine(demo, "demo.yaml");
            await File.WriteAllTextAsync(manifest, ReadmeManifest());
            await kubectl.RunOkAsync("apply", "-f", manifest);

            JsonObject? syncJob = null;
            await WaitForAsync(() =>
            {
                Kubectl.Result get = kubectl.RunAsync("get", "syncjob", "first-sync", "-n", "demo", "-o", "json").GetAwaiter().GetResult();
                syncJob = get.ExitCode == 0 ? JsonNode.Parse(get.Stdout)!.AsObject() : null;
                return (string?)syncJob?["status"]?["phase"] is "Succeeded" or "Failed";
            }, TimeSpan.FromSeconds(90), "the README's SyncJob to finish", Path.Combine(demo, "operator.log"));

            var status = new SyncJobView(syncJob!);
            SortedDictionary<string, string> expected = TreeSnapshot.Take(inbox);
            var excluded = expected.Keys.Where(k => k.EndsWith(".log", StringComparison.Ordinal)).ToList();
            foreach (string key in excluded)
            {
                expected.Remove(key);
            }

            Assert.True(status.Is("Complete"), status.ToString());
            Assert.Equal("Succeeded", status.Phase);
            Assert.NotEmpty(excluded);
            Assert.Equal(expected.Count + excluded.Count, status.Progress("scanned"));
            Assert.Equal(expected.Count, status.Progress("copied"));
            Assert.Equal(excluded.Count, status.Progress("excluded"));
            TreeSnapshot.AssertEqual(expected, TreeSnapshot.Take(Path.Combine(demo, "volumes", "backup", "copy")), "the README's destination");
        }
        finally
        {
            // The README's last step: stop both by PID (SIGTERM); the simulator kills any pod process left.
            foreach (Process? p in new[] { op, sim })
            {
                if (p is not null)
                {
                    Stop(p);
                }
            }

            Directory.Delete(demo, recursive: true);
        }
    }

    /// <summary>The YAML of the README's <c>kubectl apply -f - &lt;&lt;'EOF'</c> step.</summary>
    private static string ReadmeManifest()
    {
        string readme = File.ReadAllText(Path.Combine(Repo.Root, "tests", "e2e", "README.md"));
        Match heredoc = Heredoc().Match(readme);
        Assert.True(heredoc.Success, "tests/e2e/README.md has no kubectl apply heredoc");
        return heredoc.Groups["yaml"].Value;
    }

    [GeneratedRegex(@"kubectl apply -f - <<'EOF'\n(?<yaml>.*?)\nEOF\n", RegexOptions.Singleline)]
    private static partial Regex Heredoc();

    private static async Task CopyTreeAsync(string from, string to)
    {
        using var cp = Process.Start("cp", ["-a", from + "/.", to + "/"]);
        await cp.WaitForExitAsync();
        Assert.Equal(0, cp.ExitCode);
    }

    /// <summary>Starts a program through <c>/bin/sh -c 'exec …'</c> (so the PID is the program's) with its output
    /// appended to <paramref name="log"/> and <c>KUBECONFIG</c> set to <paramref name="kubeconfig"/> when given.</summary>
    private static Process StartLogged(string program, string log, string? kubeconfig, params string[] args)
    {
        var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("exec \"$@\" </dev/null >>\"$FERRY_E2E_LOG\" 2>&1");
        info.ArgumentList.Add("sh");
        info.ArgumentList.Add(program);
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["FERRY_E2E_LOG"] = log;
        if (kubeconfig is not null)
        {
            info.Environment["KUBECONFIG"] = kubeconfig;
        }

        return Process.Start(info) ?? throw new InvalidOperationException($"cannot start {program}");
    }

    private static async Task WaitForAsync(Func<bool> condition, TimeSpan timeout, string what, string log)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < timeout, $"timed out after {timeout.TotalSeconds:0} s waiting for {what}; {log}:\n{(File.Exists(log) ? File.ReadAllText(log) : "(none)")}");
            await Task.Delay(200);
        }
    }

    private static void Stop(Process process)
    {
        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            kill.WaitForExit();
        }

        if (!process.WaitForExit(20_000))
        {
            process.Kill();
            process.WaitForExit();
        }

        process.Dispose();
    }
}
