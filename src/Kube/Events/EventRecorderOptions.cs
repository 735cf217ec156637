namespace Ferry.Kube.Events;

/// <summary>Settings of an <see cref="EventRecorder"/>.</summary>
public sealed class EventRecorderOptions
{
    /// <summary>The reporting component, e.g. <c>ferry-operator</c> (<c>source.component</c> and <c>reportingComponent</c>).</summary>
    public required string Component { get; init; }

    /// <summary>The reporting instance, e.g. the pod name.</summary>
    /// <value>Default <see langword="null"/>.</value>
    public string? Instance { get; init; }

    /// <summary>How long an identical event (same object, type, reason and message) is counted on the existing Event
    /// object instead of creating a new one.</summary>
    /// <value>Default 10 minutes (client-go's event correlator window).</value>
    public TimeSpan AggregationWindow { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>The clock for timestamps and the aggregation window.</summary>
    /// <value>Default <see cref="TimeProvider.System"/>.</value>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}
