using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Ferry.E2E.Tests.Harness;

namespace Ferry.E2E.Tests.Scenarios;

/// <summary>Scenario 2: include/exclude rules (layer-by-layer mode) with <c>deleteDst</c> on a destination that holds
/// extra and excluded files, then a second SyncJob that finds nothing to do.</summary>
/// <remarks>juicefs sync guide, "逐层过滤模式" (layer by layer: every parent directory is matched first; an exclude
/// there is final) and "删除特定文件" (with <c>--delete-dst</c>, keys the rules exclude are kept in the
/// destination).</remarks>
[Collection(E2ECollection.Name)]
public sealed class FiltersAndDeleteDstTests(E2EFixture fixture)
{
    /// <summary>The rules, in order: every package's Debian changelog is kept although other gzipped files are not,
    /// and directories named <c>examples</c> are left out whole.</summary>
    private static readonly (bool Include, string Pattern)[] Rules =
    [
        (true, "changelog.Debian.gz"),
        (false, "*.gz"),
        (false, "examples/"),
    ];

    [Fact]
    public async Task FiltersWithDeleteDst_ThenSecondRun_CopiesIncludedDeletesExtraKeepsExcludedThenSkipsAll()
    {
        const string ns = "filters";
        SourceTree tree = fixture.Tree;
        var included = tree.Files.Where(f => Selected(f.Key)).ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal);
        var excluded = tree.Files.Keys.Where(k => !Selected(k)).ToList();
        Assert.True(excluded.Count > 10 && included.Count > 100, $"the tree should exercise the rules: {included.Count} included, {excluded.Count} excluded");
        Assert.Contains(included.Keys, k => k.EndsWith(".gz", StringComparison.Ordinal));
        long includedBytes = included.Keys.Sum(tree.SizeOf);

        await using E2ECluster cluster = await E2ECluster.StartAsync(fixture, "filters");
        await cluster.PrepareNamespaceAsync(ns, "mirror");
        string destination = cluster.VolumePath("mirror", "docs");

        // Destination before: two extra files (the rules include them: deleted), an excluded source file with other
        // content and an excluded file the source lacks (both kept as they are), an included file with other content
        // (overwritten).
        string firstPackage = included.Keys.First().Split('/')[0];
        string excludedSourceFile = excluded.First(k => k.EndsWith(".gz", StringComparison.Ordinal));
        string overwritten = included.Keys.First(k => !k.EndsWith(".gz", StringComparison.Ordinal) && tree.SizeOf(k) != "older, shorter content\n".Length);
        var seeded = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["stale-extra.txt"] = "not in the source\n",
            [firstPackage + "/obsolete-notes.txt"] = "removed upstream\n",
            [excludedSourceFile] = "excluded: must stay as it is\n",
            ["kept/archive.gz"] = "excluded and absent in the source: must stay\n",
            [overwritten] = "older, shorter content\n",
        };
        foreach ((string key, string content) in seeded)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(destination, key))!);
            await File.WriteAllTextAsync(Path.Combine(destination, key), content);
        }

        var expected = new SortedDictionary<string, string>(included, StringComparer.Ordinal);
        foreach (string kept in new[] { excludedSourceFile, "kept/archive.gz" })
        {
            expected[kept] = TreeSnapshot.Take(destination)[kept];
        }

        void Customize(JsonObject spec)
        {
            spec["deleteDst"] = true;
            spec["filters"] = new JsonArray(Rules.Select(r => (JsonNode)new JsonObject { [r.Include ? "include" : "exclude"] = r.Pattern }).ToArray());
        }

        await cluster.ApplyAsync(Manifests.SyncJob(ns, "mirror-docs", tree.Bucket, fixture.S3.Endpoint, "mirror", "docs", workers: 3, Customize));
        SyncJobView first = await cluster.WaitForCompleteAsync(ns, "mirror-docs");
        TreeSnapshot.AssertEqual(expected, TreeSnapshot.Take(destination), "destination after the first run");

        await cluster.ApplyAsync(Manifests.SyncJob(ns, "mirror-docs-again", tree.Bucket, fixture.S3.Endpoint, "mirror", "docs", workers: 3, Customize));
        SyncJobView second = await cluster.WaitForCompleteAsync(ns, "mirror-docs-again");
        TreeSnapshot.AssertEqual(expected, TreeSnapshot.Take(destination), "destination after the second run");

        string context = cluster.Describe(ns);
        Assert.True(first.Is("SpecValid") && !first.Is("Failed"), context);
        Assert.Equal(tree.Count, first.Progress("scanned"));
        Assert.Equal(included.Count, first.Progress("copied"));
        Assert.Equal(includedBytes, first.Progress("copiedBytes"));
        Assert.Equal(0L, first.Progress("skipped"));
        Assert.Equal(excluded.Count, first.Progress("excluded"));
        Assert.Equal(2L, first.Progress("deleted"));
        Assert.Equal(0L, first.Progress("failed"));

        Assert.True(second.Is("SpecValid") && !second.Is("Failed"), context);
        Assert.Equal(tree.Count, second.Progress("scanned"));
        Assert.Equal(0L, second.Progress("copied"));
        Assert.Equal(0L, second.Progress("copiedBytes"));
        Assert.Equal(included.Count, second.Progress("skipped"));
        Assert.Equal(excluded.Count, second.Progress("excluded"));
        Assert.Equal(0L, second.Progress("deleted"));
        Assert.Equal(0L, second.Progress("failed"));
    }

    /// <summary>The rules applied layer by layer to <paramref name="key"/> (a file; its parents are directories): at
    /// each layer the first matching rule decides — exclude ends it, include goes to the next layer; the default is
    /// include. The patterns here hold no <c>/</c> except a trailing one, so they match the layer's last name.</summary>
    private static bool Selected(string key)
    {
        string[] names = key.Split('/');
        for (int i = 0; i < names.Length; i++)
        {
            bool directory = i < names.Length - 1;
            foreach ((bool include, string pattern) in Rules)
            {
                bool directoryOnly = pattern.EndsWith('/');
                if ((directoryOnly && !directory) || !Glob(pattern.TrimEnd('/')).IsMatch(names[i]))
                {
                    continue;
                }

                if (!include)
                {
                    return false;
                }

                break;
            }
        }

        return true;
    }

    private static Regex Glob(string pattern) =>
        new("^" + Regex.Escape(pattern).Replace(@"\*", "[^/]*", StringComparison.Ordinal).Replace(@"\?", "[^/]", StringComparison.Ordinal) + "$", RegexOptions.CultureInvariant);
}
