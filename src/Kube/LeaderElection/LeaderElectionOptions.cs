namespace Ferry.Kube.LeaderElection;

/// <summary>Settings and callbacks of a <see cref="LeaderElector"/>.</summary>
/// <remarks>Defaults are client-go's (15 s / 10 s / 2 s). <see cref="LeaseDuration"/> must exceed <see cref="RenewDeadline"/>,
/// which must exceed <see cref="RetryPeriod"/>, so a leader gives up before anyone else may take over.</remarks>
public sealed class LeaderElectionOptions
{
    /// <summary>The namespace of the Lease.</summary>
    public required string LeaseNamespace { get; init; }

    /// <summary>The name of the Lease, e.g. <c>ferry-operator</c>.</summary>
    public required string LeaseName { get; init; }

    /// <summary>This candidate's holderIdentity, unique among candidates (usually the pod name).</summary>
    public required string Identity { get; init; }

    /// <summary>How long after the last observed change of the lease record other candidates wait before taking over.</summary>
    /// <value>Default 15 seconds.</value>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long the leader keeps trying to renew before it gives up leadership.</summary>
    /// <value>Default 10 seconds.</value>
    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The interval between acquire or renew attempts.</summary>
    /// <value>Default 2 seconds.</value>
    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Release the lease (empty holderIdentity) when stopped by cancellation, so a successor need not wait for expiry.</summary>
    /// <value>Default <see langword="true"/>.</value>
    public bool ReleaseOnCancel { get; init; } = true;

    /// <summary>Called when this candidate becomes leader; its token is cancelled when leadership ends.</summary>
    /// <value>Default <see langword="null"/>.</value>
    public Func<CancellationToken, Task>? OnStartedLeading { get; init; }

    /// <summary>Called when this candidate stops leading (lost, released or stopped).</summary>
    /// <value>Default <see langword="null"/>.</value>
    public Action? OnStoppedLeading { get; init; }

    /// <summary>Called when a different holderIdentity is observed.</summary>
    /// <value>Default <see langword="null"/>.</value>
    public Action<string>? OnNewLeader { get; init; }

    /// <summary>The clock.</summary>
    /// <value>Default <see cref="TimeProvider.System"/>.</value>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}
