using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>coordination.k8s.io/v1 LeaseSpec: the holder, duration and times of a lease.</summary>
/// <remarks>Times are metav1.MicroTime on the wire (RFC 3339 with six fractional digits).</remarks>
public sealed class LeaseSpec
{
    /// <summary>Who holds the lease; empty or null when released.</summary>
    [JsonPropertyName("holderIdentity")]
    public string? HolderIdentity { get; set; }

    /// <summary>Seconds candidates wait after the last observed change before taking the lease over.</summary>
    [JsonPropertyName("leaseDurationSeconds")]
    public int? LeaseDurationSeconds { get; set; }

    /// <summary>When the current holder acquired the lease.</summary>
    [JsonConverter(typeof(MicroTimeConverter))]
    [JsonPropertyName("acquireTime")]
    public DateTimeOffset? AcquireTime { get; set; }

    /// <summary>When the holder last renewed the lease.</summary>
    [JsonConverter(typeof(MicroTimeConverter))]
    [JsonPropertyName("renewTime")]
    public DateTimeOffset? RenewTime { get; set; }

    /// <summary>How many times the holder has changed.</summary>
    [JsonPropertyName("leaseTransitions")]
    public int? LeaseTransitions { get; set; }
}
