using Ferry.Kube.Runtime;
using Ferry.Kube.Tests.TestSupport;
using Ferry.Testing.Time;

namespace Ferry.Kube.Tests.Runtime;

public sealed class ControllerTests
{
    private readonly TimerCountingFakeTimeProvider _time = new();

    private WorkQueue<string> NewQueue() => new(new WorkQueueOptions { Time = _time, BaseDelay = TimeSpan.FromSeconds(1) });

    [Fact]
    public async Task Reconcile_Throws_RequeuedWithGrowingBackoffThenForgottenOnSuccess()
    {
        using WorkQueue<string> queue = NewQueue();
        int calls = 0;
        var controller = new Controller<string>("test", queue, (_, _) =>
            ++calls < 3 ? throw new InvalidOperationException("boom") : Task.FromResult(ReconcileResult.Done));
        queue.Add("ns/a");

        Assert.True(await controller.ProcessNextAsync(default));
        Assert.Equal(1, queue.NumRequeues("ns/a"));
        Assert.Equal(0, queue.Count);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(await controller.ProcessNextAsync(default));
        Assert.Equal(2, queue.NumRequeues("ns/a"));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(0, queue.Count);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(await controller.ProcessNextAsync(default));

        Assert.Equal(3, calls);
        Assert.Equal(0, queue.NumRequeues("ns/a"));
        _time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public async Task Reconcile_TerminalError_IsNotRetried()
    {
        using WorkQueue<string> queue = NewQueue();
        var controller = new Controller<string>("test", queue, (_, _) => throw new TerminalReconcileException("invalid spec"));
        queue.Add("ns/a");

        await controller.ProcessNextAsync(default);
        _time.Advance(TimeSpan.FromHours(1));

        Assert.Equal(0, queue.Count);
        Assert.Equal(0, queue.NumRequeues("ns/a"));
    }

    [Fact]
    public async Task Reconcile_RequeueAfter_ComesBackAfterExactlyThatDelay()
    {
        using WorkQueue<string> queue = NewQueue();
        var controller = new Controller<string>("test", queue, (_, _) => Task.FromResult(ReconcileResult.After(TimeSpan.FromSeconds(30))));
        queue.Add("ns/a");

        await controller.ProcessNextAsync(default);
        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(0, queue.Count);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, queue.Count);
        Assert.Equal(0, queue.NumRequeues("ns/a"));
    }

    [Fact]
    public async Task Reconcile_RequeueTrue_UsesBackoff()
    {
        using WorkQueue<string> queue = NewQueue();
        var controller = new Controller<string>("test", queue, (_, _) => Task.FromResult(new ReconcileResult(Requeue: true)));
        queue.Add("ns/a");

        await controller.ProcessNextAsync(default);

        Assert.Equal(1, queue.NumRequeues("ns/a"));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, queue.Count);
    }

    [Fact]
    public async Task RunAsync_FourWorkers_ReconcilesEveryKeyAndNeverOneKeyTwiceAtOnce()
    {
        using WorkQueue<string> queue = NewQueue();
        var active = new Dictionary<string, int>();
        var done = new HashSet<string>();
        int overlaps = 0;
        var gate = new Lock();
        var all = new TaskCompletionSource();
        var controller = new Controller<string>("test", queue, async (key, ct) =>
        {
            lock (gate)
            {
                active[key] = active.GetValueOrDefault(key) + 1;
                overlaps += active[key] > 1 ? 1 : 0;
            }

            await Task.Yield();
            queue.Add(key); // a change arriving during the reconcile
            lock (gate)
            {
                active[key]--;
                if (done.Add(key) && done.Count == 20)
                {
                    all.TrySetResult();
                }
            }

            return ReconcileResult.Done;
        });
        using var cts = new CancellationTokenSource();
        Task run = controller.RunAsync(4, cts.Token);
        for (int i = 0; i < 20; i++)
        {
            queue.Add($"ns/{i}");
        }

        await all.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await cts.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(0, overlaps);
        Assert.True(queue.IsShutDown);
    }
}
