namespace Ferry.E2E.Tests.Harness;

/// <summary>Paths in the repository and of the executables built by this project's references.</summary>
internal static class Repo
{
    /// <summary>The repository root (the directory holding <c>Operator.sln</c>).</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The build configuration this test assembly was built in (<c>Debug</c> or <c>Release</c>), taken from its
    /// output path <c>bin/CONFIGURATION/net10.0/</c>.</summary>
    public static string Configuration { get; } =
        new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent?.Name ?? "Debug";

    /// <summary>The <c>ferry</c> executable (apphost) of <c>src/SyncRunner</c>, built by the project reference.</summary>
    public static string FerryExecutable => Built("SyncRunner", "ferry");

    /// <summary>The <c>ferry-operator</c> executable (apphost) of <c>src/Operator</c>, built by the project reference.</summary>
    public static string OperatorExecutable => Built("Operator", "ferry-operator");

    /// <summary>The directory of the generated CRDs.</summary>
    public static string Crds => Path.Combine(Root, "crds");

    /// <summary>kubectl: <c>$FERRY_KUBECTL</c>, else <c>kubectl</c> on PATH.</summary>
    public static string KubectlExecutable =>
        Environment.GetEnvironmentVariable("FERRY_KUBECTL") is { Length: > 0 } configured ? configured : "kubectl";

    private static string Built(string project, string name)
    {
        string path = Path.Combine(Root, "src", project, "bin", Configuration, "net10.0", name);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{name} is not built at {path} (the E2E project references src/{project}; build it first)", path);
        }

        return path;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Operator.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no Operator.sln above {AppContext.BaseDirectory}");
    }
}
