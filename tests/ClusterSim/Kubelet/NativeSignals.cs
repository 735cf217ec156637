using System.Runtime.InteropServices;

namespace Ferry.ClusterSim.Kubelet;

/// <summary><c>kill(2)</c>, for signalling a pod's process group (its pid, as the process is a session leader).</summary>
internal static class NativeSignals
{
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    /// <summary>Sends <paramref name="signal"/> to every process in the group <paramref name="pgid"/>; false when none is left.</summary>
    public static bool SignalGroup(int pgid, PodSignal signal) => pgid > 1 && Kill(-pgid, (int)signal) == 0;

    /// <summary>Whether a live (not zombie) process <paramref name="pid"/> exists, from <c>/proc/PID/stat</c>.</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            int close = stat.LastIndexOf(')');
            return close > 0 && close + 2 < stat.Length && stat[close + 2] is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
    }
}
