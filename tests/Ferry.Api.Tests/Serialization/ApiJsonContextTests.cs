using System.Text.Json;
using System.Text.Json.Nodes;
using Ferry.Api.Conditions;
using Ferry.Api.Endpoints;
using Ferry.Api.ReplicaMirrors;
using Ferry.Api.Serialization;
using Ferry.Api.Sync;
using Ferry.Api.SyncJobs;
using k8s;
using k8s.Models;

namespace Ferry.Api.Tests.Serialization;

public sealed class ApiJsonContextTests
{
    private static SyncJob NewJob() => new()
    {
        Metadata = new V1ObjectMeta { Name = "j", NamespaceProperty = "ns" },
        Spec = new SyncJobSpec
        {
            Source = new Endpoint { S3 = new S3Endpoint { Bucket = "src", ForcePathStyle = true } },
            Destination = new Endpoint { Sftp = new SftpEndpoint { Host = "h", User = "u", CredentialsSecretRef = new() { Name = "s" } } },
            Filters = [new FilterRuleSpec { Exclude = "*.tmp" }],
            DeleteDst = true,
        },
    };

    [Fact]
    public void Serialize_SyncJob_CamelCaseApiVersionFirstNullsOmitted()
    {
        var json = JsonSerializer.Serialize(NewJob(), ApiJsonContext.Default.SyncJob);

        Assert.StartsWith("""{"apiVersion":"ferry.io/v1alpha1","kind":"SyncJob","metadata":{"name":"j","namespace":"ns"},"spec":{""", json, StringComparison.Ordinal);
        Assert.Contains("\"source\":{\"s3\":{\"bucket\":\"src\",\"forcePathStyle\":true}}", json, StringComparison.Ordinal);
        Assert.Contains("\"filters\":[{\"exclude\":\"*.tmp\"}]", json, StringComparison.Ordinal);
        Assert.Contains("\"deleteDst\":true", json, StringComparison.Ordinal);
        Assert.DoesNotContain("null", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\"status\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Serialize_Status_EnumsAsNamesAndConditions()
    {
        var job = NewJob();
        job.Status = new SyncJobStatus { Phase = SyncJobPhase.Scanning, Conditions = [] };
        job.Status.Conditions.SetCondition(
            new V1Condition { Type = SyncJobConditionTypes.Progressing, Status = ConditionStatus.True, Reason = SyncJobConditionReasons.Scanning },
            new Support.FakeTimeProvider(new DateTimeOffset(2026, 5, 6, 7, 8, 9, TimeSpan.Zero)));

        var status = JsonSerializer.SerializeToNode(job, ApiJsonContext.Default.SyncJob)!["status"]!;

        Assert.Equal("Scanning", (string?)status["phase"]);
        Assert.Equal("2026-05-06T07:08:09Z", (string?)status["conditions"]![0]!["lastTransitionTime"]);
    }

    [Fact]
    public void RoundTrip_SyncJobWithManagedFields_KeepsFieldsV1()
    {
        const string fieldsV1 = """{"f:spec":{"f:deleteDst":{}}}""";
        var json = JsonSerializer.Serialize(NewJob(), ApiJsonContext.Default.SyncJob).Replace(
            "\"metadata\":{\"name\":\"j\"",
            $$"""
            "metadata":{"managedFields":[{"manager":"kubectl","operation":"Apply","fieldsType":"FieldsV1","fieldsV1":{{fieldsV1}}}],"name":"j"
            """,
            StringComparison.Ordinal);

        var job = JsonSerializer.Deserialize(json, ApiJsonContext.Default.SyncJob)!;
        var again = JsonSerializer.SerializeToNode(job, ApiJsonContext.Default.SyncJob)!;

        var entry = again["metadata"]!["managedFields"]![0]!;
        Assert.Equal("kubectl", (string?)entry["manager"]);
        Assert.Equal(fieldsV1, entry["fieldsV1"]!.ToJsonString());
    }

    [Fact]
    public void RoundTrip_ReplicaMirror_KeepsEverything()
    {
        var mirror = new ReplicaMirror
        {
            Metadata = new V1ObjectMeta { Name = "m" },
            Spec = new ReplicaMirrorSpec
            {
                Source = new Endpoint { Volume = new VolumeEndpoint { ClaimName = "data", ReadOnly = true } },
                Destinations = [new MirrorDestination { Name = "eu", S3 = new S3Endpoint { Bucket = "b", Region = "eu-west-1" } }],
                Interval = "15m",
                ConcurrencyPolicy = ConcurrencyPolicy.Replace,
                MaxDelete = "20%",
            },
            Status = new ReplicaMirrorStatus
            {
                LastSyncResult = MirrorSyncResult.PartiallyFailed,
                Destinations = [new MirrorDestinationStatus { Name = "eu", Phase = SyncJobPhase.Failed, LastError = "boom" }],
            },
        };

        var json = JsonSerializer.Serialize(mirror, ApiJsonContext.Default.ReplicaMirror);
        var back = JsonSerializer.Deserialize(json, ApiJsonContext.Default.ReplicaMirror)!;

        Assert.Contains("\"concurrencyPolicy\":\"Replace\"", json, StringComparison.Ordinal);
        Assert.Contains("\"lastSyncResult\":\"PartiallyFailed\"", json, StringComparison.Ordinal);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(json), JsonSerializer.SerializeToNode(back, ApiJsonContext.Default.ReplicaMirror)));
        Assert.Equal(("eu", "eu-west-1"), (back.Spec.Destinations[0].Name, back.Spec.Destinations[0].S3!.Region));
    }

    [Fact]
    public void Deserialize_UnknownEnumValue_Throws()
    {
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize(
            """{"spec":{"source":{"s3":{"bucket":"a"}},"destinations":[],"concurrencyPolicy":"Allow"}}""",
            ApiJsonContext.Default.ReplicaMirror));
    }

    [Fact]
    public void Deserialize_SpecWithoutSource_Throws()
    {
        // spec itself is not a required member (KubernetesClient's watch decodes a stream line as the type; ManifestReader
        // checks it), but what a spec requires still fails the decode.
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize(
            """{"metadata":{"name":"x"},"spec":{"destination":{"volume":{"claimName":"d"}}}}""", ApiJsonContext.Default.SyncJob));
    }
}
