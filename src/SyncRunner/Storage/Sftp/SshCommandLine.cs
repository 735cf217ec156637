using System.Diagnostics;
using System.Globalization;

namespace Ferry.SyncRunner.Storage.Sftp;

/// <summary>
/// The <c>ssh -s … sftp</c> command for one location: argument list and environment. A password never
/// appears in the arguments: it is placed in the environment variable <see cref="PasswordVariable"/> of the
/// ssh process, and an askpass helper script (named by <c>SSH_ASKPASS</c>, with
/// <c>SSH_ASKPASS_REQUIRE=force</c>) prints it when ssh asks.
/// </summary>
internal sealed class SshCommandLine : IDisposable
{
    public const string PasswordVariable = "FERRY_SFTP_PASSWORD";

    private readonly string? _askPassDirectory;

    public SshCommandLine(SftpLocation location, SftpStorageOptions options)
    {
        FileName = options.SshPath;
        var args = new List<string> { "-x", "-a", "-T" };
        if (location.Password is null)
        {
            args.AddRange(["-o", "BatchMode=yes"]);
        }
        else
        {
            args.AddRange(["-o", "NumberOfPasswordPrompts=1"]);
        }

        args.AddRange(["-o", "StrictHostKeyChecking=" + (options.StrictHostKeyChecking ? "yes" : "accept-new")]);
        args.AddRange(["-o", "ConnectTimeout=" + options.ConnectTimeoutSeconds.ToString(CultureInfo.InvariantCulture)]);
        args.AddRange(["-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=4"]);
        args.AddRange(["-o", "ClearAllForwardings=yes", "-o", "ControlMaster=no", "-o", "ControlPath=none"]);
        if (location.KnownHostsFile is not null)
        {
            args.AddRange(["-o", "UserKnownHostsFile=" + location.KnownHostsFile]);
        }

        if (location.IdentityFile is not null)
        {
            args.AddRange(["-i", location.IdentityFile, "-o", "IdentitiesOnly=yes"]);
        }

        foreach (string extra in options.ExtraSshOptions)
        {
            args.AddRange(["-o", extra]);
        }

        // After the extra options: ssh keeps the first value given, so a user's own Ciphers=… wins.
        if (!string.IsNullOrWhiteSpace(options.PreferredCiphers))
        {
            args.AddRange(["-o", "Ciphers=^" + options.PreferredCiphers]);
        }

        if (location.Port is { } port)
        {
            args.AddRange(["-p", port.ToString(CultureInfo.InvariantCulture)]);
        }

        if (location.User is not null)
        {
            args.AddRange(["-l", location.User]);
        }

        args.AddRange(["-s", "--", location.Host, "sftp"]);
        Arguments = args;

        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        if (location.Password is not null)
        {
            _askPassDirectory = Directory.CreateTempSubdirectory("ferry-askpass-").FullName;
            string script = Path.Combine(_askPassDirectory, "askpass.sh");

            // printf is a shell builtin here: the password is never in any process's argv.
            File.WriteAllText(script, "#!/bin/sh\nprintf '%s\\n' \"$" + PasswordVariable + "\"\n");
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            env["SSH_ASKPASS"] = script;
            env["SSH_ASKPASS_REQUIRE"] = "force";
            env["DISPLAY"] = System.Environment.GetEnvironmentVariable("DISPLAY") ?? ":0";
            env[PasswordVariable] = location.Password;
        }

        Environment = env;
    }

    public string FileName { get; }

    public IReadOnlyList<string> Arguments { get; }

    /// <summary>Variables added to the inherited environment of the ssh process.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; }

    public ProcessStartInfo ToStartInfo()
    {
        var psi = new ProcessStartInfo(FileName)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            CreateNoWindow = true,
        };
        foreach (string arg in Arguments)
        {
            psi.ArgumentList.Add(arg);
        }

        foreach ((string name, string value) in Environment)
        {
            psi.Environment[name] = value;
        }

        return psi;
    }

    public void Dispose()
    {
        if (_askPassDirectory is not null)
        {
            try
            {
                Directory.Delete(_askPassDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
