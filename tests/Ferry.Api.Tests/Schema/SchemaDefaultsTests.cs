using System.Text.Json;
using System.Text.Json.Nodes;
using Ferry.Api.Endpoints;
using Ferry.Api.ReplicaMirrors;
using Ferry.Api.Schema;
using Ferry.Api.Serialization;
using Ferry.Api.SyncJobs;
using Ferry.Api.Tests.Support;

namespace Ferry.Api.Tests.Schema;

public sealed class SchemaDefaultsTests
{
    private static JsonObject SchemaOf(string kind)
    {
        var crd = ManifestReader.ReadDocuments(File.ReadAllText(Path.Combine(RepoPaths.Crds, $"ferry.io_{kind.ToLowerInvariant()}s.yaml"))).Single();
        return (JsonObject)crd["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!;
    }

    private static JsonNode Serialize(object obj) => obj switch
    {
        SyncJob job => JsonSerializer.SerializeToNode(job, ApiJsonContext.Default.SyncJob)!,
        ReplicaMirror mirror => JsonSerializer.SerializeToNode(mirror, ApiJsonContext.Default.ReplicaMirror)!,
        _ => throw new InvalidOperationException(),
    };

    /// <summary>The typed defaults and the schema's defaults (applied as an API server would) agree, for the
    /// samples and for minimal objects.</summary>
    [Theory]
    [InlineData("syncjob-s3-to-volume.yaml")]
    [InlineData("replicamirror-s3-two-regions.yaml")]
    public void Apply_Sample_MatchesSchemaDefaulting(string file)
    {
        var text = File.ReadAllText(Path.Combine(RepoPaths.Samples, file));
        var document = ManifestReader.ReadDocuments(text).Single();
        var typed = ManifestReader.Read(text).Single();

        OpenApiValidator.ApplyDefaults(document, SchemaOf(typed.Kind));
        SchemaDefaults.Apply(typed);

        var ours = Serialize(typed);
        Assert.True(JsonNode.DeepEquals(document, ours), $"\nschema: {document.ToJsonString()}\ntyped:  {ours.ToJsonString()}");
    }

    [Fact]
    public void Apply_MinimalObjects_MatchSchemaDefaulting()
    {
        var job = new SyncJob
        {
            Spec = new SyncJobSpec
            {
                Source = new Endpoint { Sftp = new SftpEndpoint { Host = "h", User = "u", CredentialsSecretRef = new() { Name = "s" } } },
                Destination = new Endpoint { S3 = new S3Endpoint { Bucket = "bkt", CredentialsSecretRef = new() { Name = "c" } } },
                Filters = [new() { Exclude = "*.tmp" }],
                Runner = new(),
            },
        };
        var mirror = new ReplicaMirror
        {
            Spec = new ReplicaMirrorSpec
            {
                Source = new Endpoint { Volume = new VolumeEndpoint { ClaimName = "data" } },
                Destinations = [new MirrorDestination { Name = "eu", S3 = new S3Endpoint { Bucket = "b" } }],
            },
        };

        foreach (var obj in new object[] { job, mirror })
        {
            var document = Serialize(obj);
            OpenApiValidator.ApplyDefaults(document, SchemaOf(((k8s.IKubernetesObject)obj).Kind));

            SchemaDefaults.Apply(obj);

            Assert.True(JsonNode.DeepEquals(document, Serialize(obj)), $"\nschema: {document.ToJsonString()}\ntyped:  {Serialize(obj).ToJsonString()}");
        }

        Assert.Equal((10, 22, "privateKey", "us-east-1"),
            (job.Spec.Threads, job.Spec.Source.Sftp!.Port, job.Spec.Source.Sftp.CredentialsSecretRef.PrivateKeyKey, job.Spec.Destination.S3!.Region));
        Assert.Null(job.Spec.DeleteDst);
        Assert.Null(job.Spec.MaxDelete);
        Assert.Equal((true, "50%", ConcurrencyPolicy.Forbid, 3, 1),
            (mirror.Spec.DeleteDst, mirror.Spec.MaxDelete!.StringValue, mirror.Spec.ConcurrencyPolicy, mirror.Spec.SuccessfulRunsHistoryLimit, mirror.Spec.FailedRunsHistoryLimit));
    }

    [Fact]
    public void Apply_SetValues_AreKept()
    {
        var mirror = new ReplicaMirror
        {
            Spec = new ReplicaMirrorSpec
            {
                Source = new Endpoint { S3 = new S3Endpoint { Bucket = "a", Region = "eu-west-1" } },
                Destinations = [new MirrorDestination { Name = "eu", S3 = new S3Endpoint { Bucket = "b" } }],
                DeleteDst = false,
                MaxDelete = 0,
                Threads = 2,
            },
        };

        SchemaDefaults.Apply(mirror);

        Assert.Equal((false, 0L, 2, "eu-west-1"), (mirror.Spec.DeleteDst, mirror.Spec.MaxDelete.IntValue, mirror.Spec.Threads, mirror.Spec.Source.S3!.Region));
        Assert.Null(mirror.Spec.Source.S3.CredentialsSecretRef);
    }
}
