using System.Security.Cryptography;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using FsCheck;
using FsCheck.Fluent;
using Ferry.SyncRunner.Keys;
using Ferry.SyncRunner.Storage;
using Ferry.SyncRunner.Storage.S3;
using Ferry.Testing.Http;
using Ferry.Testing.Radosgw;
using S3Location = Ferry.SyncRunner.Storage.S3.S3Location;

namespace Ferry.SyncRunner.Tests.Storage.S3;

[Collection(RadosgwFixture.Collection)]
public class S3StorageTests(RadosgwFixture fixture)
{
    private const int MiB = 1024 * 1024;

    /// <summary>Small multipart sizes so multipart paths run on small objects (5 MiB is S3's minimum part).</summary>
    private static readonly S3StorageOptions Small = new()
    {
        MultipartThreshold = 5 * MiB,
        PartSize = 5 * MiB,
        DownloadChunkSize = 1 * MiB,
        ListPageSize = 3,
        RetryBaseDelay = TimeSpan.FromMilliseconds(5),
        RetryMaxDelay = TimeSpan.FromMilliseconds(50),
    };

    private static readonly string[] SpecialKeys =
    [
        "a b/c d.txt", "a%20b", "a%b", "plus+sign", "ünïcødé/ファイル.txt", "emoji/😀.bin", "emoji/\uFFFDx",
        "deep/1/2/3/4/5/6/7/8/9/leaf", "empty", "z", "A", "dir/", "dir/inner",
    ];

    private RadosgwServer Server => fixture.Server;

    [Fact]
    public async Task ListAsync_SpecialKeysAcrossPages_ReturnsAllInUtf8OrderWithSizes()
    {
        await using S3Storage s3 = await NewStorageAsync("base/");
        foreach (string key in SpecialKeys)
        {
            await PutAsync(s3, key, key == "empty" || key.EndsWith('/') ? [] : Encoding.UTF8.GetBytes(key));
        }

        List<ObjectEntry> listed = await ToListAsync(s3.ListAsync(new ListOptions()));

        string[] expected = SpecialKeys.Order(KeyComparer.Utf8).ToArray();
        Assert.Equal(expected, listed.Select(e => e.Key).ToArray());
        foreach (ObjectEntry e in listed)
        {
            Assert.Equal(e.Key == "empty" || e.Key.EndsWith('/') ? 0 : Encoding.UTF8.GetByteCount(e.Key), e.Size);
            Assert.Equal(e.Key.EndsWith('/') ? EntryKind.Directory : EntryKind.File, e.Kind);
        }

        foreach (string key in SpecialKeys.Where(k => !k.EndsWith('/')))
        {
            Assert.Equal(key == "empty" ? [] : Encoding.UTF8.GetBytes(key), await ReadAllAsync(s3, key));
        }
    }

    [Fact]
    public async Task ListAsync_Range_IsStartInclusiveEndExclusive()
    {
        await using S3Storage s3 = await NewStorageAsync("r/");
        string[] keys = ["a", "b", "b0", "b1", "ba", "c", "c/d", "d"];
        foreach (string key in keys)
        {
            await PutAsync(s3, key, [1]);
        }

        Assert.Equal(["b", "b0", "b1", "ba"], await KeysAsync(s3, new ListOptions { Start = "b", End = "c" }));
        Assert.Equal(["b1", "ba", "c", "c/d"], await KeysAsync(s3, new ListOptions { Start = "b1", End = "c0" }));
        Assert.Equal(["c/d", "d"], await KeysAsync(s3, new ListOptions { Start = "c/" }));
        Assert.Equal(["a"], await KeysAsync(s3, new ListOptions { End = "b" }));
        Assert.Equal(["c/d"], await KeysAsync(s3, new ListOptions { Prefix = "c/" }));
        Assert.Empty(await KeysAsync(s3, new ListOptions { Start = "e" }));
    }

