using Ferry.Api.Runs;
using k8s.Models;

namespace Ferry.Api.Tests.Runs;

public sealed class RunLeasesTests
{
    [Fact]
    public void New_LabelsOwnerReferenceAndDuration_PerContract()
    {
        V1Lease lease = RunLeases.New("ns", "photos", "uid-1", LeaseRoles.Delete, "ferry-photos-delete-00002", 20);

        Assert.Equal(("ferry-photos-delete-00002", "ns", 20), (lease.Metadata.Name, lease.Metadata.NamespaceProperty, lease.Spec.LeaseDurationSeconds));
        Assert.Equal(new Dictionary<string, string>
        {
            ["ferry.io/syncjob"] = "photos",
            ["ferry.io/run"] = "uid-1",
            ["ferry.io/lease"] = "delete",
            ["app.kubernetes.io/managed-by"] = "ferry-operator",
        }, lease.Metadata.Labels);
        V1OwnerReference owner = Assert.Single(lease.Metadata.OwnerReferences);
        Assert.Equal(("ferry.io/v1alpha1", "SyncJob", "photos", "uid-1", false, false), (owner.ApiVersion, owner.Kind, owner.Name, owner.Uid, owner.Controller, owner.BlockOwnerDeletion));
        Assert.Null(lease.Spec.HolderIdentity);
        Assert.Empty(lease.Metadata.Annotations);
        Assert.Equal(LeaseRoles.Delete, RunLeases.Role(lease));
    }

    [Theory]
    [InlineData("", "photos", "uid", "copy", "n", 15)]
    [InlineData("ns", "photos", "", "copy", "n", 15)]
    [InlineData("ns", "photos", "uid", "", "n", 15)]
    public void New_EmptyPart_Refused(string ns, string job, string uid, string role, string name, int seconds)
    {
        Assert.ThrowsAny<ArgumentException>(() => RunLeases.New(ns, job, uid, role, name, seconds));
    }

    [Fact]
    public void New_DurationBelowOneSecond_Refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => RunLeases.New("ns", "photos", "uid", LeaseRoles.Copy, "n", 0));
    }

    [Fact]
    public void TasksInOrder_ByPublicationNumber_PastFiveDigits_AndOnlyTheRole()
    {
        V1Lease Task(string role, int index) => RunLeases.New("ns", "photos", "uid", role, RunNames.TaskLease("photos", role, index), 15);
        V1Lease[] leases =
        [
            Task(LeaseRoles.Copy, 100000), Task(LeaseRoles.Copy, 99999), Task(LeaseRoles.Delete, 0),
            RunLeases.New("ns", "photos", "uid", LeaseRoles.Scan, RunNames.ScanLease("photos"), 15), Task(LeaseRoles.Copy, 2),
        ];

        Assert.Equal(["ferry-photos-copy-00002", "ferry-photos-copy-99999", "ferry-photos-copy-100000"],
            RunLeases.TasksInOrder(leases, LeaseRoles.Copy).Select(l => l.Metadata.Name));
        Assert.Equal(["ferry-photos-delete-00000"], RunLeases.TasksInOrder(leases, LeaseRoles.Delete).Select(l => l.Metadata.Name));
    }
}
