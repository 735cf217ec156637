using System.Diagnostics;
using System.Globalization;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using Ferry.Bench.Scale;
using Ferry.Testing.Http;
using Ferry.Testing.Radosgw;

// ferry-bench-scale: how a SyncJob S3 -> volume scales from 1 to N workers behind a latency-injecting S3 front, and how
// many Kubernetes API requests a run makes. See bench/scale.sh for the options and bench/RESULTS-scale.md for results.
BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"ferry-bench-scale: {e.Message}");
    return 2;
}

using var interrupt = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    interrupt.Cancel();
};

string work = Directory.CreateDirectory(Path.Combine(options.Work, $"ferry-scalebench-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40])).FullName;
try
{
    Log($"radosgw (memstore {options.MemstoreGiB} GiB) ...");
    await using RadosgwServer rgw = await RadosgwServer.StartAsync(options.MemstoreGiB << 30);
    string bucket = await rgw.CreateBucketAsync("scale");
    var dataset = new Dataset(options.Objects, options.ObjectSize);
    var populate = Stopwatch.StartNew();
    await dataset.UploadAsync(rgw, bucket, interrupt.Token);
    Log($"{options.Objects} objects of {options.ObjectSize} bytes in s3://{bucket} ({populate.Elapsed.TotalSeconds:F1} s)");

    await using FaultInjectingProxy proxy = await FaultInjectingProxy.StartAsync(rgw.Endpoint);
    proxy.Latency = TimeSpan.FromMilliseconds(options.LatencyMs);
    Log($"latency proxy {proxy.Endpoint} ({options.LatencyMs} ms per request)");

    var results = new List<RunResult>();
    await using IRunner runner = options.Mode == "operator"
        ? await OperatorRunner.StartAsync(options, work, interrupt.Token)
        : new LocalRunner(options, work);
    var cpu = new CpuMeter(rgw.Directory, runner.OperatorPid);
    for (int run = 1; run <= options.Runs; run++)
    {
        foreach (int workers in options.Workers)
        {
            string name = $"w{workers}-r{run}";
            Log($"run {name}: load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
            long proxyBefore = proxy.Requests;
            CpuMeter.Sample cpuBefore = cpu.Take();
            RunResult result = await runner.RunAsync(name, workers, rgw, proxy.Endpoint, bucket, dataset, interrupt.Token);
            result.S3Requests = proxy.Requests - proxyBefore;
            result.Cpu = CpuMeter.Describe(cpuBefore, cpu.Take());
            results.Add(result);
            Log($"run {name}: {result.Outcome} in {result.Seconds:F2} s, {options.Objects / result.Seconds:F1} objects/s, {result.S3Requests} S3 requests, {result.ApiRequests} API requests; CPU s: {result.Cpu}");
        }
    }

    string report = Report.Format(options, results);
    Console.Write(report);
    if (options.Output is not null)
    {
        await File.WriteAllTextAsync(options.Output, report);
    }

    return results.All(r => r.Outcome == "Complete" && r.Verified) ? 0 : 1;
}
finally
{
    Directory.Delete(work, recursive: true);
}

static void Log(string message) => Console.Error.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {message}");

/// <summary>The source objects: <c>d000/f000000.bin</c> ..., each a distinct slice of one random block.</summary>
internal sealed class Dataset(int count, int size)
{
    private readonly byte[] _block = CreateBlock(size);

    public int Count => count;

    public int Size => size;

    public long TotalBytes => (long)count * size;

    public static string Key(int i) => $"d{i / 1000:D3}/f{i:D6}.bin";

    public ReadOnlyMemory<byte> Content(int i) => _block.AsMemory(i % 4096, size);

    public async Task UploadAsync(RadosgwServer rgw, string bucket, CancellationToken cancellationToken)
    {
        using AmazonS3Client client = rgw.CreateClient();
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            using var body = new MemoryStream(Content(i).ToArray(), writable: false);
            await client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = Key(i), InputStream = body, AutoCloseStream = false }, ct);
        });
    }

    /// <summary>Checks that <paramref name="root"/> holds exactly the dataset, byte for byte.</summary>
    public string? Verify(string root)
    {
        string[] files = Directory.Exists(root) ? Directory.GetFiles(root, "*", SearchOption.AllDirectories) : [];
        if (files.Length != count)
        {
            return $"{files.Length} files in {root}, expected {count}";
        }

        for (int i = 0; i < count; i++)
        {
            string path = Path.Combine(root, Key(i));
            if (!File.Exists(path) || !File.ReadAllBytes(path).AsSpan().SequenceEqual(Content(i).Span))
            {
                return $"{path} missing or different";
            }
        }

        return null;
    }

    private static byte[] CreateBlock(int size)
    {
        byte[] block = new byte[size + 4096];
        new Random(20261121).NextBytes(block);
        return block;
    }
}

/// <summary>One timed run.</summary>
internal sealed class RunResult
{
    public required string Name { get; init; }

    public required int Workers { get; init; }

    public required double Seconds { get; init; }

    public required string Outcome { get; init; }

