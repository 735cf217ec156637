using System.Globalization;
using System.Runtime.InteropServices;

namespace Ferry.ClusterSim;

/// <summary>Standalone entry: <c>ClusterSim --port 0 --kubeconfig FILE [--https] [--token T]
/// [--history N]</c>. Prints <c>ready</c> once serving; stops on SIGTERM or SIGINT.</summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var options = new SimulatorOptions();
        string? kubeconfig = null;
        for (var i = 0; i < args.Length; i++)
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
                default:
                    await Console.Error.WriteLineAsync($"unknown argument: {args[i]}\nusage: ClusterSim --port 0 --kubeconfig FILE [--https] [--token T] [--history N]");
                    return 2;
            }
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
        await using var sim = await ClusterSimulator.StartAsync(options, stop.Token);
        if (kubeconfig is not null)
        {
            await sim.WriteKubeconfigAsync(kubeconfig, stop.Token);
        }

        Console.WriteLine($"serving {sim.Url}");
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
