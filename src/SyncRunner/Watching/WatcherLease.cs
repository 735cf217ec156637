using Ferry.Api;
using Ferry.Api.ReplicaMirrors;
using Ferry.Kube.Client;
using Ferry.Kube.Errors;
using Ferry.Kube.Runtime;
using Ferry.SyncRunner.Queue.Kubernetes;
using k8s.Models;

namespace Ferry.SyncRunner.Watching;

/// <summary>
/// The watcher's Lease (<see cref="WatcherContract.LeaseName"/>): created or taken over at the start (a new watcher pod
/// is the holder from then on), renewed with the current <see cref="WatcherState"/> in its annotations. One writer: a
/// conflict (the previous pod's last write, or the Lease deleted) is retried with the Lease read again.
/// </summary>
/// <remarks>Owned by the mirror (controller ownerReference), so garbage collection removes it with the mirror; the
/// labels are the watcher pods' (<see cref="WatcherContract.Labels"/>), which the operator's informer selects. Before it
/// creates the Lease (at the start, or after someone deleted it) it reads the mirror: a watcher outliving its mirror
/// (stopping after garbage collection took the Lease) never re-creates a Lease owned by nothing.</remarks>
/// <param name="client">The API client.</param>
/// <param name="mirror">The mirror (name, namespace, uid).</param>
/// <param name="holder">This watcher's identity: its pod's name.</param>
/// <param name="time">The clock of <c>acquireTime</c> and <c>renewTime</c>.</param>
internal sealed class WatcherLease(IKubernetesClient client, ReplicaMirror mirror, string holder, TimeProvider time)
{
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly string _namespace = mirror.Metadata.NamespaceProperty ?? "default";
    private readonly string _name = WatcherContract.LeaseName(mirror.Metadata.Name!);
    private readonly WatcherState _state = new();
    private V1Lease? _lease;

    /// <summary>How many writes went to the API server (tests count them).</summary>
    public int Writes { get; private set; }

    /// <summary>Changes the state with <paramref name="update"/> and writes it, renewing the Lease.</summary>
    /// <param name="update">Changes the state (under the writer's lock).</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <exception cref="KubernetesException">The API server failed.</exception>
    /// <exception cref="RunGoneException">The Lease had to be created and the mirror is gone or was re-created.</exception>
    public async Task PublishAsync(Action<WatcherState> update, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            update(_state);
            for (int attempt = 0; ; attempt++)
            {
                try
                {
                    await WriteAsync(cancellationToken).ConfigureAwait(false);
                    return;
                }
                catch (KubernetesApiException e) when ((e.IsConflict || e.IsNotFound || e.IsAlreadyExists) && attempt < 5)
                {
                    _lease = null;
                }
            }
        }
        finally
        {
            _lock.Release();
        }
    }

    private async Task WriteAsync(CancellationToken cancellationToken)
    {
        _lease ??= await client.TryGetAsync(Kube.Client.KubeResources.Leases, _namespace, _name, cancellationToken).ConfigureAwait(false);
        DateTimeOffset now = time.GetUtcNow();
        if (_lease is null)
        {
            ReplicaMirror? owner = await client.TryGetAsync(ApiResources.ReplicaMirrors, _namespace, mirror.Metadata.Name!, cancellationToken).ConfigureAwait(false);
            if (owner?.Metadata.Uid != mirror.Metadata.Uid)
            {
                throw new RunGoneException($"ReplicaMirror {_namespace}/{mirror.Metadata.Name} is gone: its watcher's Lease is not created again");
            }

            var annotations = new Dictionary<string, string>(StringComparer.Ordinal);
            _state.WriteTo(annotations);
            var lease = new V1Lease
            {
                Metadata = new V1ObjectMeta
                {
                    Name = _name,
                    NamespaceProperty = _namespace,
                    Labels = WatcherContract.Labels(mirror),
                    Annotations = annotations,
                    OwnerReferences = [OwnerReferences.ControllerOf(mirror)],
                },
                Spec = new V1LeaseSpec { HolderIdentity = holder, LeaseDurationSeconds = WatcherContract.LeaseDurationSeconds, AcquireTime = now.UtcDateTime, RenewTime = now.UtcDateTime, LeaseTransitions = 0 },
            };
            _lease = await client.CreateAsync(Kube.Client.KubeResources.Leases, _namespace, lease, null, cancellationToken).ConfigureAwait(false);
            Writes++;
            return;
        }

        var current = new Dictionary<string, string>(_lease.Metadata.Annotations ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        _state.WriteTo(current);
        _lease.Metadata.Annotations = current;
        V1LeaseSpec spec = _lease.Spec ??= new V1LeaseSpec();
        if (spec.HolderIdentity != holder)
        {
            spec.HolderIdentity = holder;
            spec.AcquireTime = now.UtcDateTime;
            spec.LeaseTransitions = (spec.LeaseTransitions ?? 0) + 1;
        }

        spec.RenewTime = now.UtcDateTime;
        spec.LeaseDurationSeconds = WatcherContract.LeaseDurationSeconds;
        _lease = await client.ReplaceAsync(Kube.Client.KubeResources.Leases, _namespace, _name, _lease, null, cancellationToken).ConfigureAwait(false);
        Writes++;
    }
}
