using Ferry.Api.Common;
using Ferry.Api.Schema;

namespace Ferry.Api.Endpoints;

/// <summary>A directory on a PersistentVolumeClaim, mounted into every runner pod.</summary>
/// <remarks>Files keep mode, mtime and symlinks (juicefs sync <c>file://</c>); with several workers the claim
/// must allow <c>ReadWriteMany</c> or all workers must land on one node.</remarks>
public sealed class VolumeEndpoint
{
    /// <summary>The name of the PersistentVolumeClaim, in the namespace of the custom resource.</summary>
    [Length(1, 253), Pattern(SchemaPatterns.DnsSubdomain)]
    public required string ClaimName { get; set; }

    /// <summary>The directory inside the volume, relative to its root (no leading <c>/</c>, no <c>..</c>).</summary>
    /// <value>Empty: the volume's root.</value>
    [Length(0, 4096), Pattern("^([^/].*)?$")]
    [ValidationRule("!self.matches('(^|/)[.][.](/|$)')", "path must not contain '..'")]
    public string? Path { get; set; }

    /// <summary>Mount the claim read-only; not allowed for a destination, or for a source with <c>deleteSrc</c> or <c>deleteSrcAfter</c>.</summary>
    /// <value><see langword="false"/>.</value>
    public bool? ReadOnly { get; set; }
}
