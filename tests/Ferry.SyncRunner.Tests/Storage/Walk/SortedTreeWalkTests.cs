using Ferry.SyncRunner.Keys;
using Ferry.SyncRunner.Storage;
using Ferry.SyncRunner.Storage.Walk;

namespace Ferry.SyncRunner.Tests.Storage.Walk;

public class SortedTreeWalkTests
{
    private static readonly string[] Names = ["a", "a-b", "a0", "b", "é", "\U0001F600", "Z", "a b"];

    [Fact]
    public async Task ListAsync_RandomTreesAndOptions_EqualTheFilteredFullListing_ReadingOnlyDirectoriesThatCanMatch()
    {
        var rng = new Random(14);
        for (int run = 0; run < 300; run++)
        {
            FakeTree tree = FakeTree.FromFiles(Enumerable.Range(0, rng.Next(1, 25)).Select(_ => RandomKey(rng)));
            List<string> all = tree.AllKeys();
            string[] bounds = [.. all.SelectMany(k => new[] { k, k[..rng.Next(k.Length + 1)] }), "", "\U0001F601"];
            string prefix = rng.Next(3) == 0 ? bounds[rng.Next(bounds.Length)] : "";
            string start = rng.Next(2) == 0 ? bounds[rng.Next(bounds.Length)] : "";
            string? end = rng.Next(2) == 0 ? null : bounds[rng.Next(bounds.Length)];
            bool recursive = rng.Next(3) != 0;
            var options = new ListOptions { Prefix = prefix, Start = start, End = end, Recursive = recursive };

            List<string> listed = [.. (await ToListAsync(tree, options)).Select(e => e.Key)];

            List<string> expected = all
                .Where(k => k.StartsWith(prefix, StringComparison.Ordinal) && !(k == prefix && k.EndsWith('/')) && new KeyRange(start, end).Contains(k))
                .Where(k => recursive || k.IndexOf('/', prefix.Length) is int s && (s < 0 || s == k.Length - 1))
                .ToList();
            Assert.True(expected.SequenceEqual(listed), $"{options} of {string.Join(",", all)}: expected {string.Join(",", expected)}, got {string.Join(",", listed)}");
            foreach (string read in tree.ReadKeys)
            {
                bool meetsPrefix = read.StartsWith(prefix, StringComparison.Ordinal) || prefix.StartsWith(read, StringComparison.Ordinal);
                bool meetsRange = (KeyComparer.Utf8.Compare(read, start) >= 0 || start.StartsWith(read, StringComparison.Ordinal))
                    && (end is null || KeyComparer.Utf8.Compare(read, end) < 0);
                bool deepEnough = recursive || prefix.StartsWith(read, StringComparison.Ordinal);
                bool isStart = read.Length == 0 || read == prefix[..(prefix.LastIndexOf('/') + 1)];
                Assert.True(isStart || (meetsPrefix && meetsRange && deepEnough), $"{options}: read '{read}', which holds no key that can match");
            }
        }
    }

    [Fact]
    public async Task ListAsync_DeepPrefix_StartsInItsDirectory()
    {
        FakeTree tree = FakeTree.FromFiles(["a/b/c", "a/b/d", "a/x", "z"]);

        Assert.Equal(["a/b/c"], (await ToListAsync(tree, new ListOptions { Prefix = "a/b/c" })).Select(e => e.Key));
        Assert.Equal(["a/b/"], tree.ReadKeys);
    }

    [Fact]
    public async Task ListAsync_PrefixBehindAFollowedLink_WalksFromTheRoot()
    {
        FakeTree tree = FakeTree.FromFiles(["real/f"]);
        tree.Link("", "via", "/r/real"); // via -> real

        List<ObjectEntry> listed = await ToListAsync(tree, new ListOptions { Prefix = "via/" });

        Assert.Equal(["via/f"], listed.Select(e => e.Key)); // as from its own directory: the prefix's directory is not listed
        Assert.Equal(["", "via/"], tree.ReadKeys);
    }

    [Fact]
    public async Task ListAsync_LinksLeadingToEachOther_EachDirectoryEnteredOncePerPath()
    {
        FakeTree tree = FakeTree.FromFiles(["a/f", "b/g"]);
        tree.Link("a/", "x", "/r/b"); // a/x -> b
        tree.Link("b/", "y", "/r/a"); // b/y -> a

        List<string> listed = [.. (await ToListAsync(tree, new ListOptions())).Select(e => e.Key)];

        // a/x/ is b, and b/y/ inside it is a again, which the walk is inside already: listed, not entered.
        Assert.Equal(["a/", "a/f", "a/x/", "a/x/g", "a/x/y/", "b/", "b/g", "b/y/", "b/y/f", "b/y/x/"], listed);
    }

    [Fact]
    public async Task ListAsync_UnreadableDirectory_FailsUnlessReachedThroughALink()
    {
        FakeTree tree = FakeTree.FromFiles(["locked/f", "open/g"]);
        tree.Link("", "via", "/r/locked");
        tree.Unreadable.Add("/r/locked");

        var e = await Assert.ThrowsAsync<StorageException>(() => ToListAsync(tree, new ListOptions()));
        List<ObjectEntry> outsideIt = await ToListAsync(tree, new ListOptions { Start = "open/" });

        Assert.Equal(StorageErrorKind.AccessDenied, e.Kind);
        Assert.Equal(["open/", "open/g", "via/"], outsideIt.Select(x => x.Key)); // via/ itself is listed, its contents are not
    }

