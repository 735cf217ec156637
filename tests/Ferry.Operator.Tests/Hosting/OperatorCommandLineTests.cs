using Ferry.Operator.Controllers;
using Ferry.Operator.Hosting;

namespace Ferry.Operator.Tests.Hosting;

public sealed class OperatorCommandLineTests
{
    private static readonly Func<string, string?> NoEnv = _ => null;

    [Fact]
    public void Parse_EveryFlag_SetsOptions()
    {
        OperatorOptions o = OperatorCommandLine.Parse(
        [
            "--kubeconfig", "/tmp/k", "--namespace=ns", "--port", "0", "--runner-image", "img:1", "--runner-service-account", "sa",
            "--lease-duration", "30", "--status-interval", "0.5", "--spec-recheck-interval", "3", "--resync-interval", "7",
            "--concurrency", "2", "--leader-elect=false", "--leader-election-name", "l", "--leader-election-namespace", "sys", "--log-format", "text", "--leader-election-lease-duration", "3",
        ], NoEnv);

        Assert.Equal(("/tmp/k", "ns", 0, "img:1", "sa", 30), (o.Kubeconfig, o.Namespace, o.Port, o.RunnerImage, o.RunnerServiceAccountName, o.LeaseDurationSeconds));
        Assert.Equal((TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(7), 2), (o.StatusWriteInterval, o.SpecRecheckInterval, o.ResyncInterval, o.Concurrency));
        Assert.Equal((false, "l", "sys", "text", TimeSpan.FromSeconds(3)), (o.LeaderElection, o.LeaderElectionLeaseName, o.LeaderElectionNamespace, o.LogFormat, o.LeaderElectionLeaseDuration));
    }

    [Fact]
    public void Parse_Environment_UsedUnlessAFlagOverrides()
    {
        var env = new Dictionary<string, string> { ["FERRY_OPERATOR_PORT"] = "9090", ["FERRY_RUNNER_IMAGE"] = "env:img", ["FERRY_OPERATOR_NAMESPACE"] = "envns" };

        OperatorOptions fromEnv = OperatorCommandLine.Parse([], k => env.GetValueOrDefault(k));
        OperatorOptions flagWins = OperatorCommandLine.Parse(["--port", "1234"], k => env.GetValueOrDefault(k));

        Assert.Equal((9090, "env:img", "envns"), (fromEnv.Port, fromEnv.RunnerImage, fromEnv.Namespace));
        Assert.Equal(1234, flagWins.Port);
    }

    [Fact]
    public void Parse_BareLeaderElect_MeansTrue()
    {
        Assert.True(OperatorCommandLine.Parse(["--leader-elect", "--port", "1"], NoEnv).LeaderElection);
        Assert.False(OperatorCommandLine.Parse(["--leader-elect", "false"], NoEnv).LeaderElection);
    }

    [Theory]
    [InlineData("--bogus")]
    [InlineData("--port")]
    [InlineData("--port", "70000")]
    [InlineData("--status-interval", "-1")]
    [InlineData("--log-format", "xml")]
    [InlineData("--leader-election-lease-duration", "0.5")]
    [InlineData("positional")]
    public void Parse_BadInput_Throws(params string[] args)
    {
        Assert.Throws<FormatException>(() => OperatorCommandLine.Parse(args, NoEnv));
    }
}
