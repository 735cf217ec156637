using Ferry.Testing.Time;
using System.Net;
using Ferry.SyncRunner.Tests.Support;
using Ferry.Testing.Http;

namespace Ferry.SyncRunner.Tests.Testing.Http;

/// <summary>The test proxy's <see cref="FaultInjectingProxy.Latency"/>: a request waits for the delay (on the proxy's
/// clock) before it goes on to the next hop. Two proxies in a row: the second answers 503 itself (failure rate 1), so
/// no server is needed and its request count shows what the first one forwarded.</summary>
public sealed class FaultInjectingProxyTests
{
    [Fact]
    public async Task Latency_Set_RequestForwardedOnlyAfterDelayOnProxyClock()
    {
        var clock = new TimerCountingFakeTimeProvider();
        await using FaultInjectingProxy last = await FaultInjectingProxy.StartAsync(new Uri("http://127.0.0.1:9/"), failureRate: 1);
        await using FaultInjectingProxy first = await FaultInjectingProxy.StartAsync(last.Endpoint);
        first.Latency = TimeSpan.FromMilliseconds(20);
        first.Time = clock;
        using var client = new HttpClient { Timeout = TimeSpan.FromMinutes(1) };

        Task<HttpResponseMessage> response = client.GetAsync(new Uri(first.Endpoint, "bucket/key"));
        await WaitUntilAsync(() => clock.PendingTimers == 1);
        bool answeredBeforeDelay = response.IsCompleted;
        long forwardedBeforeDelay = last.Requests;
        clock.Advance(TimeSpan.FromMilliseconds(19));
        bool answeredBeforeDue = response.IsCompleted;
        long forwardedBeforeDue = last.Requests;
        clock.Advance(TimeSpan.FromMilliseconds(1));
        using HttpResponseMessage answer = await response;

        Assert.Equal(1, first.Requests);
        Assert.False(answeredBeforeDelay);
        Assert.Equal(0, forwardedBeforeDelay);
        Assert.False(answeredBeforeDue);
        Assert.Equal(0, forwardedBeforeDue);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.StatusCode);
        Assert.Equal(1, last.Requests);
    }

    [Fact]
    public async Task Latency_Zero_NoTimerStarted()
    {
        var clock = new TimerCountingFakeTimeProvider();
        await using FaultInjectingProxy last = await FaultInjectingProxy.StartAsync(new Uri("http://127.0.0.1:9/"), failureRate: 1);
        await using FaultInjectingProxy first = await FaultInjectingProxy.StartAsync(last.Endpoint);
        first.Time = clock;
        using var client = new HttpClient { Timeout = TimeSpan.FromMinutes(1) };

        using HttpResponseMessage answer = await client.GetAsync(new Uri(first.Endpoint, "bucket/key"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.StatusCode);
        Assert.Equal(1, last.Requests);
        Assert.Equal(0, clock.PendingTimers);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!condition())
        {
            await Task.Delay(10, timeout.Token);
        }
    }
}
