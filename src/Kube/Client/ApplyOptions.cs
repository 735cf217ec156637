namespace Ferry.Kube.Client;

/// <summary>Options of a server-side apply (<c>PATCH</c> with <c>application/apply-patch+yaml</c>).</summary>
/// <param name="FieldManager">The field manager that owns the applied fields, e.g. <c>ferry-operator</c>; required.</param>
/// <remarks>Kubernetes "Server-Side Apply": the body is the manager's full intent; fields it no longer sets are
/// removed if no other manager owns them. With <see cref="Force"/> conflicts with other managers are overridden.</remarks>
public sealed record ApplyOptions(string FieldManager)
{
    /// <summary>Take ownership of conflicting fields (<c>force=true</c>).</summary>
    /// <value>Default <see langword="false"/>: a conflict fails with 409.</value>
    public bool Force { get; init; }

    /// <summary>Validate and admit but do not persist.</summary>
    /// <value>Default <see langword="false"/>.</value>
    public bool DryRun { get; init; }

    /// <summary>The subresource to apply to, e.g. <c>status</c>.</summary>
    /// <value>Default <see langword="null"/>: the main resource.</value>
    public string? Subresource { get; init; }
}
