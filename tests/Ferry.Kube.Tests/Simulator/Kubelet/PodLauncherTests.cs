using Ferry.ClusterSim.Kubelet;

namespace Ferry.Kube.Tests.Simulator.Kubelet;

/// <summary>The launcher's pure parts: mount-path substitution and <c>$(VAR)</c> expansion.</summary>
public sealed class PodLauncherTests
{
    private static readonly Dictionary<string, string> Map = new(StringComparer.Ordinal)
    {
        ["/data"] = "/host/vol/data",
        ["/data/in"] = "/host/in",
        ["/etc/creds"] = "/host/creds",
    };

    [Theory]
    [InlineData("/data", "/host/vol/data")]
    [InlineData("/data/", "/host/vol/data/")]
    [InlineData("/data/x/y.txt", "/host/vol/data/x/y.txt")]
    [InlineData("/data/in/a", "/host/in/a")]
    [InlineData("--dst=/data/out", "--dst=/host/vol/data/out")]
    [InlineData("cat /etc/creds/key > /data/k; ls '/data'", "cat /host/creds/key > /host/vol/data/k; ls '/host/vol/data'")]
    [InlineData("/database", "/database")]
    [InlineData("/x/data", "/x/data")]
    [InlineData("/data.bak", "/data.bak")]
    [InlineData("s3://bucket/data", "s3://bucket/data")]
    public void PathSubstitution_MountPaths_ReplacedOnlyAsWholePathPrefixes(string input, string expected) =>
        Assert.Equal(expected, PodLauncher.PathSubstitution(Map)(input));

    [Fact]
    public void PathSubstitution_ReplacementContainingAMountPath_IsNotReplacedAgain()
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal) { ["/a"] = "/tmp/a", ["/tmp"] = "/elsewhere" };

        Assert.Equal("/tmp/a/f /elsewhere/g", PodLauncher.PathSubstitution(map)("/a/f /tmp/g"));
    }

    [Theory]
    [InlineData("$(A)-$(B)", "1-two")]
    [InlineData("$$(A)", "$(A)")]
    [InlineData("$(MISSING)", "$(MISSING)")]
    [InlineData("$A $(A", "$A $(A")]
    public void Expand_VariableReferences_AsKubernetes(string input, string expected) =>
        Assert.Equal(expected, PodLauncher.Expand(input, new Dictionary<string, string>(StringComparer.Ordinal) { ["A"] = "1", ["B"] = "two" }));
}
