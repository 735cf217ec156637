using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ferry.Kube.Runtime;

/// <summary>Runs workers that take keys from a <see cref="WorkQueue{TKey}"/> and reconcile them.</summary>
/// <typeparam name="TKey">The key type.</typeparam>
/// <param name="name">The controller's name, for logs.</param>
/// <param name="queue">The queue; event handlers add keys to it.</param>
/// <param name="reconcile">Reconciles one key: reads fresh state itself and is idempotent.</param>
/// <param name="logger">Logger; default none.</param>
/// <remarks>controller-runtime's controller loop: success forgets the key's backoff; <see cref="ReconcileResult.RequeueAfter"/>
/// forgets and re-adds after the delay; <see cref="ReconcileResult.Requeue"/> and any exception re-add with the
/// key's exponential backoff; <see cref="TerminalReconcileException"/> forgets the key without retry. The queue
/// guarantees one key is never reconciled by two workers at once.</remarks>
public sealed class Controller<TKey>(
    string name,
    WorkQueue<TKey> queue,
    Func<TKey, CancellationToken, Task<ReconcileResult>> reconcile,
    ILogger? logger = null)
    where TKey : notnull
{
    private readonly ILogger _logger = logger ?? NullLogger.Instance;

    /// <summary>The queue the workers read.</summary>
    public WorkQueue<TKey> Queue => queue;

    /// <summary>Runs <paramref name="workers"/> workers until <paramref name="cancellationToken"/> is cancelled, then
    /// shuts the queue down and waits for reconciles in progress to finish.</summary>
    /// <param name="workers">The number of concurrent reconciles (at least 1).</param>
    /// <param name="cancellationToken">Stops the controller.</param>
    /// <returns>A task that completes when every worker has stopped.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="workers"/> is less than 1.</exception>
    public async Task RunAsync(int workers, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        using CancellationTokenRegistration stop = cancellationToken.Register(queue.ShutDown);
        var tasks = new Task[workers];
        for (int i = 0; i < workers; i++)
        {
            tasks[i] = Task.Run(() => WorkerAsync(cancellationToken), CancellationToken.None);
        }

        await Task.WhenAll(tasks).ConfigureAwait(false);
    }

    private async Task WorkerAsync(CancellationToken cancellationToken)
    {
        while (await ProcessNextAsync(cancellationToken).ConfigureAwait(false))
        {
        }
    }

    /// <summary>Takes one key, reconciles it and applies the outcome.</summary>
    /// <returns><see langword="false"/> once the queue is shut down.</returns>
    internal async Task<bool> ProcessNextAsync(CancellationToken cancellationToken)
    {
        WorkItem<TKey>? item = await queue.GetAsync(CancellationToken.None).ConfigureAwait(false);
        if (item is not { } work)
        {
            return false;
        }

        TKey key = work.Key;
        try
        {
            ReconcileResult result = await reconcile(key, cancellationToken).ConfigureAwait(false);
            if (result.RequeueAfter > TimeSpan.Zero)
            {
                queue.Forget(key);
                queue.AddAfter(key, result.RequeueAfter);
            }
            else if (result.Requeue)
            {
                queue.AddRateLimited(key);
            }
            else
            {
                queue.Forget(key);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: leave the key; the next leader or run reconciles it.
        }
        catch (TerminalReconcileException e)
        {
            queue.Forget(key);
            _logger.LogError(e, "{Controller}: reconcile of {Key} failed terminally; not retrying", name, key);
        }
        catch (Exception e)
        {
            TimeSpan delay = queue.AddRateLimited(key);
            _logger.LogWarning(e, "{Controller}: reconcile of {Key} failed; retrying in {Delay}", name, key, delay);
        }
        finally
        {
            queue.Done(key);
        }

        return true;
    }
}
