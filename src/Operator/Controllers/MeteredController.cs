using System.Diagnostics;
using Ferry.Kube.Runtime;
using Ferry.Operator.Metrics;
using Microsoft.Extensions.Logging;

namespace Ferry.Operator.Controllers;

/// <summary>Runs one controller's reconcile workers the way both of ferry-operator's controllers do: every cached key
/// queued once at start (controller-runtime's initial list), each reconcile timed and counted in
/// <see cref="OperatorMetrics"/> by result.</summary>
internal static class MeteredController
{
    /// <summary>Runs the workers until cancelled.</summary>
    /// <param name="name">The controller's name in logs and metrics, e.g. <c>syncjob</c>.</param>
    /// <param name="queue">The controller's work queue.</param>
    /// <param name="keys">The keys of every cached object, queued before the workers start.</param>
    /// <param name="reconcile">Reconciles one key.</param>
    /// <param name="metrics">Where reconciles are counted.</param>
    /// <param name="concurrency">Concurrent reconciles (at least 1).</param>
    /// <param name="logger">Logger.</param>
    /// <param name="cancellationToken">Stops the workers.</param>
    /// <returns>A task that ends when every worker stopped.</returns>
    public static Task RunAsync(string name, WorkQueue<string> queue, IEnumerable<string> keys, Func<string, CancellationToken, Task<ReconcileResult>> reconcile,
        OperatorMetrics metrics, int concurrency, ILogger logger, CancellationToken cancellationToken)
    {
        foreach (var key in keys)
        {
            queue.Add(key);
        }

        var controller = new Controller<string>(name, queue, MeasuredAsync, logger);
        return controller.RunAsync(Math.Max(1, concurrency), cancellationToken);

        async Task<ReconcileResult> MeasuredAsync(string key, CancellationToken token)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                var result = await reconcile(key, token).ConfigureAwait(false);
                metrics.Reconciled(name, result.Requeue || result.RequeueAfter > TimeSpan.Zero ? "requeue" : "success", Stopwatch.GetElapsedTime(started).TotalSeconds);
                return result;
            }
            catch (Exception) when (!token.IsCancellationRequested)
            {
                metrics.Reconciled(name, "error", Stopwatch.GetElapsedTime(started).TotalSeconds);
                throw;
            }
        }
    }
}
