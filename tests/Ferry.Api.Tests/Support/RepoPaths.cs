namespace Ferry.Api.Tests.Support;

/// <summary>Paths inside the repository, found by walking up from the test binaries to <c>Operator.sln</c>.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Crds => Path.Combine(Root, "crds");

    public static string Samples => Path.Combine(Root, "config", "samples");

    public static string InvalidSamples => Path.Combine(Root, "tests", "Ferry.Api.Tests", "Samples", "Invalid");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Operator.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"Operator.sln not found above {AppContext.BaseDirectory}.");
    }
}
