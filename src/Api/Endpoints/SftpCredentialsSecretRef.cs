using System.ComponentModel;
using Ferry.Api.Schema;

namespace Ferry.Api.Endpoints;

/// <summary>A reference to a Secret in the same namespace that holds SFTP credentials, and the keys inside it.</summary>
/// <remarks>The runner authenticates with the private key when the Secret has the <see cref="PrivateKeyKey"/>
/// entry, otherwise with the password; the Secret must have the <see cref="KnownHostsKey"/> entry, because host
/// keys are always verified (DESIGN.md, "SFTP").</remarks>
public sealed class SftpCredentialsSecretRef
{
    /// <summary>The default of <see cref="PrivateKeyKey"/>.</summary>
    public const string DefaultPrivateKeyKey = "privateKey";

    /// <summary>The default of <see cref="PasswordKey"/>.</summary>
    public const string DefaultPasswordKey = "password";

    /// <summary>The default of <see cref="KnownHostsKey"/>.</summary>
    public const string DefaultKnownHostsKey = "knownHosts";

    /// <summary>The name of the Secret, in the namespace of the custom resource.</summary>
    [Length(1, 253)]
    public required string Name { get; set; }

    /// <summary>The Secret key that holds an OpenSSH private key (unencrypted, PEM or OpenSSH format).</summary>
    /// <value><c>privateKey</c>.</value>
    [Length(1, 253), DefaultValue(DefaultPrivateKeyKey)]
    public string? PrivateKeyKey { get; set; }

    /// <summary>The Secret key that holds the password, used when the Secret has no private key.</summary>
    /// <value><c>password</c>.</value>
    [Length(1, 253), DefaultValue(DefaultPasswordKey)]
    public string? PasswordKey { get; set; }

    /// <summary>The Secret key that holds the server's host keys in <c>known_hosts</c> format.</summary>
    /// <value><c>knownHosts</c>.</value>
    [Length(1, 253), DefaultValue(DefaultKnownHostsKey)]
    public string? KnownHostsKey { get; set; }
}
