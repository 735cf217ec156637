using Ferry.SyncRunner.Keys;

namespace Ferry.SyncRunner.Watching;

/// <summary>
/// The keys one batch looks at, derived from its changed paths: for each path <c>P</c> the key <c>P</c> and the
/// directory entry <c>P/</c>, and for a deep change everything below <c>P/</c> too. Sorted in UTF-8 byte order,
/// without keys that a deep change's subtree covers, and grouped by parent directory so that a view lists each
/// parent once (<see cref="ChangedKeysStorage"/>).
/// </summary>
internal sealed class ChangeSelection
{
    private ChangeSelection(bool all, IReadOnlyList<Group> groups, int paths)
    {
        All = all;
        Groups = groups;
        Paths = paths;
    }

    /// <summary>Whether the whole key space is selected (the root itself changed).</summary>
    public bool All { get; }

    /// <summary>The items, grouped by parent directory, in key order.</summary>
    public IReadOnlyList<Group> Groups { get; }

    /// <summary>How many changed paths the selection was made from.</summary>
    public int Paths { get; }

    /// <summary>Builds the selection of <paramref name="changes"/>.</summary>
    /// <param name="changes">The changed paths (duplicates allowed).</param>
    /// <returns>The selection.</returns>
    public static ChangeSelection From(IEnumerable<PendingChange> changes)
    {
        var items = new Dictionary<string, bool>(StringComparer.Ordinal);
        int paths = 0;
        bool all = false;
        foreach (PendingChange change in changes)
        {
            paths++;
            if (change.Path.Length == 0)
            {
                all = true;
                continue;
            }

            items.TryAdd(change.Path, false);
            string dir = change.Path + "/";
            items[dir] = (items.TryGetValue(dir, out bool deep) && deep) || change.Deep;
        }

        if (all)
        {
            return new ChangeSelection(true, [], paths);
        }

        var deepDirectories = items.Where(i => i.Value).Select(i => i.Key).ToHashSet(StringComparer.Ordinal);
        string[] keys = [.. items.Keys.Where(k => !UnderDeepDirectory(k, deepDirectories))];
        Array.Sort(keys, KeyComparer.Utf8);

        var groups = new List<Group>();
        List<Item>? current = null;
        string? parent = null;
        foreach (string key in keys)
        {
            string p = Parent(key);
            if (current is null || p != parent)
            {
                current = [];
                parent = p;
                groups.Add(new Group(p, current));
            }

            current.Add(new Item(key, key.EndsWith('/'), items[key]));
        }

        return new ChangeSelection(false, groups, paths);
    }

    /// <summary>The directory that lists <paramref name="key"/>: everything up to its last <c>/</c> (a directory key's
    /// own trailing <c>/</c> aside), <c>""</c> for the root.</summary>
    /// <param name="key">A key; a directory key ends in <c>/</c>.</param>
    /// <returns>The parent prefix, ending in <c>/</c> or empty.</returns>
    public static string Parent(string key)
    {
        string k = key.EndsWith('/') ? key[..^1] : key;
        return k[..(k.LastIndexOf('/') + 1)];
    }

    private static bool UnderDeepDirectory(string key, HashSet<string> deepDirectories)
    {
        string k = key.EndsWith('/') ? key[..^1] : key;
        for (int i = k.IndexOf('/'); i >= 0; i = k.IndexOf('/', i + 1))
        {
            if (deepDirectories.Contains(k[..(i + 1)]))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>One key to look at.</summary>
    /// <param name="Key">The key; a directory key ends in <c>/</c>.</param>
    /// <param name="IsDirectory">Whether it is a directory entry.</param>
    /// <param name="Deep">For a directory: whether its whole subtree is looked at.</param>
    internal readonly record struct Item(string Key, bool IsDirectory, bool Deep);

    /// <summary>The items that share a parent directory, in key order.</summary>
    /// <param name="Parent">The parent prefix.</param>
    /// <param name="Items">The items, at least one.</param>
    internal sealed record Group(string Parent, IReadOnlyList<Item> Items)
    {
        /// <summary>The first item's key.</summary>
        public string First => Items[0].Key;

        /// <summary>The exclusive end of the group's key range: just after the last item.</summary>
        public string End => Items[^1].Key + "\0";
    }
}
