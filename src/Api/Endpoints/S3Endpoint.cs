using System.ComponentModel;
using Ferry.Api.Common;
using Ferry.Api.Schema;

namespace Ferry.Api.Endpoints;

/// <summary>An S3-compatible bucket and key prefix.</summary>
public sealed class S3Endpoint
{
    /// <summary>The bucket name.</summary>
    [Length(3, 63)]
    public required string Bucket { get; set; }

    /// <summary>The key prefix inside the bucket; keys are synced relative to it. End it with <c>/</c> to name a
    /// directory-like prefix.</summary>
    /// <value>Empty: the whole bucket.</value>
    [Length(0, 1024)]
    public string? Prefix { get; set; }

    /// <summary>The service URL, e.g. <c>https://s3.eu-west-1.amazonaws.com</c> or <c>http://minio.storage:9000</c>.</summary>
    /// <value>Empty: AWS S3 for the region.</value>
    [Length(0, 2048), Pattern("^https?://.+")]
    public string? Endpoint { get; set; }

    /// <summary>The region used to sign requests.</summary>
    /// <value><c>us-east-1</c>.</value>
    [Length(1, 64), DefaultValue("us-east-1")]
    public string? Region { get; set; }

    /// <summary>Address the bucket in the URL path (<c>http://host/bucket/key</c>) instead of the host name;
    /// most self-hosted stores need it.</summary>
    /// <value><see langword="false"/>.</value>
    public bool? ForcePathStyle { get; set; }

    /// <summary>The storage class of the objects a run writes here, e.g. <c>STANDARD_IA</c> or <c>GLACIER_IR</c>: sent with
    /// every PutObject, multipart upload and server-side copy (juicefs sync <c>--storage-class</c>). The store refuses a
    /// class it does not know, and the run fails with its error. Ignored when the endpoint is a source.</summary>
    /// <value>Empty: the bucket's default class.</value>
    [Length(1, 64), Pattern(SchemaPatterns.StorageClass)]
    public string? StorageClass { get; set; }

    /// <summary>The Secret holding the access key. Omit it to use the runner pod's ambient credentials
    /// (environment, web identity, instance metadata).</summary>
    public S3CredentialsSecretRef? CredentialsSecretRef { get; set; }
}
