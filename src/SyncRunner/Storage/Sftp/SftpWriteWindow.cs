namespace Ferry.SyncRunner.Storage.Sftp;

/// <summary>
/// Flow control and outcome of the pipelined WRITEs of one file: at most <c>depth()</c> requests in flight. The
/// session's reader thread checks each WRITE's STATUS reply in place, with no task per request; a writer waiting
/// for room is woken once half the window has drained, so one wake-up serves about <c>depth / 2</c> replies.
/// </summary>
/// <param name="depth">Most WRITEs in flight at once, asked before each new request (values below 1 count as 1): the
/// session shares its budget among the files writing through it.</param>
/// <param name="check">Turns a STATUS reply into the error it reports, or <see langword="null"/> for success; must not dispose the reply.</param>
/// <param name="closed">Called once when the window is disposed.</param>
internal sealed class SftpWriteWindow(Func<int> depth, Func<SftpReply, Exception?> check, Action closed) : ISftpReplyTarget, IDisposable
{
    private readonly Lock _lock = new();
    private int _disposed;
    private int _inFlight;
    private int _wakeAt;
    private Exception? _error;
    private TaskCompletionSource? _waiter;

    /// <summary>WRITEs counted and not yet answered.</summary>
    public int InFlight
    {
        get
        {
            lock (_lock)
            {
                return _inFlight;
            }
        }
    }

    /// <summary>Waits until another WRITE may be sent and counts it as in flight; send it or <see cref="Release"/> it.</summary>
    /// <exception cref="Exception">The first failure of an earlier WRITE of this file (as reported by the server or the session).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async ValueTask AcquireAsync(CancellationToken cancellationToken)
    {
        Task wait;
        lock (_lock)
        {
            ThrowIfFailed();
            int limit = Math.Max(1, depth());
            if (_inFlight < limit)
            {
                _inFlight++;
                return;
            }

            _wakeAt = limit / 2;
            _waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            wait = _waiter.Task;
        }

        await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            ThrowIfFailed();
            _inFlight++;
        }
    }

    /// <summary>
    /// Counts one more request of this file whose outcome joins the WRITEs' (FSETSTAT, CLOSE), outside the depth
    /// limit; send it with the returned target, which checks its reply with <paramref name="requestCheck"/>.
    /// </summary>
    public ISftpReplyTarget Track(Func<SftpReply, Exception?> requestCheck)
    {
        lock (_lock)
        {
            _inFlight++;
        }

        return new Tracked(this, requestCheck);
    }

    /// <summary>Gives back a slot taken with <see cref="AcquireAsync"/> whose WRITE was not sent.</summary>
    public void Release() => Complete(null);

    /// <summary>Waits until every WRITE counted has its reply (or its session failed).</summary>
    /// <returns>The first failure, or <see langword="null"/> when every WRITE succeeded.</returns>
    public async Task<Exception?> DrainAsync()
    {
        Task wait;
        lock (_lock)
        {
            if (_inFlight == 0)
            {
                return _error;
            }

            _wakeAt = 0;
            _waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            wait = _waiter.Task;
        }

        await wait.ConfigureAwait(false);
        lock (_lock)
        {
            return _error;
        }
    }

    /// <summary>Ends the file's share of its session's budget (call after <see cref="DrainAsync"/>).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            closed();
        }
    }

    /// <inheritdoc/>
    public void OnReply(SftpReply reply) => Complete(Outcome(reply, check));

    /// <inheritdoc/>
    public void OnFailed(Exception error) => Complete(error);

    /// <summary>Fails the file without answering a request (its data could not be sent whole; the reply still comes).</summary>
    public void Poison(Exception error)
    {
        TaskCompletionSource? wake = null;
        lock (_lock)
        {
            _error ??= error;
            if (_waiter is not null && _wakeAt > 0)
            {
                wake = _waiter;
                _waiter = null;
            }
        }

        wake?.TrySetResult();
    }

    private void Complete(Exception? error)
    {
        TaskCompletionSource? wake = null;
        lock (_lock)
        {
            _error ??= error;
            _inFlight--;
            if (_waiter is not null && (_inFlight <= _wakeAt || (_error is not null && _wakeAt > 0)))
            {
                wake = _waiter;
                _waiter = null;
            }
        }

        wake?.TrySetResult();
    }

    private sealed class Tracked(SftpWriteWindow window, Func<SftpReply, Exception?> requestCheck) : ISftpReplyTarget
    {
        public void OnReply(SftpReply reply) => window.Complete(Outcome(reply, requestCheck));

        public void OnFailed(Exception error) => window.Complete(error);
    }

    /// <summary>What a reply reports through <paramref name="replyCheck"/> (a malformed reply is a failure too); disposes the reply.</summary>
    private static Exception? Outcome(SftpReply reply, Func<SftpReply, Exception?> replyCheck)
    {
        using (reply)
        {
            try
            {
                return replyCheck(reply);
            }
            catch (Exception e)
            {
                return e;
            }
        }
    }

    private void ThrowIfFailed()
    {
        if (_error is { } error)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
        }
    }
}
