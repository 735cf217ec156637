using System.Text.Json.Nodes;

namespace Ferry.ClusterSim.Storage;

/// <summary>One change in the store: <c>ADDED</c>, <c>MODIFIED</c>, <c>DELETED</c>, or a <c>BOOKMARK</c>.</summary>
/// <param name="Type">The watch event type.</param>
/// <param name="Object">The object after the change (for <c>DELETED</c>, its last state with the deletion's resourceVersion).</param>
/// <param name="Old">The object before the change, used to turn selector transitions into ADDED/DELETED; may be null.</param>
/// <param name="ResourceVersion">The resourceVersion of the change.</param>
/// <param name="TypeKey">The <c>group/plural</c> of the object's kind.</param>
public sealed record WatchEvent(string Type, JsonObject Object, JsonObject? Old, long ResourceVersion, string TypeKey);
