namespace Ferry.Operator.ReplicaMirrors;

/// <summary>One reason a ReplicaMirror (or one of its destinations) cannot run.</summary>
/// <param name="Reason">The <c>Ready</c> condition reason, e.g. <c>SecretNotFound</c>.</param>
/// <param name="Message">For people; names the field and the missing object; never a credential.</param>
internal sealed record MirrorProblem(string Reason, string Message);
