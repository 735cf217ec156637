namespace Ferry.Kube.Runtime;

/// <summary>Settings of an <see cref="Informer{T}"/>.</summary>
public sealed class InformerOptions
{
    /// <summary>Only objects matching this label selector are cached.</summary>
    /// <value>Default <see langword="null"/>: all objects.</value>
    public string? LabelSelector { get; init; }

    /// <summary>Only objects matching this field selector are cached.</summary>
    /// <value>Default <see langword="null"/>: all objects.</value>
    public string? FieldSelector { get; init; }

    /// <summary>Page size of the initial list and of re-lists.</summary>
    /// <value>Default 500 (client-go's pager default).</value>
    public int PageSize { get; init; } = 500;

    /// <summary>Seconds after which the server is asked to end each watch; the informer then resumes from the last resourceVersion.</summary>
    /// <value>Default 300 seconds.</value>
    public int WatchTimeoutSeconds { get; init; } = 300;

    /// <summary>How often every cached object is delivered again as an update (so controllers re-reconcile periodically).</summary>
    /// <value>Default <see langword="null"/>: never.</value>
    public TimeSpan? ResyncPeriod { get; init; }

    /// <summary>The first delay after a failed list or watch; doubled on each further failure.</summary>
    /// <value>Default 1 second.</value>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest delay between retries of a failing list or watch.</summary>
    /// <value>Default 30 seconds.</value>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The clock for backoff and resync.</summary>
    /// <value>Default <see cref="TimeProvider.System"/>.</value>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}
