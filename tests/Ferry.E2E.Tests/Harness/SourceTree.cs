using System.Diagnostics;
using Amazon.S3;
using Amazon.S3.Model;
using Ferry.Testing.Radosgw;

namespace Ferry.E2E.Tests.Harness;

/// <summary>A real directory tree not written for the purpose — Debian package documentation under
/// <c>/usr/share/doc</c>, the packages named f* onwards until about 400 files (changelogs, copyright files, READMEs,
/// a few MB) — copied to a private directory and uploaded to a radosgw bucket under <see cref="Prefix"/>.</summary>
internal sealed class SourceTree
{
    /// <summary>The key prefix of the tree in <see cref="Bucket"/>.</summary>
    public const string Prefix = "doc/";

    private SourceTree(string directory, string bucket, SortedDictionary<string, string> files, long bytes)
    {
        Directory = directory;
        Bucket = bucket;
        Files = files;
        TotalBytes = bytes;
    }

    /// <summary>The local copy (the expected content of every destination).</summary>
    public string Directory { get; }

    /// <summary>The bucket holding the tree under <see cref="Prefix"/>.</summary>
    public string Bucket { get; }

    /// <summary>Relative path (= key below <see cref="Prefix"/>) → SHA-256 of every file.</summary>
    public SortedDictionary<string, string> Files { get; }

    /// <summary>The number of objects uploaded.</summary>
    public int Count => Files.Count;

    /// <summary>The sum of the objects' sizes, in bytes.</summary>
    public long TotalBytes { get; }

    /// <summary>The size of one file of the tree, in bytes.</summary>
    public long SizeOf(string relativePath) => new FileInfo(Path.Combine(Directory, relativePath)).Length;

    /// <summary>Copies the tree into <paramref name="directory"/> and uploads it to a fresh bucket of
    /// <paramref name="server"/>.</summary>
    public static async Task<SourceTree> CreateAsync(RadosgwServer server, string directory)
    {
        const long MiB = 1 << 20;
        System.IO.Directory.CreateDirectory(directory);
        var packages = new List<string>();
        int taken = 0;
        foreach (string package in System.IO.Directory.GetDirectories("/usr/share/doc")
                     .Where(d => new DirectoryInfo(d).LinkTarget is null)
                     .OrderBy(d => string.CompareOrdinal(Path.GetFileName(d), "f") < 0)
                     .ThenBy(d => d, StringComparer.Ordinal))
        {
            FileInfo[] files = new DirectoryInfo(package).GetFiles("*", SearchOption.AllDirectories);
            if (taken < 400 && files.Sum(f => f.Length) < 2 * MiB)
            {
                packages.Add(package);
                taken += files.Length;
            }
        }

        using (var cp = Process.Start("cp", ["-a", .. packages, directory + "/"]))
        {
            await cp.WaitForExitAsync();
            Assert.Equal(0, cp.ExitCode);
        }

        foreach (string link in System.IO.Directory.EnumerateFileSystemEntries(directory, "*", SearchOption.AllDirectories)
                     .Where(p => new FileInfo(p).LinkTarget is not null).ToList())
        {
            File.Delete(link); // S3 holds no symlinks.
        }

        SortedDictionary<string, string> snapshot = TreeSnapshot.Take(directory);
        Assert.True(snapshot.Count is >= 300 and < 5000, $"expected a real /usr/share/doc tree of a few hundred files, found {snapshot.Count}");
        long bytes = snapshot.Keys.Sum(k => new FileInfo(Path.Combine(directory, k)).Length);

        string bucket = await server.CreateBucketAsync("src");
        using AmazonS3Client client = server.CreateClient();
        await Parallel.ForEachAsync(snapshot.Keys, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (key, ct) =>
            await client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = Prefix + key, FilePath = Path.Combine(directory, key) }, ct));

        int listed = 0;
        var request = new ListObjectsV2Request { BucketName = bucket, Prefix = Prefix };
        ListObjectsV2Response page;
        do
        {
            page = await client.ListObjectsV2Async(request);
            listed += page.S3Objects?.Count ?? 0;
            request.ContinuationToken = page.NextContinuationToken;
        }
        while (page.IsTruncated == true);

        Assert.Equal(snapshot.Count, listed);
        return new SourceTree(directory, bucket, snapshot, bytes);
    }
}
