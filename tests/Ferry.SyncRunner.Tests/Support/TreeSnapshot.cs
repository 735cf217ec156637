namespace Ferry.SyncRunner.Tests.Support;

/// <summary>Every file, directory and link below a root (links not followed): relative path → SHA-256 of the content, "dir", or "-> target".</summary>
public static class TreeSnapshot
{
    public static SortedDictionary<string, string> Take(string root, bool withDirectories = true)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (Directory.Exists(root))
        {
            Walk(root, root, withDirectories, result);
        }

        return result;
    }

    private static void Walk(string root, string dir, bool withDirectories, SortedDictionary<string, string> result)
    {
        foreach (FileSystemInfo info in new DirectoryInfo(dir).EnumerateFileSystemInfos("*", new EnumerationOptions { AttributesToSkip = 0 }))
        {
            string rel = Path.GetRelativePath(root, info.FullName);
            if (info.LinkTarget is { } target)
            {
                result[rel] = "-> " + target;
            }
            else if (info is DirectoryInfo)
            {
                if (withDirectories)
                {
                    result[rel + "/"] = "dir";
                }

                Walk(root, info.FullName, withDirectories, result);
            }
            else
            {
                result[rel] = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(info.FullName)));
            }
        }
    }
}
