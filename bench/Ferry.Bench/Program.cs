using Ferry.Bench;

// ferry-bench filters [N]          Includes() throughput
// ferry-bench plan N [same|empty]  merge-join planning over N generated keys per side; prints peak RSS
var mode = args.Length > 0 ? args[0] : "filters";
switch (mode)
{
    case "filters":
        FilterBench.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000);
        return 0;
    case "plan":
        return await PlanBench.RunAsync(
            args.Length > 1 ? long.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000,
            args.Length > 2 ? args[2] : "same");
    default:
        Console.Error.WriteLine($"ferry-bench: unknown mode '{mode}' (filters, plan)");
        return 2;
}
