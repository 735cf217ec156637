using Ferry.Kube.Runtime;
using Ferry.Kube.Tests.TestSupport;
using Ferry.Testing.Time;

namespace Ferry.Kube.Tests.Runtime;

public sealed class WorkQueueTests
{
    private readonly TimerCountingFakeTimeProvider _time = new();

    private WorkQueue<string> NewQueue(TimeSpan? baseDelay = null, TimeSpan? maxDelay = null) => new(new WorkQueueOptions
    {
        Time = _time,
        BaseDelay = baseDelay ?? TimeSpan.FromMilliseconds(5),
        MaxDelay = maxDelay ?? TimeSpan.FromSeconds(1000),
    });

    [Fact]
    public async Task Add_SameKeyManyTimes_QueuedOnceInFirstAddOrder()
    {
        using WorkQueue<string> queue = NewQueue();
        queue.Add("a");
        queue.Add("b");
        queue.Add("a");
        queue.Add("a");

        Assert.Equal(2, queue.Count);
        Assert.Equal("a", (await queue.GetAsync())!.Value.Key);
        Assert.Equal("b", (await queue.GetAsync())!.Value.Key);
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public async Task Add_WhileKeyIsProcessing_HandedOutAgainOnlyAfterDone()
    {
        using WorkQueue<string> queue = NewQueue();
        queue.Add("a");
        WorkItem<string>? first = await queue.GetAsync();

        queue.Add("a");
        queue.Add("a");
        Task<WorkItem<string>?> second = queue.GetAsync();

        Assert.Equal(0, queue.Count);
        Assert.False(second.IsCompleted);
        queue.Done(first!.Value.Key);
        Assert.Equal("a", (await second.WaitAsync(TimeSpan.FromSeconds(10)))!.Value.Key);
        queue.Done("a");
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public async Task ManyWorkers_RandomAdds_NeverProcessOneKeyConcurrentlyAndLoseNoAdd()
    {
        using WorkQueue<string> queue = NewQueue();
        string[] keys = Enumerable.Range(0, 5).Select(i => $"k{i}").ToArray();
        Dictionary<string, int> inFlight = keys.ToDictionary(k => k, _ => 0);
        var lastAdd = new Dictionary<string, int>();
        Dictionary<string, int> lastSeen = keys.ToDictionary(k => k, _ => -1);
        int violations = 0;
        var gate = new Lock();
        bool addsDone = false;

        async Task Worker()
        {
            while (await queue.GetAsync() is { } item)
            {
                int seq;
                lock (gate)
                {
                    if (++inFlight[item.Key] > 1)
                    {
                        violations++;
                    }

                    seq = lastAdd.GetValueOrDefault(item.Key, -1);
                }

                await Task.Yield();
                lock (gate)
                {
                    inFlight[item.Key]--;
                    lastSeen[item.Key] = Math.Max(lastSeen[item.Key], seq);
                }

                queue.Done(item.Key);
            }
        }

        Task[] workers = Enumerable.Range(0, 4).Select(_ => Task.Run(Worker)).ToArray();
        var random = new Random(7);
        for (int i = 0; i < 5000; i++)
        {
            string key = keys[random.Next(keys.Length)];
            lock (gate)
            {
                lastAdd[key] = i;
            }

            queue.Add(key);
            if (i % 100 == 0)
            {
                await Task.Yield();
            }
        }

        addsDone = true;
        DateTime deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            lock (gate)
            {
                if (keys.All(k => !lastAdd.ContainsKey(k) || lastSeen[k] == lastAdd[k]))
                {
                    break;
                }
            }

            await Task.Delay(5);
        }

        queue.ShutDown();
        await Task.WhenAll(workers);

        Assert.True(addsDone);
        Assert.Equal(0, violations);
        foreach (string k in lastAdd.Keys)
        {
            Assert.Equal(lastAdd[k], lastSeen[k]);
        }
    }

    [Fact]
    public void AddRateLimited_RepeatedFailures_DelayDoublesUpToMaxAndForgetResets()
    {
        using WorkQueue<string> queue = NewQueue(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));

        double[] delays = Enumerable.Range(0, 6).Select(_ => queue.AddRateLimited("a").TotalSeconds).ToArray();

        Assert.Equal([1, 2, 4, 8, 10, 10], delays);
        Assert.Equal(6, queue.NumRequeues("a"));
        Assert.Equal(1, queue.AddRateLimited("b").TotalSeconds);
        queue.Forget("a");
        Assert.Equal(0, queue.NumRequeues("a"));
        Assert.Equal(1, queue.AddRateLimited("a").TotalSeconds);
    }

    [Fact]
    public void AddRateLimited_DefaultOptions_StartAt5Milliseconds()
    {
        using var queue = new WorkQueue<string>(new WorkQueueOptions { Time = _time });

        Assert.Equal(TimeSpan.FromMilliseconds(5), queue.AddRateLimited("a"));
        Assert.Equal(TimeSpan.FromMilliseconds(10), queue.AddRateLimited("a"));
        Assert.Equal(TimeSpan.FromSeconds(1000), new WorkQueueOptions().MaxDelay);
    }

    [Fact]
    public void AddRateLimited_KeyBecomesAvailableOnlyAfterItsBackoff()
    {
        using WorkQueue<string> queue = NewQueue(TimeSpan.FromSeconds(1));
        queue.AddRateLimited("a");
        queue.AddRateLimited("a");

        _time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Equal(0, queue.Count);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, queue.Count);
    }

    [Fact]
    public async Task AddAfter_EarliestPendingDelayWinsAndKeyIsAddedOnce()
    {
        using WorkQueue<string> queue = NewQueue();
        queue.AddAfter("a", TimeSpan.FromSeconds(10));
        queue.AddAfter("a", TimeSpan.FromSeconds(5));
        queue.AddAfter("a", TimeSpan.FromSeconds(20));

        _time.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(0, queue.Count);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, queue.Count);
        WorkItem<string>? item = await queue.GetAsync();
        queue.Done(item!.Value.Key);
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public async Task ShutDown_WakesWaitersWithNullAndIgnoresLaterAdds()
    {
        WorkQueue<string> queue = NewQueue();
        Task<WorkItem<string>?> waiting = queue.GetAsync();
        queue.AddAfter("late", TimeSpan.FromSeconds(1));

        queue.ShutDown();
        queue.Add("a");
        _time.Advance(TimeSpan.FromSeconds(2));

        Assert.Null(await waiting.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Null(await queue.GetAsync());
        Assert.True(queue.IsShutDown);
        Assert.Equal(0, _time.PendingTimers);
    }

    [Fact]
    public async Task GetAsync_Cancelled_ThrowsAndDoesNotSwallowLaterKey()
    {
        using WorkQueue<string> queue = NewQueue();
        using var cts = new CancellationTokenSource();
        Task<WorkItem<string>?> waiting = queue.GetAsync(cts.Token);

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        queue.Add("a");

        Assert.Equal("a", (await queue.GetAsync())!.Value.Key);
    }
}
