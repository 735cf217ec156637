using System.Text.Json.Nodes;

namespace Ferry.ClusterSim.Resources;

/// <summary>One served version of a resource: its schema, printer columns and whether it has a status subresource.</summary>
/// <param name="Name">The version, e.g. <c>v1alpha1</c>.</param>
/// <param name="Schema">The structural <c>openAPIV3Schema</c>, or <see langword="null"/> for built-in kinds (not validated).</param>
/// <param name="PrinterColumns">The CRD's <c>additionalPrinterColumns</c>, or <see langword="null"/>.</param>
/// <param name="StatusSubresource">Whether <c>/status</c> is served and the main endpoint ignores status.</param>
public sealed record ResourceVersion(string Name, JsonObject? Schema, JsonArray? PrinterColumns, bool StatusSubresource);
