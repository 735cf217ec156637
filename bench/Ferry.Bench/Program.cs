using Ferry.Bench;

// ferry-bench filters [N]          Includes() throughput
// ferry-bench plan N [same|empty]  merge-join planning over N generated keys per side; prints peak RSS
string mode = args.Length > 0 ? args[0] : "filters";
switch (mode)
{
    case "filters":
        FilterBench.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000);
        return 0;
    case "plan":
        return await PlanBench.RunAsync(
            args.Length > 1 ? long.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000,
            args.Length > 2 ? args[2] : "same");
    case "match-batch":
        // stdin: one case per line, "RULES<TAB>KEYS", rules "+pat"/"-pat" and keys separated by U+001F;
        // stdout: per line, one character per key: 1 sync, 0 exclude (layer-by-layer mode; "full" as
        // the second argument for full-path mode). For comparing with rsync's filter in bench scripts.
        bool full = args.Length > 1 && args[1] == "full";
        while (Console.ReadLine() is { } line)
        {
            string[] parts = line.Split('\t');
            var rules = parts[0].Split('\u001f', StringSplitOptions.RemoveEmptyEntries)
                .Select(r => new Ferry.SyncRunner.Filtering.FilterRule(r[0] == '+' ? Ferry.SyncRunner.Filtering.FilterAction.Include : Ferry.SyncRunner.Filtering.FilterAction.Exclude, r[1..]))
                .ToList();
            var set = Ferry.SyncRunner.Filtering.FilterRuleSet.Create(rules, full);
            Console.WriteLine(string.Concat(parts[1].Split('\u001f').Select(k => set.Includes(k) ? '1' : '0')));
        }

        return 0;
    default:
        Console.Error.WriteLine($"ferry-bench: unknown mode '{mode}' (filters, plan)");
        return 2;
}
