using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Amazon.Runtime;
using Amazon.S3;

namespace Ferry.Testing.Radosgw;

/// <summary>
/// A private one-node Ceph cluster (monitor, memstore OSD, radosgw S3 gateway) on 127.0.0.1 with free ports, its
/// configuration, keyring, data, pid files and logs in a private temporary directory, and a test user with an
/// access key and secret. Stopped by killing the PIDs in its pid files. See TEST-SERVERS.md for the checked facts.
/// </summary>
/// <remarks>The beast frontend runs with <c>tcp_nodelay=1</c>: without it every GET with a body waits on Nagle's algorithm
/// against the client's delayed ACK (measured here: 53 ms per 4 KiB GET, 2.1 ms with it).</remarks>
public sealed class RadosgwServer : IAsyncDisposable
{
    private const string GatewayName = "client.rgw.ferry";

    private RadosgwServer(string directory, int port)
    {
        Directory = directory;
        Port = port;
    }

    /// <summary>The private directory holding ceph.conf, keyring, run (pid files, sockets) and log.</summary>
    public string Directory { get; }

    /// <summary>The gateway's HTTP port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>The S3 endpoint, <c>http://127.0.0.1:PORT</c>.</summary>
    public Uri Endpoint => new($"http://127.0.0.1:{Port}");

    /// <summary>The test user's access key.</summary>
    public string AccessKey { get; } = "FERRYTESTACCESSKEY01";

    /// <summary>The test user's secret key (contains <c>/</c> and <c>+</c> so URL encoding is exercised).</summary>
    public string SecretKey { get; } = "ferry/test+Secret0123456789abcdefghijKLMN";

    /// <summary>How long <see cref="StartAsync"/> took, from nothing to a user that can sign requests.</summary>
    public TimeSpan StartupTime { get; private set; }

    /// <summary>Starts a cluster; fails loudly with the tails of the daemons' logs if three boots in a row fail or one
    /// does not answer in 90 s.</summary>
    /// <param name="memstoreBytes">RAM the OSD may use for object data, in bytes.</param>
    /// <returns>The running server.</returns>
    public static async Task<RadosgwServer> StartAsync(long memstoreBytes = 1L << 30)
    {
        var clock = Stopwatch.StartNew();
        ReapOrphans();
        var failures = new StringBuilder();
        for (int attempt = 1; ; attempt++)
        {
            string directory = Path.Combine(Path.GetTempPath(), "ferry-rgw-" + Guid.NewGuid().ToString("N")[..8]);
            var server = new RadosgwServer(directory, FreePort());
            try
            {
                await server.BootAsync(FreePort(), memstoreBytes).ConfigureAwait(false);
                server.StartupTime = clock.Elapsed;
                server.Attempts = attempt;

                // A test host that exits without disposing its fixtures still stops its daemons.
                AppDomain.CurrentDomain.ProcessExit += (_, _) => server.KillDaemons();
                return server;
            }
            catch (Exception e)
            {
                failures.AppendLine($"=== attempt {attempt}: {e.Message}").AppendLine(server.LogTails());
                await server.DisposeAsync().ConfigureAwait(false);

                // A fresh OSD now and then fails its first monitor command ("wrong fsid", exit 250); a new cluster
                // in a new directory on new ports comes up. Anything else repeating three times is a real failure.
                if (attempt == 3)
                {
                    throw new InvalidOperationException($"radosgw did not start in {attempt} attempts:\n{failures}", e);
                }
            }
        }
    }

    /// <summary>How many boots <see cref="StartAsync"/> needed (see its remarks on a known OSD start-up flake).</summary>
    public int Attempts { get; private set; }

    /// <summary>An <c>s3://</c> URL for <paramref name="bucket"/> and <paramref name="prefix"/> with the test user's keys
    /// (percent-encoded) and this endpoint, optionally through another endpoint such as a proxy.</summary>
    /// <param name="bucket">The bucket.</param>
    /// <param name="prefix">The key prefix.</param>
    /// <param name="endpoint">The endpoint to put in the URL; <see langword="null"/> for the gateway itself.</param>
    /// <returns>The URL.</returns>
    public string Url(string bucket, string prefix = "", Uri? endpoint = null) =>
        $"s3://{Uri.EscapeDataString(AccessKey)}:{Uri.EscapeDataString(SecretKey)}@{bucket}/{prefix}?endpoint={(endpoint ?? Endpoint).GetLeftPart(UriPartial.Authority)}";

