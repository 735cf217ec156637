namespace Ferry.Kube.Config;

/// <summary>Where to read kubeconfig files from and which context to use.</summary>
public sealed class KubeConfigOptions
{
    /// <summary>The kubeconfig files, merged in order (the first file to define a name or the current context wins).</summary>
    /// <value>Default <see langword="null"/>: the <c>KUBECONFIG</c> environment variable (paths separated by
    /// <see cref="Path.PathSeparator"/>), or <c>~/.kube/config</c> when it is unset or empty.</value>
    public IReadOnlyList<string>? Paths { get; init; }

    /// <summary>The context to use.</summary>
    /// <value>Default <see langword="null"/>: the merged <c>current-context</c>.</value>
    public string? Context { get; init; }

    /// <summary>The clock used to re-read <c>tokenFile</c>.</summary>
    /// <value>Default <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
