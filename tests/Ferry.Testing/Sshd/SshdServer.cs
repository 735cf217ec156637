using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Ferry.Testing.Sshd;

/// <summary>
/// A private OpenSSH server on a free loopback port, with its own config, host key, client key pair,
/// known_hosts file and data directory. Started by <see cref="StartAsync"/>, stopped by PID on dispose.
/// </summary>
/// <remarks>
/// Test user: when the tests run as root (CI), a dedicated account <c>ferrytest</c> is created once
/// (idempotently, <c>useradd</c> + <c>usermod -p '*'</c> so that <c>UsePAM no</c> does not treat it as
/// locked). Logging in as a non-root user keeps permission checks real (a root-owned 0600 file is
/// refused) and never opens root logins. When not root, sshd can only authenticate the user running
/// it, so that user is the test user.
/// </remarks>
public sealed class SshdServer : IAsyncDisposable
{
    /// <summary>The account the tests log in as when running as root.</summary>
    public const string DedicatedUser = "ferrytest";

    private const string SshdPath = "/usr/sbin/sshd";

    private readonly Process _process;

    private SshdServer(Process process, string directory, int port, string user)
    {
        _process = process;
        Directory = directory;
        Port = port;
        User = user;
    }

    /// <summary>Private directory holding config, keys and logs (readable by the test user).</summary>
    public string Directory { get; }

    /// <summary>The loopback TCP port sshd listens on.</summary>
    public int Port { get; }

    /// <summary>The login name.</summary>
    public string User { get; }

    /// <summary>The host name to connect to.</summary>
    public string Host => "127.0.0.1";

    /// <summary>The sshd process id.</summary>
    public int ProcessId => _process.Id;

    /// <summary>The client's private key (ed25519, no passphrase).</summary>
    public string IdentityFile => Path.Combine(Directory, "client_key");

    /// <summary>A known_hosts file holding this server's host key.</summary>
    public string KnownHostsFile => Path.Combine(Directory, "known_hosts");

    /// <summary>A directory owned by the test user, for test data.</summary>
    public string DataDirectory => Path.Combine(Directory, "data");

    /// <summary>sshd's log (<c>-E</c>).</summary>
    public string LogFile => Path.Combine(Directory, "sshd.log");

    /// <summary>An <c>sftp://</c> URL for a path under <see cref="DataDirectory"/>, with identity and known_hosts.</summary>
    /// <param name="relativePath">Path below the data directory, or empty.</param>
    /// <returns>The URL.</returns>
    public string UrlFor(string relativePath = "") =>
        $"sftp://{User}@{Host}:{Port}{DataDirectory}/{relativePath}?identity={Uri.EscapeDataString(IdentityFile)}&known-hosts={Uri.EscapeDataString(KnownHostsFile)}";

