namespace Ferry.Operator.ReplicaMirrors;

/// <summary>An Event to record on a ReplicaMirror once the status that goes with it is written.</summary>
/// <param name="Warning"><see langword="true"/> for a <c>Warning</c>, else <c>Normal</c>.</param>
/// <param name="Reason">CamelCase reason, e.g. <c>RunSkipped</c>.</param>
/// <param name="Message">For people; never a credential.</param>
internal sealed record MirrorEvent(bool Warning, string Reason, string Message);
