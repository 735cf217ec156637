using System.Runtime.Versioning;
using Ferry.Testing.Sshd;

// Starts a private sshd on a loopback port (the same one the SFTP tests use: own host key, client key, known_hosts,
// a test user), prints how to reach it as KEY=VALUE lines and then READY, and stops it (by PID) when standard input
// closes. bench/sftp.sh reads the lines and closes standard input when it is done.
[assembly: SupportedOSPlatform("linux")]

await using SshdServer server = await SshdServer.StartAsync();
Console.WriteLine($"SSHD_HOST={server.Host}");
Console.WriteLine($"SSHD_PORT={server.Port}");
Console.WriteLine($"SSHD_USER={server.User}");
Console.WriteLine($"SSHD_IDENTITY={server.IdentityFile}");
Console.WriteLine($"SSHD_KNOWN_HOSTS={server.KnownHostsFile}");
Console.WriteLine($"SSHD_DATA={server.DataDirectory}");
Console.WriteLine($"SSHD_PID={server.ProcessId}");
Console.WriteLine("READY");
await Console.Out.FlushAsync();
await Console.In.ReadToEndAsync();
