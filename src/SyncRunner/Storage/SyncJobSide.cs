using Ferry.Api.Runs;

namespace Ferry.SyncRunner.Storage;

/// <summary>One side of a SyncJob as a runner pod sees it: whether it is the source or the destination, and the
/// environment the runner contract gives that side (<c>FERRY_SOURCE_…</c> or <c>FERRY_DESTINATION_…</c>).</summary>
/// <param name="isDestination">Whether the side is the destination.</param>
/// <param name="environment">Reads an environment variable by its full name (the process's in a runner pod).</param>
/// <remarks>The variables and mount paths are <see cref="RunnerContract"/>'s; the operator's Job builder and
/// <c>ferry run</c> set them.</remarks>
public sealed class SyncJobSide(bool isDestination, Func<string, string?> environment)
{
    private readonly Func<string, string?> _environment = environment ?? throw new ArgumentNullException(nameof(environment));

    /// <summary>Whether the side is the destination.</summary>
    public bool IsDestination { get; } = isDestination;

    /// <summary>The side as messages name it: <c>source</c> or <c>destination</c>.</summary>
    public string Name => IsDestination ? "destination" : "source";

    /// <summary>The value of the side's variable <c>FERRY_SIDE_</c><paramref name="suffix"/>.</summary>
    /// <param name="suffix">A <see cref="RunnerContract"/> suffix, e.g. <see cref="RunnerContract.AccessKeyId"/>.</param>
    /// <returns>The value, or <see langword="null"/> when the variable is unset or empty.</returns>
    public string? Variable(string suffix) =>
        _environment(RunnerContract.Side(IsDestination) + suffix) is { Length: > 0 } value ? value : null;
}
