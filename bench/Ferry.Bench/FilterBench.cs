using System.Diagnostics;
using Ferry.SyncRunner.Filtering;

namespace Ferry.Bench;

/// <summary>Throughput of <see cref="FilterRuleSet.Includes"/> over generated sorted keys.</summary>
internal static class FilterBench
{
    public static void Run(int keys)
    {
        string[] list = Keys(keys).ToArray();
        (string Name, FilterRule[] Rules, bool Full)[] cases =
        [
            ("exclude *.o (layer)", [FilterRule.Exclude("*.o")], false),
            ("guide: +*/ +*.c -* (layer)", [FilterRule.Include("*/"), FilterRule.Include("*.c"), FilterRule.Exclude("*")], false),
            ("guide: +**.gz -* (full)", [FilterRule.Include("**.gz"), FilterRule.Exclude("*")], true),
            ("6 rules (layer)", [FilterRule.Exclude("/tmp/"), FilterRule.Exclude("*.o"), FilterRule.Exclude("**/cache/**"), FilterRule.Include("*/"), FilterRule.Include("*.[ch]"), FilterRule.Exclude("*")], false),
        ];
        foreach ((string? name, FilterRule[]? rules, bool full) in cases)
        {
            var set = FilterRuleSet.Create(rules, full);
            int included = 0;
            foreach (string? k in list.Take(10_000))
            {
                included += set.Includes(k) ? 1 : 0; // warm up
            }

            TimeSpan cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            included = 0;
            foreach (string? k in list)
            {
                included += set.Includes(k) ? 1 : 0;
            }

            sw.Stop();
            TimeSpan cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu0;
            Console.WriteLine($"filters  {name,-28} {list.Length,9:N0} keys  wall {sw.Elapsed.TotalMilliseconds,6:F0} ms  cpu {cpu.TotalMilliseconds,6:F0} ms  {cpu.TotalNanoseconds / list.Length,5:F0} ns/key cpu  ({included:N0} synced)");
        }
    }

    // Sorted keys of a tree: dNNN/sNN/file-NNNNN.{c,h,o,gz}
    internal static IEnumerable<string> Keys(int n)
    {
        string[] ext = [".c", ".h", ".o", ".gz"];
        for (int i = 0; i < n; i++)
        {
            yield return $"d{i / 10_000:D3}/s{i / 100 % 100:D2}/file-{i:D8}{ext[i % 4]}";
        }
    }
}
