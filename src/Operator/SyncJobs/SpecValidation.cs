namespace Ferry.Operator.SyncJobs;

/// <summary>The outcome of <see cref="SpecValidator"/>: valid, or the <c>SpecValid=False</c> reason and message.</summary>
/// <param name="Valid">Whether every referenced object exists with the keys the run needs.</param>
/// <param name="Reason">A reason from <see cref="Api.SyncJobs.SyncJobConditionReasons"/>.</param>
/// <param name="Message">For people: names the missing object or key, never a secret value.</param>
/// <param name="SecretKeys">For a valid spec: the keys (not values) of each referenced Secret, by Secret name.</param>
internal sealed record SpecValidation(bool Valid, string Reason, string Message, IReadOnlyDictionary<string, IReadOnlySet<string>> SecretKeys);
