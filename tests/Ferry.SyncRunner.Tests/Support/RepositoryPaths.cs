namespace Ferry.SyncRunner.Tests.Support;

/// <summary>Files of the repository the tests read (CRDs, the built <c>ferry</c>).</summary>
public static class RepositoryPaths
{
    /// <summary>The repository root: the first directory above the test assembly holding <c>Operator.sln</c>.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The SyncJob CustomResourceDefinition manifest.</summary>
    public static string SyncJobCrd => Path.Combine(Root, "crds", "ferry.io_syncjobs.yaml");

    private static string FindRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Operator.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Operator.sln not found above " + AppContext.BaseDirectory);
    }
}
