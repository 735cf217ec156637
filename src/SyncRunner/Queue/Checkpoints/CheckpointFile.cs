using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Ferry.SyncRunner.Planning;
using Ferry.SyncRunner.Storage;
using Ferry.SyncRunner.Storage.Local;

namespace Ferry.SyncRunner.Queue.Checkpoints;

/// <summary>
/// Where the checkpoint of a local run lives, and its codec: by default the object <see cref="DestinationKey"/> at the
/// root of the destination (the run never lists, copies or deletes it), with <c>--checkpoint-dir DIR</c> the file
/// <c>DIR/ferry-checkpoint-HASH.json</c>, HASH naming the destination. Written whole and atomically by the store's own
/// atomic write (an unnamed local file named once complete, one PutObject, an SFTP temporary name renamed).
/// </summary>
/// <remarks>juicefs sync <c>--enable-checkpoint</c> keeps its checkpoint in the destination too (a
/// <c>.juicefs-sync-checkpoint.*.json</c> object), deleted once a run succeeds.</remarks>
internal sealed class CheckpointFile : IAsyncDisposable
{
    /// <summary>The version of the file format this code reads and writes.</summary>
    public const int FormatVersion = 1;

    /// <summary>The checkpoint's key at the root of the destination.</summary>
    public const string DestinationKey = ".ferry-checkpoint.json";

    private readonly IObjectStorage _storage;
    private readonly bool _ownsStorage;

    private CheckpointFile(IObjectStorage storage, string key, bool ownsStorage, string location)
    {
        _storage = storage;
        Key = key;
        _ownsStorage = ownsStorage;
        Location = location;
    }

    /// <summary>The key of the checkpoint in its store.</summary>
    public string Key { get; }

    /// <summary>Where the checkpoint is, for messages (credentials masked).</summary>
    public string Location { get; }

    /// <summary>The key the run must hide from its listings (the checkpoint inside the destination), or <see langword="null"/>.</summary>
    public string? KeyInDestination => _ownsStorage ? null : Key;

    /// <summary>The checkpoint of a run into <paramref name="destination"/>.</summary>
    /// <param name="destination">The run's destination.</param>
    /// <param name="directory">A local directory for checkpoint files (<c>--checkpoint-dir</c>), or <see langword="null"/> for the destination itself.</param>
    /// <returns>The checkpoint's place.</returns>
    public static CheckpointFile For(IObjectStorage destination, string? directory)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (directory is null)
        {
            return new CheckpointFile(destination, DestinationKey, ownsStorage: false, destination.DisplayName + DestinationKey);
        }

