using Ferry.Api.Runs;
using k8s.Models;

namespace Ferry.Api.Tests.Runs;

public sealed class TaskLeaseFieldsTests
{
    private static V1Lease NewLease() => RunLeases.New("ns", "photos", "uid-1", LeaseRoles.Copy, RunNames.TaskLease("photos", LeaseRoles.Copy, 3), 15);

    [Fact]
    public void Setters_WriteTheContractsAnnotations_ByKeyAndFormat()
    {
        V1Lease lease = NewLease();
        _ = new TaskLeaseFields(lease)
        {
            RangeStart = "a/b",
            RangeEnd = "m",
            State = TaskStates.Running,
            Attempts = 2,
            LastKey = "c/d",
            Counters = new TaskCounters { Scanned = 5, ScannedBytes = 500, Copied = 3 },
            LastError = "access denied",
        };

        Assert.Equal(new Dictionary<string, string>
        {
            ["ferry.io/range-start"] = "a/b",
            ["ferry.io/range-end"] = "m",
            ["ferry.io/state"] = "running",
            ["ferry.io/attempts"] = "2",
            ["ferry.io/last-key"] = "c/d",
            ["ferry.io/counters"] = """{"scanned":5,"scannedBytes":500,"copied":3,"copiedBytes":0,"checked":0,"skipped":0,"skippedBytes":0,"deleted":0,"excluded":0,"extra":0,"failed":0,"deleteCandidates":0,"destinationKeys":0}""",
            ["ferry.io/last-error"] = "access denied",
        }, lease.Metadata.Annotations);
    }

    [Fact]
    public void Getters_ReadWhatAnotherWriterStored()
    {
        V1Lease lease = NewLease();
        lease.Metadata.Annotations = new Dictionary<string, string>
        {
            ["ferry.io/range-start"] = "k1",
            ["ferry.io/state"] = "done",
            ["ferry.io/attempts"] = "7",
            ["ferry.io/counters"] = """{"scanned":9,"copied":4,"skipped":5}""",
        };

        var task = new TaskLeaseFields(lease);

        Assert.Equal(("k1", (string?)null, "done", 7, (string?)null, (string?)null), (task.RangeStart, task.RangeEnd, task.State, task.Attempts, task.LastKey, task.LastError));
        Assert.Equal((9L, 4L, 5L, 0L), (task.Counters!.Scanned, task.Counters.Copied, task.Counters.Skipped, task.Counters.Failed));
    }

    [Fact]
    public void Getters_AbsentOrUnreadable_GiveTheDocumentedDefaults()
    {
        V1Lease lease = NewLease();
        lease.Metadata.Annotations = null;
        var task = new TaskLeaseFields(lease);
        Assert.Equal(("", (string?)null, (string?)null, 0), (task.RangeStart, task.RangeEnd, task.State, task.Attempts));
        Assert.Null(task.Counters);

        lease.Metadata.Annotations = new Dictionary<string, string> { ["ferry.io/attempts"] = "-1", ["ferry.io/counters"] = "{not json" };
        Assert.Equal(0, task.Attempts);
        Assert.Null(task.Counters);
        lease.Metadata.Annotations["ferry.io/attempts"] = "99999999999";
        Assert.Equal(0, task.Attempts);
    }

    [Fact]
    public void SettingNull_RemovesTheAnnotation()
    {
        V1Lease lease = NewLease();
        var task = new TaskLeaseFields(lease) { RangeEnd = "m", LastKey = "x", Counters = new TaskCounters(), LastError = "e" };

        task.RangeEnd = null;
        task.LastKey = null;
        task.Counters = null;
        task.LastError = null;

        Assert.Empty(lease.Metadata.Annotations);
        lease.Metadata.Annotations = null;
        task.LastKey = null;
        Assert.Null(lease.Metadata.Annotations);
    }

    [Fact]
    public void LastError_CutToMaxTextLength_NeverHalfASurrogatePair()
    {
        var task = new TaskLeaseFields(NewLease()) { LastError = new string('x', 2000) };
        Assert.Equal(LeaseAnnotations.MaxTextLength, task.LastError!.Length);

        task.LastError = new string('x', LeaseAnnotations.MaxTextLength - 1) + "\U0001F600" + "tail";
        Assert.Equal(LeaseAnnotations.MaxTextLength - 1, task.LastError!.Length);
        Assert.False(char.IsHighSurrogate(task.LastError[^1]));

        task.LastError = "short";
        Assert.Equal("short", task.LastError);
    }

    [Fact]
    public void Attempts_Negative_Refused()
    {
        var task = new TaskLeaseFields(NewLease());
        Assert.Throws<ArgumentOutOfRangeException>(() => task.Attempts = -1);
    }
}
