using Ferry.Api.Endpoints;
using Ferry.Api.ReplicaMirrors;
using Ferry.Api.Runs;
using Ferry.Api.Schema;
using Ferry.Api.Sync;
using k8s;
using k8s.Models;

namespace Ferry.Api.Tests.ReplicaMirrors;

/// <summary>A child SyncJob carries every sync option of the mirror, the mirror's source, the destination's endpoint,
/// a controller ownerReference and the slot.</summary>
public sealed class MirrorChildrenTests
{
    private static ReplicaMirror Mirror()
    {
        var mirror = new ReplicaMirror
        {
            Metadata = new V1ObjectMeta { Name = "assets", NamespaceProperty = "web", Uid = "0b7a4c52-1111-4e2a-9d10-2f3e4a5b6c7d" },
            Spec = new ReplicaMirrorSpec
            {
                Source = new Endpoint { S3 = new S3Endpoint { Bucket = "primary", Prefix = "public/", CredentialsSecretRef = new S3CredentialsSecretRef { Name = "src" } } },
                Destinations =
                [
                    new MirrorDestination { Name = "eu-west", Suspend = false, ConcurrencyPolicy = ConcurrencyPolicy.Replace, Volume = new VolumeEndpoint { ClaimName = "replica", Path = "eu" } },
                ],
                Interval = "15m",
                Filters = [new FilterRuleSpec { Exclude = "tmp/" }],
                CheckNew = true,
                Threads = 32,
                Workers = 2,
                MaxDelete = IntOrStringOf("10%"),
            },
        };
        SchemaDefaults.Apply(mirror.Spec);
        return mirror;
    }

    private static Ferry.Api.Common.IntOrString IntOrStringOf(string text) => Ferry.Api.Common.IntOrString.FromString(text);

    [Fact]
    public void Build_CopiesOptionsSourceAndDestination_WithMirrorDefaults()
    {
        var mirror = Mirror();
        var slot = new DateTimeOffset(2026, 12, 8, 10, 15, 0, TimeSpan.Zero);

        var child = MirrorChildren.Build(mirror, mirror.Spec.Destinations[0], slot, "interval", null);

        Assert.Equal("assets-eu-west-1796724900", child.Metadata.Name);
        Assert.Equal("web", child.Metadata.NamespaceProperty);
        Assert.Equal("primary", child.Spec.Source.S3!.Bucket);
        Assert.Equal("replica", child.Spec.Destination.Volume!.ClaimName);
        Assert.Null(child.Spec.Destination.S3);
        Assert.Equal("tmp/", Assert.Single(child.Spec.Filters!).Exclude);
        Assert.True(child.Spec.CheckNew);
        Assert.Equal(32, child.Spec.Threads);
        Assert.Equal(2, child.Spec.Workers);
        Assert.Equal("10%", child.Spec.MaxDelete!.ToString());
        Assert.True(child.Spec.DeleteDst);
        Assert.True(child.Spec.Update);
        Assert.Null(child.Spec.Suspend);
    }

    [Fact]
    public void Build_LabelsAnnotationsAndControllerReference()
    {
        var mirror = Mirror();
        var slot = new DateTimeOffset(2026, 12, 8, 10, 15, 0, TimeSpan.Zero);

        var child = MirrorChildren.Build(mirror, mirror.Spec.Destinations[0], slot, "manual", "deploy-42");

        Assert.Equal("assets", child.Metadata.Labels![MirrorLabels.Mirror]);
        Assert.Equal(mirror.Metadata.Uid, child.Metadata.Labels[MirrorLabels.MirrorUid]);
        Assert.Equal("eu-west", child.Metadata.Labels[MirrorLabels.Destination]);
        Assert.Equal(RunLabels.ManagedByValue, child.Metadata.Labels[RunLabels.ManagedBy]);
        Assert.Equal("2026-12-08T10:15:00Z", child.Metadata.Annotations![MirrorLabels.ScheduledTime]);
        Assert.Equal("manual", child.Metadata.Annotations[MirrorLabels.Trigger]);
        Assert.Equal("deploy-42", child.Metadata.Annotations[MirrorLabels.ManualTrigger]);
        var owner = Assert.Single(child.Metadata.OwnerReferences!);
        Assert.Equal(("ferry.io/v1alpha1", "ReplicaMirror", "assets", mirror.Metadata.Uid, true, true),
            (owner.ApiVersion, owner.Kind, owner.Name, owner.Uid, owner.Controller, owner.BlockOwnerDeletion));
        Assert.True(MirrorChildren.IsControlledBy(child, mirror));
        Assert.Equal(slot, MirrorChildren.ScheduledTime(child));
    }
}
