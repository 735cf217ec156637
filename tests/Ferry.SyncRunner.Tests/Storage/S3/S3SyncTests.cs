using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Ferry.SyncRunner.Execution;
using Ferry.SyncRunner.Keys;
using Ferry.SyncRunner.Planning;
using Ferry.SyncRunner.Queue;
using Ferry.SyncRunner.Storage;
using Ferry.SyncRunner.Storage.S3;
using Ferry.SyncRunner.Tests.Support;
using Ferry.Testing.Http;
using Ferry.Testing.Radosgw;
using S3Location = Ferry.SyncRunner.Storage.S3.S3Location;

namespace Ferry.SyncRunner.Tests.Storage.S3;

/// <summary>Whole syncs through <see cref="SyncEngine"/> in every direction that involves S3, against radosgw.</summary>
[Collection(RadosgwFixture.Collection)]
public sealed class S3SyncTests(RadosgwFixture fixture) : IDisposable
{
    private const int MiB = 1024 * 1024;

    /// <summary>A 5 MiB multipart threshold and part size (S3's minimum part), short pages and retry delays.</summary>
    internal static readonly S3StorageOptions Small = new()
    {
        MultipartThreshold = 5 * MiB,
        PartSize = 5 * MiB,
        DownloadChunkSize = 2 * MiB,
        ListPageSize = 7,
        RetryBaseDelay = TimeSpan.FromMilliseconds(5),
        RetryMaxDelay = TimeSpan.FromMilliseconds(50),
    };

    private readonly List<string> directories = [];

    private RadosgwServer Server => fixture.Server;

