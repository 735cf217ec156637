using Ferry.Kube.Client;
using Ferry.Kube.Errors;
using Ferry.Kube.Leases;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ferry.Kube.LeaderElection;

/// <summary>Lease-based leader election among candidates sharing one <c>coordination.k8s.io/v1</c> Lease.</summary>
/// <remarks>
/// client-go's leaderelection package: a candidate takes the Lease when it does not exist, has no holder, or its
/// record has not changed for <c>leaseDurationSeconds</c> as measured on this candidate's own clock from when it
/// last saw the record change (never from the holder's <c>renewTime</c>, so clock skew between nodes does not
/// matter; the rule is <see cref="LeaseObserver"/>'s, the one the run Leases use). Writes carry the read resourceVersion; a 409 means another candidate won. The leader renews every
/// <see cref="LeaderElectionOptions.RetryPeriod"/> and steps down when it could not renew for
/// <see cref="LeaderElectionOptions.RenewDeadline"/> or sees another holder.
/// </remarks>
public sealed class LeaderElector
{
    private readonly IKubernetesClient _client;
    private readonly LeaderElectionOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly LeaseObserver _observer;
    private long _lastRenewTimestamp;
    private volatile bool _isLeader;
    private volatile string? _observedLeader;

    /// <summary>Creates an elector; nothing happens until <see cref="RunAsync"/>.</summary>
    /// <param name="client">The API client.</param>
    /// <param name="options">Lease, identity, timing and callbacks.</param>
    /// <param name="logger">Logger; default none.</param>
    /// <exception cref="ArgumentException">The durations are not ordered LeaseDuration &gt; RenewDeadline &gt; RetryPeriod &gt; 0.</exception>
    public LeaderElector(IKubernetesClient client, LeaderElectionOptions options, ILogger? logger = null)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        ArgumentException.ThrowIfNullOrEmpty(options.Identity, nameof(options));
        if (!(options.LeaseDuration > options.RenewDeadline && options.RenewDeadline > options.RetryPeriod && options.RetryPeriod > TimeSpan.Zero))
        {
            throw new ArgumentException("LeaseDuration must exceed RenewDeadline, which must exceed RetryPeriod (> 0).", nameof(options));
        }