        string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(destination.DisplayName)))[..16];
        string name = $"ferry-checkpoint-{hash}.json";
        string full = Path.GetFullPath(directory);
        return new CheckpointFile(new FileStorage(full), name, ownsStorage: true, Path.Combine(full, name));
    }

    /// <summary>The options that decide what a run selects and does, by their command-line names: a checkpoint is only
    /// resumed by a run with the same ones (juicefs's <c>ValidateConfig</c> compares the same kind of list).</summary>
    /// <param name="o">The run's options.</param>
    /// <returns>Option name to value, sorted.</returns>
    public static SortedDictionary<string, string> Fingerprint(SyncOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        static string B(bool b) => b ? "true" : "false";
        static string N<T>(T? v)
            where T : struct => v is { } x ? Convert.ToString(x, CultureInfo.InvariantCulture)! : "";
        string filesFrom = o.FilesFrom is null ? "" : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', o.FilesFrom))))[..16];
        return new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["update"] = B(o.Update),
            ["force-update"] = B(o.ForceUpdate),
            ["check-all"] = B(o.CheckAll),
            ["check-new"] = B(o.CheckNew),
            ["check-change"] = B(o.CheckChange),
            ["existing"] = B(o.Existing),
            ["ignore-existing"] = B(o.IgnoreExisting),
            ["delete-src"] = B(o.DeleteSrc),
            ["delete-src-after"] = B(o.DeleteSrcAfter),
            ["delete-dst"] = B(o.DeleteDst),
            ["dirs"] = B(o.Dirs),
            ["perms"] = B(o.Perms),
            ["links"] = B(o.Links),
            ["inplace"] = B(o.InPlace),
            ["min-size"] = N(o.MinSize),
            ["max-size"] = N(o.MaxSize),
            ["min-age"] = N(o.MinAge),
            ["max-age"] = N(o.MaxAge),
            ["start-time"] = o.StartTime?.ToString("O", CultureInfo.InvariantCulture) ?? "",
            ["end-time"] = o.EndTime?.ToString("O", CultureInfo.InvariantCulture) ?? "",
            ["start"] = o.Start ?? "",
            ["end"] = o.End ?? "",
            ["limit"] = N<long>(o.Limit),
            ["max-delete"] = o.MaxDelete ?? "",
            ["match-full-path"] = B(o.MatchFullPath),
            ["rules"] = string.Join(' ', o.Filters.Select(r => r.ToString())),
            ["files-from"] = filesFrom,
        };
    }

    /// <summary>What differs between a saved checkpoint and this run, or <see langword="null"/> when it is this run's.</summary>
    /// <param name="saved">The checkpoint read.</param>
    /// <param name="source">This run's SRC as displayed.</param>
    /// <param name="destination">This run's DST as displayed.</param>
    /// <param name="options">This run's <see cref="Fingerprint"/>.</param>
    /// <returns>One line naming what differs (old and new values), or <see langword="null"/>.</returns>
    public static string? Mismatch(CheckpointDocument saved, string source, string destination, SortedDictionary<string, string> options)
    {
        ArgumentNullException.ThrowIfNull(saved);
        ArgumentNullException.ThrowIfNull(options);
        var differences = new List<string>();
        if (saved.Version != FormatVersion)
        {
            differences.Add($"file format {saved.Version} (this ferry reads {FormatVersion})");
        }

        if (saved.Source != source)
        {
            differences.Add($"SRC {saved.Source} (now {source})");
        }

        if (saved.Destination != destination)
        {
            differences.Add($"DST {saved.Destination} (now {destination})");
        }

        foreach (string name in options.Keys.Union(saved.Options.Keys).Order(StringComparer.Ordinal))
        {
            string was = saved.Options.GetValueOrDefault(name) ?? "";
            string now = options.GetValueOrDefault(name) ?? "";
            if (was != now)
            {
                differences.Add($"--{name} '{was}' (now '{now}')");
            }
        }

        return differences.Count == 0 ? null : string.Join(", ", differences);
    }

    /// <summary>Reads the checkpoint.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The checkpoint, or <see langword="null"/> when there is none.</returns>
    /// <exception cref="InvalidDataException">The file is not a checkpoint (malformed JSON).</exception>
    /// <exception cref="StorageException">The store failed.</exception>
    public async Task<CheckpointDocument?> LoadAsync(CancellationToken cancellationToken)
    {
        if (await _storage.HeadAsync(Key, cancellationToken).ConfigureAwait(false) is null)
        {
            return null;
        }

        Stream stream = await _storage.OpenReadAsync(Key, 0, -1, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            try
            {
                return await JsonSerializer.DeserializeAsync(stream, CheckpointJsonContext.Default.CheckpointDocument, cancellationToken).ConfigureAwait(false)
                    ?? throw new InvalidDataException($"checkpoint {Location} is empty");
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"checkpoint {Location} is not a ferry checkpoint ({e.Message}); remove it or run with --checkpoint-force-reset", e);
            }
        }
    }

    /// <summary>Writes <paramref name="document"/> whole, replacing the previous checkpoint atomically.</summary>
    /// <param name="document">The checkpoint.</param>
    /// <param name="cancellationToken">Cancels the write (the previous checkpoint stays).</param>
    /// <exception cref="StorageException">The store failed; the previous checkpoint is intact.</exception>
    public async Task SaveAsync(CheckpointDocument document, CancellationToken cancellationToken)
    {
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(document, CheckpointJsonContext.Default.CheckpointDocument);
        using var content = new MemoryStream(json, writable: false);
        await _storage.PutAsync(Key, content, json.Length, new PutOptions(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes the checkpoint (after a run that succeeded); a missing one is no error.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="StorageException">The store failed.</exception>
    public Task DeleteAsync(CancellationToken cancellationToken) => _storage.DeleteAsync(Key, cancellationToken);

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => _ownsStorage ? _storage.DisposeAsync() : ValueTask.CompletedTask;
}
