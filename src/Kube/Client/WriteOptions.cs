namespace Ferry.Kube.Client;

/// <summary>Options of create, replace and merge patch requests.</summary>
public sealed class WriteOptions
{
    /// <summary>The field manager recorded in <c>managedFields</c>.</summary>
    /// <value>Default <see langword="null"/>: the server derives one from the user agent.</value>
    public string? FieldManager { get; init; }

    /// <summary>Validate and admit but do not persist (<c>dryRun=All</c>).</summary>
    /// <value>Default <see langword="false"/>.</value>
    public bool DryRun { get; init; }

    /// <summary>The subresource to write, e.g. <c>status</c>.</summary>
    /// <value>Default <see langword="null"/>: the main resource.</value>
    public string? Subresource { get; init; }
}
