using System.Text.Json;
using System.Text.Json.Nodes;
using Ferry.Api.Common;
using Ferry.Api.Endpoints;
using Ferry.Api.ReplicaMirrors;
using Ferry.Api.Serialization;
using Ferry.Api.Sync;
using Ferry.Api.SyncJobs;
using k8s.Models;
using IntOrString = Ferry.Api.Common.IntOrString;

namespace Ferry.Api.Tests.Sync;

public sealed class SyncOptionsSpecTests
{
    /// <summary>Gives every SyncOptionsSpec property a non-null value by reflection, so a property added later without
    /// a line in CopyOptionsTo fails this test.</summary>
    private static ReplicaMirrorSpec MirrorWithEveryOption()
    {
        var spec = new ReplicaMirrorSpec
        {
            Source = new Endpoint { S3 = new S3Endpoint { Bucket = "src" } },
            Destinations = [new MirrorDestination { Name = "eu", S3 = new S3Endpoint { Bucket = "eu" } }],
            Schedule = "@hourly",
        };
        foreach (var property in typeof(SyncOptionsSpec).GetProperties())
        {
            var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            object value = type switch
            {
                _ when type == typeof(bool) => true,
                _ when type == typeof(int) => 3,
                _ when type == typeof(long) => 5L,
                _ when type == typeof(string) => "x" + property.Name,
                _ when type == typeof(DateTimeOffset) => new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
                _ when type == typeof(IntOrString) => (IntOrString)"7%",
                _ when type == typeof(List<FilterRuleSpec>) => new List<FilterRuleSpec> { new() { Include = "*.gz" } },
                _ when type == typeof(V1ConfigMapKeySelector) => new V1ConfigMapKeySelector { Name = "cm", Key = "keys" },
                _ when type == typeof(RunnerSpec) => new RunnerSpec
                {
                    Image = "ferry:1",
                    NodeSelector = new Dictionary<string, string>() { ["zone"] = "a" },
                    Tolerations = [new V1Toleration { Key = "k", OperatorProperty = "Exists" }],
                    Resources = new V1ResourceRequirements { Limits = new Dictionary<string, ResourceQuantity> { ["memory"] = new("1Gi") } },
                },
                _ => throw new InvalidOperationException($"No test value for {property.Name} of type {type}."),
            };
            property.SetValue(spec, value);
        }

        return spec;
    }

    private static JsonObject Options(SyncOptionsSpec options)
    {
        var json = options switch
        {
            SyncJobSpec job => JsonSerializer.SerializeToNode(job, ApiJsonContext.Default.SyncJobSpec)!.AsObject(),
            ReplicaMirrorSpec mirror => JsonSerializer.SerializeToNode(mirror, ApiJsonContext.Default.ReplicaMirrorSpec)!.AsObject(),
            _ => throw new InvalidOperationException(),
        };
        var names = typeof(SyncOptionsSpec).GetProperties().Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name)).ToHashSet();
        foreach (var key in json.Select(p => p.Key).Where(k => !names.Contains(k)).ToList())
        {
            json.Remove(key);
        }

        return json;
    }

    [Fact]
    public void CopyOptionsTo_CopiesEveryOption()
    {
        var mirror = MirrorWithEveryOption();
        var child = new SyncJobSpec
        {
            Source = mirror.Source,
            Destination = mirror.Destinations[0],
            Suspend = true,
        };

        mirror.CopyOptionsTo(child);

        var expected = Options(mirror);
        Assert.Equal(typeof(SyncOptionsSpec).GetProperties().Length, expected.Count);
        Assert.True(JsonNode.DeepEquals(expected, Options(child)), $"{expected.ToJsonString()}\n{Options(child).ToJsonString()}");
        Assert.True(child.Suspend);
    }

    [Fact]
    public void CopyOptionsTo_DeepCopiesListsAndObjects()
    {
        var mirror = MirrorWithEveryOption();
        var child = new SyncJobSpec { Source = mirror.Source, Destination = mirror.Destinations[0] };

        mirror.CopyOptionsTo(child);
        mirror.Filters![0].Include = "changed";
        mirror.Runner!.NodeSelector!["zone"] = "b";
        mirror.FilesFrom!.Key = "other";

        Assert.Equal("*.gz", child.Filters![0].Include);
        Assert.Equal("a", child.Runner!.NodeSelector!["zone"]);
        Assert.Equal("keys", child.FilesFrom!.Key);
    }

    [Fact]
    public void CopyOptionsTo_NullOptions_StayNull()
    {
        var mirror = new ReplicaMirrorSpec
        {
            Source = new Endpoint { S3 = new S3Endpoint { Bucket = "src" } },
            Destinations = [new MirrorDestination { Name = "eu", S3 = new S3Endpoint { Bucket = "eu" } }],
        };
        var child = new SyncJobSpec { Source = mirror.Source, Destination = mirror.Destinations[0], Threads = 4, Filters = [] };

        mirror.CopyOptionsTo(child);

        Assert.Empty(Options(child));
    }
}
