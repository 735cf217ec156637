using Ferry.Api.Common;
using Ferry.Api.Schema;
using k8s.Models;

namespace Ferry.Api.Sync;

/// <summary>How the runner pods are made: image, resources and placement.</summary>
/// <remarks>Runner pods come from a <c>batch/v1</c> Job with <c>parallelism: workers</c> (DESIGN.md,
/// "Distributed work").</remarks>
public sealed class RunnerSpec
{
    /// <summary>The container image that holds the <c>ferry</c> binary.</summary>
    /// <value>Empty: the image the operator was configured with.</value>
    [Length(1, 1024)]
    public string? Image { get; set; }

    /// <summary>CPU and memory requests and limits of the runner container.</summary>
    public V1ResourceRequirements? Resources { get; set; }

    /// <summary>Node labels the runner pods must match.</summary>
    [Items(0, 32)]
    public Dictionary<string, string>? NodeSelector { get; set; }

    /// <summary>Taints the runner pods tolerate.</summary>
    [Items(0, 32)]
    public List<V1Toleration>? Tolerations { get; set; }

    /// <summary>The ServiceAccount the runner pods run as; it needs to get, list, watch, create and update
    /// Leases in the namespace.</summary>
    /// <value>Empty: the one the operator was configured with.</value>
    [Length(1, 253), Pattern(SchemaPatterns.DnsSubdomain)]
    public string? ServiceAccountName { get; set; }
}