        _logger = logger ?? NullLogger.Instance;
        _time = options.TimeProvider;
        _observer = new LeaseObserver(_time, options.LeaseDuration);
    }

    /// <summary>Whether this candidate currently holds the lease (as of its last successful write).</summary>
    public bool IsLeader => _isLeader;

    /// <summary>The holderIdentity last observed in the lease, or <see langword="null"/>.</summary>
    public string? ObservedLeader => _observedLeader;

    /// <summary>Tries to acquire the lease until it succeeds, leads (calling <see cref="LeaderElectionOptions.OnStartedLeading"/>)
    /// while renewing, and returns when leadership is lost or <paramref name="cancellationToken"/> is cancelled.</summary>
    /// <param name="cancellationToken">Stops the election; a leader then releases the lease if <see cref="LeaderElectionOptions.ReleaseOnCancel"/>.</param>
    /// <returns>A task that completes after <see cref="LeaderElectionOptions.OnStoppedLeading"/> (if leadership was acquired).</returns>
    /// <remarks>Once lost, leadership is not re-acquired by the same call; like client-go, callers usually exit the process.</remarks>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (!await AcquireAsync(cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        using var leading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var work = _options.OnStartedLeading is { } start
            ? Task.Run(() => start(leading.Token), CancellationToken.None)
            : Task.CompletedTask;
        try
        {
            await RenewUntilLostAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _isLeader = false;
            await leading.CancelAsync().ConfigureAwait(false);
            if (cancellationToken.IsCancellationRequested && _options.ReleaseOnCancel)
            {
                await ReleaseAsync().ConfigureAwait(false);
            }

            _options.OnStoppedLeading?.Invoke();
            try
            {
                await work.ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                if (e is not OperationCanceledException)
                {
                    _logger.LogError(e, "The leader's work failed");
                }
            }
        }
    }

    private async Task<bool> AcquireAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            if (await TryAttemptAsync(cancellationToken).ConfigureAwait(false) == Attempt.Held)
            {
                _logger.LogInformation("{Identity} acquired lease {Namespace}/{Name}", _options.Identity, _options.LeaseNamespace, _options.LeaseName);
                return true;
            }

            try
            {
                await Task.Delay(_options.RetryPeriod, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }

        return false;
    }

    private async Task RenewUntilLostAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                await Task.Delay(_options.RetryPeriod, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var attempt = await TryAttemptAsync(cancellationToken).ConfigureAwait(false);
            if (attempt == Attempt.Cancelled)
            {
                return;
            }

            if (attempt == Attempt.Held)
            {
                continue;
            }

            if (attempt == Attempt.HeldByOther || _time.GetElapsedTime(_lastRenewTimestamp) >= _options.RenewDeadline)
            {
                _logger.LogWarning("{Identity} lost lease {Namespace}/{Name}", _options.Identity, _options.LeaseNamespace, _options.LeaseName);
                return;
            }
        }
    }

    /// <summary>One acquire-or-renew step in the election loops: a request cut short by <paramref name="cancellationToken"/>
    /// is <see cref="Attempt.Cancelled"/>, so that <see cref="RunAsync"/> returns on cancellation as documented instead
    /// of throwing when the cancellation arrives mid-request rather than during the retry delay.</summary>
    private async Task<Attempt> TryAttemptAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await TryAcquireOrRenewAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Attempt.Cancelled;
        }
    }

    /// <summary>One acquire-or-renew step.</summary>
    internal async Task<Attempt> TryAcquireOrRenewAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        var nowTimestamp = _time.GetTimestamp();
        var leases = KubeResources.Leases;
        V1Lease lease;
        try
        {
            lease = await _client.GetAsync(leases, _options.LeaseNamespace, _options.LeaseName, null, cancellationToken).ConfigureAwait(false);
        }
        catch (KubernetesApiException e) when (e.IsNotFound)
        {
            var created = new V1Lease
            {
                Metadata = new V1ObjectMeta { Name = _options.LeaseName, NamespaceProperty = _options.LeaseNamespace },
                Spec = NewRecord(now, now, 0),
            };
            try
            {
                created = await _client.CreateAsync(leases, _options.LeaseNamespace, created, null, cancellationToken).ConfigureAwait(false);
            }
            catch (KubernetesException ce)
            {
                _logger.LogDebug(ce, "Creating lease {Name} failed", _options.LeaseName);
                return Attempt.Failed;
            }

            return Won(created, nowTimestamp);
        }
        catch (KubernetesException e)
        {
            _logger.LogDebug(e, "Reading lease {Name} failed", _options.LeaseName);
            return Attempt.Failed;
        }

        var record = lease.Spec ?? new V1LeaseSpec();
        var expired = _observer.IsExpired(lease);
        if (record.HolderIdentity != _observedLeader)
        {
            _observedLeader = record.HolderIdentity;
            if (!string.IsNullOrEmpty(record.HolderIdentity))
            {
                _options.OnNewLeader?.Invoke(record.HolderIdentity);
            }
        }

        var holder = record.HolderIdentity;
        var mine = holder == _options.Identity;
        if (!mine && !string.IsNullOrEmpty(holder) && !expired)
        {
            _isLeader = false;
            return Attempt.HeldByOther;
        }

        lease.Spec = mine
            ? NewRecord(record.AcquireTime ?? now, now, record.LeaseTransitions ?? 0)
            : NewRecord(now, now, (record.LeaseTransitions ?? 0) + 1);
        try
        {
            var updated = await _client.ReplaceAsync(leases, _options.LeaseNamespace, _options.LeaseName, lease, null, cancellationToken).ConfigureAwait(false);
            return Won(updated, nowTimestamp);
        }
        catch (KubernetesException e)
        {
            _logger.LogDebug(e, "Updating lease {Name} failed", _options.LeaseName);
            return Attempt.Failed;
        }
    }

    private Attempt Won(V1Lease written, long nowTimestamp)
    {
        _observer.Observe(written);
        _lastRenewTimestamp = nowTimestamp;
        _observedLeader = _options.Identity;
        _isLeader = true;
        return Attempt.Held;
    }

    private async Task ReleaseAsync()
    {
        using var timeout = new CancellationTokenSource(_options.RenewDeadline, _time);
        try
        {
            var lease = await _client.GetAsync(KubeResources.Leases, _options.LeaseNamespace, _options.LeaseName, null, timeout.Token).ConfigureAwait(false);
            if (lease.Spec?.HolderIdentity != _options.Identity)
            {
                return;
            }

            var now = _time.GetUtcNow().UtcDateTime;
            lease.Spec = new V1LeaseSpec
            {
                HolderIdentity = null,
                LeaseDurationSeconds = 1,
                AcquireTime = now,
                RenewTime = now,
                LeaseTransitions = lease.Spec.LeaseTransitions,
            };
            await _client.ReplaceAsync(KubeResources.Leases, _options.LeaseNamespace, _options.LeaseName, lease, null, timeout.Token).ConfigureAwait(false);
            _logger.LogInformation("{Identity} released lease {Namespace}/{Name}", _options.Identity, _options.LeaseNamespace, _options.LeaseName);
        }
        catch (Exception e) when (e is KubernetesException or OperationCanceledException)
        {
            _logger.LogWarning(e, "Releasing lease {Name} failed; it expires on its own", _options.LeaseName);
        }
    }

    private V1LeaseSpec NewRecord(DateTime acquire, DateTime renew, int transitions) => new()
    {
        HolderIdentity = _options.Identity,
        LeaseDurationSeconds = (int)Math.Ceiling(_options.LeaseDuration.TotalSeconds),
        AcquireTime = acquire,
        RenewTime = renew,
        LeaseTransitions = transitions,
    };

    /// <summary>The outcome of one acquire-or-renew step.</summary>
    internal enum Attempt
    {
        /// <summary>This candidate holds the lease now.</summary>
        Held,

        /// <summary>Another candidate holds an unexpired lease.</summary>
        HeldByOther,

        /// <summary>The read or write failed (conflict, transport); try again later.</summary>
        Failed,

        /// <summary>The election was cancelled while the request was in flight.</summary>
        Cancelled,
    }
}
