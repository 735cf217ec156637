using System.Globalization;

namespace Ferry.Bench.Scale;

/// <summary>Command line of ferry-bench-scale (see bench/scale.sh for the meaning of each).</summary>
internal sealed class BenchOptions
{
    public string Mode { get; private set; } = "operator";

    public int Objects { get; private set; } = 3000;

    public int ObjectSize { get; private set; } = 16 * 1024;

    public int LatencyMs { get; private set; } = 20;

    public List<int> Workers { get; } = [];

    public int Runs { get; private set; } = 1;

    public int Threads { get; private set; } = 4;

    public int TaskObjects { get; private set; } = 150;

    public long MemstoreGiB { get; private set; } = 1;

    public string Ferry { get; private set; } = "";

    public string Operator { get; private set; } = "";

    public string OperatorArgs { get; private set; } = "";

    public string Image { get; private set; } = "ghcr.io/ferry/ferry:*";

    public string Crds { get; private set; } = "crds";

    /// <summary>The chart's runner RBAC (<c>helm template ... --show-only templates/rbac-runner.yaml</c>) rendered for
    /// the namespace <see cref="RunnerNamespacePlaceholder"/>: applied to every run's namespace.</summary>
    public string? RunnerRbac { get; private set; }

    /// <summary>The namespace name <see cref="RunnerRbac"/> was rendered for, replaced by each run's.</summary>
    public const string RunnerNamespacePlaceholder = "ferry-bench-runner-namespace";

    public string Work { get; private set; } = Path.GetTempPath();

    public string? Output { get; private set; }

    public static BenchOptions Parse(string[] args)
    {
        var o = new BenchOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Int() => int.Parse(Next(), CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--mode": o.Mode = Next(); break;
                case "--objects": o.Objects = Int(); break;
                case "--size": o.ObjectSize = Int(); break;
                case "--latency-ms": o.LatencyMs = Int(); break;
                case "--workers": o.Workers.AddRange(Next().Split(',').Select(w => int.Parse(w, CultureInfo.InvariantCulture))); break;
                case "--runs": o.Runs = Int(); break;
                case "--threads": o.Threads = Int(); break;
                case "--task-objects": o.TaskObjects = Int(); break;
                case "--memstore-gib": o.MemstoreGiB = Int(); break;
                case "--ferry": o.Ferry = Next(); break;
                case "--operator": o.Operator = Next(); break;
                case "--operator-args": o.OperatorArgs = Next(); break;
                case "--image": o.Image = Next(); break;
                case "--crds": o.Crds = Next(); break;
                case "--runner-rbac": o.RunnerRbac = Next(); break;
                case "--work": o.Work = Next(); break;
                case "--output": o.Output = Next(); break;
                default: throw new ArgumentException($"unknown argument {args[i]}");
            }
        }

        if (o.Workers.Count == 0)
        {
            o.Workers.AddRange([1, 2, 4]);
        }

        if (o.Ferry.Length == 0)
        {
            throw new ArgumentException("--ferry COMMAND (e.g. 'dotnet /repo/src/SyncRunner/bin/Release/net10.0/ferry.dll') is required");
        }

        if (o.Mode == "operator" && o.Operator.Length == 0)
        {
            throw new ArgumentException("--operator COMMAND is required in operator mode");
        }

        if (o.Mode is not ("operator" or "local" or "sync"))
        {
            throw new ArgumentException("--mode is operator, local or sync");
        }

        return o;
    }
}