    [Fact]
    public async Task ListAsync_MissingRootOrPrefixDirectory_IsEmpty()
    {
        FakeTree tree = FakeTree.FromFiles(["a/f"]);

        Assert.Empty(await ToListAsync(tree, new ListOptions { Prefix = "nope/x" }));
        tree.RootMissing = true;
        Assert.Empty(await ToListAsync(tree, new ListOptions()));
        Assert.Empty(tree.ReadKeys);
    }

    [Theory]
    [InlineData("/r/a/f", false, "/r/b", "/r", true)]
    [InlineData("/r/a", true, "/r/b", "/r", true)]
    [InlineData("/etc/passwd", false, "/r", "/r", false)] // outside the root
    [InlineData("/rx/f", false, "/r", "/r", false)] // a sibling that shares the root's name as a prefix
    [InlineData("/r", true, "/r/a", "/r", false)] // the root: an ancestor
    [InlineData("/r/a", true, "/r/a/b", "/r", false)] // an ancestor of the directory holding the link
    [InlineData("/r/a", true, "/r/a", "/r", false)] // the directory itself
    [InlineData("/r/a/b", true, "/r/a", "/r", true)] // a directory below: no loop
    [InlineData("/x/y", false, "/", "/", true)] // the root is /
    public void MayFollow_InsideTheRootAndNoLoop(string target, bool isDirectory, string directory, string root, bool follow) =>
        Assert.Equal(follow, SortedTreeWalk.MayFollow(target, isDirectory, directory, root));

    private static string RandomKey(Random rng)
    {
        int depth = rng.Next(1, 4);
        return string.Join('/', Enumerable.Range(0, depth).Select(_ => Names[rng.Next(Names.Length)]));
    }

    private static async Task<List<ObjectEntry>> ToListAsync(ITreeReader tree, ListOptions options)
    {
        var list = new List<ObjectEntry>();
        await foreach (ObjectEntry e in SortedTreeWalk.ListAsync(tree, options))
        {
            list.Add(e);
        }

        return list;
    }

    /// <summary>A tree in memory: directories by canonical path (<c>/r</c> is the root), each with its entries.</summary>
    private sealed class FakeTree : ITreeReader
    {
        private readonly Dictionary<string, List<(string Name, string? Directory, bool Link)>> _directories = new(StringComparer.Ordinal);

        public List<string> ReadKeys { get; } = [];

        public HashSet<string> Unreadable { get; } = [];

        public bool RootMissing { get; set; }

        public static FakeTree FromFiles(IEnumerable<string> files)
        {
            var tree = new FakeTree();
            tree._directories["/r"] = [];
            foreach (string file in files)
            {
                string[] parts = file.Split('/');
                string real = "/r";
                for (int i = 0; i < parts.Length; i++)
                {
                    List<(string Name, string? Directory, bool Link)> entries = tree._directories[real];
                    string child = real + "/" + parts[i];
                    bool isDirectory = i < parts.Length - 1;
                    if (entries.Any(e => e.Name == parts[i] && (e.Directory is not null) != isDirectory))
                    {
                        break; // a file and a directory of the same name: keep the first
                    }

                    if (!entries.Any(e => e.Name == parts[i]))
                    {
                        entries.Add((parts[i], isDirectory ? child : null, false));
                        if (isDirectory)
                        {
                            tree._directories[child] = [];
                        }
                    }

                    real = child;
                }
            }

            return tree;
        }

        /// <summary>A followed link named <paramref name="name"/> in the directory <paramref name="directoryKey"/> to the directory <paramref name="target"/>.</summary>
        public void Link(string directoryKey, string name, string target) =>
            _directories[Join("/r", directoryKey.TrimEnd('/'))].Add((name, target, true));

        /// <summary>Every key, as a walk of the whole tree lists it, sorted.</summary>
        public List<string> AllKeys()
        {
            var keys = new List<string>();
            void Walk(string real, string key)
            {
                foreach ((string name, string? directory, _) in _directories[real])
                {
                    keys.Add(directory is null ? key + name : key + name + "/");
                    if (directory is not null)
                    {
                        Walk(directory, key + name + "/");
                    }
                }
            }

            Walk("/r", "");
            keys.Sort(KeyComparer.Utf8);
            return keys;
        }

        public ValueTask<string?> RealRootAsync(CancellationToken cancellationToken) => new(RootMissing ? null : "/r");

        public ValueTask<string?> RealPathAsync(string directoryKey, CancellationToken cancellationToken)
        {
            string? real = "/r";
            foreach (string part in directoryKey.TrimEnd('/').Split('/'))
            {
                real = _directories.TryGetValue(real, out var entries) ? entries.FirstOrDefault(e => e.Name == part).Directory : null;
                if (real is null)
                {
                    break;
                }
            }

            return new(real);
        }

        public ValueTask<List<TreeEntry>?> ReadAsync(string directoryKey, string realPath, bool links, string realRoot, CancellationToken cancellationToken)
        {
            ReadKeys.Add(directoryKey);
            if (Unreadable.Contains(realPath))
            {
                throw new StorageException(StorageErrorKind.AccessDenied, $"list {directoryKey}: permission denied");
            }

            if (!_directories.TryGetValue(realPath, out var entries))
            {
                return new((List<TreeEntry>?)null);
            }

            return new(entries
                .Select(e => e.Directory is null
                    ? new TreeEntry(new ObjectEntry(directoryKey + e.Name, 1, DateTimeOffset.UnixEpoch))
                    : new TreeEntry(new ObjectEntry(directoryKey + e.Name + "/", 0, DateTimeOffset.UnixEpoch) { Kind = EntryKind.Directory }, e.Directory, e.Link))
                .Reverse() // any order: the walk sorts
                .ToList());
        }

        private static string Join(string directory, string name) => name.Length == 0 ? directory : directory + "/" + name;
    }
}
