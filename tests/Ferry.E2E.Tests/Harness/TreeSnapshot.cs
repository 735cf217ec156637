using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Ferry.E2E.Tests.Harness;

/// <summary>Every regular file below a root: relative path (with <c>/</c>) → SHA-256 of its content.</summary>
internal static partial class TreeSnapshot
{
    /// <summary>Takes the snapshot (empty when <paramref name="root"/> does not exist). Symlinks are recorded as
    /// <c>-&gt; target</c>, so a destination that holds one differs from any source file.</summary>
    public static SortedDictionary<string, string> Take(string root)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (Directory.Exists(root))
        {
            foreach (string path in Directory.EnumerateFileSystemEntries(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
            {
                var info = new FileInfo(path);
                string relative = Path.GetRelativePath(root, path).Replace(Path.DirectorySeparatorChar, '/');
                if (info.LinkTarget is { } target)
                {
                    result[relative] = "-> " + target;
                }
                else if (!info.Attributes.HasFlag(FileAttributes.Directory))
                {
                    result[relative] = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));
                }
            }
        }

        return result;
    }

    /// <summary>Whether <paramref name="path"/> is a file destination's temporary file, <c>name.tmp.</c> and 12 hex
    /// digits, written before the rename into place.</summary>
    public static bool IsTemporary(string path) => TemporaryName().IsMatch(path);

    /// <summary>Fails with the first differences (missing, extra, different content) unless both are equal.</summary>
    public static void AssertEqual(IReadOnlyDictionary<string, string> expected, IReadOnlyDictionary<string, string> actual, string what)
    {
        var missing = expected.Keys.Where(k => !actual.ContainsKey(k)).ToList();
        var extra = actual.Keys.Where(k => !expected.ContainsKey(k)).ToList();
        var different = expected.Keys.Where(k => actual.TryGetValue(k, out string? h) && h != expected[k]).ToList();
        if (missing.Count + extra.Count + different.Count == 0)
        {
            return;
        }

        var text = new StringBuilder($"{what}: expected {expected.Count} files, found {actual.Count}; ");
        text.Append($"{missing.Count} missing, {extra.Count} extra, {different.Count} with other content.\n");
        foreach ((string label, List<string> keys) in new[] { ("missing", missing), ("extra", extra), ("different", different) })
        {
            foreach (string key in keys.Take(10))
            {
                text.Append($"  {label}: {key}\n");
            }
        }

        Assert.Fail(text.ToString());
    }

    [GeneratedRegex(@"\.tmp\.[0-9a-f]{12}$", RegexOptions.CultureInvariant)]
    private static partial Regex TemporaryName();
}
