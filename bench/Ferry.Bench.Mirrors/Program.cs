using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Ferry.ClusterSim;
using Ferry.ClusterSim.Http;
using Ferry.ClusterSim.Resources;
using Ferry.ClusterSim.Storage;

// ferry-bench-mirrors: the API requests and CPU of ferry-operator running many ReplicaMirrors (issue 11: "100 mirrors x
// 2 destinations, interval 1 minute; expect O(mirrors), no polling storm"). The cluster simulator runs in this process
// without a kubelet, so the only HTTP client is the operator; the bench plays the runner pods by marking each child
// SyncJob Complete RUN_SECONDS after it was created (through the store, not counted). After a warm-up the simulator's
// request counter is reset and the operator's CPU is read from /proc over the measured window.
var o = Options.Parse(args);
string work = Directory.CreateDirectory(Path.Combine(o.Work, $"ferry-mirrorbench-{Environment.ProcessId}")).FullName;
await using ClusterSimulator sim = await ClusterSimulator.StartAsync(new SimulatorOptions());
foreach (string crd in Directory.GetFiles(o.Crds, "*.yaml"))
{
    sim.Store.CreateFromYaml(await File.ReadAllTextAsync(crd));
}

var setup = new StringBuilder("""
    apiVersion: v1
    kind: Namespace
    metadata: {name: bench}
    ---
    apiVersion: v1
    kind: PersistentVolumeClaim
    metadata: {name: source, namespace: bench}
    spec: {accessModes: [ReadWriteMany], resources: {requests: {storage: 1Gi}}}
    """);
for (int d = 0; d < o.Destinations; d++)
{
    setup.Append("\n---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: replica-").Append(d)
        .Append("\n  namespace: bench\nspec:\n  accessModes: [ReadWriteMany]\n  resources:\n    requests:\n      storage: 1Gi\n");
}

sim.Store.CreateFromYaml(setup.ToString());
string kubeconfig = Path.Combine(work, "kubeconfig");
await sim.WriteKubeconfigAsync(kubeconfig);
string[] command = (o.Operator + " --kubeconfig " + kubeconfig + " --port 0 --log-format text --runner-image ghcr.io/ferry/ferry:bench")
    .Split(' ', StringSplitOptions.RemoveEmptyEntries);
var start = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
foreach (string arg in command[1..])
{
    start.ArgumentList.Add(arg);
}

using Process op = Process.Start(start) ?? throw new InvalidOperationException("ferry-operator did not start");
var log = new StreamWriter(Path.Combine(work, "operator.log")) { AutoFlush = true };
op.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
op.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
op.BeginOutputReadLine();
op.BeginErrorReadLine();
Console.Error.WriteLine($"ferry-operator pid {op.Id}, {o.Mirrors} mirrors x {o.Destinations} destinations, interval {o.Interval}, runs end after {o.RunSeconds} s; log {work}/operator.log");

var mirrors = new StringBuilder();
for (int m = 0; m < o.Mirrors; m++)
{
    string id = m.ToString("D3", CultureInfo.InvariantCulture);
    mirrors.Append("---\napiVersion: ferry.io/v1alpha1\nkind: ReplicaMirror\nmetadata:\n  name: mirror-").Append(id)
        .Append("\n  namespace: bench\nspec:\n  interval: ").Append(o.Interval)
        .Append("\n  source:\n    volume:\n      claimName: source\n      path: m").Append(id).Append("\n  destinations:\n");
    for (int d = 0; d < o.Destinations; d++)
    {
        mirrors.Append("    - name: d").Append(d).Append("\n      volume:\n        claimName: replica-").Append(d).Append("\n        path: m").Append(id).Append('\n');
    }
}

sim.Store.CreateFromYaml(mirrors.ToString());
using var stop = new CancellationTokenSource();
long completed = 0;
Task completer = Task.Run(async () =>
{
    ResourceType syncJobs = sim.Store.Type("ferry.io", "syncjobs");
    while (!stop.IsCancellationRequested)
    {
        foreach (JsonObject child in sim.Store.List(syncJobs, "bench", ListOptions.All).Items)
        {
            bool done = child["status"]?["conditions"] is JsonArray conditions && conditions.Any(c => (string?)c?["type"] == "Complete");
            var created = DateTimeOffset.Parse((string)child["metadata"]!["creationTimestamp"]!, CultureInfo.InvariantCulture);
            if (done || DateTimeOffset.UtcNow - created < TimeSpan.FromSeconds(o.RunSeconds))
            {
                continue;
            }

            string now = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
            try
            {
                sim.Store.SetStatus("ferry.io", "syncjobs", "bench", (string)child["metadata"]!["name"]!, JsonNode.Parse($$"""
                    {"phase": "Succeeded", "startTime": "{{created.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}}", "completionTime": "{{now}}",
                     "progress": {"scanned": 100, "copied": 10, "copiedBytes": 10240, "skipped": 90, "deleted": 0, "failed": 0},
                     "conditions": [{"type": "Complete", "status": "True", "reason": "Succeeded", "message": "bench", "lastTransitionTime": "{{now}}"}]}
                    """));
                Interlocked.Increment(ref completed);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Deleted meanwhile (history), or written by the operator at the same moment: the next pass sees it.
            }
        }

        await Task.Delay(200);
    }
});

