namespace Ferry.Operator.SyncJobs;

/// <summary>The operator-wide defaults that go into every runner Job.</summary>
/// <param name="DefaultImage">The runner image when <c>spec.runner.image</c> is empty.</param>
/// <param name="LeaseDurationSeconds">Passed to workers as <c>--lease-duration</c>, in seconds.</param>
/// <param name="DefaultServiceAccountName">The ServiceAccount when <c>spec.runner.serviceAccountName</c> is empty;
/// <see langword="null"/> for the namespace's <c>default</c>.</param>
internal sealed record RunnerJobSettings(string DefaultImage, int LeaseDurationSeconds, string? DefaultServiceAccountName);
