namespace Ferry.SyncRunner.Storage.Sftp;

/// <summary>
/// A few SFTP sessions (ssh processes) shared by many threads. A caller leases a session for one
/// operation or one open file; the session with the fewest leases is chosen, and a new one is started
/// while every live session is in use and fewer than the maximum exist. Dead sessions are dropped,
/// and their processes reaped.
/// </summary>
internal sealed class SftpConnectionPool(Func<CancellationToken, Task<SftpChannel>> connect, int maxConnections) : IAsyncDisposable
{
    private readonly List<Slot> _slots = [];
    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _disposed;

    /// <summary>Live sessions (for tests and diagnostics).</summary>
    public IReadOnlyList<SftpChannel> Channels
    {
        get
        {
            lock (_slots)
            {
                return _slots.Where(s => s.Channel.IsAlive).Select(s => s.Channel).ToList();
            }
        }
    }

    /// <summary>Leases a session; dispose the lease when done with it.</summary>
    /// <exception cref="StorageException">No session could be started.</exception>
    public async Task<Lease> RentAsync(CancellationToken cancellationToken)
    {
        if (TryPick(out Slot? slot, out int live) && (slot.Users == 0 || live >= maxConnections))
        {
            return new Lease(this, slot);
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (TryPick(out slot, out live) && (slot.Users == 0 || live >= maxConnections))
            {
                return new Lease(this, slot);
            }

            SftpChannel channel;
            try
            {
                channel = await connect(cancellationToken).ConfigureAwait(false);
            }
            catch (StorageException) when (slot is not null)
            {
                return new Lease(this, slot); // share a live session rather than fail
            }

            var fresh = new Slot(channel);
            lock (_slots)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                _slots.Add(fresh);
                fresh.Users++;
            }

            return new Lease(this, fresh, counted: true);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<Slot> slots;
        lock (_slots)
        {
            _disposed = true;
            slots = [.. _slots];
            _slots.Clear();
        }

        foreach (Slot slot in slots)
        {
            await slot.Channel.DisposeAsync().ConfigureAwait(false);
        }
    }

    private bool TryPick([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Slot? best, out int live)
    {
        List<Slot>? dead = null;
        lock (_slots)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            best = null;
            for (int i = _slots.Count - 1; i >= 0; i--)
            {
                Slot slot = _slots[i];
                if (!slot.Channel.IsAlive)
                {
                    (dead ??= []).Add(slot);
                    _slots.RemoveAt(i);
                }
                else if (best is null || slot.Users < best.Users)
                {
                    best = slot;
                }
            }

            live = _slots.Count;
        }

        if (dead is not null)
        {
            foreach (Slot slot in dead)
            {
                _ = slot.Channel.DisposeAsync().AsTask(); // reaps the process
            }
        }

        return best is not null;
    }

    private void Release(Slot slot)
    {
        lock (_slots)
        {
            slot.Users--;
        }
    }

    internal sealed class Slot(SftpChannel channel)
    {
        public SftpChannel Channel { get; } = channel;

        public int Users { get; set; }
    }

    /// <summary>One caller's use of a session.</summary>
    internal sealed class Lease : IDisposable
    {
        private readonly SftpConnectionPool _pool;
        private readonly Slot _slot;
        private int _released;

        internal Lease(SftpConnectionPool pool, Slot slot, bool counted = false)
        {
            _pool = pool;
            _slot = slot;
            if (!counted)
            {
                lock (pool._slots)
                {
                    slot.Users++;
                }
            }
        }

        public SftpChannel Channel => _slot.Channel;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                _pool.Release(_slot);
            }
        }
    }
}
