using System.Text.Json.Nodes;

namespace Ferry.E2E.Tests.Harness;

/// <summary>The objects the scenarios apply with kubectl, as JSON (which kubectl reads like YAML).</summary>
internal static class Manifests
{
    /// <summary>The runner image the SyncJobs name in <c>spec.runner.image</c>; the kubelet maps it to the built
    /// <c>ferry</c> executable.</summary>
    public const string RunnerImage = "ferry.local/ferry:e2e";

    /// <summary>The name of the S3 credentials Secret every scenario creates.</summary>
    public const string S3Secret = "radosgw-credentials";

    /// <summary>An Opaque Secret with the S3 keys under the default key names <c>accessKeyId</c> and
    /// <c>secretAccessKey</c>.</summary>
    public static JsonObject S3Credentials(string ns, string accessKey, string secretKey) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Secret",
        ["metadata"] = new JsonObject { ["name"] = S3Secret, ["namespace"] = ns },
        ["type"] = "Opaque",
        ["stringData"] = new JsonObject { ["accessKeyId"] = accessKey, ["secretAccessKey"] = secretKey },
    };

    /// <summary>A ReadWriteMany PersistentVolumeClaim (the process kubelet maps it to <c>VOLUMES/NAME</c>).</summary>
    public static JsonObject Claim(string ns, string name) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "PersistentVolumeClaim",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
        ["spec"] = new JsonObject
        {
            ["accessModes"] = new JsonArray("ReadWriteMany"),
            ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["storage"] = "1Gi" } },
        },
    };

    /// <summary>A SyncJob copying <c>s3://BUCKET/doc/</c> at <paramref name="endpoint"/> to the volume
    /// <paramref name="claim"/> under <paramref name="path"/> with <paramref name="workers"/> runner pods;
    /// <paramref name="customize"/> edits the spec.</summary>
    public static JsonObject SyncJob(string ns, string name, string bucket, Uri endpoint, string claim, string path, int workers, Action<JsonObject>? customize = null)
    {
        var spec = new JsonObject
        {
            ["source"] = new JsonObject
            {
                ["s3"] = new JsonObject
                {
                    ["bucket"] = bucket,
                    ["prefix"] = SourceTree.Prefix,
                    ["endpoint"] = endpoint.GetLeftPart(UriPartial.Authority),
                    ["region"] = "us-east-1",
                    ["forcePathStyle"] = true,
                    ["credentialsSecretRef"] = new JsonObject { ["name"] = S3Secret },
                },
            },
            ["destination"] = new JsonObject
            {
                ["volume"] = new JsonObject { ["claimName"] = claim, ["path"] = path },
            },
            ["workers"] = workers,
            ["taskObjects"] = 40,
            ["runner"] = new JsonObject { ["image"] = RunnerImage },
        };
        customize?.Invoke(spec);
        return new JsonObject
        {
            ["apiVersion"] = "ferry.io/v1alpha1",
            ["kind"] = "SyncJob",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
            ["spec"] = spec,
        };
    }

    /// <summary>A ReplicaMirror from <c>s3://BUCKET/doc/</c> at <paramref name="endpoint"/> to one volume destination per
    /// entry of <paramref name="destinations"/> (name, claim, path); <paramref name="customize"/> edits the spec.</summary>
    public static JsonObject ReplicaMirror(string ns, string name, string bucket, Uri endpoint, (string Name, string Claim, string Path)[] destinations, Action<JsonObject>? customize = null)
    {
        var spec = new JsonObject
        {
            ["source"] = new JsonObject
            {
                ["s3"] = new JsonObject
                {
                    ["bucket"] = bucket,
                    ["prefix"] = SourceTree.Prefix,
                    ["endpoint"] = endpoint.GetLeftPart(UriPartial.Authority),
                    ["region"] = "us-east-1",
                    ["forcePathStyle"] = true,
                    ["credentialsSecretRef"] = new JsonObject { ["name"] = S3Secret },
                },
            },
            ["destinations"] = new JsonArray([.. destinations.Select(d => (JsonNode)new JsonObject
            {
                ["name"] = d.Name,
                ["volume"] = new JsonObject { ["claimName"] = d.Claim, ["path"] = d.Path },
            })]),
            ["workers"] = 1,
            ["taskObjects"] = 40,
            ["runner"] = new JsonObject { ["image"] = RunnerImage },
        };
        customize?.Invoke(spec);
        return new JsonObject
        {
            ["apiVersion"] = "ferry.io/v1alpha1",
            ["kind"] = "ReplicaMirror",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
            ["spec"] = spec,
        };
    }
}
