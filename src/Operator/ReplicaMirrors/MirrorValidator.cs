using Ferry.Api.Endpoints;
using Ferry.Api.ReplicaMirrors;
using Ferry.Api.SyncJobs;
using Ferry.Operator.SyncJobs;

namespace Ferry.Operator.ReplicaMirrors;

/// <summary>Checks what the API server's schema cannot about a ReplicaMirror: that its trigger parses, and that the
/// Secrets, PersistentVolumeClaims and ConfigMap its source, destinations and <c>filesFrom</c> refer to exist with the
/// keys the runners need.</summary>
/// <remarks>A problem with the trigger, the source or <c>filesFrom</c> stops the whole mirror; a problem with one
/// destination stops only that destination, so one region's broken Secret never holds the others back. A continuous
/// mirror needs a volume source (<c>ContinuousNeedsVolume</c>: "continuous needs a volume source; use interval"). The checks
/// and messages are the SyncJob controller's (<see cref="SpecValidator"/>), with field paths such as
/// <c>spec.destinations[eu-west].s3.credentialsSecretRef</c>.</remarks>
/// <param name="references">Reads the referenced objects.</param>
internal sealed class MirrorValidator(SpecValidator references)
{
    /// <summary>Validates a mirror.</summary>
    /// <param name="mirror">The mirror.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <returns>What is wrong, if anything.</returns>
    /// <exception cref="Kube.Errors.KubernetesException">A read failed for another reason than 404.</exception>
    public async Task<MirrorValidity> ValidateAsync(ReplicaMirror mirror, CancellationToken cancellationToken)
    {
        ReplicaMirrorSpec spec = mirror.Spec;
        string ns = mirror.Metadata.NamespaceProperty ?? "default";
        try
        {
            MirrorTrigger.Parse(spec);
        }
        catch (FormatException e)
        {
            return Whole(SyncJobConditionReasons.InvalidSpec, e.Message);
        }

        if (SpecValidator.ShapeError(spec.Source, "spec.source") is { } sourceShape)
        {
            return Whole(SyncJobConditionReasons.InvalidSpec, sourceShape);
        }

        if (spec.Continuous is not null && spec.Source.Volume is null)
        {
            return Whole(ReplicaMirrorConditionReasons.ContinuousNeedsVolume, "continuous needs a volume source; use interval");
        }

        if (spec.Destinations.GroupBy(d => d.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } duplicate)
        {
            return Whole(SyncJobConditionReasons.InvalidSpec, $"spec.destinations: the name \"{duplicate.Key}\" is used more than once");
        }

        SpecValidation source = await references.ValidateReferencesAsync(ns, [("spec.source", spec.Source)], spec.FilesFrom, cancellationToken).ConfigureAwait(false);
        if (!source.Valid)
        {
            return Whole(source.Reason, source.Message);
        }

        var problems = new Dictionary<string, MirrorProblem>(StringComparer.Ordinal);
        var secretKeys = new Dictionary<string, IReadOnlySet<string>>(source.SecretKeys, StringComparer.Ordinal);
        foreach (MirrorDestination destination in spec.Destinations)
        {
            string field = $"spec.destinations[{destination.Name}]";
            if (SpecValidator.ShapeError(destination, field) is { } shape)
            {
                problems[destination.Name] = new MirrorProblem(SyncJobConditionReasons.InvalidSpec, shape);
                continue;
            }

            if (SpecValidator.SameLocation(spec.Source, destination))
            {
                problems[destination.Name] = new MirrorProblem(SyncJobConditionReasons.InvalidSpec, $"{field} is the same location as spec.source");
                continue;
            }

            SpecValidation result = await references.ValidateReferencesAsync(ns, [(field, (Endpoint)destination)], null, cancellationToken).ConfigureAwait(false);
            if (!result.Valid)
            {
                problems[destination.Name] = new MirrorProblem(result.Reason, result.Message);
                continue;
            }

            foreach ((string? secret, IReadOnlySet<string>? keys) in result.SecretKeys)
            {
                secretKeys[secret] = keys;
            }
        }

        return new MirrorValidity(null, problems) { SecretKeys = secretKeys };
    }

    private static MirrorValidity Whole(string reason, string message) =>
        new(new MirrorProblem(reason, message), new Dictionary<string, MirrorProblem>(StringComparer.Ordinal));
}
