using Ferry.Kube.Client;
using Ferry.Kube.Events;
using Ferry.Kube.LeaderElection;
using Ferry.Kube.Runtime;
using k8s;

namespace Ferry.Kube.Tests;

/// <summary>Pins the documented defaults of every settings class (their <c>&lt;value&gt;</c> docs).</summary>
public sealed class OptionsDefaultsTests
{
    [Fact]
    public void Defaults_MatchTheirDocumentation()
    {
        // KubernetesClient's configuration: the request timeout Ferry's client applies (with its TimeProvider).
        var config = new KubernetesClientConfiguration { Host = "https://x" };
        Assert.Equal((TimeSpan.FromSeconds(100), false), (config.HttpClientTimeout, config.SkipTlsVerify));

        var queue = new WorkQueueOptions();
        Assert.Equal((TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(1000)), (queue.BaseDelay, queue.MaxDelay));

        var informer = new InformerOptions();
        Assert.Equal((500, 300, (TimeSpan?)null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30)),
            (informer.PageSize, informer.WatchTimeoutSeconds, informer.ResyncPeriod, informer.InitialBackoff, informer.MaxBackoff));

        var election = new LeaderElectionOptions { LeaseNamespace = "n", LeaseName = "l", Identity = "i" };
        Assert.Equal((TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(2), true),
            (election.LeaseDuration, election.RenewDeadline, election.RetryPeriod, election.ReleaseOnCancel));

        Assert.True(new WatchOptions().AllowWatchBookmarks);
        Assert.Equal(TimeSpan.FromMinutes(10), new EventRecorderOptions { Component = "c" }.AggregationWindow);
    }
}
