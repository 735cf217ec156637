using System.ComponentModel;
using Ferry.Api.Schema;

namespace Ferry.Api.Endpoints;

/// <summary>A directory on an SFTP server.</summary>
/// <remarks>The runner speaks SFTP version 3 (draft-ietf-secsh-filexfer-02) through OpenSSH's client, which
/// verifies the host key against the Secret's <c>known_hosts</c> (DESIGN.md, "SFTP").</remarks>
public sealed class SftpEndpoint
{
    /// <summary>The server's host name or IP address.</summary>
    [Length(1, 253)]
    public required string Host { get; set; }

    /// <summary>The default of <see cref="Port"/>: SSH's port.</summary>
    public const int DefaultPort = 22;

    /// <summary>The TCP port.</summary>
    /// <value>22.</value>
    [Minimum(1), Maximum(65535), DefaultValue(DefaultPort)]
    public int? Port { get; set; }

    /// <summary>The login user.</summary>
    [Length(1, 256)]
    public required string User { get; set; }

    /// <summary>The directory on the server; relative paths start at the login directory.</summary>
    /// <value>Empty: the login directory.</value>
    [Length(0, 4096)]
    public string? Path { get; set; }

    /// <summary>The Secret holding the private key or password, and the server's host keys.</summary>
    public required SftpCredentialsSecretRef CredentialsSecretRef { get; set; }
}
