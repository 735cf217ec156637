namespace Ferry.Kube.Client;

/// <summary>Query options of a list request.</summary>
/// <remarks>Kubernetes API concepts, "Retrieving large results sets in chunks" and "Label selectors"/"Field selectors".</remarks>
public sealed class KubeListOptions
{
    /// <summary>A label selector, e.g. <c>ferry.io/syncjob=a,ferry.io/run in (1,2)</c>.</summary>
    /// <value>Default <see langword="null"/>: no label filter.</value>
    public string? LabelSelector { get; init; }

    /// <summary>A field selector, e.g. <c>metadata.name=x</c>.</summary>
    /// <value>Default <see langword="null"/>: no field filter.</value>
    public string? FieldSelector { get; init; }

    /// <summary>Maximum items per page; the response's continue token fetches the next page.</summary>
    /// <value>Default <see langword="null"/>: the server returns everything.</value>
    public int? Limit { get; init; }

    /// <summary>The continue token from the previous page.</summary>
    /// <value>Default <see langword="null"/>: the first page.</value>
    public string? Continue { get; init; }

    /// <summary>The resourceVersion to read at (<c>0</c> allows any cached version).</summary>
    /// <value>Default <see langword="null"/>: the most recent (a quorum read).</value>
    public string? ResourceVersion { get; init; }
}
