using Ferry.ClusterSim.Kubelet;

namespace Ferry.Kube.Tests.Simulator.Kubelet;

/// <summary>The launcher's pure parts: <c>$(VAR)</c> expansion and the sandbox script.</summary>
public sealed class PodLauncherTests
{
    [Theory]
    [InlineData("$(A)-$(B)", "1-two")]
    [InlineData("$$(A)", "$(A)")]
    [InlineData("$(MISSING)", "$(MISSING)")]
    [InlineData("$A $(A", "$A $(A")]
    public void Expand_VariableReferences_AsKubernetes(string input, string expected) =>
        Assert.Equal(expected, PodLauncher.Expand(input, new Dictionary<string, string>(StringComparer.Ordinal) { ["A"] = "1", ["B"] = "two" }));

    [Fact]
    public void SandboxScript_BindsEveryVolumeAtItsMountPath_ReadOnlyWhereAsked_ThenChroots()
    {
        var plan = new LaunchPlan(["/app/ferry", "worker"], new Dictionary<string, string>(), "/", "/pods/p1", "/pods/p1/container.log",
            new Dictionary<string, string> { ["/data/source"] = "/vols/in", ["/app"] = "/img/app" }, TimeSpan.Zero)
        {
            ReadOnlyMounts = new HashSet<string> { "/data/source" },
        };

        string script = PodProcess.SandboxScript(plan);

        Assert.Contains("mount -t overlay clustersim-pod -o lowerdir=/", script, StringComparison.Ordinal);
        Assert.Equal("/run/secrets/kubernetes.io/serviceaccount", PodProcess.ResolveInRoot(Directory.ResolveLinkTarget("/var/run", false) is null ? "/run/secrets/kubernetes.io/serviceaccount" : "/var/run/secrets/kubernetes.io/serviceaccount"));
        Assert.Contains("mount --bind '/vols/in' \"$root\"'/data/source'", script, StringComparison.Ordinal);
        Assert.Contains("mount -o remount,bind,ro \"$root\"'/data/source'", script, StringComparison.Ordinal);
        Assert.Contains("mount --bind '/img/app' \"$root\"'/app'", script, StringComparison.Ordinal);
        Assert.DoesNotContain("remount,bind,ro \"$root\"'/app'", script, StringComparison.Ordinal);
        Assert.EndsWith("exec chroot \"$root\" /bin/sh -c 'cd \"$0\" && exec \"$@\"' \"$@\"\n", script, StringComparison.Ordinal);
    }
}
