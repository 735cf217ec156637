namespace Ferry.Operator.Tests.Support;

/// <summary>Paths in the repository the tests read (CRDs).</summary>
public static class RepoFiles
{
    public static string Root { get; } = FindRoot();

    public static IEnumerable<string> Crds() => Directory.GetFiles(Path.Combine(Root, "crds"), "*.yaml").Order(StringComparer.Ordinal);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Operator.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Operator.sln not found above " + AppContext.BaseDirectory);
    }
}
