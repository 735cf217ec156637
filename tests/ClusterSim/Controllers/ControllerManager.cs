namespace Ferry.ClusterSim.Controllers;

/// <summary>The simulator's controller manager: the Deployment and ReplicaSet controllers, run on every change to the
/// store and every <see cref="ResyncInterval"/> until disposed. (The service-account and root-CA publishers run
/// inside namespace creation, see <see cref="Storage.ClusterStore"/>; Jobs and Pods are the kubelet's.)</summary>
internal sealed class ControllerManager : IAsyncDisposable
{
    /// <summary>How often the controllers run without a change.</summary>
    public static readonly TimeSpan ResyncInterval = TimeSpan.FromMilliseconds(200);

    private readonly Storage.ClusterStore _store;
    private readonly SemaphoreSlim _wake = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public ControllerManager(Storage.ClusterStore store)
    {
        _store = store;
        store.Changed += OnChanged;
        _loop = Task.Run(LoopAsync);
    }

    private void OnChanged(string typeKey)
    {
        if (typeKey is "apps/deployments" or "apps/replicasets" or "/pods" && _wake.CurrentCount == 0)
        {
            _wake.Release();
        }
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await _wake.WaitAsync(ResyncInterval, _stop.Token).ConfigureAwait(false);
                DeploymentController.Reconcile(_store);
                ReplicaSetController.Reconcile(_store);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e)
            {
                // A conflicting write or a vanished object: the next pass sees the new state.
                await Console.Error.WriteLineAsync($"clustersim controller-manager: {e.GetType().Name}: {e.Message}").ConfigureAwait(false);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _store.Changed -= OnChanged;
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
        _wake.Dispose();
    }
}
