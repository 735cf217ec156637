// ferry-operator: the SyncJob and ReplicaMirror controllers (DESIGN.md, "Distributed work"), with /healthz, /readyz and /metrics.
using Ferry.Operator.Controllers;
using Ferry.Operator.Hosting;
using Microsoft.Extensions.Hosting;

if (args is ["--help"] or ["-h"])
{
    Console.WriteLine(OperatorCommandLine.Usage);
    return 0;
}

OperatorOptions options;
try
{
    options = OperatorCommandLine.Parse(args, Environment.GetEnvironmentVariable);
}
catch (FormatException e)
{
    Console.Error.WriteLine($"ferry-operator: {e.Message}");
    Console.Error.WriteLine(OperatorCommandLine.Usage);
    return 2;
}

Microsoft.AspNetCore.Builder.WebApplication app;
try
{
    app = OperatorHost.Build(options);
}
catch (k8s.Exceptions.KubeConfigException e)
{
    Console.Error.WriteLine($"ferry-operator: {e.Message}");
    return 1;
}

await using (app)
{
    await app.StartAsync();
    foreach (var address in OperatorHost.Addresses(app))
    {
        Console.WriteLine($"listening on {address}");
    }

    await app.WaitForShutdownAsync();
}

return 0;
