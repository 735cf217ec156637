using System.Security.Cryptography;
using System.Text;
using Ferry.SyncRunner.Planning;
using FsCheck;
using FsCheck.Fluent;

namespace Ferry.SyncRunner.Tests.Support;

/// <summary>
/// The engine's property for whole syncs between real stores: random source and destination trees, random options,
/// and what juicefs sync's rules say the destination must hold afterwards (sync guide: incremental copy, --update,
/// --force-update, --existing, --ignore-existing, --delete-dst, --check-all). Shared by the S3, SFTP and cross-backend tests.
/// </summary>
public static class SyncOracle
{
    /// <summary>The destination files' mtime; a source file's mtime is this plus its <see cref="OracleFile.MtimeOffset"/> seconds.</summary>
    public static readonly DateTime BaseTime = new(2023, 6, 1, 12, 0, 0, DateTimeKind.Utc);

    /// <summary>Random cases: paths of 1..<paramref name="maxDepth"/> of <paramref name="segments"/>, sizes 0..<paramref name="maxSize"/>, six option flags.</summary>
    public static Gen<OracleCase> Cases(string[] segments, int maxDepth, int maxSize)
    {
        Gen<string> path = Gen.Choose(1, maxDepth).SelectMany(n => Gen.ArrayOf(Gen.Elements(segments), n)).Select(p => string.Join('/', p));
        Gen<OracleFile> file =
            from p in path
            from size in Gen.Choose(0, maxSize)
            from variant in Gen.Choose(0, 2)
            from offset in Gen.Choose(-2, 2)
            select new OracleFile(p, size, variant, offset);
        return from src in Gen.ListOf(file)
               from dst in Gen.ListOf(file)
               from flags in Gen.ArrayOf(Gen.Elements(true, false), 6)
               select new OracleCase(src.ToArray(), dst.ToArray(), flags);
    }

    /// <summary>The options a case's flags select.</summary>
    public static SyncOptions Options(bool[] flags) => new()
    {
        Update = flags[0],
        ForceUpdate = flags[1],
        Existing = flags[2],
        IgnoreExisting = flags[3],
        DeleteDst = flags[4],
        CheckAll = flags[5],
    };

    /// <summary>
    /// The case's trees without paths that are a file on one side and a directory on the other (a file store cannot
    /// hold both) and without duplicate paths (first wins).
    /// </summary>
    public static (Dictionary<string, OracleFile> Source, Dictionary<string, OracleFile> Destination) Trees(OracleCase c)
    {
        var all = c.Source.Concat(c.Destination).Select(f => f.Path).ToHashSet();
        bool Clean(OracleFile f) => !all.Any(p => p.StartsWith(f.Path + "/", StringComparison.Ordinal));
        return (c.Source.Where(Clean).GroupBy(f => f.Path).ToDictionary(g => g.Key, g => g.First()),
                c.Destination.Where(Clean).GroupBy(f => f.Path).ToDictionary(g => g.Key, g => g.First()));
    }

    /// <summary>Key → SHA-256 (hex) of the content the destination must hold after one sync with <paramref name="options"/>.</summary>
    public static SortedDictionary<string, string> Expected(Dictionary<string, OracleFile> source, Dictionary<string, OracleFile> destination, SyncOptions options)
    {
        var expected = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (string p in source.Keys.Union(destination.Keys))
        {
            source.TryGetValue(p, out OracleFile? s);
            destination.TryGetValue(p, out OracleFile? d);
            OracleFile? result =
                s is null ? (options.DeleteDst ? null : d)
                : d is null ? (options.Existing ? null : s)
                : options.IgnoreExisting ? d
                : options.ForceUpdate || (options.Update && s.MtimeOffset > 0) || (!options.Update && s.Size != d.Size) ? s
                : options.Update && s.MtimeOffset < 0 ? d
                : options.CheckAll && s.Content != d.Content ? s
                : d;
            if (result is not null)
            {
                expected[p] = Hash(Encoding.UTF8.GetBytes(result.Content));
            }
        }

        return expected;
    }

    /// <summary>SHA-256 of <paramref name="bytes"/>, upper-case hex (the form <see cref="TreeSnapshot"/> uses).</summary>
    public static string Hash(ReadOnlySpan<byte> bytes) => Convert.ToHexString(SHA256.HashData(bytes));
}

/// <summary>One file of a random tree: content is <see cref="Size"/> copies of one letter chosen by <see cref="Variant"/>.</summary>
public sealed record OracleFile(string Path, int Size, int Variant, int MtimeOffset)
{
    public string Content => new((char)('a' + Variant), Size);

    public byte[] Bytes => Encoding.UTF8.GetBytes(Content);
}

/// <summary>A random case: source and destination trees and six option flags (see <see cref="SyncOracle.Options"/>).</summary>
public sealed record OracleCase(OracleFile[] Source, OracleFile[] Destination, bool[] Flags)
{
    public override string ToString() =>
        $"flags=[{string.Join(',', Flags)}] src=[{string.Join(", ", Source.Select(f => f.Path))}] dst=[{string.Join(", ", Destination.Select(f => f.Path))}]";
}
