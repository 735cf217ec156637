using System.Text.Json;
using System.Text.Json.Nodes;
using Ferry.Api.Endpoints;
using Ferry.Api.ReplicaMirrors;
using Ferry.Api.Serialization;
using Ferry.Api.SyncJobs;
using Ferry.Api.Tests.Support;
using k8s;
using k8s.Models;

namespace Ferry.Api.Tests.Samples;

/// <summary>The manifests in config/samples read into the types and pass the committed CRD schemas; the invalid
/// variants in Samples/Invalid are rejected by the schemas.</summary>
public sealed class SamplesTests
{
    private static readonly Dictionary<string, JsonObject> SchemasByKind = Directory
        .GetFiles(RepoPaths.Crds, "*.yaml")
        .Select(f => ManifestReader.ReadDocuments(File.ReadAllText(f)).Single())
        .ToDictionary(
            crd => (string)crd["spec"]!["names"]!["kind"]!,
            crd => (JsonObject)crd["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!);

    private static IEnumerable<string> SampleFiles() =>
        Directory.GetFiles(RepoPaths.Samples, "*.yaml").Order(StringComparer.Ordinal);

    private static JsonObject Document(string file) => ManifestReader.ReadDocuments(File.ReadAllText(file)).Single();

    [Fact]
    public void SampleFiles_ExistForBothKinds()
    {
        var kinds = SampleFiles().Select(f => (string?)Document(f)["kind"]).Order().ToList();

        Assert.Equal(["ReplicaMirror", "ReplicaMirror", "ReplicaMirror", "SyncJob"], kinds);
    }

    [Fact]
    public void SyncJobSample_ReadsIntoTypes()
    {
        SyncJob job = Assert.IsType<SyncJob>(Assert.Single(
            ManifestReader.Read(File.ReadAllText(Path.Combine(RepoPaths.Samples, "syncjob-s3-to-volume.yaml")))));

        Assert.Equal(("imagenet-to-pvc", "ml"), (job.Metadata.Name, job.Metadata.NamespaceProperty));
        Assert.Equal(("training-datasets", "imagenet/", "datasets-s3-credentials"),
            (job.Spec.Source.S3!.Bucket, job.Spec.Source.S3.Prefix, job.Spec.Source.S3.CredentialsSecretRef!.Name));
        Assert.Null(job.Spec.Source.Volume);
        Assert.Equal(("datasets", "imagenet"), (job.Spec.Destination.Volume!.ClaimName, job.Spec.Destination.Volume.Path));
        Assert.Equal([".DS_Store", "*.tmp", null, null, "*"], job.Spec.Filters!.Select(f => f.Exclude));
        Assert.True(job.Spec.MatchFullPath);
        Assert.Equal(50, job.Spec.MaxDelete!.ResolveCount(1000));
        Assert.Equal(("4Gi", 1L), (job.Spec.MaxSize!.StringValue, job.Spec.MinSize!.IntValue!.Value));
        Assert.Equal((4, 16, 800L), (job.Spec.Workers!.Value, job.Spec.Threads!.Value, job.Spec.BwLimit!.Value));
        Assert.Equal("1", job.Spec.Runner!.Resources!.Requests!["cpu"].ToString());
        Assert.Equal("NoSchedule", Assert.Single(job.Spec.Runner.Tolerations!).Effect);
    }

    [Fact]
    public void ReplicaMirrorSample_ReadsIntoTypes()
    {
        ReplicaMirror mirror = Assert.IsType<ReplicaMirror>(Assert.Single(
            ManifestReader.Read(File.ReadAllText(Path.Combine(RepoPaths.Samples, "replicamirror-s3-two-regions.yaml")))));

        Assert.Equal(["eu-west", "ap-southeast"], mirror.Spec.Destinations.Select(d => d.Name));
        Assert.Equal(["eu-west-1", "ap-southeast-1"], mirror.Spec.Destinations.Select(d => d.S3!.Region));
        Assert.Equal("AWS_ACCESS_KEY_ID", mirror.Spec.Destinations[0].S3!.CredentialsSecretRef!.AccessKeyIdKey);
        Assert.Equal(("*/30 * * * *", ConcurrencyPolicy.Forbid), (mirror.Spec.Schedule, mirror.Spec.ConcurrencyPolicy));
        Assert.Null(mirror.Spec.Interval);
        Assert.Equal(10, mirror.Spec.MaxDelete!.ResolveCount(100));
        Assert.Null(mirror.Spec.DeleteDst);
    }

    [Fact]
    public void NightlySftpMirrorSample_ReadsIntoTypesAndSchedulesInBerlinTime()
    {
        ReplicaMirror mirror = Assert.IsType<ReplicaMirror>(Assert.Single(
            ManifestReader.Read(File.ReadAllText(Path.Combine(RepoPaths.Samples, "replicamirror-volume-to-sftp-nightly.yaml")))));

        Assert.Equal(("uploads", true), (mirror.Spec.Source.Volume!.ClaimName, mirror.Spec.Source.Volume.ReadOnly));
        MirrorDestination offsite = Assert.Single(mirror.Spec.Destinations);
        Assert.Equal(("offsite", "backup.example.net", "offsite-sftp"), (offsite.Name, offsite.Sftp!.Host, offsite.Sftp.CredentialsSecretRef.Name));
        var trigger = MirrorTrigger.Parse(mirror.Spec);
        Assert.Equal(MirrorTriggerKind.Schedule, trigger.Kind);
        Assert.Equal(TimeSpan.FromHours(1), trigger.StartingDeadline);
        // 02:30 in Berlin is 01:30 UTC in winter and 00:30 UTC in summer.
        Assert.Equal(new DateTimeOffset(2026, 12, 9, 1, 30, 0, TimeSpan.Zero), trigger.NextAfter(new DateTimeOffset(2026, 12, 8, 12, 0, 0, TimeSpan.Zero)));
        Assert.Equal(new DateTimeOffset(2026, 7, 2, 0, 30, 0, TimeSpan.Zero), trigger.NextAfter(new DateTimeOffset(2026, 7, 1, 12, 0, 0, TimeSpan.Zero)));
        Assert.Equal(TimeSpan.FromHours(26), trigger.Rpo(mirror.Spec, DateTimeOffset.UnixEpoch));
    }

    [Fact]
    public void ContinuousMirrorSample_ReadsIntoTypesWithItsWatchSettings()
    {
        ReplicaMirror mirror = Assert.IsType<ReplicaMirror>(Assert.Single(
            ManifestReader.Read(File.ReadAllText(Path.Combine(RepoPaths.Samples, "replicamirror-volume-continuous.yaml")))));

        Assert.Equal("uploads", mirror.Spec.Source.Volume!.ClaimName);
        Assert.Equal(["standby", "offsite"], mirror.Spec.Destinations.Select(d => d.Name));
        var trigger = MirrorTrigger.Parse(mirror.Spec);
        Assert.Equal(MirrorTriggerKind.Continuous, trigger.Kind);
        Assert.Equal(new ContinuousSettings(TimeSpan.FromSeconds(5), 500, TimeSpan.FromHours(6)), trigger.Continuous);
        Assert.Equal(TimeSpan.FromMinutes(1), trigger.Rpo(mirror.Spec, DateTimeOffset.UnixEpoch));
        Assert.Null(trigger.NextAfter(DateTimeOffset.UnixEpoch));
    }

    [Fact]
    public void Samples_PassTheCrdSchemas()
    {
        foreach (string file in SampleFiles())
        {
            JsonObject document = Document(file);

            IReadOnlyList<string> errors = OpenApiValidator.Validate(document, SchemasByKind[(string)document["kind"]!]);

            Assert.True(errors.Count == 0, $"{Path.GetFileName(file)}: {string.Join("; ", errors)}");
        }
    }

    [Fact]
    public void Samples_RoundTripThroughTypesWithoutLoss()
    {
        foreach (string file in SampleFiles())
        {
            JsonObject document = Document(file);
            IKubernetesObject<V1ObjectMeta> typed = Assert.Single(ManifestReader.Read(File.ReadAllText(file)));

            JsonNode? json = typed switch
            {
                SyncJob job => JsonSerializer.SerializeToNode(job, ApiJsonContext.Default.SyncJob),
                ReplicaMirror mirror => JsonSerializer.SerializeToNode(mirror, ApiJsonContext.Default.ReplicaMirror),
                _ => throw new InvalidOperationException(typed.GetType().Name),
            };

            Assert.True(JsonNode.DeepEquals(document, json),
                $"{Path.GetFileName(file)}:\n{document.ToJsonString()}\n{json!.ToJsonString()}");
        }
    }

    [Fact]
    public void Samples_AfterSchemaDefaults_HaveKindSpecificDefaults()
    {
        JsonObject mirror = Document(Path.Combine(RepoPaths.Samples, "replicamirror-s3-two-regions.yaml"));
        JsonObject job = Document(Path.Combine(RepoPaths.Samples, "syncjob-s3-to-volume.yaml"));
        job["spec"]!.AsObject().Remove("deleteDst");

        OpenApiValidator.ApplyDefaults(mirror, SchemasByKind["ReplicaMirror"]);
        OpenApiValidator.ApplyDefaults(job, SchemasByKind["SyncJob"]);

        ReplicaMirror m = mirror.Deserialize(ApiJsonContext.Default.ReplicaMirror)!;
        Assert.True(m.Spec.DeleteDst);
        Assert.Equal("10%", m.Spec.MaxDelete!.StringValue);
        Assert.Equal((32, 1, 6), (m.Spec.Threads!.Value, m.Spec.ListDepth!.Value, m.Spec.BackoffLimit!.Value));
        Assert.Equal(("accessKeyId", "secretAccessKey"),
            (m.Spec.Source.S3!.CredentialsSecretRef!.AccessKeyIdKey, m.Spec.Source.S3.CredentialsSecretRef.SecretAccessKeyKey));
        Assert.Equal("AWS_ACCESS_KEY_ID", m.Spec.Destinations[1].S3!.CredentialsSecretRef!.AccessKeyIdKey);
        SyncJob j = job.Deserialize(ApiJsonContext.Default.SyncJob)!;
        Assert.Null(j.Spec.DeleteDst);
        Assert.Equal("5%", j.Spec.MaxDelete!.StringValue);
        Assert.Equal("us-east-1", ((JsonObject)SchemasByKind["SyncJob"]["properties"]!["spec"]!["properties"]!["source"]!
            ["properties"]!["s3"]!["properties"]!["region"]!)["default"]!.GetValue<string>());
        Assert.Empty(OpenApiValidator.Validate(mirror, SchemasByKind["ReplicaMirror"]));
        Assert.Empty(OpenApiValidator.Validate(job, SchemasByKind["SyncJob"]));
    }

    [Fact]
    public void Samples_ReferenceSecretsThatExistWithTheKeys()
    {
        var secrets = Directory.GetFiles(Path.Combine(RepoPaths.Samples, "secrets"), "*.yaml")
            .SelectMany(f => ManifestReader.ReadDocuments(File.ReadAllText(f)))
            .ToDictionary(s => ((string)s["metadata"]!["namespace"]!, (string)s["metadata"]!["name"]!));
        var references = new List<(string Namespace, string Name, string[] Keys)>();
        foreach (IKubernetesObject<V1ObjectMeta>? obj in SampleFiles().SelectMany(f => ManifestReader.Read(File.ReadAllText(f))))
        {
            Endpoint[] endpoints = obj switch
            {
                SyncJob job => new[] { job.Spec.Source, job.Spec.Destination },
                ReplicaMirror mirror => [mirror.Spec.Source, .. mirror.Spec.Destinations],
                _ => [],
            };
            foreach (S3CredentialsSecretRef s3 in endpoints.Select(e => e.S3?.CredentialsSecretRef).OfType<Endpoints.S3CredentialsSecretRef>())
            {
                references.Add((obj.Metadata.NamespaceProperty!, s3.Name,
                    [s3.AccessKeyIdKey ?? "accessKeyId", s3.SecretAccessKeyKey ?? "secretAccessKey"]));
            }
        }

        Assert.Equal(5, references.Count);
        var sftp = SampleFiles().SelectMany(f => ManifestReader.Read(File.ReadAllText(f))).OfType<ReplicaMirror>()
            .SelectMany(m => m.Spec.Destinations.Select(d => (m.Metadata.NamespaceProperty!, d.Sftp?.CredentialsSecretRef))).Where(r => r.Item2 is not null).ToList();
        (string? sftpNamespace, SftpCredentialsSecretRef? sftpRef) = Assert.Single(sftp);
        Assert.True(secrets.TryGetValue((sftpNamespace, sftpRef!.Name), out JsonObject? sftpSecret), $"Secret {sftpNamespace}/{sftpRef.Name} missing");
        Assert.NotNull(sftpSecret["stringData"]!["privateKey"]);
        Assert.NotNull(sftpSecret["stringData"]!["knownHosts"]);
        foreach ((string? ns, string? name, string[]? keys) in references)
        {
            Assert.True(secrets.TryGetValue((ns, name), out JsonObject? secret), $"Secret {ns}/{name} missing from config/samples/secrets");
            foreach (string key in keys)
            {
                Assert.NotNull(secret["stringData"]![key]);
            }
        }
    }

    private static List<string> InvalidFileNames() =>
        [.. Directory.GetFiles(RepoPaths.InvalidSamples, "*.yaml").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)];

    public static TheoryData<string> InvalidFiles() => [.. InvalidFileNames()];

    [Theory]
    [MemberData(nameof(InvalidFiles))]
    public void InvalidVariant_IsRejectedWithTheExpectedError(string file)
    {
        string text = File.ReadAllText(Path.Combine(RepoPaths.InvalidSamples, file));
        string expected = text.Split('\n')[0];
        Assert.StartsWith("# expect: ", expected, StringComparison.Ordinal);
        expected = expected["# expect: ".Length..];
        JsonObject document = ManifestReader.ReadDocuments(text).Single();

        IReadOnlyList<string> errors = OpenApiValidator.Validate(document, SchemasByKind[(string)document["kind"]!]);

        Assert.Contains(errors, e => e.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void InvalidVariants_CoverTheRequiredCases()
    {
        List<string> names = InvalidFileNames();

        Assert.Contains("syncjob-two-endpoint-kinds.yaml", names);
        Assert.Contains("syncjob-negative-workers.yaml", names);
        Assert.Contains("replicamirror-bad-concurrency-policy.yaml", names);
        Assert.Contains("replicamirror-schedule-and-interval.yaml", names);
        Assert.Contains("replicamirror-continuous-and-interval.yaml", names);
    }
}
