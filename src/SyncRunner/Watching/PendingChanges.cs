namespace Ferry.SyncRunner.Watching;

/// <summary>
/// The changed paths gathered since the last batch, oldest first, each once: thread-safe, fed by the change source's
/// threads and drained by the watch loop.
/// </summary>
/// <remarks>
/// <para>Holding more than <see cref="MaxPending"/> paths is an overflow: every path is dropped and
/// <see cref="Add"/> ignores new ones until <see cref="FullSyncStarted"/>, since the full sync that follows lists
/// everything after the overflow anyway. Changes seen after a full sync started are kept: its listing may have passed
/// them already.</para>
/// <para>A change seen before a successful full sync started is covered by it (the full sync lists the key later, and
/// decides it as a batch would) and is dropped by <see cref="DropSeenBefore"/>.</para>
/// </remarks>
internal sealed class PendingChanges(int maxPending)
{
    private readonly object _lock = new();
    private readonly Dictionary<string, LinkedListNode<PendingChange>> _byPath = new(StringComparer.Ordinal);
    private readonly LinkedList<PendingChange> _order = new();
    private bool _dropping;
    private int _overflows;

    /// <summary>The most paths held before an overflow.</summary>
    public int MaxPending { get; } = Math.Max(1, maxPending);

    /// <summary>Called (on the adding thread) when the set goes from empty to not empty, reaches a batch, or overflows.</summary>
    public Action? Changed { get; set; }

    /// <summary>How many paths are pending.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _order.Count;
            }
        }
    }

    /// <summary>When the oldest pending path was first seen, or <see langword="null"/>.</summary>
    public DateTimeOffset? Oldest
    {
        get
        {
            lock (_lock)
            {
                return _order.First?.Value.FirstSeen;
            }
        }
    }

    /// <summary>How many times more than <see cref="MaxPending"/> changes were pending (each dropped them all).</summary>
    public int Overflows => Volatile.Read(ref _overflows);

    /// <summary>Whether changes are being ignored after an overflow, until the next full sync starts.</summary>
    public bool Dropping
    {
        get
        {
            lock (_lock)
            {
                return _dropping;
            }
        }
    }

    /// <summary>Records a change of <paramref name="path"/>.</summary>
    /// <param name="path">The key, without a trailing <c>/</c>.</param>
    /// <param name="deep">Whether the subtree below it must be looked at too (kept once set).</param>
    /// <param name="now">When the event arrived.</param>
    /// <param name="notifyAt">Also call <see cref="Changed"/> when the count reaches this (a batch's size).</param>
    /// <returns><see langword="false"/> when this change made the set overflow (it was dropped with the rest).</returns>
    public bool Add(string path, bool deep, DateTimeOffset now, int notifyAt = int.MaxValue)
    {
        bool notify;
        lock (_lock)
        {
            if (_dropping)
            {
                return true;
            }

            if (_byPath.TryGetValue(path, out LinkedListNode<PendingChange>? node))
            {
                node.Value = node.Value with { Deep = node.Value.Deep || deep, LastSeen = now };
                return true;
            }

            if (_order.Count >= MaxPending)
            {
                _byPath.Clear();
                _order.Clear();
                _dropping = true;
                _overflows++;
                notify = true;
            }
            else
            {
                _byPath[path] = _order.AddLast(new PendingChange(path, deep, now, now));
                notify = _order.Count == 1 || _order.Count == notifyAt;
            }
        }

        if (notify)
        {
            Changed?.Invoke();
        }

        return !Dropping;
    }

    /// <summary>Puts back changes taken by <see cref="Take"/> that could not be applied (kept with their first-seen time,
    /// unless a newer event about the same path is pending already).</summary>
    /// <param name="changes">The changes.</param>
    public void Restore(IEnumerable<PendingChange> changes)
    {
        lock (_lock)
        {
            if (_dropping)
            {
                return;
            }

            foreach (PendingChange change in changes)
            {
                if (_byPath.TryGetValue(change.Path, out LinkedListNode<PendingChange>? node))
                {
                    node.Value = node.Value with { Deep = node.Value.Deep || change.Deep, FirstSeen = change.FirstSeen < node.Value.FirstSeen ? change.FirstSeen : node.Value.FirstSeen };
                    _order.Remove(node);
                    _order.AddFirst(node);
                }
                else
                {
                    _byPath[change.Path] = _order.AddFirst(change);
                }
            }
        }
    }

    /// <summary>Takes up to <paramref name="max"/> changes, oldest first.</summary>
    /// <param name="max">The most to take.</param>
    /// <returns>The changes, removed from the set.</returns>
    public List<PendingChange> Take(int max)
    {
        lock (_lock)
        {
            var taken = new List<PendingChange>(Math.Min(max, _order.Count));
            while (taken.Count < max && _order.First is { } first)
            {
                _order.RemoveFirst();
                _byPath.Remove(first.Value.Path);
                taken.Add(first.Value);
            }

            return taken;
        }
    }

    /// <summary>A full sync starts at <paramref name="start"/>: changes are recorded again after an overflow.</summary>
    /// <param name="start">The full sync's start.</param>
    public void FullSyncStarted(DateTimeOffset start)
    {
        _ = start;
        lock (_lock)
        {
            _dropping = false;
        }
    }

    /// <summary>Drops the changes whose latest event came before <paramref name="start"/>: a full sync that started then
    /// has succeeded and covered them.</summary>
    /// <param name="start">The successful full sync's start.</param>
    /// <returns>How many were dropped.</returns>
    public int DropSeenBefore(DateTimeOffset start)
    {
        lock (_lock)
        {
            int dropped = 0;
            for (LinkedListNode<PendingChange>? node = _order.First; node is not null;)
            {
                LinkedListNode<PendingChange>? next = node.Next;
                if (node.Value.LastSeen < start)
                {
                    _order.Remove(node);
                    _byPath.Remove(node.Value.Path);
                    dropped++;
                }

                node = next;
            }

            return dropped;
        }
    }

    /// <summary>Drops everything and ignores changes until the next full sync starts (an overflow of the change source).</summary>
    public void Overflow()
    {
        lock (_lock)
        {
            _byPath.Clear();
            _order.Clear();
            _dropping = true;
        }
    }
}
