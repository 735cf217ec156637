using Ferry.Api.Endpoints;
using Ferry.Api.Schema;
using Ferry.Api.Sync;

namespace Ferry.Api.SyncJobs;

/// <summary>The desired state of a <see cref="SyncJob"/>: source, destination and the sync options.</summary>
/// <remarks>DESIGN.md, "The API".</remarks>
[ValidationRule("!has(self.destination.volume) || !has(self.destination.volume.readOnly) || !self.destination.volume.readOnly",
    "destination.volume.readOnly must not be true")]
[ValidationRule("!has(self.deleteSrc) || !self.deleteSrc || !has(self.source.volume) || !has(self.source.volume.readOnly) || !self.source.volume.readOnly",
    "source.volume.readOnly must not be true with deleteSrc")]
[ValidationRule("!has(self.deleteSrcAfter) || !self.deleteSrcAfter || !has(self.source.volume) || !has(self.source.volume.readOnly) || !self.source.volume.readOnly",
    "source.volume.readOnly must not be true with deleteSrcAfter")]
[ValidationRule("!has(self.inplace) || !self.inplace || has(self.destination.volume)",
    "inplace needs a volume destination: S3 replaces whole objects, SFTP in-place writes are not implemented")]
public sealed class SyncJobSpec : SyncOptionsSpec
{
    /// <summary>Where keys are read from.</summary>
    public required Endpoint Source { get; set; }

    /// <summary>Where keys are written to.</summary>
    public required Endpoint Destination { get; set; }

    /// <summary>Pause the run: no runner pods run while it is true, and the queue resumes where it stopped when
    /// it is set back to false (like a Job's <c>suspend</c>).</summary>
    /// <value><see langword="false"/>.</value>
    [MutableAfterStart]
    public bool? Suspend { get; set; }

    /// <summary>Seconds after the run finished (Succeeded or Failed) at which the SyncJob is deleted.</summary>
    /// <value>Never deleted.</value>
    [MutableAfterStart, Minimum(0)]
    public long? TtlSecondsAfterFinished { get; set; }
}
