using Ferry.SyncRunner.Cli;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

try
{
    return await FerryCli.RunAsync(args, cancellationToken: cancel.Token);
}
catch (OperationCanceledException)
{
    await Console.Error.WriteLineAsync("ferry: interrupted");
    return 130;
}