    /// <summary>Creates keys, config and user, starts sshd and waits until it accepts connections.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running server.</returns>
    /// <exception cref="InvalidOperationException">sshd or ssh-keygen failed; the message quotes sshd's log.</exception>
    public static async Task<SshdServer> StartAsync(CancellationToken cancellationToken = default)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("The sshd fixture needs a Unix machine.");
        }

        if (!File.Exists(SshdPath))
        {
            throw new InvalidOperationException($"{SshdPath} is missing: install openssh-server (see TEST-SERVERS.md / test.sh).");
        }

        bool root = Environment.UserName == "root" || (Environment.GetEnvironmentVariable("USER") == "root");
        string user = root ? DedicatedUser : Environment.UserName;
        if (root)
        {
            await EnsureUserAsync(cancellationToken).ConfigureAwait(false);
        }

        string directory = System.IO.Directory.CreateTempSubdirectory("ferry-sshd-").FullName;
        File.SetUnixFileMode(directory, (UnixFileMode)0b111_101_101);
        await RunAsync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "ferry-test-host", "-f", Path.Combine(directory, "host_key")], cancellationToken).ConfigureAwait(false);
        await RunAsync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "ferry-test-client", "-f", Path.Combine(directory, "client_key")], cancellationToken).ConfigureAwait(false);
        File.Copy(Path.Combine(directory, "client_key.pub"), Path.Combine(directory, "authorized_keys"));
        File.SetUnixFileMode(Path.Combine(directory, "authorized_keys"), (UnixFileMode)0b110_100_100);
        string data = Path.Combine(directory, "data");
        System.IO.Directory.CreateDirectory(data);
        if (root)
        {
            await RunAsync("chown", [$"{DedicatedUser}:", data], cancellationToken).ConfigureAwait(false);
        }

        System.IO.Directory.CreateDirectory("/run/sshd");
        string hostPub = (await File.ReadAllTextAsync(Path.Combine(directory, "host_key.pub"), cancellationToken).ConfigureAwait(false)).Trim();

        for (int attempt = 1; ; attempt++)
        {
            int port = FreePort();
            string config = Path.Combine(directory, "sshd_config");
            await File.WriteAllTextAsync(config, string.Join('\n',
                $"Port {port}",
                "ListenAddress 127.0.0.1",
                $"HostKey {Path.Combine(directory, "host_key")}",
                $"PidFile {Path.Combine(directory, "sshd.pid")}",
                $"AuthorizedKeysFile {Path.Combine(directory, "authorized_keys")}",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "PubkeyAuthentication yes",
                "UsePAM no",
                "StrictModes no",
                "PermitRootLogin no",
                $"AllowUsers {user}",
                "MaxStartups 100:30:200",
                "MaxSessions 100",
                "LogLevel VERBOSE",
                "Subsystem sftp internal-sftp",
                ""), cancellationToken).ConfigureAwait(false);
            await File.WriteAllTextAsync(Path.Combine(directory, "known_hosts"), $"[127.0.0.1]:{port} {hostPub}\n", cancellationToken).ConfigureAwait(false);

            var psi = new ProcessStartInfo(SshdPath) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (string arg in new[] { "-D", "-f", config, "-E", Path.Combine(directory, "sshd.log") })
            {
                psi.ArgumentList.Add(arg);
            }

            Process process = Process.Start(psi) ?? throw new InvalidOperationException("sshd did not start.");
            var server = new SshdServer(process, directory, port, user);
            if (await server.WaitUntilListeningAsync(cancellationToken).ConfigureAwait(false))
            {
                return server;
            }

            string log = File.Exists(server.LogFile) ? await File.ReadAllTextAsync(server.LogFile, cancellationToken).ConfigureAwait(false) : "";
            string stderr = process.HasExited ? await process.StandardError.ReadToEndAsync(cancellationToken).ConfigureAwait(false) : "";
            server.KillProcesses();
            if (attempt >= 3 || !log.Contains("Address already in use", StringComparison.Ordinal))
            {
                System.IO.Directory.Delete(directory, recursive: true);
                throw new InvalidOperationException($"sshd did not start on port {port}: {stderr} {log}");
            }
        }
    }

    /// <summary>Makes a local path (file or tree) belong to the test user, so it can change it over SFTP.</summary>
    /// <param name="path">File or directory.</param>
    /// <returns>A task that completes when ownership is changed.</returns>
    public async Task GiveToUserAsync(string path)
    {
        if (User == DedicatedUser)
        {
            await RunAsync("chown", ["-R", $"{DedicatedUser}:", path], CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Kills sshd and every session process it forked (a crash, not a shutdown).</summary>
    public void KillProcesses()
    {
        foreach (int pid in Descendants(_process.Id).Append(_process.Id))
        {
            try
            {
                using var p = Process.GetProcessById(pid);
                p.Kill();
            }
            catch (ArgumentException)
            {
            }
            catch (InvalidOperationException)
            {
            }
        }

        _process.WaitForExit(5000);
    }

    /// <summary>Kills only the per-connection sshd processes (sessions); the listener keeps running.</summary>
    /// <returns>How many processes were killed.</returns>
    public int KillSessions()
    {
        int killed = 0;
        foreach (int pid in Descendants(_process.Id))
        {
            try
            {
                using var p = Process.GetProcessById(pid);
                p.Kill();
                killed++;
            }
            catch (ArgumentException)
            {
            }
            catch (InvalidOperationException)
            {
            }
        }

        return killed;
    }

    /// <summary>Stops sshd by PID and removes the directory.</summary>
    /// <returns>A task that completes when sshd has exited.</returns>
    public async ValueTask DisposeAsync()
    {
        KillProcesses();
        await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        _process.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static List<int> Descendants(int root)
    {
        var parents = new Dictionary<int, List<int>>();
        foreach (string dir in System.IO.Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            {
                continue;
            }

            try
            {
                string stat = File.ReadAllText(Path.Combine(dir, "stat"));
                string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                int ppid = int.Parse(fields[1], CultureInfo.InvariantCulture);
                if (!parents.TryGetValue(ppid, out List<int>? children))
                {
                    parents[ppid] = children = [];
                }

                children.Add(pid);
            }
            catch (IOException)
            {
            }
        }

        var result = new List<int>();
        var queue = new Queue<int>([root]);
        while (queue.Count > 0)
        {
            foreach (int child in parents.GetValueOrDefault(queue.Dequeue(), []))
            {
                result.Add(child);
                queue.Enqueue(child);
            }
        }

        return result;
    }

    private async Task<bool> WaitUntilListeningAsync(CancellationToken cancellationToken)
    {
        for (int i = 0; i < 200; i++)
        {
            if (_process.HasExited)
            {
                return false;
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (SocketException)
            {
                await Task.Delay(25, cancellationToken).ConfigureAwait(false);
            }
        }

        return false;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static readonly SemaphoreSlim UserGate = new(1, 1);

    private static async Task EnsureUserAsync(CancellationToken cancellationToken)
    {
        await UserGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (await TryRunAsync("id", ["-u", DedicatedUser], cancellationToken).ConfigureAwait(false) != 0)
            {
                int rc = await TryRunAsync("useradd", ["-m", "-s", "/bin/sh", DedicatedUser], cancellationToken).ConfigureAwait(false);
                if (rc != 0 && await TryRunAsync("id", ["-u", DedicatedUser], cancellationToken).ConfigureAwait(false) != 0)
                {
                    throw new InvalidOperationException($"useradd {DedicatedUser} failed with exit code {rc}.");
                }
            }

            await RunAsync("usermod", ["-p", "*", DedicatedUser], cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            UserGate.Release();
        }
    }

    private static async Task RunAsync(string file, string[] args, CancellationToken cancellationToken)
    {
        int rc = await TryRunAsync(file, args, cancellationToken).ConfigureAwait(false);
        if (rc != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed with exit code {rc}.");
        }
    }

    private static async Task<int> TryRunAsync(string file, string[] args, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(psi) ?? throw new InvalidOperationException($"{file} did not start.");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        Task<string> stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        await Task.WhenAll(stdout, stderr).ConfigureAwait(false);
        return process.ExitCode;
    }
}
