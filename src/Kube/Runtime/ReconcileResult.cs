namespace Ferry.Kube.Runtime;

/// <summary>What a reconcile asks of the controller loop after it returns normally.</summary>
/// <param name="Requeue">Queue the key again with the per-key backoff (without treating it as an error).</param>
/// <param name="RequeueAfter">Queue the key again after this delay (polling); takes precedence over <paramref name="Requeue"/>.</param>
/// <remarks>controller-runtime's <c>reconcile.Result</c>: a thrown exception means "retry with backoff";
/// <see cref="TerminalReconcileException"/> means "do not retry".</remarks>
public readonly record struct ReconcileResult(bool Requeue = false, TimeSpan RequeueAfter = default)
{
    /// <summary>Done: forget the key's backoff and wait for the next change.</summary>
    public static ReconcileResult Done => default;

    /// <summary>Reconcile again after <paramref name="delay"/>.</summary>
    /// <param name="delay">The delay.</param>
    /// <returns>The result.</returns>
    public static ReconcileResult After(TimeSpan delay) => new(RequeueAfter: delay);
}
