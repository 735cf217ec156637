using Ferry.Api.Runs;
using k8s.Models;

namespace Ferry.Api.Tests.Runs;

public sealed class ScanLeaseFieldsTests
{
    private static V1Lease NewLease() => RunLeases.New("ns", "photos", "uid-1", LeaseRoles.Scan, RunNames.ScanLease("photos"), 15);

    [Fact]
    public void Setters_WriteTheContractsAnnotations_ByKeyAndFormat()
    {
        V1Lease lease = NewLease();
        _ = new ScanLeaseFields(lease)
        {
            ScanState = ScanStates.Done,
            Cursor = "",
            TasksPublished = 12,
            DeleteTasksPublished = 12,
            Outcome = RunOutcomes.Failed,
            OutcomeReason = "refusing to delete 9 keys",
            OutcomeFailure = RunFailureKind.MaxDeleteExceeded,
        };

        Assert.Equal(new Dictionary<string, string>
        {
            ["ferry.io/scan-state"] = "done",
            ["ferry.io/cursor"] = "",
            ["ferry.io/tasks"] = "12",
            ["ferry.io/delete-tasks"] = "12",
            ["ferry.io/outcome"] = "failed",
            ["ferry.io/outcome-reason"] = "refusing to delete 9 keys",
            ["ferry.io/outcome-condition"] = "MaxDeleteExceeded",
        }, lease.Metadata.Annotations);
    }

    [Fact]
    public void Getters_FreshLease_NothingStartedNothingDecided()
    {
        var scan = new ScanLeaseFields(NewLease());

        Assert.Equal(((string?)null, false, (string?)null, 0, (int?)null), (scan.ScanState, scan.IsDone, scan.Cursor, scan.TasksPublished, scan.DeleteTasksPublished));
        Assert.Equal(((string?)null, (string?)null, (RunFailureKind?)null), (scan.Outcome, scan.OutcomeReason, scan.OutcomeFailure));
    }

    [Fact]
    public void DeleteTasksPublished_PresentButUnreadable_StillCountsAsPublished()
    {
        V1Lease lease = NewLease();
        lease.Metadata.Annotations["ferry.io/delete-tasks"] = "many";

        Assert.Equal(0, new ScanLeaseFields(lease).DeleteTasksPublished);
    }

    [Fact]
    public void OutcomeReason_CutToMaxTextLength()
    {
        var scan = new ScanLeaseFields(NewLease()) { OutcomeReason = new string('r', 5000) };

        Assert.Equal(LeaseAnnotations.MaxTextLength, scan.OutcomeReason!.Length);
    }
}
