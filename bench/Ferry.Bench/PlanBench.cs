using System.Diagnostics;
using Ferry.SyncRunner.Execution;
using Ferry.SyncRunner.Planning;
using Ferry.SyncRunner.Queue;

namespace Ferry.Bench;

/// <summary>
/// Runs the sync engine (range scan, merge-join planning, decisions) over two generated stores of N keys
/// each and reports peak resident memory: it must stay flat as N grows.
/// </summary>
internal static class PlanBench
{
    public static async Task<int> RunAsync(long keys, string mode)
    {
        long before = Status("VmRSS");
        var source = new GeneratedStorage("gen-src", keys, 4096);
        // same: the destination holds the same keys (a no-op resync: every key is compared and skipped).
        // empty: the destination is empty and the run is --dry (every key is planned as a copy).
        var destination = new GeneratedStorage("gen-dst", mode == "same" ? keys : 0, 4096);
        var options = new SyncOptions { DryRun = mode != "same" };
        var engine = new SyncEngine(source, destination, options, new SyncEngineSettings { PlanOutput = TextWriter.Null });
        var sw = Stopwatch.StartNew();
        TimeSpan cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        SyncResult result = await engine.RunAsync(new InProcessWorkQueue());
        sw.Stop();
        TimeSpan cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu0;
        SyncCounters c = result.Counters;
        Console.WriteLine(
            $"plan  {mode,-5} {keys,10:N0} keys  peak RSS {Status("VmHWM") / 1024.0,7:F1} MiB  (RSS before {before / 1024.0:F1} MiB)  " +
            $"wall {sw.Elapsed.TotalSeconds,6:F2} s  cpu {cpu.TotalSeconds,6:F2} s  {cpu.TotalNanoseconds / Math.Max(1, keys),6:F0} ns/key cpu  " +
            $"scanned {c.Scanned:N0} skipped {c.Skipped:N0} copied {c.Copied:N0}  GC heap {GC.GetTotalMemory(false) / 1048576.0:F1} MiB  {result.Outcome}");
        return result.Outcome == SyncOutcome.Succeeded && c.Scanned == keys ? 0 : 1;
    }

    // A field of /proc/self/status in KiB (VmHWM is the peak resident set size).
    private static long Status(string field)
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return -1;
    }
}
