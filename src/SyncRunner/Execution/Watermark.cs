namespace Ferry.SyncRunner.Execution;

/// <summary>
/// Tracks the last key of a range task before which every action has finished, although actions finish out
/// of order on many threads: the task's checkpoint.
/// </summary>
internal sealed class Watermark
{
    private readonly object _lock = new();
    private readonly Queue<Slot> _slots = new();
    private TaskCompletionSource? _drained;
    private Slot? _tail;

    /// <summary>The last key finished in order, or <see langword="null"/>.</summary>
    public string? LastKey { get; private set; }

    /// <summary>Registers an action that finishes later; call <see cref="Slot.Finish"/> when it does.</summary>
    public Slot Begin(string key)
    {
        var slot = new Slot(this, key);
        lock (_lock)
        {
            _slots.Enqueue(slot);
            _tail = slot;
        }

        return slot;
    }

    /// <summary>Records an action that finished at once.</summary>
    public void Done(string key)
    {
        lock (_lock)
        {
            if (_slots.Count == 0)
            {
                Raise(key);
            }
            else if (_tail is { Finished: true } tail)
            {
                tail.Key = key; // coalesce runs of finished keys: memory stays bounded
            }
            else
            {
                _tail = new Slot(this, key) { Finished = true };
                _slots.Enqueue(_tail);
            }
        }
    }

    /// <summary>Completes when every registered action has finished.</summary>
    public Task DrainAsync()
    {
        lock (_lock)
        {
            if (_slots.Count == 0)
            {
                return Task.CompletedTask;
            }

            _drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _drained.Task;
        }
    }

    private void Raise(string key)
    {
        if (LastKey is null || Keys.KeyComparer.Utf8.Compare(key, LastKey) > 0)
        {
            LastKey = key;
        }
    }

    private void Advance()
    {
        TaskCompletionSource? drained = null;
        lock (_lock)
        {
            while (_slots.Count > 0 && _slots.Peek().Finished)
            {
                Raise(_slots.Dequeue().Key);
            }

            if (_slots.Count == 0)
            {
                _tail = null;
            }

            if (_slots.Count == 0 && _drained is not null)
            {
                drained = _drained;
                _drained = null;
            }
        }

        drained?.TrySetResult();
    }

    /// <summary>One action in flight.</summary>
    public sealed class Slot(Watermark owner, string key)
    {
        /// <summary>The action's key (for a batch, its last key so far).</summary>
        public string Key { get; set; } = key;

        /// <summary>Whether the action has finished.</summary>
        public bool Finished { get; set; }

        /// <summary>Marks the action finished.</summary>
        public void Finish()
        {
            lock (owner._lock)
            {
                Finished = true;
            }

            owner.Advance();
        }
    }
}
