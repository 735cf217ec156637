namespace Ferry.Kube.Runtime;

/// <summary>Settings of a <see cref="WorkQueue{TKey}"/>.</summary>
public sealed class WorkQueueOptions
{
    /// <summary>The delay after a key's first failure; each further failure doubles it.</summary>
    /// <value>Default 5 ms (controller-runtime's per-item exponential failure rate limiter).</value>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>The longest delay a failing key waits.</summary>
    /// <value>Default 1000 seconds (controller-runtime's default).</value>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(1000);

    /// <summary>The clock for delayed adds.</summary>
    /// <value>Default <see cref="TimeProvider.System"/>.</value>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}
