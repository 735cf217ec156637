using System.Runtime.InteropServices;
using Ferry.SyncRunner.Cli;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

// Kubernetes stops a runner pod with SIGTERM: stop cleanly (temporary files are removed, nothing half-written stays).
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    cancel.Cancel();
});

try
{
    return await FerryCli.RunAsync(args, cancellationToken: cancel.Token);
}
catch (OperationCanceledException)
{
    await Console.Error.WriteLineAsync("ferry: interrupted");
    return 130;
}
