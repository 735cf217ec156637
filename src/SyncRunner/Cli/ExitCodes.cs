namespace Ferry.SyncRunner.Cli;

/// <summary>Process exit codes of <c>ferry</c>.</summary>
internal static class ExitCodes
{
    /// <summary>Everything synced.</summary>
    public const int Success = 0;

    /// <summary>Some objects failed (the rest synced) or the run was aborted.</summary>
    public const int Failed = 1;

    /// <summary>Usage or configuration error; nothing was done.</summary>
    public const int Usage = 2;

    /// <summary>Stopped by SIGINT or SIGTERM (128 + SIGINT, the shell's convention).</summary>
    public const int Interrupted = 130;
}
