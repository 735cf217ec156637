using System.ComponentModel;
using Ferry.Api.Schema;

namespace Ferry.Api.Endpoints;

/// <summary>A reference to a Secret in the same namespace that holds S3 credentials, and the keys inside it.</summary>
/// <remarks>Credentials never appear in the spec (DESIGN.md, "The API"); the runner reads the Secret's values
/// and never logs them.</remarks>
public sealed class S3CredentialsSecretRef
{
    /// <summary>The default of <see cref="AccessKeyIdKey"/>.</summary>
    public const string DefaultAccessKeyIdKey = "accessKeyId";

    /// <summary>The default of <see cref="SecretAccessKeyKey"/>.</summary>
    public const string DefaultSecretAccessKeyKey = "secretAccessKey";

    /// <summary>The default of <see cref="SessionTokenKey"/>.</summary>
    public const string DefaultSessionTokenKey = "sessionToken";

    /// <summary>The name of the Secret, in the namespace of the custom resource.</summary>
    [Length(1, 253)]
    public required string Name { get; set; }

    /// <summary>The Secret key that holds the access key id.</summary>
    /// <value><c>accessKeyId</c>.</value>
    [Length(1, 253), DefaultValue(DefaultAccessKeyIdKey)]
    public string? AccessKeyIdKey { get; set; }

    /// <summary>The Secret key that holds the secret access key.</summary>
    /// <value><c>secretAccessKey</c>.</value>
    [Length(1, 253), DefaultValue(DefaultSecretAccessKeyKey)]
    public string? SecretAccessKeyKey { get; set; }

    /// <summary>The Secret key that holds a session token for temporary credentials; used only when the Secret
    /// has that key.</summary>
    /// <value><c>sessionToken</c>.</value>
    [Length(1, 253), DefaultValue(DefaultSessionTokenKey)]
    public string? SessionTokenKey { get; set; }
}
