using Ferry.Api.Common;
using Ferry.Api.Endpoints;
using Ferry.Api.Schema;

namespace Ferry.Api.ReplicaMirrors;

/// <summary>One named destination of a <see cref="ReplicaMirror"/>: a name plus exactly one of <c>s3</c>,
/// <c>volume</c> or <c>sftp</c>.</summary>
public sealed class MirrorDestination : Endpoint
{
    /// <summary>A DNS label unique within the mirror, e.g. <c>eu-west</c>; it names the child SyncJobs.</summary>
    [Length(1, 32), Pattern(SchemaPatterns.DnsLabel)]
    public required string Name { get; set; }

    /// <summary>Start no new runs of this destination while true (e.g. a region under maintenance); the others go
    /// on, and a run in progress finishes.</summary>
    /// <value><see langword="false"/>.</value>
    public bool? Suspend { get; set; }

    /// <summary>This destination's <c>concurrencyPolicy</c>, overriding the mirror's.</summary>
    /// <value>The mirror's <c>concurrencyPolicy</c>.</value>
    public ConcurrencyPolicy? ConcurrencyPolicy { get; set; }

    /// <summary>The endpoint alone (without name and scheduling fields), as a child SyncJob's destination.</summary>
    /// <returns>A new <see cref="Endpoint"/> sharing this destination's <c>s3</c>, <c>volume</c> or <c>sftp</c>.</returns>
    public Endpoint ToEndpoint() => new() { S3 = S3, Volume = Volume, Sftp = Sftp };
}
