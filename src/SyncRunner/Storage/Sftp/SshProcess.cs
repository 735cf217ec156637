using System.ComponentModel;
using System.Diagnostics;

namespace Ferry.SyncRunner.Storage.Sftp;

/// <summary>
/// The OpenSSH client process one SFTP session runs over: its stdin and stdout (pipes enlarged to 1 MiB, stdout read
/// through a 256 KiB buffer), the last lines it wrote to stderr, and the errors that quote them.
/// </summary>
/// <remarks>ssh prints why it failed (host key, authentication, name resolution) on stderr and exits; these lines are
/// what a user needs to see, so every session error quotes them (DESIGN.md, "SFTP"). ssh never prints a password.</remarks>
internal sealed class SshProcess : IDisposable
{
    private readonly Process _process;
    private readonly string _displayName;
    private readonly Queue<string> _stderr = new();

    private SshProcess(Process process, string displayName)
    {
        _process = process;
        _displayName = displayName;
        Input = process.StandardInput.BaseStream;
        Stream output = process.StandardOutput.BaseStream;
        PipeBuffers.Enlarge(Input);
        PipeBuffers.Enlarge(output);

        // Replies are read 4 bytes (length), then the body: buffering turns that into few large reads.
        Output = new BufferedStream(output, 256 * 1024);
    }

    /// <summary>ssh's stdin: the requests to the server.</summary>
    public Stream Input { get; }

    /// <summary>ssh's stdout, buffered: the server's replies.</summary>
    public Stream Output { get; }

    /// <summary>The process id (for tests and diagnostics).</summary>
    public int Id => _process.Id;

    /// <summary>Starts ssh and begins collecting its stderr.</summary>
    /// <param name="command">The ssh command line.</param>
    /// <param name="displayName">The storage as messages name it.</param>
    /// <returns>The running process.</returns>
    /// <exception cref="StorageException">The ssh executable could not be run.</exception>
    public static SshProcess Start(SshCommandLine command, string displayName)
    {
        Process process;
        try
        {
            process = Process.Start(command.ToStartInfo()) ?? throw new InvalidOperationException("ssh did not start.");
        }
        catch (Win32Exception e)
        {
            throw new StorageException(StorageErrorKind.Other, $"Cannot run the OpenSSH client '{command.FileName}' for {displayName}: {e.Message}", e);
        }

        var ssh = new SshProcess(process, displayName);
        process.ErrorDataReceived += (_, e) => ssh.OnStderr(e.Data);
        process.BeginErrorReadLine();
        return ssh;
    }

    /// <summary>What a stderr text says about the failure: a refusal (host key, authentication), a permanent setup error
    /// (unknown host, bad option, no SFTP subsystem), or something worth retrying.</summary>
    /// <param name="stderr">ssh's stderr lines.</param>
    /// <returns>The kind of error.</returns>
    internal static StorageErrorKind Classify(string stderr)
    {
        if (stderr.Contains("Host key verification failed", StringComparison.Ordinal)
            || stderr.Contains("Permission denied", StringComparison.Ordinal)
            || stderr.Contains("Too many authentication failures", StringComparison.Ordinal))
        {
            return StorageErrorKind.AccessDenied;
        }

        if (stderr.Contains("Could not resolve hostname", StringComparison.Ordinal)
            || stderr.Contains("Bad configuration option", StringComparison.Ordinal)
            || stderr.Contains("subsystem request failed", StringComparison.Ordinal))
        {
            return StorageErrorKind.Other;
        }

        return StorageErrorKind.Transient;
    }

    /// <summary>The last lines ssh wrote to stderr (at most 10, each cut at 500 characters), joined.</summary>
    /// <returns>The text, <c>""</c> when there is none.</returns>
    public string StderrText()
    {
        lock (_stderr)
        {
            return string.Join(" | ", _stderr);
        }
    }

    /// <summary>Why the session could not be opened: waits up to 5 s for ssh to exit, then quotes its exit code and stderr,
    /// with a hint when the host key is the reason.</summary>
    /// <param name="inner">The error that showed it, if any.</param>
    /// <returns>The error to throw.</returns>
    public async Task<StorageException> StartupFailureAsync(Exception? inner)
    {
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        string stderr = StderrText();
        StorageErrorKind kind = Classify(stderr);
        string hint = stderr.Contains("Host key verification failed", StringComparison.Ordinal) || stderr.Contains("REMOTE HOST IDENTIFICATION HAS CHANGED", StringComparison.Ordinal)
            ? " The server's host key is not in known_hosts (or has changed); add the right key to the known_hosts file."
            : "";
        string exit = _process.HasExited ? $" ssh exited with code {_process.ExitCode}." : "";
        return new StorageException(kind, $"Cannot open an SFTP session to {_displayName}:{exit}{hint} ssh said: {(stderr.Length > 0 ? stderr : "(nothing)")}", inner);
    }

    /// <summary>Why an open session broke: transient unless ssh's stderr says access was refused.</summary>
    /// <param name="inner">The error that showed it, if any.</param>
    /// <returns>The error every pending and later request fails with.</returns>
    public StorageException ConnectionLost(Exception? inner)
    {
        string stderr = StderrText();
        StorageErrorKind kind = Classify(stderr);
        return new StorageException(
            kind == StorageErrorKind.AccessDenied ? kind : StorageErrorKind.Transient,
            $"SFTP connection to {_displayName} was lost{(stderr.Length > 0 ? ": ssh said: " + stderr : ".")}",
            inner);
    }

    /// <summary>Gives ssh up to <paramref name="timeout"/> to exit, so that its stderr (the reason) is complete.</summary>
    /// <param name="timeout">How long to wait.</param>
    public void WaitForExit(TimeSpan timeout)
    {
        try
        {
            _process.WaitForExit(timeout);
        }
        catch (InvalidOperationException)
        {
        }
    }

    /// <summary>Closes ssh's stdin (ssh then closes the session and exits) and waits 2 s for it, then kills it.</summary>
    /// <returns>A task that completes when ssh has exited.</returns>
    public async Task StopAsync()
    {
        try
        {
            Input.Dispose();
        }
        catch (IOException)
        {
        }

        try
        {
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await _process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            try
            {
                _process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
            }

            await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Releases the process object (call <see cref="StopAsync"/> first).</summary>
    public void Dispose() => _process.Dispose();

    private void OnStderr(string? line)
    {
        if (string.IsNullOrWhiteSpace(line))
        {
            return;
        }

        lock (_stderr)
        {
            _stderr.Enqueue(line.Length > 500 ? line[..500] : line);
            while (_stderr.Count > 10)
            {
                _stderr.Dequeue();
            }
        }
    }
}
