namespace Ferry.Kube.Runtime;

/// <summary>A rate-limited work queue of keys, with the guarantees of client-go's workqueue: a key is queued at most
/// once however often it is added; a key is never handed to two workers at once (a key added while it is being
/// processed is queued again after <see cref="Done"/>); failed keys come back after a per-key exponential backoff
/// until <see cref="Forget"/>; delayed adds for <c>RequeueAfter</c>.</summary>
/// <typeparam name="TKey">The key type, usually <c>namespace/name</c> strings (see <see cref="ObjectKey"/>).</typeparam>
/// <remarks>Semantics follow k8s.io/client-go/util/workqueue (queue with dirty and processing sets, delaying queue,
/// ItemExponentialFailureRateLimiter). Time comes from <see cref="WorkQueueOptions.Time"/>.</remarks>
public sealed class WorkQueue<TKey> : IDisposable
    where TKey : notnull
{
    private readonly WorkQueueOptions _options;
    private readonly Lock _gate = new();
    private readonly Queue<TKey> _queue = new();
    private readonly HashSet<TKey> _dirty = [];
    private readonly HashSet<TKey> _processing = [];
    private readonly Dictionary<TKey, int> _failures = [];
    private readonly Dictionary<TKey, (ITimer Timer, long Due)> _delayed = [];
    private readonly LinkedList<TaskCompletionSource<WorkItem<TKey>?>> _waiters = new();
    private bool _shutDown;

    /// <summary>Creates an empty queue.</summary>
    /// <param name="options">Backoff settings and clock; <see langword="null"/> for the defaults.</param>
    public WorkQueue(WorkQueueOptions? options = null)
    {
        _options = options ?? new WorkQueueOptions();
    }

    /// <summary>How many keys wait to be handed out (not counting delayed or in-process keys).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>Whether <see cref="ShutDown"/> was called.</summary>
    public bool IsShutDown
    {
        get
        {
            lock (_gate)
            {
                return _shutDown;
            }
        }
    }

    /// <summary>Queues <paramref name="key"/> unless it is already queued; a key being processed is queued again after <see cref="Done"/>.</summary>
    /// <param name="key">The key. Ignored after <see cref="ShutDown"/>.</param>
    public void Add(TKey key)
    {
        lock (_gate)
        {
            AddLocked(key);
        }
    }

    /// <summary>Queues <paramref name="key"/> once <paramref name="delay"/> has passed; of several pending delayed adds of a key the earliest wins.</summary>
    /// <param name="key">The key.</param>
    /// <param name="delay">The delay; zero or negative adds at once.</param>
    public void AddAfter(TKey key, TimeSpan delay)
    {
        lock (_gate)
        {
            if (_shutDown)
            {
                return;
            }

            if (delay <= TimeSpan.Zero)
            {
                AddLocked(key);
                return;
            }

            TimeProvider time = _options.Time;
            long due = time.GetTimestamp() + (long)(delay.TotalSeconds * time.TimestampFrequency);
            if (_delayed.TryGetValue(key, out (ITimer Timer, long Due) existing))
            {
                if (existing.Due <= due)
                {
                    return;
                }

                existing.Timer.Dispose();
            }

            ITimer timer = time.CreateTimer(static state => ((DelayedAdd)state!).Fire(), new DelayedAdd(this, key, due), Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _delayed[key] = (timer, due);
            timer.Change(delay, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Queues <paramref name="key"/> after its backoff: <see cref="WorkQueueOptions.BaseDelay"/> × 2^(failures so far),
    /// capped at <see cref="WorkQueueOptions.MaxDelay"/>; counts one more failure.</summary>
    /// <param name="key">The key that failed.</param>
    /// <returns>The delay used.</returns>
    public TimeSpan AddRateLimited(TKey key)
    {
        TimeSpan delay;
        lock (_gate)
        {
            _failures.TryGetValue(key, out int failures);
            _failures[key] = failures + 1;
            delay = Backoff(failures);
        }

        AddAfter(key, delay);
        return delay;
    }

    /// <summary>Resets <paramref name="key"/>'s failure count (call on success).</summary>
    /// <param name="key">The key.</param>
    public void Forget(TKey key)
    {
        lock (_gate)
        {
            _failures.Remove(key);
        }
    }

    /// <summary>How many times <paramref name="key"/> was rate-limited since it was last forgotten.</summary>
    /// <param name="key">The key.</param>
    /// <returns>The failure count.</returns>
    public int NumRequeues(TKey key)
    {
        lock (_gate)
        {
            return _failures.GetValueOrDefault(key);
        }
    }

    /// <summary>Waits for the next key and marks it as being processed.</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The key, or <see langword="null"/> once the queue is shut down.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while waiting.</exception>
    public Task<WorkItem<TKey>?> GetAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_queue.Count > 0)
            {
                return Task.FromResult<WorkItem<TKey>?>(TakeLocked());
            }

            if (_shutDown)
            {
                return Task.FromResult<WorkItem<TKey>?>(null);
            }

            cancellationToken.ThrowIfCancellationRequested();
            var waiter = new TaskCompletionSource<WorkItem<TKey>?>(TaskCreationOptions.RunContinuationsAsynchronously);
            LinkedListNode<TaskCompletionSource<WorkItem<TKey>?>> node = _waiters.AddLast(waiter);
            if (cancellationToken.CanBeCanceled)
            {
                CancellationTokenRegistration registration = cancellationToken.Register(() =>
                {
                    lock (_gate)
                    {
                        if (node.List is not null)
                        {
                            _waiters.Remove(node);
                            waiter.TrySetCanceled(cancellationToken);
                        }
                    }
                });
                waiter.Task.ContinueWith(static (_, r) => ((CancellationTokenRegistration)r!).Dispose(), registration, TaskScheduler.Default);
            }

            return waiter.Task;
        }
    }

    /// <summary>Marks <paramref name="key"/> as no longer being processed; if it was added meanwhile, it is queued again.</summary>
    /// <param name="key">The key from <see cref="GetAsync"/>.</param>
    public void Done(TKey key)
    {
        lock (_gate)
        {
            _processing.Remove(key);
            if (_dirty.Contains(key) && !_shutDown)
            {
                EnqueueLocked(key);
            }
        }
    }

    /// <summary>Stops the queue: waiting and later <see cref="GetAsync"/> calls return <see langword="null"/>, adds are ignored,
    /// delayed adds are dropped. Keys in process may still be passed to <see cref="Done"/>.</summary>
    public void ShutDown()
    {
        lock (_gate)
        {
            _shutDown = true;
            _queue.Clear();
            foreach ((ITimer? timer, long _) in _delayed.Values)
            {
                timer.Dispose();
            }

            _delayed.Clear();
            while (_waiters.First is { } first)
            {
                _waiters.RemoveFirst();
                first.Value.TrySetResult(null);
            }
        }
    }

    /// <summary>Shuts the queue down.</summary>
    public void Dispose() => ShutDown();

    private TimeSpan Backoff(int failures)
    {
        double factor = Math.Pow(2, Math.Min(failures, 62));
        double ticks = _options.BaseDelay.Ticks * factor;
        return ticks >= _options.MaxDelay.Ticks ? _options.MaxDelay : TimeSpan.FromTicks((long)ticks);
    }

    private void AddLocked(TKey key)
    {
        if (_shutDown || !_dirty.Add(key))
        {
            return;
        }

        if (!_processing.Contains(key))
        {
            EnqueueLocked(key);
        }
    }

    private void EnqueueLocked(TKey key)
    {
        _queue.Enqueue(key);
        while (_waiters.First is { } first)
        {
            _waiters.RemoveFirst();
            WorkItem<TKey> item = TakeLocked();
            if (first.Value.TrySetResult(item))
            {
                return;
            }

            // The waiter was cancelled concurrently: put the key back at the front.
            UntakeLocked(item.Key);
        }
    }

    private WorkItem<TKey> TakeLocked()
    {
        TKey key = _queue.Dequeue();
        _processing.Add(key);
        _dirty.Remove(key);
        return new WorkItem<TKey>(key);
    }

    private void UntakeLocked(TKey key)
    {
        _processing.Remove(key);
        _dirty.Add(key);
        TKey[] rest = _queue.ToArray();
        _queue.Clear();
        _queue.Enqueue(key);
        foreach (TKey k in rest)
        {
            _queue.Enqueue(k);
        }
    }

    private sealed class DelayedAdd(WorkQueue<TKey> queue, TKey key, long due)
    {
        public void Fire()
        {
            lock (queue._gate)
            {
                if (queue._delayed.TryGetValue(key, out (ITimer Timer, long Due) entry) && entry.Due == due)
                {
                    queue._delayed.Remove(key);
                    entry.Timer.Dispose();
                    queue.AddLocked(key);
                }
            }
        }
    }
}
