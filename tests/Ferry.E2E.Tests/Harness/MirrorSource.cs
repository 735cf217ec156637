using System.Security.Cryptography;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using Ferry.Testing.Radosgw;

namespace Ferry.E2E.Tests.Harness;

/// <summary>A mirror scenario's own source: a fresh radosgw bucket holding the first <c>count</c> files of the shared
/// real tree under <see cref="SourceTree.Prefix"/>, which the scenario then changes (add, modify, same-size edit,
/// delete). <see cref="Expected"/> is what every destination must hold once a run that started after the last change
/// succeeded.</summary>
internal sealed class MirrorSource : IDisposable
{
    private readonly AmazonS3Client client;

    private MirrorSource(AmazonS3Client client, string bucket, SortedDictionary<string, string> expected)
    {
        this.client = client;
        Bucket = bucket;
        Expected = expected;
    }

    /// <summary>The bucket.</summary>
    public string Bucket { get; }

    /// <summary>Relative key → SHA-256 of what the source holds now.</summary>
    public SortedDictionary<string, string> Expected { get; }

    /// <summary>Creates the bucket and uploads the first <paramref name="count"/> files of <paramref name="tree"/>.</summary>
    public static async Task<MirrorSource> CreateAsync(RadosgwServer server, SourceTree tree, int count)
    {
        string bucket = await server.CreateBucketAsync("mir");
        AmazonS3Client client = server.CreateClient();
        var expected = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach ((string key, string hash) in tree.Files.Take(count))
        {
            await client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = SourceTree.Prefix + key, FilePath = Path.Combine(tree.Directory, key) });
            expected[key] = hash;
        }

        return new MirrorSource(client, bucket, expected);
    }

    /// <summary>Writes <paramref name="content"/> to <paramref name="key"/> (new or replaced).</summary>
    public async Task PutAsync(string key, string content)
    {
        await client.PutObjectAsync(new PutObjectRequest { BucketName = Bucket, Key = SourceTree.Prefix + key, ContentBody = content });
        Expected[key] = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(content)));
    }

    /// <summary>Replaces <paramref name="key"/> with other content of exactly the same length (bytes flipped), the
    /// edit juicefs's default size rule cannot see.</summary>
    public async Task EditKeepingSizeAsync(string key)
    {
        using GetObjectResponse old = await client.GetObjectAsync(Bucket, SourceTree.Prefix + key);
        using var buffer = new MemoryStream();
        await old.ResponseStream.CopyToAsync(buffer);
        byte[] bytes = buffer.ToArray();
        Assert.True(bytes.Length > 0, $"{key} is empty");
        for (int i = 0; i < Math.Min(bytes.Length, 64); i++)
        {
            bytes[i] ^= 0x20;
        }

        await client.PutObjectAsync(new PutObjectRequest { BucketName = Bucket, Key = SourceTree.Prefix + key, InputStream = new MemoryStream(bytes) });
        Expected[key] = Convert.ToHexString(SHA256.HashData(bytes));
    }

    /// <summary>Deletes <paramref name="key"/>.</summary>
    public async Task DeleteAsync(string key)
    {
        await client.DeleteObjectAsync(Bucket, SourceTree.Prefix + key);
        Expected.Remove(key);
    }

    /// <summary>Deletes every object (an accidentally emptied source); <see cref="Expected"/> is left as it was.</summary>
    public async Task EmptyAsync()
    {
        foreach (string key in Expected.Keys)
        {
            await client.DeleteObjectAsync(Bucket, SourceTree.Prefix + key);
        }
    }

    /// <inheritdoc/>
    public void Dispose() => client.Dispose();
}
