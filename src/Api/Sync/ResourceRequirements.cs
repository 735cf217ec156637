using Ferry.Api.Common;
using Ferry.Api.Schema;

namespace Ferry.Api.Sync;

/// <summary>core/v1 ResourceRequirements for the runner container: CPU and memory requests and limits.</summary>
/// <remarks>Values are Kubernetes quantities, e.g. <c>cpu: 500m</c>, <c>memory: 1Gi</c>.</remarks>
public sealed class ResourceRequirements
{
    /// <summary>The most the container may use, by resource name.</summary>
    [Items(0, 16)]
    public Dictionary<string, IntOrString>? Limits { get; set; }

    /// <summary>What the scheduler reserves for the container, by resource name.</summary>
    [Items(0, 16)]
    public Dictionary<string, IntOrString>? Requests { get; set; }
}
