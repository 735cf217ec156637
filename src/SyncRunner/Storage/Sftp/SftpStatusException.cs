namespace Ferry.SyncRunner.Storage.Sftp;

/// <summary>The SFTP server answered a request with a non-OK SSH_FXP_STATUS.</summary>
/// <remarks>
/// The <see cref="StorageException.Kind"/> follows the status: <see cref="SftpStatusCode.NoSuchFile"/> is
/// <see cref="StorageErrorKind.NotFound"/>, <see cref="SftpStatusCode.PermissionDenied"/> is
/// <see cref="StorageErrorKind.AccessDenied"/>, <see cref="SftpStatusCode.BadMessage"/> and
/// <see cref="SftpStatusCode.OpUnsupported"/> are <see cref="StorageErrorKind.Invalid"/>, a lost connection is
/// <see cref="StorageErrorKind.Transient"/>, the rest <see cref="StorageErrorKind.Other"/>.
/// </remarks>
public sealed class SftpStatusException : StorageException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="status">The status code the server sent.</param>
    /// <param name="message">What failed, naming the path and location (no secrets).</param>
    public SftpStatusException(SftpStatusCode status, string message)
        : base(KindOf(status), message) => Status = status;

    /// <summary>The status code the server sent.</summary>
    public SftpStatusCode Status { get; }

    /// <summary>Maps an SFTP status code to a storage error kind.</summary>
    /// <param name="status">The status code.</param>
    /// <returns>The kind of storage error.</returns>
    public static StorageErrorKind KindOf(SftpStatusCode status) => status switch
    {
        SftpStatusCode.NoSuchFile => StorageErrorKind.NotFound,
        SftpStatusCode.PermissionDenied => StorageErrorKind.AccessDenied,
        SftpStatusCode.BadMessage or SftpStatusCode.OpUnsupported => StorageErrorKind.Invalid,
        SftpStatusCode.NoConnection or SftpStatusCode.ConnectionLost => StorageErrorKind.Transient,
        _ => StorageErrorKind.Other,
    };
}