    public bool Verified { get; set; }

    public string? VerifyError { get; set; }

    public long Copied { get; set; }

    public long CopiedBytes { get; set; }

    public long Tasks { get; set; }

    public long S3Requests { get; set; }

    public long ApiRequests { get; set; }

    public long ApiRequestsAll { get; set; }

    public long LeaseRequests { get; set; }

    public long LeaseConflicts { get; set; }

    public long StatusWrites { get; set; }

    public double? StatusMinIntervalSeconds { get; set; }

    public string Breakdown { get; set; } = "";

    /// <summary>From the create to the first worker's "syncing" log line (operator, Job, pod, process start-up).</summary>
    public double? StartupSeconds { get; set; }

    public List<double> StatusChanges { get; init; } = [];

    public string Cpu { get; set; } = "";

    public int TasksRetried { get; set; }
}

/// <summary>A way to run one SyncJob: through the operator on the simulator, or `ferry run -f` locally.</summary>
internal interface IRunner : IAsyncDisposable
{
    int? OperatorPid { get; }

    Task<RunResult> RunAsync(string name, int workers, RadosgwServer rgw, Uri s3Endpoint, string bucket, Dataset dataset, CancellationToken cancellationToken);
}

/// <summary>The report: a markdown table and each run's API request breakdown.</summary>
internal static class Report
{
    public static string Format(BenchOptions options, List<RunResult> results)
    {
        var text = new StringBuilder();
        CultureInfo inv = CultureInfo.InvariantCulture;
        double mib = options.Objects * (double)options.ObjectSize / (1024 * 1024);
        text.Append(inv, $"mode {options.Mode}; {options.Objects} objects x {options.ObjectSize} B ({mib:F1} MiB); S3 latency {options.LatencyMs} ms/request; threads {options.Threads} per worker; taskObjects {options.TaskObjects}; {Environment.ProcessorCount} cores\n\n");
        text.Append("| run | workers | seconds | objects/s | MiB/s | speed-up vs 1 | outcome | verified | start-up (s) | tasks | S3 req | API req | API req/task | lease req (409) | status writes | status writes/s | min gap (s) |\n");
        text.Append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        foreach (RunResult r in results)
        {
            double baseline = results.Where(b => b.Workers == 1).Select(b => b.Seconds).DefaultIfEmpty(double.NaN).Median();
            text.Append(inv, $"| {r.Name} | {r.Workers} | {r.Seconds:F2} | {options.Objects / r.Seconds:F1} | {mib / r.Seconds:F2} | {baseline / r.Seconds:F2} | {r.Outcome} | {(r.Verified ? "yes" : "NO: " + r.VerifyError)} | {(r.StartupSeconds is { } p ? p.ToString("F1", inv) : "-")} | {r.Tasks} | {r.S3Requests} | {r.ApiRequests} | {(r.Tasks > 0 ? (r.ApiRequests / (double)r.Tasks).ToString("F1", inv) : "-")} | {r.LeaseRequests} ({r.LeaseConflicts}) | {r.StatusWrites} | {r.StatusWrites / r.Seconds:F2} | {(r.StatusMinIntervalSeconds is { } g ? g.ToString("F2", inv) : "-")} |\n");
        }

        text.Append('\n');
        foreach (IGrouping<int, RunResult> group in results.GroupBy(r => r.Workers))
        {
            double median = group.Select(r => r.Seconds).Median();
            text.Append(inv, $"workers {group.Key}: median {median:F2} s, {options.Objects / median:F1} objects/s, {mib / median:F2} MiB/s");
            if (group.All(r => r.StartupSeconds is not null) && results.Where(b => b.Workers == 1 && b.StartupSeconds is not null).ToList() is { Count: > 0 } ones)
            {
                double work = group.Select(r => r.Seconds - r.StartupSeconds!.Value).Median();
                double baseWork = ones.Select(r => r.Seconds - r.StartupSeconds!.Value).Median();
                text.Append(inv, $"; after start-up (first worker's first log line -> Complete): median {work:F2} s, speed-up {baseWork / work:F2}");
            }

            text.Append('\n');
        }

        text.Append("\nCPU seconds per run (and how busy the 2 cores were, all processes of the machine counted):\n");
        foreach (RunResult r in results)
        {
            text.Append(inv, $"- {r.Name}: {r.Cpu}; copy tasks claimed more than once: {r.TasksRetried}\n");
        }

        foreach (RunResult r in results.Where(r => r.Breakdown.Length > 0))
        {
            text.Append(inv, $"\nAPI requests of run {r.Name} (count, errors, verb resource[/subresource] -n namespace):\n```\n{r.Breakdown}```\n");
            if (r.StatusChanges.Count > 0)
            {
                text.Append(inv, $"SyncJob changes seen (s after apply, polled every 50 ms): {string.Join(' ', r.StatusChanges.Select(t => t.ToString("F2", inv)))}\n");
            }
        }

        return text.ToString();
    }

    private static double Median(this IEnumerable<double> values)
    {
        double[] sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
