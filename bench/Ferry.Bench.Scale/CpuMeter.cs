using System.Globalization;

namespace Ferry.Bench.Scale;

/// <summary>CPU seconds spent during a run, from /proc: this process (latency proxy, simulator, kubelet), its exited
/// children (the runner pods' `ferry worker` processes, reaped by the kubelet; or `ferry run`), the Ceph daemons named
/// by the radosgw fixture's pid files, the operator, and how busy the whole machine was.</summary>
internal sealed class CpuMeter(string rgwDirectory, int? operatorPid)
{
    private static readonly double Hz = 100; // USER_HZ, 100 on Linux.

    public Sample Take() => new(
        SelfAndChildren(),
        Directory.EnumerateFiles(rgwDirectory, "*.pid", SearchOption.AllDirectories).Sum(f => int.TryParse(File.ReadAllText(f).Trim(), out int pid) ? ProcessSeconds(pid) : 0),
        operatorPid is { } op ? ProcessSeconds(op) : 0,
        Machine());

    public static string Describe(Sample before, Sample after)
    {
        double busy = after.Machine.Busy - before.Machine.Busy;
        double total = after.Machine.Total - before.Machine.Total;
        return string.Create(CultureInfo.InvariantCulture,
            $"workers {after.Self.Children - before.Self.Children:F1}, ceph {after.Ceph - before.Ceph:F1}, proxy+sim {after.Self.Own - before.Self.Own:F1}, operator {after.Operator - before.Operator:F1}; machine {100 * busy / Math.Max(total, 1e-9):F0}% busy");
    }

    private static (double Own, double Children) SelfAndChildren()
    {
        string[] f = Fields("/proc/self/stat");
        return (Ticks(f, 14) + Ticks(f, 15), Ticks(f, 16) + Ticks(f, 17));
    }

    private static double ProcessSeconds(int pid)
    {
        try
        {
            string[] f = Fields($"/proc/{pid}/stat");
            return Ticks(f, 14) + Ticks(f, 15);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static (double Busy, double Total) Machine()
    {
        double[] cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..]
            .Select(v => double.Parse(v, CultureInfo.InvariantCulture) / Hz).ToArray();
        double idle = cpu[3] + cpu[4];
        double total = cpu.Take(8).Sum();
        return (total - idle, total);
    }

    // The fields after the command name (which may hold spaces): index 0 is field 3 of proc(5), the state.
    private static string[] Fields(string path)
    {
        string stat = File.ReadAllText(path);
        return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    }

    private static double Ticks(string[] fields, int procField) => double.Parse(fields[procField - 3], CultureInfo.InvariantCulture) / Hz;

    internal readonly record struct Sample((double Own, double Children) Self, double Ceph, double Operator, (double Busy, double Total) Machine);
}
