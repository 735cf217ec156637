using Ferry.Operator.Controllers;

namespace Ferry.Operator.Tests.Controllers;

public sealed class OperatorOptionsTests
{
    [Fact]
    public void Defaults_AreAsDocumented()
    {
        var o = new OperatorOptions();

        Assert.Null(o.Kubeconfig);
        Assert.Null(o.Namespace);
        Assert.Equal(8080, o.Port);
        Assert.Equal("ghcr.io/ferry-io/ferry:latest", o.RunnerImage);
        Assert.Null(o.RunnerServiceAccountName);
        Assert.Equal(15, o.LeaseDurationSeconds);
        Assert.Equal(TimeSpan.FromSeconds(2), o.StatusWriteInterval);
        Assert.Equal(TimeSpan.FromSeconds(10), o.SpecRecheckInterval);
        Assert.Equal(TimeSpan.FromSeconds(30), o.ResyncInterval);
        Assert.Equal(4, o.Concurrency);
        Assert.True(o.LeaderElection);
        Assert.Equal("ferry-operator", o.LeaderElectionLeaseName);
        Assert.Null(o.LeaderElectionNamespace);
        Assert.Equal(TimeSpan.FromSeconds(15), o.LeaderElectionLeaseDuration);
        Assert.Equal("json", o.LogFormat);
    }
}
