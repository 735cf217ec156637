namespace Ferry.SyncRunner.Watching;

/// <summary>Several observers as one, called in order.</summary>
/// <param name="observers">The observers.</param>
internal sealed class WatchObservers(params IWatchObserver[] observers) : IWatchObserver
{
    public void FullSyncStarted(string reason)
    {
        foreach (IWatchObserver o in observers)
        {
            o.FullSyncStarted(reason);
        }
    }

    public void FullSyncFinished(FullSyncReport report)
    {
        foreach (IWatchObserver o in observers)
        {
            o.FullSyncFinished(report);
        }
    }

    public void BatchApplied(BatchReport report)
    {
        foreach (IWatchObserver o in observers)
        {
            o.BatchApplied(report);
        }
    }

    public void Problem(string message)
    {
        foreach (IWatchObserver o in observers)
        {
            o.Problem(message);
        }
    }
}