    /// <summary>A plain SDK client for the test user, for arranging and inspecting buckets in tests.</summary>
    /// <returns>A client the caller disposes.</returns>
    public AmazonS3Client CreateClient() => new(
        new BasicAWSCredentials(AccessKey, SecretKey),
        new AmazonS3Config
        {
            ServiceURL = Endpoint.ToString(),
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        });

    /// <summary>Creates a bucket with a fresh name.</summary>
    /// <param name="hint">A short, lower-case word that starts the name.</param>
    /// <returns>The bucket's name.</returns>
    public async Task<string> CreateBucketAsync(string hint = "t")
    {
        string name = $"{hint}-{Guid.NewGuid():N}"[..Math.Min(hint.Length + 13, 63)];
        using AmazonS3Client client = CreateClient();
        await client.PutBucketAsync(name).ConfigureAwait(false);
        return name;
    }

    /// <summary>Kills the daemons by the PIDs in their pid files and deletes the directory.</summary>
    /// <returns>A task that completes when they are gone.</returns>
    public async ValueTask DisposeAsync()
    {
        foreach (Process process in KillDaemons())
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }

            process.Dispose();
        }

        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Stops the clusters of test hosts that died without disposing them (their <c>owner.pid</c> is gone).</summary>
    private static void ReapOrphans()
    {
        foreach (string directory in System.IO.Directory.GetDirectories(Path.GetTempPath(), "ferry-rgw-*"))
        {
            string owner = Path.Combine(directory, "owner.pid");
            if (File.Exists(owner) && int.TryParse(File.ReadAllText(owner).Trim(), out int pid) && !IsAlive(pid))
            {
                var orphan = new RadosgwServer(directory, 0);
                foreach (Process process in orphan.KillDaemons())
                {
                    process.WaitForExit(10_000);
                    process.Dispose();
                }

                try
                {
                    System.IO.Directory.Delete(directory, recursive: true);
                }
                catch (IOException)
                {
                }
            }
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>Kills (SIGKILL: memstore keeps nothing worth saving) the daemons named by the pid files, checking
    /// that each PID still runs with this directory's configuration so a reused PID is never hit.</summary>
    private List<Process> KillDaemons()
    {
        var killed = new List<Process>();
        string run = Path.Combine(Directory, "run");
        if (!System.IO.Directory.Exists(run))
        {
            return killed;
        }

        foreach (string pidFile in System.IO.Directory.GetFiles(run, "*.pid"))
        {
            if (!int.TryParse(File.ReadAllText(pidFile).Trim(), out int pid))
            {
                continue;
            }

            try
            {
                string commandLine = File.ReadAllText($"/proc/{pid}/cmdline");
                if (!commandLine.Contains(Directory, StringComparison.Ordinal))
                {
                    continue;
                }

                var process = Process.GetProcessById(pid);
                process.Kill();
                killed.Add(process);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
            {
                // Already gone.
            }
        }

        return killed;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task BootAsync(int monitorPort, long memstoreBytes)
    {
        foreach (string sub in new[] { "mon", "osd", "run", "log" })
        {
            System.IO.Directory.CreateDirectory(Path.Combine(Directory, sub));
        }

        await File.WriteAllTextAsync(Path.Combine(Directory, "owner.pid"), Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)).ConfigureAwait(false);

        string conf = Path.Combine(Directory, "ceph.conf");
        string keyring = Path.Combine(Directory, "keyring");
        string fsid = Guid.NewGuid().ToString();
        string d = Directory;
        await File.WriteAllTextAsync(conf, $"""
            [global]
            fsid = {fsid}
            mon host = v1:127.0.0.1:{monitorPort}
            mon initial members = a
            public addr = 127.0.0.1
            cluster addr = 127.0.0.1
            ms bind ipv4 = true
            ms bind ipv6 = false
            auth cluster required = none
            auth service required = none
            auth client required = none
            osd pool default size = 1
            osd pool default min size = 1
            osd pool default pg num = 8
            osd pool default pgp num = 8
            osd pool default pg autoscale mode = off
            mon allow pool size one = true
            osd crush chooseleaf type = 0
            osd objectstore = memstore
            memstore device bytes = {memstoreBytes}
            run dir = {d}/run
            admin socket = {d}/run/$cluster-$name.asok
            log file = {d}/log/$cluster-$name.log
            pid file = {d}/run/$cluster-$name.pid
            keyring = {keyring}
            mon data = {d}/mon
            osd data = {d}/osd
            mon data avail crit = 1
            mon data avail warn = 2

            [{GatewayName}]
            rgw frontends = beast endpoint=127.0.0.1:{Port} tcp_nodelay=1

            """).ConfigureAwait(false);

        await RunAsync("ceph-authtool", $"--create-keyring {keyring} --gen-key -n mon. --cap mon \"allow *\"").ConfigureAwait(false);
        await RunAsync("monmaptool", $"--create --addv a v1:127.0.0.1:{monitorPort} --fsid {fsid} {d}/monmap").ConfigureAwait(false);
        await RunAsync("ceph-mon", $"-c {conf} --mkfs -i a --monmap {d}/monmap --keyring {keyring}").ConfigureAwait(false);
        await RunAsync("ceph-mon", $"-c {conf} -i a").ConfigureAwait(false);
        string osdUuid = Guid.NewGuid().ToString();
        await RunAsync("ceph", $"-c {conf} osd create {osdUuid} 0", attempts: 10).ConfigureAwait(false);
        await RunAsync("ceph-osd", $"-c {conf} -i 0 --mkfs --osd-uuid {osdUuid}").ConfigureAwait(false);
        await RunAsync("ceph-osd", $"-c {conf} -i 0", attempts: 5).ConfigureAwait(false);
        await RunAsync("radosgw", $"-c {conf} -n {GatewayName}").ConfigureAwait(false);

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using HttpResponseMessage response = await http.GetAsync(Endpoint).ConfigureAwait(false);
                break;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                if (deadline.Elapsed > TimeSpan.FromSeconds(90))
                {
                    throw new TimeoutException($"no answer on {Endpoint} after 90 s", e);
                }

                await Task.Delay(100).ConfigureAwait(false);
            }
        }

        await RunAsync("radosgw-admin", $"-c {conf} user create --uid ferry --display-name ferry --access-key {AccessKey} --secret {SecretKey}").ConfigureAwait(false);
    }

    /// <summary>Runs a Ceph tool to completion; daemons fork and their launcher returns. Output goes to a log file
    /// (a forked daemon must not hold a pipe of ours open).</summary>
    /// <remarks>A monitor that has just started answers its first commands with EPERM "wrong fsid" (the client's
    /// monitor session is not set up yet: <c>handle_command on fsid 0000… != …</c> in its log), which fails
    /// <c>ceph osd create</c> or a starting OSD now and then; those steps are idempotent and get
    /// <paramref name="attempts"/> tries half a second apart.</remarks>
    private async Task RunAsync(string tool, string arguments, int attempts = 1)
    {
        string log = Path.Combine(Directory, "log", "tools.log");
        for (int attempt = 1; ; attempt++)
        {
            await File.AppendAllTextAsync(log, $"$ {tool} {arguments}\n").ConfigureAwait(false);
            var start = new ProcessStartInfo("/bin/sh")
            {
                ArgumentList = { "-c", $"exec {tool} {arguments} >>'{log}' 2>&1 </dev/null" },
                UseShellExecute = false,
            };
            using Process process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {tool}");
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            if (process.ExitCode == 0)
            {
                return;
            }

            if (attempt >= attempts)
            {
                throw new InvalidOperationException($"'{tool} {arguments}' exited with {process.ExitCode}");
            }

            await Task.Delay(500).ConfigureAwait(false);
        }
    }

    private string LogTails()
    {
        var text = new StringBuilder();
        string conf = Path.Combine(Directory, "ceph.conf");
        if (File.Exists(conf))
        {
            text.AppendLine("--- ceph.conf").AppendLine(File.ReadAllText(conf));
        }

        string logs = Path.Combine(Directory, "log");
        if (System.IO.Directory.Exists(logs))
        {
            foreach (string file in System.IO.Directory.GetFiles(logs))
            {
                string[] lines = File.ReadAllLines(file);
                text.AppendLine($"--- {Path.GetFileName(file)} (last 30 lines)");
                foreach (string line in lines.TakeLast(30))
                {
                    text.AppendLine(line);
                }
            }
        }

        return text.ToString();
    }
}
