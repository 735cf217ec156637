using Ferry.Api.Runs;

namespace Ferry.SyncRunner.Queue;

/// <summary>A summary of the queue of one run.</summary>
/// <param name="ScanDone">Whether the scan has published its last copy task.</param>
/// <param name="Pending">Tasks waiting to be claimed.</param>
/// <param name="Running">Tasks claimed.</param>
/// <param name="Done">Tasks finished.</param>
/// <param name="Failed">Tasks failed for good.</param>
/// <param name="Counters">Counters of done and failed tasks plus the checkpoints of running ones.</param>
public sealed record QueueStatus(bool ScanDone, int Pending, int Running, int Done, int Failed, TaskCounters Counters);