Console.Error.WriteLine($"warm-up {o.Warmup.TotalSeconds:0} s ...");
await Task.Delay(o.Warmup);
sim.Requests.Reset();
double cpuBefore = CpuSeconds(op.Id);
long completedBefore = Interlocked.Read(ref completed);
var clock = Stopwatch.StartNew();
Console.Error.WriteLine($"measuring {o.Measure.TotalSeconds:0} s ...");
await Task.Delay(o.Measure);
double minutes = clock.Elapsed.TotalMinutes;
double cpu = CpuSeconds(op.Id) - cpuBefore;
IReadOnlyDictionary<RequestCounter.Key, RequestCounter.Counts> counts = sim.Requests.Snapshot();
long runs = Interlocked.Read(ref completed) - completedBefore;
stop.Cancel();
await completer;
op.Kill();
await op.WaitForExitAsync();

ResourceType mirrorType = sim.Store.Type("ferry.io", "replicamirrors");
var all = sim.Store.List(mirrorType, "bench", ListOptions.All).Items;
int inSync = all.Count(m => m["status"]?["conditions"] is JsonArray c && c.Any(x => (string?)x?["type"] == "InSync" && (string?)x?["status"] == "True"));
long missed = all.Sum(m => (long?)m["status"]?["missedIntervals"] ?? 0);
long total = counts.Values.Sum(c => c.Count);
long watches = counts.Where(c => c.Key.Verb == "watch").Sum(c => c.Value.Count);
var table = new StringBuilder();
table.AppendLine(CultureInfo.InvariantCulture, $"| {o.Mirrors} mirrors x {o.Destinations} destinations, interval {o.Interval}, runs of {o.RunSeconds} s | value |");
table.AppendLine("| --- | --- |");
table.AppendLine(CultureInfo.InvariantCulture, $"| measured | {minutes:F1} min after a {o.Warmup.TotalMinutes:F1} min warm-up; load {File.ReadAllText("/proc/loadavg").Split(' ')[0]} |");
table.AppendLine(CultureInfo.InvariantCulture, $"| runs completed per minute | {runs / minutes:F0} (expected {o.Mirrors * o.Destinations / Duration(o.Interval).TotalMinutes:F0}) |");
table.AppendLine(CultureInfo.InvariantCulture, $"| operator API requests per minute (all, not counting watch streams) | {(total - watches) / minutes:F0} ({(total - watches) / minutes / o.Mirrors:F1} per mirror) |");
table.AppendLine(CultureInfo.InvariantCulture, $"| ... per run | {(total - watches) / Math.Max(1.0, runs):F1} |");
foreach (var group in counts.Where(c => c.Key.Verb != "watch").GroupBy(c => $"{c.Key.Verb} {c.Key.Resource}{(c.Key.Subresource is null ? "" : "/" + c.Key.Subresource)}").OrderByDescending(g => g.Sum(x => x.Value.Count)))
{
    table.AppendLine(CultureInfo.InvariantCulture, $"| &nbsp; {group.Key} per minute | {group.Sum(x => x.Value.Count) / minutes:F1} |");
}

table.AppendLine(CultureInfo.InvariantCulture, $"| watch requests (re-watches) | {watches} |");
table.AppendLine(CultureInfo.InvariantCulture, $"| operator CPU | {cpu / minutes:F2} s per minute ({100 * cpu / (minutes * 60):F1} % of one core) |");
table.AppendLine(CultureInfo.InvariantCulture, $"| mirrors InSync at the end | {inSync} of {all.Count}; missed slots in all: {missed} |");
Console.WriteLine(table);
if (o.Output is { } output)
{
    await File.WriteAllTextAsync(output, table.ToString());
}

Directory.Delete(work, recursive: true);
return 0;

static double CpuSeconds(int pid)
{
    string stat = File.ReadAllText($"/proc/{pid}/stat");
    string[] f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    return (double.Parse(f[11], CultureInfo.InvariantCulture) + double.Parse(f[12], CultureInfo.InvariantCulture)) / 100;
}

static TimeSpan Duration(string text) => text.EndsWith('m') ? TimeSpan.FromMinutes(double.Parse(text[..^1], CultureInfo.InvariantCulture))
    : text.EndsWith('s') ? TimeSpan.FromSeconds(double.Parse(text[..^1], CultureInfo.InvariantCulture))
    : throw new ArgumentException($"interval {text}: use s or m");

internal sealed record Options(int Mirrors, int Destinations, string Interval, int RunSeconds, TimeSpan Warmup, TimeSpan Measure, string Operator, string Crds, string Work, string? Output)
{
    public static Options Parse(string[] args)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            map[args[i]] = args[i + 1];
        }

        string Get(string key, string fallback) => map.GetValueOrDefault(key, fallback);
        int Int(string key, int fallback) => int.Parse(Get(key, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
        return new Options(Int("--mirrors", 100), Int("--destinations", 2), Get("--interval", "1m"), Int("--run-seconds", 5),
            TimeSpan.FromSeconds(Int("--warmup", 90)), TimeSpan.FromSeconds(Int("--measure", 180)),
            map.GetValueOrDefault("--operator") ?? throw new ArgumentException("--operator CMD is required"),
            map.GetValueOrDefault("--crds") ?? throw new ArgumentException("--crds DIR is required"),
            Get("--work", "/tmp"), map.GetValueOrDefault("--output"));
    }
}
