using Ferry.Api.Schema;

namespace Ferry.Api.Endpoints;

/// <summary>Where data is read from or written to: exactly one of an S3 bucket, a volume or an SFTP server.</summary>
/// <remarks>The three storage kinds of the sync engine (DESIGN.md, "The sync engine"); juicefs sync's
/// <c>s3://</c>, <c>file://</c> and <c>sftp://</c> addresses.</remarks>
[ExactlyOneOf(nameof(S3), nameof(Volume), nameof(Sftp))]
public class Endpoint
{
    /// <summary>An S3-compatible bucket, optionally under a key prefix.</summary>
    public S3Endpoint? S3 { get; set; }

    /// <summary>A directory on a PersistentVolumeClaim mounted into the runner pods.</summary>
    public VolumeEndpoint? Volume { get; set; }

    /// <summary>A directory on an SFTP server, reached with OpenSSH and a verified host key.</summary>
    public SftpEndpoint? Sftp { get; set; }
}