    [Fact]
    public async Task ListAsync_RandomRangesAndPrefixes_EqualSortedFilterOfAllKeys()
    {
        // Keys over an alphabet that stresses UTF-8 order (ASCII below and above '/', U+00E9, U+FFFD, a surrogate pair).
        string[] alphabet = ["a", "b", "/", "-", "~", "é", "\uFFFD", "😀"];
        var random = new Random(42);
        var keys = new SortedSet<string>(KeyComparer.Utf8);
        while (keys.Count < 40)
        {
            string key = string.Concat(Enumerable.Range(0, random.Next(1, 5)).Select(_ => alphabet[random.Next(alphabet.Length)]));
            if (!key.StartsWith('/') && !key.EndsWith('/') && !key.Contains("//", StringComparison.Ordinal))
            {
                keys.Add(key);
            }
        }

        await using S3Storage s3 = await NewStorageAsync("prop/");
        await Parallel.ForEachAsync(keys, async (key, _) => await PutAsync(s3, key, [1]));
        string[] bounds = [.. keys, "", "a", "b/", "é", "\uFFFD", "😀", "~~"];

        Check.One(
            Config.QuickThrowOnFailure.WithMaxTest(30),
            Prop.ForAll(
                Gen.Elements(bounds).Three().ToArbitrary(),
                t =>
                {
                    (string prefix, string start, string end) = (t.Item1.Length > 2 ? t.Item1[..(char.IsHighSurrogate(t.Item1[0]) ? 2 : 1)] : "", t.Item2, t.Item3);
                    string[] expected = keys
                        .Where(k => k.StartsWith(prefix, StringComparison.Ordinal) && KeyComparer.Utf8.Compare(k, start) >= 0 && KeyComparer.Utf8.Compare(k, end) < 0)
                        .ToArray();
                    string[] actual = KeysAsync(s3, new ListOptions { Prefix = prefix, Start = start, End = end }).GetAwaiter().GetResult();
                    return expected.SequenceEqual(actual);
                }));
    }

    [Fact]
    public async Task ListAsync_NotRecursive_YieldsCommonPrefixesAsDirectories()
    {
        await using S3Storage s3 = await NewStorageAsync("n/");
        foreach (string key in new[] { "a", "b/1", "b/2", "b/c/3", "b0", "c/x", "d" })
        {
            await PutAsync(s3, key, [1]);
        }

        List<ObjectEntry> top = await ToListAsync(s3.ListAsync(new ListOptions { Recursive = false }));
        Assert.Equal(["a", "b/", "b0", "c/", "d"], top.Select(e => e.Key).ToArray());
        Assert.Equal(EntryKind.Directory, top[1].Kind);
        Assert.Equal(["b/1", "b/2", "b/c/"], await KeysAsync(s3, new ListOptions { Prefix = "b/", Recursive = false }));
    }

    [Fact]
    public async Task PutAsync_AboveThreshold_UploadsPartsAndRoundTrips()
    {
        await using S3Storage s3 = await NewStorageAsync("mp/");
        byte[] data = RandomBytes((12 * MiB) + 3);

        await s3.PutAsync("known", new MemoryStream(data), data.Length, new PutOptions());
        await s3.PutAsync("unknown", new NonSeekableStream(data), -1, new PutOptions());

        foreach (string key in new[] { "known", "unknown" })
        {
            ObjectEntry? head = await s3.HeadAsync(key);
            Assert.NotNull(head);
            Assert.Equal(data.Length, head.Size);
            Assert.EndsWith("-3", head.ETag);
            Assert.False(S3ETag.IsContentMd5(head.ETag));
            Assert.Equal(data, await ReadAllAsync(s3, key));
        }
    }

