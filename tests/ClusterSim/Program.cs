using System.Globalization;
using System.Runtime.InteropServices;

namespace Ferry.ClusterSim;

/// <summary>Standalone entry: <c>ClusterSim --port 0 --kubeconfig FILE [--https] [--token T]
/// [--history N] [--kubelet [--volumes DIR] [--image-map IMAGE=EXECUTABLE]... [--work-dir DIR]]</c>. With
/// <c>--kubelet</c>, Pods run as local processes and Jobs get Pods (<see cref="Kubelet.ProcessKubelet"/>); the PVC
/// <c>NAME</c> is <c>DIR/NAME</c>. Prints <c>ready</c> once serving; stops on SIGTERM or SIGINT.</summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var options = new SimulatorOptions();
        string? kubeconfig = null;
        bool kubelet = false;
        var kubeletOptions = new Kubelet.ProcessKubeletOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--port":
                    options.Port = int.Parse(Next(), CultureInfo.InvariantCulture);
                    break;
                case "--kubeconfig":
                    kubeconfig = Next();
                    break;
                case "--https":
                    options.UseHttps = true;
                    break;
                case "--token":
                    options.Token = Next();
                    break;
                case "--history":
                    options.WatchHistorySize = int.Parse(Next(), CultureInfo.InvariantCulture);
                    break;
                case "--kubelet":
                    kubelet = true;
                    break;
                case "--volumes":
                    kubeletOptions.VolumesDirectory = Path.GetFullPath(Next());
                    break;
                case "--work-dir":
                    kubeletOptions.WorkDirectory = Path.GetFullPath(Next());
                    break;
                case "--image-map":
                    string mapping = Next();
                    int equals = mapping.IndexOf('=', StringComparison.Ordinal);
                    if (equals <= 0)
                    {
                        await Console.Error.WriteLineAsync("--image-map needs IMAGE=EXECUTABLE");
                        return 2;
                    }

                    kubeletOptions.Images[mapping[..equals]] = mapping[(equals + 1)..];
                    break;
                default:
                    await Console.Error.WriteLineAsync($"unknown argument: {args[i]}\nusage: ClusterSim --port 0 --kubeconfig FILE [--https] [--token T] [--history N] [--kubelet [--volumes DIR] [--image-map IMAGE=EXECUTABLE]... [--work-dir DIR]]");
                    return 2;
            }
        }

        if (kubelet)
        {
            options.Kubelet = new Kubelet.ProcessKubelet(kubeletOptions);
        }

        using var stop = new CancellationTokenSource();
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            stop.Cancel();
        });
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c =>
        {
            c.Cancel = true;
            stop.Cancel();
        });
        await using ClusterSimulator sim = await ClusterSimulator.StartAsync(options, stop.Token);
        if (kubeconfig is not null)
        {
            await sim.WriteKubeconfigAsync(kubeconfig, stop.Token);
        }

        Console.WriteLine($"serving {sim.Url}");
        if (options.Kubelet is Kubelet.ProcessKubelet processKubelet)
        {
            Console.WriteLine($"kubelet pods and logs under {processKubelet.WorkDirectory}");
        }

        Console.WriteLine("ready");
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException)
        {
            // SIGTERM.
        }

        return 0;
    }
}
