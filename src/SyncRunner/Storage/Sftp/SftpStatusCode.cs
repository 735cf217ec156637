namespace Ferry.SyncRunner.Storage.Sftp;

/// <summary>Status codes of an SSH_FXP_STATUS reply (draft-ietf-secsh-filexfer-02, section 7).</summary>
public enum SftpStatusCode : uint
{
    /// <summary>SSH_FX_OK: success.</summary>
    Ok = 0,

    /// <summary>SSH_FX_EOF: end of file, or no more directory entries.</summary>
    Eof = 1,

    /// <summary>SSH_FX_NO_SUCH_FILE: a path that does not exist.</summary>
    NoSuchFile = 2,

    /// <summary>SSH_FX_PERMISSION_DENIED: the server user lacks permission.</summary>
    PermissionDenied = 3,

    /// <summary>SSH_FX_FAILURE: any other failure (OpenSSH also uses it for "directory not empty" and "exists").</summary>
    Failure = 4,

    /// <summary>SSH_FX_BAD_MESSAGE: a malformed request.</summary>
    BadMessage = 5,

    /// <summary>SSH_FX_NO_CONNECTION: no connection to the server (client side only).</summary>
    NoConnection = 6,

    /// <summary>SSH_FX_CONNECTION_LOST: the connection was lost (client side only).</summary>
    ConnectionLost = 7,

    /// <summary>SSH_FX_OP_UNSUPPORTED: the server does not implement the request.</summary>
    OpUnsupported = 8,
}
