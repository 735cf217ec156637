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
}
