using Ferry.Api.Common;
using Ferry.Api.Schema;

namespace Ferry.Api.Sync;

/// <summary>A key of a ConfigMap in the same namespace.</summary>
public sealed class ConfigMapKeySelector
{
    /// <summary>The name of the ConfigMap.</summary>
    [Length(1, 253), Pattern(SchemaPatterns.DnsSubdomain)]
    public required string Name { get; set; }

    /// <summary>The key inside the ConfigMap.</summary>
    [Length(1, 253), Pattern("^[-._a-zA-Z0-9]+$")]
    public required string Key { get; set; }
}
