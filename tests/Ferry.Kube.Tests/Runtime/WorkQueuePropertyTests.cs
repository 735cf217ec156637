using Ferry.Testing.Time;
using FsCheck;
using FsCheck.Fluent;
using Ferry.Kube.Runtime;
using Ferry.Kube.Tests.TestSupport;

namespace Ferry.Kube.Tests.Runtime;

/// <summary>Random sequences of Add / Get / Done checked against a model of client-go's queue contract.</summary>
public sealed class WorkQueuePropertyTests
{
    [Fact]
    public void RandomOperations_BehaveLikeTheDedupingFifoModel() =>
        Prop.ForAll<int[]>(ops => Run(ops)).QuickCheckThrowOnFailure();

    private static bool Run(int[] ops)
    {
        using var queue = new WorkQueue<int>(new WorkQueueOptions { Time = new TimerCountingFakeTimeProvider() });
        var modelQueue = new List<int>();
        var dirty = new HashSet<int>();
        var processing = new HashSet<int>();
        foreach (int raw in ops)
        {
            int x = raw & int.MaxValue;
            int key = x / 3 % 4;
            switch (x % 3)
            {
                case 0:
                    queue.Add(key);
                    if (dirty.Add(key) && !processing.Contains(key))
                    {
                        modelQueue.Add(key);
                    }

                    break;
                case 1:
                    Task<WorkItem<int>?> task = queue.GetAsync();
                    if (modelQueue.Count == 0)
                    {
                        if (task.IsCompleted)
                        {
                            return false;
                        }

                        // Complete the pending waiter by an add, as a worker would see it.
                        queue.Add(key);
                        if (processing.Contains(key))
                        {
                            dirty.Add(key);
                            queue.ShutDown();
                            return task.Result is null;
                        }

                        dirty.Add(key);
                        modelQueue.Add(key);
                    }

                    if (!task.IsCompletedSuccessfully || task.Result is not { } item || item.Key != modelQueue[0] || processing.Contains(item.Key))
                    {
                        return false;
                    }

                    modelQueue.RemoveAt(0);
                    dirty.Remove(item.Key);
                    processing.Add(item.Key);
                    break;
                default:
                    if (processing.Remove(key))
                    {
                        queue.Done(key);
                        if (dirty.Contains(key))
                        {
                            modelQueue.Add(key);
                        }
                    }

                    break;
            }

            if (queue.Count != modelQueue.Count)
            {
                return false;
            }
        }

        return true;
    }
}
