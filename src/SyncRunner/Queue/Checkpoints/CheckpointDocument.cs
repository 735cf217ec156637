using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Ferry.SyncRunner.Queue.Checkpoints;

/// <summary>The JSON of a checkpoint file: which run it belongs to and the state of its work queue, the same range tasks
/// (range, state, last finished key, counters) the Lease queue keeps in its task Leases.</summary>
internal sealed record CheckpointDocument
{
    /// <summary>The file format's version; another one is refused.</summary>
    public int Version { get; init; } = CheckpointFile.FormatVersion;

    /// <summary>SRC as displayed (credentials masked).</summary>
    public required string Source { get; init; }

    /// <summary>DST as displayed (credentials masked).</summary>
    public required string Destination { get; init; }

    /// <summary>The options that decide which keys are synced and how, by their command-line names.</summary>
    public required SortedDictionary<string, string> Options { get; init; }

    /// <summary>When the file was written.</summary>
    public DateTimeOffset SavedAt { get; init; }

    /// <summary>The scan cursor (the start of the next task to publish), or <see langword="null"/> before the scan.</summary>
    public string? ScanCursor { get; init; }

    /// <summary>Whether the scan had published every task.</summary>
    public bool ScanDone { get; init; }

    /// <summary>Whether the delete tasks had been published.</summary>
    public bool DeletesPublished { get; init; }

    /// <summary>Every task in publication order.</summary>
    public List<TaskEntry> Tasks { get; init; } = [];

    /// <summary>One range task.</summary>
    internal sealed record TaskEntry
    {
        /// <summary>The task's id, e.g. <c>copy-00017</c>.</summary>
        public required string Id { get; init; }

        /// <summary><c>Copy</c> or <c>Delete</c>.</summary>
        public required RangeTaskPhase Phase { get; init; }

        /// <summary>The first key, inclusive.</summary>
        public required string Start { get; init; }

        /// <summary>The end, exclusive; <see langword="null"/>: unbounded.</summary>
        public string? End { get; init; }

        /// <summary>Where the task stood.</summary>
        public RangeTaskState State { get; init; }

        /// <summary>The last key finished in order, or <see langword="null"/>.</summary>
        public string? LastKey { get; init; }

        /// <summary>The counters as of <see cref="LastKey"/> (done: final), in the Lease annotation's JSON.</summary>
        public JsonNode? Counters { get; init; }

        /// <summary>The reason of the last failed attempt.</summary>
        public string? LastError { get; init; }
    }
}

/// <summary>The source-generated JSON of <see cref="CheckpointDocument"/>.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true, UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CheckpointDocument))]
internal sealed partial class CheckpointJsonContext : JsonSerializerContext
{
}
