namespace Ferry.ClusterSim.Storage;

/// <summary>Options of a create, update, patch or apply request.</summary>
/// <param name="DryRun">Validate and return the result without storing it (<c>dryRun=All</c>).</param>
/// <param name="FieldValidation">What to do with fields a CRD schema does not declare: <c>Ignore</c> (prune
/// silently), <c>Warn</c> (prune, and add a warning to <see cref="Warnings"/>) or <c>Strict</c> (400 BadRequest).</param>
/// <remarks>Kubernetes API "Field validation" (the <c>fieldValidation</c> query parameter).</remarks>
public sealed record WriteOptions(bool DryRun = false, string FieldValidation = "Ignore")
{
    /// <summary>No dry run, unknown fields pruned silently.</summary>
    public static WriteOptions Default { get; } = new();

    /// <summary>Warnings produced by the request (sent as <c>Warning: 299</c> headers).</summary>
    public List<string> Warnings { get; } = [];

    /// <summary>The paths of fields the request body gave more than once (the last value is kept).</summary>
    public List<string> Duplicates { get; } = [];

    /// <summary>Whether the request is a JSON, merge or strategic merge patch: strict decoding errors are then a 422
    /// <c>Invalid</c> on the field <c>patch</c>, as the API server's patch handler reports them.</summary>
    public bool IsPatch { get; init; }

    /// <summary>The field manager recorded in <c>metadata.managedFields</c> (the <c>fieldManager</c> parameter, else the
    /// User-Agent up to its first <c>/</c>); null: <see cref="ClusterStore.DefaultFieldManager"/>.</summary>
    public string? FieldManager { get; init; }

    /// <summary>Whether a server-side apply takes the fields other managers own instead of failing with a conflict
    /// (<c>force=true</c>).</summary>
    public bool Force { get; init; }

    /// <summary>Options of the simulator's own controllers writing as <paramref name="manager"/> (e.g. <c>kubelet</c>,
    /// <c>kube-controller-manager</c>).</summary>
    public static WriteOptions By(string manager) => new() { FieldManager = manager };
}
