using System.Globalization;
using System.Runtime.InteropServices;
using Ferry.Testing.Radosgw;

// ferry-bench-s3 ENV_FILE [MEMSTORE_GIB]
// Starts a private radosgw (tests/Ferry.Testing's fixture), writes its endpoint, keys and ceph.conf path to ENV_FILE as
// shell assignments, and keeps it running until SIGTERM or SIGINT; then stops the daemons and removes their directory.
if (args.Length < 1)
{
    Console.Error.WriteLine("usage: ferry-bench-s3 ENV_FILE [MEMSTORE_GIB]");
    return 2;
}

long gib = args.Length > 1 ? long.Parse(args[1], CultureInfo.InvariantCulture) : 3;
var stop = new TaskCompletionSource();
using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.TrySetResult(); });
using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.TrySetResult(); });

await using RadosgwServer server = await RadosgwServer.StartAsync(gib << 30);
string temp = args[0] + ".tmp";
await File.WriteAllTextAsync(temp, $"""
    RGW_ENDPOINT='{server.Endpoint.GetLeftPart(UriPartial.Authority)}'
    RGW_ACCESS_KEY='{server.AccessKey}'
    RGW_SECRET_KEY='{server.SecretKey}'
    RGW_CONF='{Path.Combine(server.Directory, "ceph.conf")}'

    """);
File.Move(temp, args[0], overwrite: true);
Console.Error.WriteLine($"ferry-bench-s3: radosgw at {server.Endpoint} (started in {server.StartupTime.TotalSeconds:F1} s), memstore {gib} GiB");
await stop.Task;
return 0;