    [Fact]
    public async Task Sync_FileToS3AndBack_ByteIdenticalWithModifiedTimesAndIncremental()
    {
        string local = NewDirectory();
        Dictionary<string, byte[]> tree = WriteTree(local);
        string bucket = await Server.CreateBucketAsync("f2s");
        IObjectStorage source = StorageFactory.Default.Create(local + "/");
        await using S3Storage s3 = new(S3Location.Parse(Server.Url(bucket, "tree/")), Small);

        SyncResult first = await SyncAsync(source, s3, new SyncOptions());
        SyncResult again = await SyncAsync(source, s3, new SyncOptions());

        Assert.Equal(tree.Count, first.Counters.Copied);
        Assert.Equal(0, again.Counters.Copied);
        await AssertHoldsAsync(s3, tree);
        foreach (string key in tree.Keys)
        {
            Assert.Equal(File.GetLastWriteTimeUtc(Path.Combine(local, key)), (await s3.HeadAsync(key))!.ModifiedTime.UtcDateTime);
        }

        string back = NewDirectory();
        IObjectStorage destination = StorageFactory.Default.Create(back + "/");
        SyncResult down = await SyncAsync(s3, destination, new SyncOptions());
        Assert.Equal(tree.Count, down.Counters.Copied);
        await AssertHoldsAsync(destination, tree);
        foreach (string key in tree.Keys)
        {
            Assert.Equal(File.GetLastWriteTimeUtc(Path.Combine(local, key)), File.GetLastWriteTimeUtc(Path.Combine(back, key)));
        }

        // --update: a newer source mtime is copied, an older one is not (juicefs sync guide, --update).
        string changed = Path.Combine(local, "a b/c d.txt");
        await File.WriteAllTextAsync(changed, "changed, same length?");
        File.SetLastWriteTimeUtc(changed, new DateTime(2030, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        File.SetLastWriteTimeUtc(Path.Combine(local, "z"), new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        SyncResult update = await SyncAsync(source, s3, new SyncOptions { Update = true });
        Assert.Equal(1, update.Counters.Copied);
        Assert.Equal("changed, same length?", Encoding.UTF8.GetString(await S3StorageTests.ReadAllAsync(s3, "a b/c d.txt")));

        // --update with S3 as the source: the stored mtimes (read by HEAD, not the listed upload times) decide.
        SyncResult updateDown = await SyncAsync(s3, destination, new SyncOptions { Update = true });
        Assert.Equal(1, updateDown.Counters.Copied);
        Assert.Equal("changed, same length?", await File.ReadAllTextAsync(Path.Combine(back, "a b/c d.txt")));
        Assert.Equal(new DateTime(2030, 1, 1, 0, 0, 0, DateTimeKind.Utc), File.GetLastWriteTimeUtc(Path.Combine(back, "a b/c d.txt")));
    }

    [Fact]
    public async Task Sync_NoOpResyncBothWays_NoHeadsNoCopies_AndDownloadHeadsNothing()
    {
        string local = NewDirectory();
        Dictionary<string, byte[]> tree = WriteTree(local);
        int empty = tree.Values.Count(v => v.Length == 0);
        string bucket = await Server.CreateBucketAsync("noop");
        await using var proxy = await FaultInjectingProxy.StartAsync(Server.Endpoint);
        await using S3Storage s3 = new(S3Location.Parse(Server.Url(bucket, "n/", proxy.Endpoint)), Small);
        IObjectStorage source = StorageFactory.Default.Create(local + "/");
        await SyncAsync(source, s3, new SyncOptions());

        proxy.ResetCounters();
        SyncResult up = await SyncAsync(source, s3, new SyncOptions());
        Assert.Equal((0L, 0L, 0L), (up.Counters.Copied, proxy.RequestsWithMethod("HEAD"), proxy.RequestsWithMethod("PUT")));

        string back = NewDirectory();
        IObjectStorage destination = StorageFactory.Default.Create(back + "/");
        proxy.ResetCounters();
        SyncResult down = await SyncAsync(s3, destination, new SyncOptions());
        Assert.Equal(tree.Count, down.Counters.Copied);
        // Whole objects are read with plain GETs (no Range, so empty objects too): every mtime comes from its GET.
        Assert.True(empty > 0, "the tree has empty files");
        Assert.Equal(0L, proxy.RequestsWithMethod("HEAD"));
        foreach (string key in tree.Keys)
        {
            Assert.Equal(File.GetLastWriteTimeUtc(Path.Combine(local, key)), File.GetLastWriteTimeUtc(Path.Combine(back, key)));
        }

        proxy.ResetCounters();
        SyncResult again = await SyncAsync(s3, destination, new SyncOptions());
        Assert.Equal((0L, 0L, 0L), (again.Counters.Copied, proxy.RequestsWithMethod("HEAD"), proxy.Requests - proxy.RequestsWithMethod("GET")));
        Assert.True(proxy.Requests <= 3, $"{proxy.Requests} requests: only the listing's pages ({tree.Count} keys, 7 a page)");
        Assert.Equal(tree.Count, again.Counters.Skipped);
    }

    [Fact]
    public async Task Sync_S3ToS3SameEndpoint_CopiesServerSideWithoutObjectBytesThroughRunner()
    {
        string local = NewDirectory();
        Dictionary<string, byte[]> tree = WriteTree(local);
        string from = await Server.CreateBucketAsync("s2s");
        string to = await Server.CreateBucketAsync("s2s");
        await using (S3Storage seed = new(S3Location.Parse(Server.Url(from, "p/")), Small))
        {
            await SyncAsync(StorageFactory.Default.Create(local + "/"), seed, new SyncOptions());
        }

        await using var proxy = await FaultInjectingProxy.StartAsync(Server.Endpoint);
        await using S3Storage source = new(S3Location.Parse(Server.Url(from, "p/", proxy.Endpoint)), Small);
        await using S3Storage destination = new(S3Location.Parse(Server.Url(to, "q/", proxy.Endpoint)), Small);
        SyncResult result = await SyncAsync(source, destination, new SyncOptions());

        long objectBytes = tree.Values.Sum(v => (long)v.Length);
        Assert.Equal(tree.Count, result.Counters.Copied);
        Assert.True(proxy.RequestBodyBytes + proxy.ResponseBodyBytes < objectBytes / 20, $"{proxy.RequestBodyBytes} + {proxy.ResponseBodyBytes} body bytes for {objectBytes} object bytes");
        await AssertHoldsAsync(destination, tree);
        foreach (string key in tree.Keys)
        {
            Assert.Equal((await source.HeadAsync(key))!.ModifiedTime, (await destination.HeadAsync(key))!.ModifiedTime);
        }
    }

    [Fact]
    public async Task Sync_ThroughFaultyProxy_CompletesByteIdenticalBothWays()
    {
        string local = NewDirectory();
        Dictionary<string, byte[]> tree = WriteTree(local);
        string bucket = await Server.CreateBucketAsync("fault");
        await using var proxy = await FaultInjectingProxy.StartAsync(Server.Endpoint, failureRate: 0.2, resetRate: 0.1, seed: 11);
        await using S3Storage s3 = new(S3Location.Parse(Server.Url(bucket, "x/", proxy.Endpoint)), Small);

        SyncResult up = await SyncAsync(StorageFactory.Default.Create(local + "/"), s3, new SyncOptions());
        string back = NewDirectory();
        IObjectStorage destination = StorageFactory.Default.Create(back + "/");
        SyncResult down = await SyncAsync(s3, destination, new SyncOptions());

        Assert.Equal((SyncOutcome.Succeeded, 0L), (up.Outcome, up.Counters.Failed));
        Assert.Equal((SyncOutcome.Succeeded, 0L), (down.Outcome, down.Counters.Failed));
        await AssertHoldsAsync(destination, tree);
        Assert.True(proxy.InjectedFailures > 5 && proxy.InjectedResets > 2, $"{proxy.InjectedFailures} failures, {proxy.InjectedResets} resets injected");
    }

    [Fact]
    public void Sync_FileToS3RandomTreesAndOptions_DestinationMatchesOracle_SecondRunIsNoOp()
    {
        // The engine's oracle test (SyncEngineTests) reduced to the options whose outcome depends on the destination
        // store: S3 destination state, mtimes read back from object metadata for --update, content for --check-all.
        Check.One(
            Config.QuickThrowOnFailure.WithMaxTest(12).WithEndSize(8),
            Prop.ForAll(Arb.From(SyncOracle.Cases(["a", "b", "é", "x y", "%", "\U0001F600"], maxDepth: 2, maxSize: 6)), c => RunOracleCaseAsync(c).GetAwaiter().GetResult()));
    }

    [Fact]
    public async Task Sync_S3ToS3WithListThreadsAndDepth_ListsPrefixesAsRangeTasks_SameResultAsOneListing()
    {
        string[] keys = ["!top", "a-b", "a//double", "a/f", "a/x/1", "a/x/2", "a/y/1", "a0", "b/c/d", "b/f", "c", "d/1", "é/1"];
        string[] extras = ["0", "a-c", "a/x/9", "a0x", "m/n", "zz"];
        string bucket = await Server.CreateBucketAsync("ld");
        await using S3Storage source = new(S3Location.Parse(Server.Url(bucket, "src/")), Small);
        foreach (string key in keys)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(key);
            await source.PutAsync(key, new MemoryStream(bytes), bytes.Length, new PutOptions());
        }

        async Task<(string[] Keys, long Copied, long Deleted, long Scanned)> RunAsync(string prefix, IObjectStorage from, int listThreads)
        {
            await using S3Storage destination = new(S3Location.Parse(Server.Url(bucket, prefix)), Small);
            foreach (string key in extras)
            {
                await destination.PutAsync(key, new MemoryStream([1]), 1, new PutOptions());
            }

            SyncResult r = await SyncAsync(from, destination, new SyncOptions { ListThreads = listThreads, ListDepth = 2, DeleteDst = true });
            var listed = new List<string>();
            await foreach (ObjectEntry e in destination.ListAsync(new ListOptions()))
            {
                listed.Add(e.Key);
            }

            return (listed.ToArray(), r.Counters.Copied, r.Counters.Deleted, r.Counters.Scanned);
        }

        var recording = new RecordingStorage(source);
        var parallel = await RunAsync("par/", recording, 3);
        var single = await RunAsync("one/", source, 1);

        Assert.Equal(keys, parallel.Keys);
        Assert.Equal(single.Keys, parallel.Keys);
        Assert.Equal((single.Copied, single.Deleted, single.Scanned), (parallel.Copied, parallel.Deleted, parallel.Scanned));
        Assert.Equal((13L, 6L), (parallel.Copied, parallel.Deleted));
        // Range tasks cut at the prefixes down to depth 2 (each listed in the copy pass and again in the delete pass).
        Assert.Equal(
            new[] { "", "a/", "a//", "a/x/", "a/y/", "b/", "b/c/", "d/", "é/" },
            recording.Calls.Where(c => c.Recursive).Select(c => c.Start).Distinct().Order(KeyComparer.Utf8));
    }

    [Fact]
    public async Task Cli_StorageClass_ShownByDryVerbose_AndAnUnknownOneFailsTheRunNamingIt()
    {
        using var src = new TempDirectory();
        src.Write("a", "a");
        string bucket = await Server.CreateBucketAsync();
        string dst = Server.Url(bucket, "cls/");

        (int dryCode, string plan, string dryErr) = await RunCliAsync("sync", src.Path + "/", dst, "--dry", "-v", "--storage-class", "STANDARD");
        (int badCode, _, string badErr) = await RunCliAsync("sync", src.Path + "/", dst, "--storage-class", "NO_SUCH_CLASS");
        (int okCode, _, _) = await RunCliAsync("sync", src.Path + "/", dst, "--storage-class", "STANDARD");

        Assert.Equal(0, dryCode);
        Assert.Contains("copy a", plan, StringComparison.Ordinal);
        Assert.Contains("(storage class STANDARD)", dryErr, StringComparison.Ordinal);
        Assert.Equal(1, badCode);
        Assert.Contains("storage class 'NO_SUCH_CLASS'", badErr, StringComparison.Ordinal);
        Assert.Equal(0, okCode);
        await using S3Storage s3 = new(S3Location.Parse(dst), Small);
        Assert.Equal("a", Encoding.UTF8.GetString(await S3StorageTests.ReadAllAsync(s3, "a")));
    }

    [Fact]
    public async Task Cli_StorageClass_OnAFileDestination_ExitsTwo()
    {
        using var src = new TempDirectory();
        using var dst = new TempDirectory();

        (int code, _, string err) = await RunCliAsync("sync", src.Path + "/", dst.Path + "/", "--storage-class", "STANDARD");

        Assert.Equal(2, code);
        Assert.Contains("--storage-class applies to an S3 destination", err, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Out, string Err)> RunCliAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = await Ferry.SyncRunner.Cli.FerryCli.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task StorageFactory_S3AndMinioUrls_OpenS3Storage()
    {
        string bucket = await Server.CreateBucketAsync("fac");
        string minio = $"minio://{Uri.EscapeDataString(Server.AccessKey)}:{Uri.EscapeDataString(Server.SecretKey)}@127.0.0.1:{Server.Port}/{bucket}/m/";
        await using IObjectStorage viaS3 = StorageFactory.Default.Create(Server.Url(bucket, "m/"));
        await using IObjectStorage viaMinio = StorageFactory.Default.Create(minio);
        await viaS3.PutAsync("k", new MemoryStream([7]), 1, new PutOptions());

        Assert.IsType<S3Storage>(viaMinio);
        StorageFactory.Default.CheckTrailingSlashes("/local/dir/", Server.Url(bucket, "m/"));
        Assert.Throws<ArgumentException>(() => StorageFactory.Default.CheckTrailingSlashes("/local/dir", Server.Url(bucket, "m/")));
        Assert.Equal([7], await S3StorageTests.ReadAllAsync(viaMinio, "k"));
        Assert.DoesNotContain(Server.SecretKey, viaMinio.DisplayName, StringComparison.Ordinal);
        Assert.DoesNotContain(Uri.EscapeDataString(Server.SecretKey), viaS3.DisplayName, StringComparison.Ordinal);
    }

    private async Task<bool> RunOracleCaseAsync(OracleCase c)
    {
        (Dictionary<string, OracleFile> src, Dictionary<string, OracleFile> dst) = SyncOracle.Trees(c);
        SyncOptions options = SyncOracle.Options(c.Flags);

        string local = NewDirectory();
        foreach (OracleFile f in src.Values)
        {
            string file = Path.Combine(local, f.Path);
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            await File.WriteAllTextAsync(file, f.Content);
            File.SetLastWriteTimeUtc(file, SyncOracle.BaseTime.AddSeconds(f.MtimeOffset));
        }

        string bucket = await Server.CreateBucketAsync("prop");
        await using S3Storage s3 = new(S3Location.Parse(Server.Url(bucket, "d/")), Small);
        foreach (OracleFile f in dst.Values)
        {
            byte[] bytes = f.Bytes;
            await s3.PutAsync(f.Path, new MemoryStream(bytes), bytes.Length, new PutOptions { ModifiedTime = SyncOracle.BaseTime });
        }

        SortedDictionary<string, string> expected = SyncOracle.Expected(src, dst, options);
        IObjectStorage from = StorageFactory.Default.Create(local + "/");
        await SyncAsync(from, s3, options);
        Assert.Equal(expected, await StorageSnapshot.TakeAsync(s3));
        SyncResult second = await SyncAsync(from, s3, options);
        Assert.Equal(expected, await StorageSnapshot.TakeAsync(s3));
        if (!options.ForceUpdate)
        {
            Assert.Equal((0L, 0L), (second.Counters.Copied, second.Counters.Deleted));
        }

        return true;
    }

    public void Dispose()
    {
        foreach (string d in directories)
        {
            Directory.Delete(d, recursive: true);
        }
    }

    /// <summary>One run of the engine with four threads and quick retries; asserts success and quotes the errors otherwise.</summary>
    internal static async Task<SyncResult> SyncAsync(IObjectStorage source, IObjectStorage destination, SyncOptions options)
    {
        var errors = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var settings = new SyncEngineSettings { MaxRetries = 3, RetryDelay = TimeSpan.FromMilliseconds(10), OnError = errors.Enqueue };
        SyncResult result = await new SyncEngine(source, destination, options with { Threads = 4 }, settings).RunAsync(new InProcessWorkQueue());
        Assert.True(result.Outcome == SyncOutcome.Succeeded, $"{result.Outcome}: {result.Reason}\n{string.Join("\n", errors)}");
        return result;
    }

    /// <summary>The files of <paramref name="storage"/> are exactly <paramref name="tree"/>.</summary>
    private static async Task AssertHoldsAsync(IObjectStorage storage, Dictionary<string, byte[]> tree)
    {
        var keys = new List<string>();
        await foreach (ObjectEntry e in storage.ListAsync(new ListOptions()))
        {
            if (e.Kind == EntryKind.File)
            {
                keys.Add(e.Key);
            }
        }

        Assert.Equal(tree.Keys.Order(KeyComparer.Utf8), keys);
        foreach ((string key, byte[] bytes) in tree)
        {
            byte[] read = await S3StorageTests.ReadAllAsync(storage, key);
            Assert.True(bytes.AsSpan().SequenceEqual(read), $"{key} differs");
        }
    }

    /// <summary>A small tree: special names, empty files, deep paths, one file across the 5 MiB multipart threshold.</summary>
    private static Dictionary<string, byte[]> WriteTree(string root)
    {
        var tree = new Dictionary<string, byte[]>
        {
            ["a b/c d.txt"] = Encoding.UTF8.GetBytes("hello"),
            ["a%20b"] = Encoding.UTF8.GetBytes("percent"),
            ["ünïcødé/ファイル.txt"] = Encoding.UTF8.GetBytes("unicode"),
            ["emoji/😀"] = [],
            ["deep/1/2/3/4/5/6/leaf"] = S3StorageTests.RandomBytes(3000),
            ["empty"] = [],
            ["large.bin"] = S3StorageTests.RandomBytes((6 * MiB) + 17),
            ["z"] = S3StorageTests.RandomBytes(100),
        };
        for (int i = 0; i < 12; i++)
        {
            tree[$"many/{i:D3}"] = S3StorageTests.RandomBytes(i * 10);
        }

        int n = 0;
        foreach ((string key, byte[] bytes) in tree)
        {
            string path = Path.Combine(root, key);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, bytes);
            File.SetLastWriteTimeUtc(path, new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddSeconds(n++ * 1000));
        }

        return tree;
    }

    private string NewDirectory()
    {
        string d = Path.Combine(Path.GetTempPath(), "ferry-s3sync-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(d);
        directories.Add(d);
        return d;
    }
}