    [Fact]
    public async Task PutAsync_ContentFailsMidUpload_AbortsAndLeavesNothing()
    {
        await using S3Storage s3 = await NewStorageAsync("abort/");
        byte[] data = RandomBytes(12 * MiB);

        var e = await Assert.ThrowsAsync<IOException>(() => s3.PutAsync("broken", new FailingStream(data, 7 * MiB), data.Length, new PutOptions()));

        Assert.Contains("source broke", e.Message, StringComparison.Ordinal);
        Assert.Null(await s3.HeadAsync("broken"));
        using AmazonS3Client client = Server.CreateClient();
        ListMultipartUploadsResponse uploads = await client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = s3.Location.Bucket });
        Assert.Empty(uploads.MultipartUploads ?? []);
    }

    [Fact]
    public async Task PutAsync_ContentShorterThanSize_FailsAndLeavesNothing()
    {
        await using S3Storage s3 = await NewStorageAsync("short/");
        var e = await Assert.ThrowsAsync<StorageException>(() => s3.PutAsync("k", new MemoryStream(new byte[10]), 11, new PutOptions()));
        Assert.Equal(StorageErrorKind.Invalid, e.Kind);
        Assert.Null(await s3.HeadAsync("k"));
    }

    [Fact]
    public async Task OpenReadAsync_RangesAndParallelChunks_ReturnExactBytes()
    {
        await using S3Storage s3 = await NewStorageAsync("read/");
        byte[] data = RandomBytes((6 * MiB) + 12345);
        await PutAsync(s3, "big", data);
        await PutAsync(s3, "empty", []);

        Assert.Equal(data, await ReadAllAsync(s3, "big"));
        Assert.Equal(data.AsSpan(1_000_000, 3 * MiB).ToArray(), await ReadAllAsync(s3, "big", 1_000_000, 3 * MiB));
        Assert.Equal(data.AsSpan(data.Length - 10).ToArray(), await ReadAllAsync(s3, "big", data.Length - 10));
        Assert.Equal(data.AsSpan(5, 7).ToArray(), await ReadAllAsync(s3, "big", 5, 7));
        Assert.Empty(await ReadAllAsync(s3, "big", data.Length));
        Assert.Empty(await ReadAllAsync(s3, "empty"));
        var missing = await Assert.ThrowsAsync<StorageException>(() => s3.OpenReadAsync("missing"));
        Assert.Equal(StorageErrorKind.NotFound, missing.Kind);
    }

    [Fact]
    public async Task OpenReadAsync_AbandonedAndConcurrentReads_ReuseBuffersWithoutMixingBytes()
    {
        // Range buffers are pooled: a stream disposed with ranges still in flight, and many streams at once, must
        // each see only their own object's bytes.
        await using S3Storage s3 = await NewStorageAsync("pool/");
        byte[][] objects = Enumerable.Range(0, 4).Select(_ => RandomBytes((5 * MiB) + 777)).ToArray();
        for (int i = 0; i < objects.Length; i++)
        {
            await PutAsync(s3, $"o{i}", objects[i]);
        }

        for (int round = 0; round < 3; round++)
        {
            await using (Stream abandoned = await s3.OpenReadAsync("o0"))
            {
                byte[] head = new byte[1000];
                await abandoned.ReadExactlyAsync(head);
                Assert.Equal(objects[0].AsSpan(0, 1000).ToArray(), head);
            }

            byte[][] read = await Task.WhenAll(Enumerable.Range(0, objects.Length).Select(i => ReadAllAsync(s3, $"o{i}")));
            for (int i = 0; i < objects.Length; i++)
            {
                Assert.Equal(objects[i], read[i]);
            }
        }
    }

    [Fact]
    public async Task HeadAsync_StoredModifiedTime_RoundTripsAndSetAttributesChangesIt()
    {
        await using S3Storage s3 = await NewStorageAsync("mtime/");
        var mtime = new DateTimeOffset(2001, 2, 3, 4, 5, 6, TimeSpan.Zero).AddTicks(1234567);
        await s3.PutAsync("f", new MemoryStream([1, 2, 3]), 3, new PutOptions { ModifiedTime = mtime });

        ObjectEntry head = (await s3.HeadAsync("f"))!;
        Assert.Equal((mtime, true), (head.ModifiedTime, head.ModifiedTimeIsExact));
        ObjectEntry listed = Assert.Single(await ToListAsync(s3.ListAsync(new ListOptions())));
        Assert.False(listed.ModifiedTimeIsExact, "a listing only approximates the stored mtime");
        Assert.True(listed.ModifiedTime > mtime.AddYears(20), $"{listed.ModifiedTime} is the upload time");
        await using (Stream stream = await s3.OpenReadAsync("f"))
        {
            Assert.Equal(mtime, Assert.IsAssignableFrom<IObjectReadInfo>(stream).ModifiedTime);
        }

        var later = new DateTimeOffset(2010, 1, 1, 0, 0, 0, TimeSpan.Zero);
        await s3.SetAttributesAsync("f", Convert.ToInt32("644", 8), later);
        Assert.Equal(later, (await s3.HeadAsync("f"))!.ModifiedTime);
        Assert.Equal([1, 2, 3], await ReadAllAsync(s3, "f"));
        Assert.Null(await s3.HeadAsync("nope"));
    }

    [Fact]
    public async Task ListAsync_LastModifiedSource_ReportsUploadTimeAndHeadAgrees()
    {
        string bucket = await Server.CreateBucketAsync();
        await using var s3 = Assert.IsType<S3Storage>(StorageFactory.Default.Create(Server.Url(bucket, "lm/") + "&mtime=lastmodified"));
        var mtime = new DateTimeOffset(2001, 2, 3, 4, 5, 6, TimeSpan.Zero);
        DateTimeOffset before = DateTimeOffset.UtcNow.AddMinutes(-5);
        await s3.PutAsync("f", new MemoryStream([1]), 1, new PutOptions { ModifiedTime = mtime });

        ObjectEntry listed = Assert.Single(await ToListAsync(s3.ListAsync(new ListOptions())));
        Assert.True(listed.ModifiedTime > before, $"{listed.ModifiedTime} is the upload time");
        Assert.Equal(listed.ModifiedTime, (await s3.HeadAsync("f"))!.ModifiedTime);
    }

    [Fact]
    public async Task CreateDirectoryAsync_WritesMarkerThatHeadAndDeleteSee()
    {
        await using S3Storage s3 = await NewStorageAsync("dirs/");
        await s3.CreateDirectoryAsync("d/", new PutOptions());
        await PutAsync(s3, "implicit/file", [1]);

        Assert.Equal(EntryKind.Directory, (await s3.HeadAsync("d/"))!.Kind);
        Assert.Equal(EntryKind.Directory, (await s3.HeadAsync("implicit/"))!.Kind);
        await s3.DeleteAsync("d/");
        await s3.DeleteAsync("never-existed");
        Assert.Null(await s3.HeadAsync("d/"));
        await Assert.ThrowsAsync<NotSupportedException>(() => s3.CreateSymlinkAsync("l", "t"));
    }

    [Fact]
    public async Task CopyFromAsync_SameEndpoint_CopiesServerSideKeepingModifiedTime()
    {
        await using S3Storage source = await NewStorageAsync("src/");
        await using S3Storage destination = await NewStorageAsync("dst/");
        var mtime = new DateTimeOffset(2020, 5, 6, 7, 8, 9, TimeSpan.Zero);
        byte[] small = RandomBytes(1000);
        byte[] large = RandomBytes((11 * MiB) + 1);
        await source.PutAsync("small", new MemoryStream(small), small.Length, new PutOptions { ModifiedTime = mtime });
        await source.PutAsync("large", new MemoryStream(large), large.Length, new PutOptions { ModifiedTime = mtime });
        Assert.True(destination.CanCopyFrom(source));

        await using var proxy = await FaultInjectingProxy.StartAsync(Server.Endpoint);
        await using S3Storage destinationViaProxy = new(S3Location.Parse(Server.Url(destination.Location.Bucket, "dst/", proxy.Endpoint)), Small);
        await using S3Storage sourceViaProxy = new(S3Location.Parse(Server.Url(source.Location.Bucket, "src/", proxy.Endpoint)), Small);
        foreach (ObjectEntry entry in await ToListAsync(sourceViaProxy.ListAsync(new ListOptions())))
        {
            await destinationViaProxy.CopyFromAsync(sourceViaProxy, entry, "copy-" + entry.Key, new PutOptions { ModifiedTime = entry.ModifiedTime });
        }

        Assert.True(proxy.RequestBodyBytes + proxy.ResponseBodyBytes < 20_000, $"{proxy.RequestBodyBytes} + {proxy.ResponseBodyBytes} body bytes went through the runner");
        Assert.Equal(small, await ReadAllAsync(destination, "copy-small"));
        Assert.Equal(large, await ReadAllAsync(destination, "copy-large"));
        Assert.Equal(mtime, (await destination.HeadAsync("copy-small"))!.ModifiedTime);
        Assert.Equal(mtime, (await destination.HeadAsync("copy-large"))!.ModifiedTime);
        Assert.EndsWith("-3", (await destination.HeadAsync("copy-large"))!.ETag);
    }

    [Fact]
    public async Task StorageClass_Standard_IsAcceptedOnPutMultipartAndServerSideCopy()
    {
        await using S3Storage plain = await NewStorageAsync("cls/");
        await using S3Storage s3 = plain.WithStorageClass("STANDARD");
        byte[] small = RandomBytes(1000);
        byte[] large = RandomBytes((11 * MiB) + 1);

        await s3.PutAsync("small", new MemoryStream(small), small.Length, new PutOptions());
        await s3.PutAsync("large", new MemoryStream(large), large.Length, new PutOptions());
        foreach (ObjectEntry entry in await ToListAsync(s3.ListAsync(new ListOptions())))
        {
            await s3.CopyFromAsync(s3, entry, "copy-" + entry.Key, new PutOptions { ModifiedTime = entry.ModifiedTime });
        }

        Assert.Equal(small, await ReadAllAsync(s3, "copy-small"));
        Assert.Equal(large, await ReadAllAsync(s3, "copy-large"));
        using AmazonS3Client client = Server.CreateClient();
        foreach (string key in new[] { "small", "large", "copy-small", "copy-large" })
        {
            GetObjectMetadataResponse head = await client.GetObjectMetadataAsync(s3.Location.Bucket, "cls/" + key);
            Assert.True(head.StorageClass is null || head.StorageClass == S3StorageClass.Standard, $"{key}: {head.StorageClass}");
        }
    }

    [Fact]
    public async Task StorageClass_Unknown_IsRefusedByTheServerOnEveryWritePathAndTheErrorSaysSo()
    {
        await using S3Storage plain = await NewStorageAsync("nocls/");
        byte[] small = RandomBytes(1000);
        byte[] large = RandomBytes((11 * MiB) + 1);
        await plain.PutAsync("small", new MemoryStream(small), small.Length, new PutOptions());
        await plain.PutAsync("large", new MemoryStream(large), large.Length, new PutOptions());
        List<ObjectEntry> entries = await ToListAsync(plain.ListAsync(new ListOptions()));
        await using S3Storage s3 = plain.WithStorageClass("NO_SUCH_CLASS");

        var failures = new List<StorageException>
        {
            await Assert.ThrowsAsync<StorageException>(() => s3.PutAsync("new-small", new MemoryStream(small), small.Length, new PutOptions())),
            await Assert.ThrowsAsync<StorageException>(() => s3.PutAsync("new-large", new MemoryStream(large), large.Length, new PutOptions())),
        };
        foreach (ObjectEntry entry in entries)
        {
            failures.Add(await Assert.ThrowsAsync<StorageException>(() => s3.CopyFromAsync(plain, entry, "copy-" + entry.Key, new PutOptions { ModifiedTime = entry.ModifiedTime })));
        }

        // radosgw answers InvalidArgument without a message (AWS: InvalidStorageClass); either way the error names the class.
        Assert.All(failures, e => Assert.Contains("storage class 'NO_SUCH_CLASS'", e.Message, StringComparison.Ordinal));
        Assert.All(failures, e => Assert.Equal(StorageErrorKind.Invalid, e.Kind));
        Assert.Equal(new[] { "large", "small" }, (await ToListAsync(plain.ListAsync(new ListOptions()))).Select(e => e.Key));
    }

    [Fact]
    public async Task PutAsync_SmallBody_SendsNoExpectContinue_LargerSingleBodyDoes()
    {
        string bucket = await Server.CreateBucketAsync("expect");
        await using var proxy = await FaultInjectingProxy.StartAsync(Server.Endpoint);
        await using S3Storage s3 = new(S3Location.Parse(Server.Url(bucket, "e/", proxy.Endpoint)), Small);

        await s3.PutAsync("small", new MemoryStream(RandomBytes(4096)), 4096, new PutOptions());
        long afterSmall = proxy.RequestsWithExpectContinue;
        byte[] larger = RandomBytes((2 * MiB) + 1);
        await s3.PutAsync("larger", new MemoryStream(larger), larger.Length, new PutOptions());

        Assert.Equal((0L, 1L), (afterSmall, proxy.RequestsWithExpectContinue));
        Assert.Equal(larger, await ReadAllAsync(s3, "larger"));
    }

    [Fact]
    public async Task PutAsync_OverPlainHttp_SignsWholeBodiesWithoutChunkEncoding()
    {
        string bucket = await Server.CreateBucketAsync("signing");
        await using var proxy = await FaultInjectingProxy.StartAsync(Server.Endpoint);
        await using S3Storage s3 = new(S3Location.Parse(Server.Url(bucket, "s/", proxy.Endpoint)), Small);
        byte[] single = RandomBytes((2 * MiB) + 1);
        byte[] multipart = RandomBytes((11 * MiB) + 7);

        await s3.PutAsync("single", new MemoryStream(single), single.Length, new PutOptions());
        long singleBytes = proxy.RequestBodyBytes;
        proxy.ResetCounters();
        await s3.PutAsync("multipart", new MemoryStream(multipart), multipart.Length, new PutOptions());
        long multipartBytes = proxy.RequestBodyBytes - multipart.Length;

        // aws-chunked would add a signed header line per 80 KiB chunk (about 140 × 87 bytes here); radosgw checks
        // the whole-body hashes, so reading the objects back proves they were accepted.
        Assert.Equal(single.Length, singleBytes);
        Assert.InRange(multipartBytes, 1, 1024); // the CompleteMultipartUpload XML only
        Assert.Equal(single, await ReadAllAsync(s3, "single"));
        Assert.Equal(multipart, await ReadAllAsync(s3, "multipart"));
    }

    [Fact]
    public void CanCopyFrom_OtherEndpointOrCredentials_IsFalse()
    {
        var here = new S3Storage(S3Location.Parse("s3://a:b@bkt/p?endpoint=http://127.0.0.1:1"));
        Assert.True(here.CanCopyFrom(new S3Storage(S3Location.Parse("s3://a:b@other/q?endpoint=http://127.0.0.1:1"))));
        Assert.False(here.CanCopyFrom(new S3Storage(S3Location.Parse("s3://a:b@other/q?endpoint=http://127.0.0.1:2"))));
        Assert.False(here.CanCopyFrom(new S3Storage(S3Location.Parse("s3://c:b@other/q?endpoint=http://127.0.0.1:1"))));
    }

    [Fact]
    public async Task AnyOperation_WrongSecret_FailsFastWithAccessDeniedAndNoSecretInMessage()
    {
        string bucket = await Server.CreateBucketAsync("deny");
        await using var proxy = await FaultInjectingProxy.StartAsync(Server.Endpoint);
        const string Secret = "WrongSecretValue0123456789";
        string url = $"s3://{Server.AccessKey}:{Secret}@{bucket}/p/?endpoint={proxy.Endpoint.GetLeftPart(UriPartial.Authority)}";
        await using S3Storage s3 = new(S3Location.Parse(url), Small);

        var e = await Assert.ThrowsAsync<StorageException>(() => ToListAsync(s3.ListAsync(new ListOptions())));

        Assert.Equal(StorageErrorKind.AccessDenied, e.Kind);
        Assert.Equal(1, proxy.Requests);
        Assert.Contains(bucket, e.Message, StringComparison.Ordinal);
        Assert.Contains(proxy.Endpoint.GetLeftPart(UriPartial.Authority), e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, e.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Server.AccessKey, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, s3.DisplayName, StringComparison.Ordinal);
        Assert.DoesNotContain(Server.AccessKey, s3.DisplayName, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListAsync_MissingBucket_FailsWithNotFoundNamingBucketAndEndpoint()
    {
        await using S3Storage s3 = new(S3Location.Parse(Server.Url("no-such-bucket-ferry")), Small);
        var e = await Assert.ThrowsAsync<StorageException>(() => ToListAsync(s3.ListAsync(new ListOptions())));
        Assert.Equal(StorageErrorKind.NotFound, e.Kind);
        Assert.Contains("'no-such-bucket-ferry'", e.Message, StringComparison.Ordinal);
        Assert.Contains(Server.Endpoint.GetLeftPart(UriPartial.Authority), e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Server.SecretKey, e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenReadAsync_WholeObjectUpToStreamThreshold_StreamsOneGetElseRangedGets()
    {
        string bucket = await Server.CreateBucketAsync("stream");
        await using var proxy = await FaultInjectingProxy.StartAsync(Server.Endpoint);
        await using S3Storage streaming = new(S3Location.Parse(Server.Url(bucket, "s/", proxy.Endpoint)), Small);
        await using S3Storage ranged = new(S3Location.Parse(Server.Url(bucket, "s/", proxy.Endpoint)), new S3StorageOptions { DownloadChunkSize = 1 * MiB, DownloadStreamThreshold = 0 });
        byte[] data = RandomBytes((6 * MiB) + 321);
        await PutAsync(streaming, "mid", data);

        proxy.ResetCounters();
        Assert.Equal(data, await ReadAllAsync(streaming, "mid"));
        Assert.Equal(1, proxy.RequestsWithMethod("GET"));

        proxy.ResetCounters();
        Assert.Equal(data, await ReadAllAsync(ranged, "mid"));
        Assert.Equal(7, proxy.RequestsWithMethod("GET"));
    }

    [Fact]
    public async Task OpenReadAsync_StreamResetMidway_ContinuesWithRangedGetsAndReturnsExactBytes()
    {
        string bucket = await Server.CreateBucketAsync("streamreset");
        byte[] data = RandomBytes((3 * MiB) + 99);
        await using (S3Storage direct = new(S3Location.Parse(Server.Url(bucket, "r/")), Small))
        {
            await PutAsync(direct, "mid", data);
        }

        await using var proxy = await FaultInjectingProxy.StartAsync(Server.Endpoint, resetRate: 0.4, seed: 3);
        await using S3Storage s3 = new(S3Location.Parse(Server.Url(bucket, "r/", proxy.Endpoint)), Small);
        for (int i = 0; i < 8; i++)
        {
            Assert.Equal(data, await ReadAllAsync(s3, "mid"));
        }

        Assert.True(proxy.InjectedResets > 2, $"{proxy.InjectedResets} resets injected");
    }

    [Fact]
    public async Task EveryOperation_ThroughFaultyProxy_Succeeds()
    {
        string bucket = await Server.CreateBucketAsync("faults");
        await using var proxy = await FaultInjectingProxy.StartAsync(Server.Endpoint, failureRate: 0.2, resetRate: 0.1, seed: 7);
        await using S3Storage s3 = new(S3Location.Parse(Server.Url(bucket, "f/", proxy.Endpoint)), Small);
        byte[] large = RandomBytes((11 * MiB) + 7);
        var small = Enumerable.Range(0, 20).ToDictionary(i => $"k{i:D2}", i => RandomBytes(100 + i));

        foreach ((string key, byte[] bytes) in small)
        {
            await s3.PutAsync(key, new MemoryStream(bytes), bytes.Length, new PutOptions());
        }

        await s3.PutAsync("large", new MemoryStream(large), large.Length, new PutOptions());
        List<ObjectEntry> listed = await ToListAsync(s3.ListAsync(new ListOptions()));
        foreach ((string key, byte[] bytes) in small)
        {
            Assert.Equal(bytes, await ReadAllAsync(s3, key));
        }

        Assert.Equal(large, await ReadAllAsync(s3, "large"));
        await s3.CopyFromAsync(s3, listed.Single(e => e.Key == "large"), "large-copy", new PutOptions());
        await s3.DeleteAsync("k00");

        Assert.Equal(small.Keys.Append("large").Order(KeyComparer.Utf8), listed.Select(e => e.Key));
        Assert.Equal(large, await ReadAllAsync(s3, "large-copy"));
        Assert.Null(await s3.HeadAsync("k00"));
        Assert.True(proxy.InjectedFailures > 5 && proxy.InjectedResets > 2, $"{proxy.InjectedFailures} failures, {proxy.InjectedResets} resets injected");
    }

    [Fact]
    public async Task OpenReadAsync_KeysThatUriNormalisationWouldAlter_ReadEachObjectsOwnBytes()
    {
        // Downloads address objects by URL themselves (S3GetObjectClient): dot segments, doubled slashes and
        // reserved characters must reach the server as written and be signed as sent.
        string[] keys = ["dots/../up", "dots/./here", "a//b", "q?x#y", "[br]+{c}", "semi;colon=eq&and", "sp ace", "trail.", "%2F", "ü/ß"];
        await using S3Storage s3 = await NewStorageAsync("uri/");
        var data = keys.ToDictionary(k => k, k => Encoding.UTF8.GetBytes("content of " + k));
        foreach ((string key, byte[] bytes) in data)
        {
            await PutAsync(s3, key, bytes);
        }

        Assert.Equal(keys.Order(KeyComparer.Utf8), await KeysAsync(s3, new ListOptions()));
        foreach ((string key, byte[] bytes) in data)
        {
            Assert.Equal(bytes, await ReadAllAsync(s3, key));
            Assert.Equal(bytes.AsSpan(3, 4).ToArray(), await ReadAllAsync(s3, key, 3, 4));
        }
    }

    [Fact]
    public async Task OpenReadAsync_WrongSecretOrMissingBucket_FailsWithTheirKindAndNoSecret()
    {
        string bucket = await Server.CreateBucketAsync("getdeny");
        await using (S3Storage writer = new(S3Location.Parse(Server.Url(bucket, "p/")), Small))
        {
            await PutAsync(writer, "k", [1, 2, 3]);
        }

        await using var proxy = await FaultInjectingProxy.StartAsync(Server.Endpoint);
        const string Secret = "WrongSecretForGet0123456789";
        await using S3Storage denied = new(S3Location.Parse($"s3://{Server.AccessKey}:{Secret}@{bucket}/p/?endpoint={proxy.Endpoint.GetLeftPart(UriPartial.Authority)}"), Small);
        await using S3Storage noBucket = new(S3Location.Parse(Server.Url("no-such-bucket-get", "p/")), Small);

        var e = await Assert.ThrowsAsync<StorageException>(() => denied.OpenReadAsync("k"));
        var missing = await Assert.ThrowsAsync<StorageException>(() => noBucket.OpenReadAsync("k"));

        Assert.Equal(StorageErrorKind.AccessDenied, e.Kind);
        Assert.Contains("credentials were refused", e.Message, StringComparison.Ordinal);
        Assert.Equal(1, proxy.RequestsWithMethod("GET"));
        Assert.DoesNotContain(Secret, e.ToString(), StringComparison.Ordinal);
        Assert.Equal(StorageErrorKind.NotFound, missing.Kind);
        Assert.Contains("the bucket does not exist", missing.Message, StringComparison.Ordinal);
        Assert.Contains("'no-such-bucket-get'", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenReadAsync_ObjectReplacedBetweenRanges_FailsInsteadOfMixingVersions()
    {
        await using S3Storage s3 = new(S3Location.Parse(Server.Url(await Server.CreateBucketAsync("pin"), "p/")), new S3StorageOptions { DownloadChunkSize = 1 * MiB, DownloadConcurrency = 1, DownloadStreamThreshold = 0, MaxRetries = 0 });
        byte[] first = RandomBytes(3 * MiB);
        await PutAsync(s3, "o", first);
        await using Stream stream = await s3.OpenReadAsync("o");
        byte[] start = new byte[10];
        await stream.ReadExactlyAsync(start);

        await PutAsync(s3, "o", RandomBytes(3 * MiB));
        var e = await Assert.ThrowsAsync<StorageException>(async () => await stream.CopyToAsync(Stream.Null));

        Assert.Equal(first.AsSpan(0, 10).ToArray(), start);
        Assert.Contains("PreconditionFailed", e.Message, StringComparison.Ordinal);
    }

    internal static byte[] RandomBytes(int n)
    {
        byte[] b = new byte[n];
        Random.Shared.NextBytes(b);
        return b;
    }

    internal static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (T item in items)
        {
            list.Add(item);
        }

        return list;
    }

    internal static async Task<byte[]> ReadAllAsync(IObjectStorage storage, string key, long offset = 0, long length = -1)
    {
        await using Stream s = await storage.OpenReadAsync(key, offset, length);
        var m = new MemoryStream();
        await s.CopyToAsync(m);
        return m.ToArray();
    }

    private static Task PutAsync(S3Storage s3, string key, byte[] data) =>
        key.EndsWith('/') ? s3.CreateDirectoryAsync(key, new PutOptions()) : s3.PutAsync(key, new MemoryStream(data), data.Length, new PutOptions());

    private static async Task<string[]> KeysAsync(S3Storage s3, ListOptions options) =>
        (await ToListAsync(s3.ListAsync(options))).Select(e => e.Key).ToArray();

    private async Task<S3Storage> NewStorageAsync(string prefix)
    {
        string bucket = await Server.CreateBucketAsync();
        return new S3Storage(S3Location.Parse(Server.Url(bucket, prefix)), Small);
    }

    private sealed class NonSeekableStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }

    private sealed class FailingStream(byte[] data, int failAt) : MemoryStream(data)
    {
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (Position + buffer.Length > failAt)
            {
                throw new IOException("source broke");
            }

            return await base.ReadAsync(buffer, cancellationToken);
        }
    }
}
